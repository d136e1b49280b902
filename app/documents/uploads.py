"""Uploading to the document library: new documents, new versions and restoring an old version.

A file and its database row appear together or not at all: the file is stored under a new
key first, the row is committed next, and if the commit fails the stored file is deleted
again (a crash in between leaves at worst a file without a row, which `flask storage check`
finds).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.core import audit
from app.core.database import utcnow
from app.core.errors import ServiceError
from app.core.storage import StoredFile, get_storage
from app.documents.files import FileRejected, clean_filename, identify
from app.documents.models import Document, DocumentVersion, Folder, Visibility
from app.documents.services import (
    MAX_COMMENT_LENGTH,
    _check_description,
    _check_title,
    _title_from,
    clean_text,
    parse_tags,
    tags_value,
)
from app.extensions import db
from app.groups.models import WorkingGroup

log = logging.getLogger(__name__)


# Uploading ------------------------------------------------------------------------------------


@dataclass
class IncomingFile:
    """A file as it arrived: a seekable binary stream and the name the browser gave."""

    stream: BinaryIO
    filename: str | None


@dataclass
class _Checked:
    incoming: IncomingFile
    filename: str
    content_type: str
    stored: StoredFile | None = field(default=None)


def _check_files(files: Sequence[IncomingFile]) -> list[_Checked]:
    checked = []
    for incoming in files:
        name = clean_filename(incoming.filename)
        try:
            file_type = identify(incoming.stream, name)
        except FileRejected as exc:
            raise ServiceError(exc.message, "files") from exc
        checked.append(_Checked(incoming, name, file_type.content_type))
    return checked


def _store_and_commit(checked: list[_Checked], add_rows: Callable[[], object]) -> None:
    """Store each file, let `add_rows` add the rows, commit; undo the files if anything fails."""
    storage = get_storage()
    try:
        for item in checked:
            item.incoming.stream.seek(0)
            item.stored = storage.save(item.incoming.stream)
        add_rows()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for item in checked:
            if item.stored is not None:
                try:
                    storage.delete(item.stored.key)
                except OSError:  # `flask storage check --clean` removes it later
                    log.exception("could not delete stored file %s", item.stored.key)
        raise


def _new_version(document: Document, item: _Checked, number: int, actor: User, comment: str):
    assert item.stored is not None
    return DocumentVersion(
        document=document,
        number=number,
        filename=item.filename,
        content_type=item.content_type,
        size=item.stored.size,
        sha256=item.stored.sha256,
        storage_key=item.stored.key,
        uploaded_by=actor,
        comment=comment,
    )


def upload_documents(
    group: WorkingGroup,
    files: Sequence[IncomingFile],
    *,
    actor: User,
    folder: Folder | None = None,
    title: str = "",
    description: str = "",
    tags: str | Sequence[str] = "",
    visibility: Visibility = Visibility.GROUP,
) -> list[Document]:
    """Add one document per file to the group's library, all of them or none.

    Each file must be of an accepted type (checked against its content). The title defaults
    to the file's name without its extension; a title may be given only for a single file.
    """
    if not files:
        raise ServiceError(_("Choose at least one file."), "files")
    title = clean_text(title)
    if title and len(files) > 1:
        raise ServiceError(_("Give a title only when you upload a single file."), "title")
    if title:
        _check_title(title)
    description = _check_description(clean_text(description))
    tag_list = parse_tags(tags)
    if folder is not None and folder.group_id != group.id:
        raise ServiceError(_("Choose a folder of this library."), "folder")
    checked = _check_files(files)
    documents: list[Document] = []

    def add_rows() -> None:
        now = utcnow()
        for item in checked:
            document = Document(
                group=group,
                folder=folder,
                title=title or _title_from(item.filename),
                description=description,
                tags=tags_value(tag_list),
                visibility=Visibility(visibility),
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
            version = _new_version(document, item, 1, actor, "")
            db.session.add_all([document, version])
            db.session.flush()
            audit.record(
                "document.uploaded",
                actor=actor,
                target=document,
                version=1,
                filename=item.filename,
                size=version.size,
                sha256=version.sha256,
            )
            documents.append(document)

    _store_and_commit(checked, add_rows)
    return documents


def _next_number(document: Document) -> int:
    query = sa.select(sa.func.max(DocumentVersion.number)).where(
        DocumentVersion.document_id == document.id
    )
    return (db.session.scalar(query) or 0) + 1


def _add_version(
    document: Document, checked: _Checked, *, actor: User, comment: str, restored_from=None
) -> DocumentVersion:
    if document.is_trashed:
        raise ServiceError(_("This document is in the trash: restore it first."))
    versions: list[DocumentVersion] = []

    def add_row() -> None:
        version = _new_version(document, checked, _next_number(document), actor, comment)
        version.restored_from = restored_from
        document.updated_at = utcnow()
        db.session.add(version)
        db.session.flush()
        audit.record(
            "document.version_restored" if restored_from else "document.version_uploaded",
            actor=actor,
            target=document,
            version=version.number,
            filename=version.filename,
            size=version.size,
            sha256=version.sha256,
            **({"restored_from": restored_from} if restored_from else {}),
        )
        versions.append(version)

    try:
        _store_and_commit([checked], add_row)
    except IntegrityError as exc:  # someone added a version with the same number meanwhile
        raise ServiceError(
            _("Someone else added a version at the same moment. Please try again.")
        ) from exc
    return versions[0]


def upload_version(
    document: Document, incoming: IncomingFile, *, actor: User, comment: str = ""
) -> DocumentVersion:
    """Add a new version (the next number) to a document, with the uploader's comment."""
    comment = clean_text(comment)
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ServiceError(
            _("A comment has at most %(max)d characters.", max=MAX_COMMENT_LENGTH), "comment"
        )
    (checked,) = _check_files([incoming])
    return _add_version(document, checked, actor=actor, comment=comment)


def restore_version(version: DocumentVersion, *, actor: User) -> DocumentVersion:
    """Make an older version current again, as a new version with the same content."""
    storage = get_storage()
    try:
        stream = storage.open(version.storage_key)
    except FileNotFoundError as exc:
        log.error(
            "stored file %s of document version %s is missing", version.storage_key, version.id
        )
        raise ServiceError(
            _(
                "The file of version %(number)d is missing: it cannot be restored.",
                number=version.number,
            )
        ) from exc
    with stream:
        checked = _Checked(
            IncomingFile(stream, version.filename), version.filename, version.content_type
        )
        return _add_version(
            version.document, checked, actor=actor, comment="", restored_from=version.number
        )
