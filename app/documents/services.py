"""The document library's use cases: reading it, changing documents, the trash and folders.

Every function that changes something writes its audit event and commits once. Uploading
lives in `app.documents.uploads`, purging and the purge guards in `app.documents.purging`.

Other domains link to document versions (a deliverable's submitted document, a meeting's
papers): they look versions up with `get_version_for_group`.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import aliased, selectinload

from app.auth.models import User
from app.core import audit
from app.core.bookkeeping import Bookkeeping, record_bookkeeping
from app.core.database import utcnow
from app.core.errors import ServiceError
from app.core.paging import paginate
from app.core.routing import is_valid_id
from app.documents.files import (
    CONTENT_TYPES_OF_KIND,
)
from app.documents.models import Document, DocumentVersion, Folder, Visibility
from app.extensions import db
from app.groups.models import WorkingGroup

log = logging.getLogger(__name__)

#: Limits of what a member types.
MAX_TITLE_LENGTH = 300
MAX_DESCRIPTION_LENGTH = 5000
MAX_COMMENT_LENGTH = 500
MAX_FOLDER_NAME_LENGTH = 200
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
#: Folders nest at most this deep (breadcrumbs stay readable).
MAX_FOLDER_DEPTH = 8

#: Commas of both widths, the Chinese enumeration comma and semicolons separate tags.
TAG_SEPARATORS = re.compile(r"[,，、;；]")
WHITESPACE = re.compile(r"\s+")

# Small helpers --------------------------------------------------------------------------------


def clean_text(value: str | None) -> str:
    """Return the text NFC-normalised and trimmed."""
    return unicodedata.normalize("NFC", value or "").strip()


def parse_tags(text: str | Iterable[str] | None) -> list[str]:
    """Return the tags in `text` ("minutes, 2021；会议"): trimmed, NFC, without repeats.

    Raises ServiceError when there are too many or one is too long.
    """
    if text is None:
        return []
    parts = TAG_SEPARATORS.split(text) if isinstance(text, str) else list(text)
    tags: list[str] = []
    seen: set[str] = set()
    for part in parts:
        tag = WHITESPACE.sub(" ", clean_text(part))
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ServiceError(
                _("A tag has at most %(max)d characters.", max=MAX_TAG_LENGTH), "tags"
            )
        seen.add(tag.casefold())
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ServiceError(_("A document has at most %(max)d tags.", max=MAX_TAGS), "tags")
    return tags


def tags_value(tags: Sequence[str]) -> str:
    """Return the stored form of a list of tags (",a,b," or "")."""
    return f",{','.join(tags)}," if tags else ""


def escape_like(text: str) -> str:
    """Escape LIKE's wildcards so that the text is matched literally (escape character \\)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _title_from(filename: str) -> str:
    stem = os.path.splitext(filename)[0].strip()
    return (stem or filename)[:MAX_TITLE_LENGTH]


def _check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ServiceError(
            _("A description has at most %(max)d characters.", max=MAX_DESCRIPTION_LENGTH),
            "description",
        )
    return description


def _check_title(title: str) -> str:
    if not title:
        raise ServiceError(_("Give the document a title."), "title")
    if len(title) > MAX_TITLE_LENGTH:
        raise ServiceError(
            _("A title has at most %(max)d characters.", max=MAX_TITLE_LENGTH), "title"
        )
    return title


# Reading --------------------------------------------------------------------------------------


def get_document(group_slug: str, document_id: int) -> Document | None:
    """Return the document with this id if it belongs to the group at this address."""
    if not is_valid_id(document_id):
        return None
    query = (
        sa.select(Document)
        .join(Document.group)
        .where(Document.id == document_id, WorkingGroup.slug == group_slug)
        .options(
            selectinload(Document.versions).selectinload(DocumentVersion.uploaded_by),
            selectinload(Document.folder),
        )
    )
    return db.session.scalars(query).first()


def get_version(document: Document, version_id: int) -> DocumentVersion | None:
    """Return one of the document's versions by id (None for another document's)."""
    for version in document.versions:
        if version.id == version_id:
            return version
    return None


def get_version_for_group(
    group: WorkingGroup, version_id: int, *, include_trashed: bool = False
) -> DocumentVersion | None:
    """Return the version with this id if its document belongs to `group`, else None.

    This is how other domains (deliverables, meetings) address a document version. A version
    whose document is in the trash is left out unless `include_trashed`.
    """
    if not is_valid_id(version_id):
        return None
    query = (
        sa.select(DocumentVersion)
        .join(DocumentVersion.document)
        .where(DocumentVersion.id == version_id, Document.group_id == group.id)
        .options(selectinload(DocumentVersion.document))
    )
    if not include_trashed:
        query = query.where(Document.trashed_at.is_(None))
    return db.session.scalars(query).first()


def get_folder(group: WorkingGroup, folder_id: int | None) -> Folder | None:
    """Return the group's folder with this id, or None (also for another group's folder)."""
    if not is_valid_id(folder_id):
        return None
    folder = db.session.get(Folder, folder_id)
    if folder is None or folder.group_id != group.id:
        return None
    return folder


def folders_of(group: WorkingGroup) -> list[Folder]:
    """Return every folder of the group's library, in one query."""
    query = sa.select(Folder).where(Folder.group_id == group.id).order_by(Folder.name, Folder.id)
    return list(db.session.scalars(query))


def folder_path(folder: Folder | None, folders: Sequence[Folder] | None = None) -> list[Folder]:
    """Return the folders from the top of the library down to `folder` (breadcrumbs)."""
    if folder is None:
        return []
    by_id = {f.id: f for f in folders or folders_of(folder.group)}
    path = [folder]
    while path[0].parent_id is not None and len(path) <= MAX_FOLDER_DEPTH:
        parent = by_id.get(path[0].parent_id)
        if parent is None:
            break
        path.insert(0, parent)
    return path


def subfolders(folders: Sequence[Folder], parent: Folder | None) -> list[Folder]:
    """Return the folders directly inside `parent` (None: the top), by name."""
    parent_id = parent.id if parent else None
    children = [f for f in folders if f.parent_id == parent_id]
    return sorted(children, key=lambda f: f.name.casefold())


def folder_choices(folders: Sequence[Folder]) -> list[tuple[int, str]]:
    """Return (id, "Parent / Child") pairs of every folder, ordered as a tree."""
    choices: list[tuple[int, str]] = []

    def walk(parent: Folder | None, prefix: str) -> None:
        for child in subfolders(folders, parent):
            label = f"{prefix}{child.name}"
            choices.append((child.id, label))
            walk(child, f"{label} / ")

    walk(None, "")
    return choices


@dataclass
class LibraryFilters:
    """What the reader asked the list for. An empty filter lists the current folder."""

    q: str = ""
    kind: str = ""
    uploader_id: int | None = None
    tag: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "name"
    descending: bool = False

    @property
    def searching(self) -> bool:
        """True when the reader searches or filters: the whole library is then listed."""
        return bool(
            self.q or self.kind or self.uploader_id or self.tag or self.date_from or self.date_to
        )


def _day_start_utc(day: date) -> datetime:
    """Return the first instant of `day` in the reader's time zone."""
    return datetime.combine(day, time.min, tzinfo=get_timezone())


def _filtered_query(filters: LibraryFilters) -> sa.Select:
    """Return a query of documents joined to their current version, filtered and sorted."""
    current = aliased(DocumentVersion, name="current_version")
    uploader = aliased(User, name="uploader")
    newest = (
        sa.select(sa.func.max(DocumentVersion.number))
        .where(DocumentVersion.document_id == current.document_id)
        .scalar_subquery()
    )
    query = (
        sa.select(Document)
        .join(current, sa.and_(current.document_id == Document.id, current.number == newest))
        .outerjoin(uploader, uploader.id == current.uploaded_by_id)
    )
    for term in filters.q.split():
        pattern = f"%{escape_like(term)}%"
        in_file_names = (
            sa.select(DocumentVersion.id)
            .where(
                DocumentVersion.document_id == Document.id,
                DocumentVersion.filename.ilike(pattern, escape="\\"),
            )
            .exists()
        )
        query = query.where(
            sa.or_(
                Document.title.ilike(pattern, escape="\\"),
                Document.description.ilike(pattern, escape="\\"),
                Document.tags.ilike(pattern, escape="\\"),
                in_file_names,
            )
        )
    if filters.kind in CONTENT_TYPES_OF_KIND:
        query = query.where(current.content_type.in_(sorted(CONTENT_TYPES_OF_KIND[filters.kind])))
    if filters.uploader_id:
        query = query.where(current.uploaded_by_id == filters.uploader_id)
    if filters.tag:
        tag = clean_text(filters.tag)
        query = query.where(Document.tags.ilike(f"%,{escape_like(tag)},%", escape="\\"))
    if filters.date_from:
        query = query.where(current.uploaded_at >= _day_start_utc(filters.date_from))
    if filters.date_to:
        query = query.where(current.uploaded_at < _day_start_utc(filters.date_to + timedelta(1)))
    order = {
        "name": sa.func.lower(Document.title),
        "type": current.content_type,
        "uploader": sa.func.lower(uploader.name),
        "date": current.uploaded_at,
        "size": current.size,
    }.get(filters.sort, sa.func.lower(Document.title))
    if filters.descending:
        return query.order_by(order.desc(), Document.id.desc())
    return query.order_by(order.asc(), Document.id)


def _list_options(query: sa.Select) -> sa.Select:
    return query.options(
        selectinload(Document.versions).selectinload(DocumentVersion.uploaded_by),
        selectinload(Document.folder),
        selectinload(Document.group),
    )


def library_page(
    group: WorkingGroup,
    folder: Folder | None,
    filters: LibraryFilters,
    *,
    page: int = 1,
    per_page: int = 25,
) -> Pagination:
    """Return one page of the group's documents that are not in the trash.

    Without a search or filter, the documents of `folder` (None: the top of the library);
    with one, matching documents from the whole library.
    """
    query = _filtered_query(filters).where(
        Document.group_id == group.id, Document.trashed_at.is_(None)
    )
    if not filters.searching:
        if folder is None:
            query = query.where(Document.folder_id.is_(None))
        else:
            query = query.where(Document.folder_id == folder.id)
    return paginate(_list_options(query), page=page, per_page=per_page)


def consortium_page(filters: LibraryFilters, *, page: int = 1, per_page: int = 25) -> Pagination:
    """Return one page of the documents every group shares with all consortium members."""
    query = _filtered_query(filters).where(
        Document.visibility == Visibility.CONSORTIUM, Document.trashed_at.is_(None)
    )
    return paginate(_list_options(query), page=page, per_page=per_page)


def trash_page(group: WorkingGroup, *, page: int = 1, per_page: int = 25) -> Pagination:
    """Return one page of the group's trash, most recently trashed first."""
    query = (
        sa.select(Document)
        .where(Document.group_id == group.id, Document.trashed_at.is_not(None))
        .order_by(Document.trashed_at.desc(), Document.id.desc())
        .options(selectinload(Document.trashed_by))
    )
    return paginate(_list_options(query), page=page, per_page=per_page)


def uploaders_of(group: WorkingGroup | None = None) -> list[User]:
    """Return the people who uploaded to the group's library (None: to consortium documents)."""
    uploaded = sa.select(DocumentVersion.uploaded_by_id).join(DocumentVersion.document)
    if group is not None:
        uploaded = uploaded.where(Document.group_id == group.id)
    else:
        uploaded = uploaded.where(Document.visibility == Visibility.CONSORTIUM)
    query = sa.select(User).where(User.id.in_(uploaded)).order_by(sa.func.lower(User.name))
    return list(db.session.scalars(query))


# Changing -------------------------------------------------------------------------------------


def update_document(
    document: Document,
    *,
    actor: User,
    title: str,
    description: str,
    tags: str | Sequence[str],
    visibility: Visibility,
) -> bool:
    """Change a document's title, description, tags and visibility; return True if changed."""
    values = {
        "title": _check_title(clean_text(title)),
        "description": _check_description(clean_text(description)),
        "tags": tags_value(parse_tags(tags)),
        "visibility": Visibility(visibility),
    }
    changes = {
        name: (str(getattr(document, name)), str(value))
        for name, value in values.items()
        if getattr(document, name) != value
    }
    if not changes:
        return False
    for name, value in values.items():
        setattr(document, name, value)
    document.updated_at = utcnow()
    audit.record("document.edited", actor=actor, target=document, changed=sorted(changes))
    db.session.commit()
    return True


def move_document(document: Document, folder: Folder | None, *, actor: User) -> bool:
    """Move a document into `folder` (None: the top of the library); return True if it moved."""
    if folder is not None and folder.group_id != document.group_id:
        raise ServiceError(_("Choose a folder of this library."), "folder")
    new_id = folder.id if folder else None
    if document.folder_id == new_id:
        return False
    audit.record(
        "document.moved",
        actor=actor,
        target=document,
        from_folder=document.folder_id,
        to_folder=new_id,
    )
    document.folder = folder
    document.updated_at = utcnow()
    db.session.commit()
    return True


def trash_document(document: Document, *, actor: User) -> bool:
    """Put a document in its group's trash; return False if it was there already."""
    if document.is_trashed:
        return False
    document.trashed_at = utcnow()
    document.trashed_by = actor
    audit.record("document.trashed", actor=actor, target=document)
    db.session.commit()
    return True


def restore_document(document: Document, *, actor: User) -> bool:
    """Take a document out of the trash; return False if it was not in it."""
    if not document.is_trashed:
        return False
    document.trashed_at = None
    document.trashed_by = None
    audit.record("document.restored", actor=actor, target=document)
    db.session.commit()
    return True


def record_download(
    version: DocumentVersion, *, actor: User, inline: bool = False, byte_range: str | None = None
) -> None:
    """Write the audit event of a download (or preview) of a version, as bookkeeping.

    It is committed on its own; if it cannot be written, the file is served all the same.
    """
    details: dict[str, object] = {"version": version.number, "version_id": version.id}
    if byte_range:
        details["range"] = byte_range[:100]
    document = version.document
    record_bookkeeping(
        Bookkeeping.DOWNLOAD_AUDIT,
        lambda session: audit.record(
            "document.previewed" if inline else "document.downloaded",
            actor=actor,
            target=document,
            session=session,
            **details,
        ),
    )


# Folders --------------------------------------------------------------------------------------


def _check_folder_name(name: str, group: WorkingGroup, parent: Folder | None, own_id=None) -> str:
    name = WHITESPACE.sub(" ", clean_text(name))
    if not name:
        raise ServiceError(_("Give the folder a name."), "name")
    if len(name) > MAX_FOLDER_NAME_LENGTH:
        raise ServiceError(
            _("A folder name has at most %(max)d characters.", max=MAX_FOLDER_NAME_LENGTH), "name"
        )
    parent_id = parent.id if parent else None
    siblings = sa.select(Folder.id, Folder.name).where(
        Folder.group_id == group.id,
        Folder.parent_id.is_(None) if parent_id is None else Folder.parent_id == parent_id,
    )
    for folder_id, sibling in db.session.execute(siblings):
        if folder_id != own_id and sibling.casefold() == name.casefold():
            raise ServiceError(_("There is already a folder with this name here."), "name")
    return name


def create_folder(
    group: WorkingGroup, name: str, *, parent: Folder | None = None, actor: User
) -> Folder:
    """Make a folder in the group's library, inside `parent` (None: at the top)."""
    if parent is not None and parent.group_id != group.id:
        raise ServiceError(_("Choose a folder of this library."), "parent")
    if parent is not None and len(folder_path(parent)) >= MAX_FOLDER_DEPTH:
        raise ServiceError(_("Folders nest at most %(max)d deep.", max=MAX_FOLDER_DEPTH), "name")
    name = _check_folder_name(name, group, parent)
    folder = Folder(group=group, parent=parent, name=name, created_by=actor)
    db.session.add(folder)
    db.session.flush()
    audit.record("folder.created", actor=actor, target=folder, name=name)
    db.session.commit()
    return folder


def rename_folder(folder: Folder, name: str, *, actor: User) -> bool:
    """Give a folder another name; return True if it changed."""
    name = _check_folder_name(name, folder.group, folder.parent, own_id=folder.id)
    if name == folder.name:
        return False
    audit.record("folder.renamed", actor=actor, target=folder, old=folder.name, new=name)
    folder.name = name
    db.session.commit()
    return True


def delete_folder(folder: Folder, *, actor: User) -> None:
    """Delete an empty folder (documents in the trash that were in it move to the top)."""
    has_subfolders = db.session.scalar(
        sa.select(sa.func.count()).select_from(Folder).where(Folder.parent_id == folder.id)
    )
    live_documents = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Document)
        .where(Document.folder_id == folder.id, Document.trashed_at.is_(None))
    )
    if has_subfolders or live_documents:
        raise ServiceError(_("Only an empty folder can be deleted: move or trash what is in it."))
    db.session.execute(
        sa.update(Document).where(Document.folder_id == folder.id).values(folder_id=None)
    )
    audit.record("folder.deleted", actor=actor, target=folder, name=folder.name)
    db.session.delete(folder)
    db.session.commit()
