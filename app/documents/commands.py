"""`flask documents purge-trash` and `flask storage check`: the library's housekeeping.

Both are safe to run from cron. `purge-trash` removes what has been in the trash longer than
`DOCUMENTS_TRASH_RETENTION_DAYS` (default 30); `storage check` compares the stored files
with the database, and with `--clean` removes files no document version refers to.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from app.core.storage import LocalStorage, get_storage
from app.documents import purging

documents_cli = AppGroup("documents", help="The working groups' document libraries.")
storage_cli = AppGroup("storage", help="The file store behind the document libraries.")

#: A file younger than this may belong to an upload whose row is being committed right now.
DEFAULT_MIN_AGE_MINUTES = 60


@documents_cli.command("purge-trash")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Remove what has been in the trash longer than this (default: the configured time).",
)
def purge_trash_command(days: int | None) -> None:
    """Remove for good what has been in the trash too long (run it daily from cron)."""
    older_than = timedelta(days=days) if days is not None else purging.trash_retention()
    result = purging.purge_trash(older_than)
    click.echo(
        ngettext(
            "%(num)d document removed for good.",
            "%(num)d documents removed for good.",
            result.purged,
        )
    )
    if result.protected:
        click.echo(
            ngettext(
                "%(num)d document kept: it is needed elsewhere in the portal.",
                "%(num)d documents kept: they are needed elsewhere in the portal.",
                result.protected,
            )
        )


@storage_cli.command("check")
@click.option("--clean", is_flag=True, help="Delete the stored files no document refers to.")
@click.option(
    "--min-age",
    type=click.IntRange(min=0),
    default=DEFAULT_MIN_AGE_MINUTES,
    show_default=True,
    help="Leave alone files younger than this many minutes (uploads in progress).",
)
def check_command(clean: bool, min_age: int) -> None:
    """Report stored files without a document and documents whose file is missing."""
    storage = get_storage()
    referenced = purging.referenced_storage_keys()
    stored = dict(storage.stored_keys())
    limit = time.time() - min_age * 60
    orphans = sorted(key for key, mtime in stored.items() if key not in referenced)
    missing = sorted(referenced - set(stored))
    for key in orphans:
        click.echo(_("file without a document: %(key)s", key=key))
    for key in missing:
        click.echo(_("document version without its file: %(key)s", key=key))
    click.echo(
        _(
            "%(files)d stored files, %(orphans)d without a document, %(missing)d missing.",
            files=len(stored),
            orphans=len(orphans),
            missing=len(missing),
        )
    )
    if clean:
        removable = [key for key in orphans if stored[key] < limit]
        for key in removable:
            storage.delete(key)
        if isinstance(storage, LocalStorage):
            for path in storage.stale_temporary_files(min_age * 60):
                path.unlink(missing_ok=True)
        click.echo(
            ngettext(
                "%(num)d file without a document deleted.",
                "%(num)d files without a document deleted.",
                len(removable),
            )
        )
        kept = len(orphans) - len(removable)
        if kept:
            click.echo(
                ngettext(
                    "%(num)d recent file left alone (it may be an upload in progress).",
                    "%(num)d recent files left alone (they may be uploads in progress).",
                    kept,
                )
            )
    if missing:
        sys.exit(1)
