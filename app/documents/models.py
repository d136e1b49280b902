"""Folder, Document and DocumentVersion: a working group's library."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.database import LabelledEnum, UTCDateTime, enum_column, utcnow
from app.extensions import db
from app.groups.models import WorkingGroup


class Visibility(LabelledEnum):
    """Who may see a document besides the group's own members."""

    GROUP = "group", _l("Working group only")
    CONSORTIUM = "consortium", _l("All consortium members")


class Folder(db.Model):
    """A folder of a group's library; folders nest (`parent` None: at the library's top)."""

    __tablename__ = "folders"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("folders.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[WorkingGroup] = relationship()
    parent: Mapped[Folder | None] = relationship(remote_side=[id])
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Folder {self.id} {self.name!r}>"


class Document(db.Model):
    """A shared document: its description, and its versions (the newest is the current one)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    #: None: at the top of the library.
    folder_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("folders.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: The tags between commas, with a comma at each end (",minutes,2021,"), so that one tag
    #: is found with LIKE '%,tag,%' on every database. Read them through `tag_list`.
    tags: Mapped[str] = mapped_column(sa.String(1000), default="")
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "document_visibility"),
        default=Visibility.GROUP,
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set while the document is in the trash; `flask documents purge-trash` removes it later.
    trashed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    trashed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    group: Mapped[WorkingGroup] = relationship()
    folder: Mapped[Folder | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    trashed_by: Mapped[User | None] = relationship(foreign_keys=[trashed_by_id])
    #: Newest first: `versions[0]` is the current version.
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document",
        order_by="desc(DocumentVersion.number)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def current_version(self) -> DocumentVersion | None:
        return self.versions[0] if self.versions else None

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]

    @property
    def is_trashed(self) -> bool:
        return self.trashed_at is not None

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.title!r}>"


class DocumentVersion(db.Model):
    """One uploaded file of a document. Rows are addressable by id and never change."""

    __tablename__ = "document_versions"
    __table_args__ = (sa.UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"))
    #: 1 for the first upload, then 2, 3 …
    number: Mapped[int]
    #: The file's name as the uploader's computer called it: full Unicode, NFC, made safe
    #: (see `app.documents.files.clean_filename`). Only ever shown and offered on download.
    filename: Mapped[str] = mapped_column(sa.String(255))
    #: Decided from the file's content and extension, never from what the browser claimed.
    content_type: Mapped[str] = mapped_column(sa.String(127))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    #: Hexadecimal SHA-256 of the content.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: Where the storage backend keeps the content (a generated key, see app.core.storage).
    storage_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    #: The number of the older version this one restored, if it is a restoration.
    restored_from: Mapped[int | None]

    document: Mapped[Document] = relationship(back_populates="versions")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def group(self) -> WorkingGroup:
        """The group the version belongs to (for the access rules)."""
        return self.document.group

    def __repr__(self) -> str:
        return f"<DocumentVersion {self.id} {self.document_id}#{self.number}>"
