"""`flask documents purge-trash` and `flask storage check`."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import time_machine

from app.core.database import utcnow
from app.core.storage import get_storage
from app.documents import purging, services
from app.documents.models import Document
from app.extensions import db
from tests.documents.conftest import stored_files


def test_purge_trash_removes_only_what_is_old_enough(runner, make_group, make_user, make_document):
    """The cron command removes documents trashed longer ago than the configured time."""
    user = make_user()
    old, recent = make_document(make_group(), actor=user), make_document(make_group(), actor=user)
    with time_machine.travel(utcnow() - timedelta(days=31), tick=False):
        services.trash_document(old, actor=user)
    services.trash_document(recent, actor=user)
    result = runner.invoke(args=["documents", "purge-trash"])
    assert result.exit_code == 0, result.output
    assert "1 document removed for good." in result.output
    db.session.expire_all()
    assert db.session.get(Document, old.id) is None
    assert db.session.get(Document, recent.id) is not None


def test_purge_trash_follows_the_setting_and_the_option(
    app, runner, make_group, make_user, make_document
):
    """DOCUMENTS_TRASH_RETENTION_DAYS sets the default; --days overrides it."""
    user = make_user()
    document = make_document(make_group(), actor=user)
    with time_machine.travel(utcnow() - timedelta(days=5), tick=False):
        services.trash_document(document, actor=user)
    app.config["DOCUMENTS_TRASH_RETENTION_DAYS"] = 7
    assert "0 documents removed" in runner.invoke(args=["documents", "purge-trash"]).output
    result = runner.invoke(args=["documents", "purge-trash", "--days", "3"])
    assert "1 document removed for good." in result.output


def test_purge_trash_keeps_protected_documents(app, runner, make_group, make_user, make_document):
    """A document another domain needs is kept, and the command says so."""
    purging.add_purge_guard(app, lambda version: True)
    user = make_user()
    document = make_document(make_group(), actor=user)
    services.trash_document(document, actor=user)
    result = runner.invoke(args=["documents", "purge-trash", "--days", "0"])
    assert "1 document kept" in result.output
    assert db.session.get(Document, document.id) is not None


def age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_storage_check_reports_and_cleans(
    runner, make_group, make_user, make_document, storage_root
):
    """Files without a row and rows without a file are reported; --clean removes old orphans."""
    document = make_document(make_group(), actor=make_user())
    storage = get_storage()
    old_orphan = storage.save(io.BytesIO(b"left behind"))
    new_orphan = storage.save(io.BytesIO(b"upload in progress"))
    age(storage.path_for(old_orphan.key), 2 * 3600)
    age(storage.path_for(new_orphan.key), 0)  # written now, on the test's clock
    stale_part = storage_root / "tmp" / "dead.part"
    stale_part.write_bytes(b"half")
    age(stale_part, 2 * 3600)

    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 0, result.output
    assert f"file without a document: {old_orphan.key}" in result.output
    assert "3 stored files, 2 without a document, 0 missing." in result.output
    assert len(stored_files(storage_root)) == 4

    result = runner.invoke(args=["storage", "check", "--clean"])
    assert "1 file without a document deleted." in result.output
    assert "1 recent file left alone" in result.output
    remaining = {p.name for p in stored_files(storage_root)}
    assert remaining == {document.current_version.storage_key, new_orphan.key}

    storage.delete(document.current_version.storage_key)
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 1
    assert f"document version without its file: {document.current_version.storage_key}" in (
        result.output
    )
