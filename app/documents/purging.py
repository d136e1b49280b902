"""Purging documents for good, and the purge guards that keep the versions other domains need.

Other domains link to document versions (a deliverable's submitted document, a meeting's
papers): they stop a version from being purged with a purge guard that the application
factory registers on each application (`add_purge_guard`). The purge asks every guard inside
its own transaction, just before it deletes; the foreign keys that point at versions
(ON DELETE RESTRICT) stay the backstop. Purging goes rows first, then files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.core import audit
from app.core.database import utcnow
from app.core.storage import get_storage
from app.documents.models import Document, DocumentVersion
from app.extensions import db
from app.groups.models import WorkingGroup

log = logging.getLogger(__name__)

#: How long a document stays in the trash before `flask documents purge-trash` removes it.
DEFAULT_TRASH_RETENTION_DAYS = 30


# Protected versions ---------------------------------------------------------------------------

#: A purge guard answers True when the version must be kept (its domain still needs it).
PurgeGuard = Callable[[DocumentVersion], bool]

#: Where an application keeps its purge guards (in `app.extensions`).
PURGE_GUARDS = "documents.purge_guards"


def add_purge_guard(app: Flask, guard: PurgeGuard) -> None:
    """Let `guard` veto the purge of a version, in this application (the factory calls it).

    Adding the same guard twice has no further effect.
    """
    guards: list[PurgeGuard] = app.extensions.setdefault(PURGE_GUARDS, [])
    if guard not in guards:
        guards.append(guard)


def purge_guards() -> tuple[PurgeGuard, ...]:
    """Return the current application's purge guards."""
    return tuple(current_app.extensions.get(PURGE_GUARDS, ()))


def is_version_protected(version: DocumentVersion) -> bool:
    """Return True if some domain needs this version kept: it is then never purged."""
    return any(guard(version) for guard in purge_guards())


def is_document_protected(document: Document) -> bool:
    """Return True if any version of the document is protected."""
    return any(is_version_protected(version) for version in document.versions)


# Purging --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    """What a purge did: documents removed for good, and those kept because they are needed."""

    purged: int
    protected: int


def _purge(documents: Sequence[Document], *, actor: User | None) -> PurgeResult:
    keys: list[str] = []
    purged = protected = 0
    for document in documents:
        if is_document_protected(document):
            protected += 1
            continue
        keys.extend(version.storage_key for version in document.versions)
        audit.record(
            "document.purged",
            actor=actor,
            target=document,
            title=document.title,
            group=document.group_id,
            versions=len(document.versions),
        )
        db.session.delete(document)
        purged += 1
    db.session.commit()
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except OSError:  # the row is gone: `flask storage check --clean` removes the file later
            log.exception("could not delete stored file %s", key)
    return PurgeResult(purged=purged, protected=protected)


def _trashed(query: sa.Select) -> list[Document]:
    query = query.options(selectinload(Document.versions)).order_by(Document.id)
    return list(db.session.scalars(query))


def empty_trash(group: WorkingGroup, *, actor: User) -> PurgeResult:
    """Remove everything in the group's trash for good (protected documents stay)."""
    return _purge(
        _trashed(
            sa.select(Document).where(
                Document.group_id == group.id, Document.trashed_at.is_not(None)
            )
        ),
        actor=actor,
    )


def trash_retention() -> timedelta:
    """Return how long documents stay in the trash (`DOCUMENTS_TRASH_RETENTION_DAYS`)."""
    days = current_app.config.get("DOCUMENTS_TRASH_RETENTION_DAYS", DEFAULT_TRASH_RETENTION_DAYS)
    return timedelta(days=int(days))


def purge_trash(older_than: timedelta | None = None, *, now: datetime | None = None) -> PurgeResult:
    """Remove, in every group, what has been in the trash longer than `older_than`."""
    limit = (now or utcnow()) - (older_than if older_than is not None else trash_retention())
    return _purge(
        _trashed(sa.select(Document).where(Document.trashed_at < limit)),
        actor=None,
    )


def referenced_storage_keys() -> set[str]:
    """Return the storage key of every document version (for `flask storage check`)."""
    return set(db.session.scalars(sa.select(DocumentVersion.storage_key)))
