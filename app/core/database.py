"""Database helpers shared by every model.

- `UTCDateTime`: timestamps stored in UTC on every engine.
- `LabelledEnum` and `enum_column`: a state or a role is a string enum whose members carry
  their translated label, stored as its plain value in a short string column (no native
  enum type, so adding a member needs no migration on PostgreSQL).
- `Versioned`, `expect_version` and `commit_versioned`: optimistic locking. Every save of a
  versioned row raises its counter, and SQLAlchemy's UPDATE only touches the row if the
  counter is still the one read; an edit made from a stale form raises `StaleEdit`.
- `configure`: SQLite tuned for several threads.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from app.core.errors import StaleEdit
from app.extensions import db


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    PostgreSQL keeps the zone (``timestamptz``); SQLite keeps none, so values are converted to
    UTC on the way in and marked UTC on the way out. Naive values are refused: they are bugs.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translated label.

    Each member is written ``VALUE = "stored value", _l("Label")``. The member is the stored
    value (``str(member)``, comparisons, the database and the query string all see only
    that); ``member.label`` is the label in the reader's language.
    """

    _label: Any

    def __new__(cls, value: str, label: Any) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        """Return the member's label, translated now."""
        return str(self._label)

    @classmethod
    def labels(cls) -> Mapping[Self, Any]:
        """Return {member: lazy label} in the order of definition (for choices)."""
        return {member: member._label for member in cls}

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        """Return (stored value, lazy label) pairs, for a select."""
        return [(member.value, member._label) for member in cls]


def enum_column(enum_class: type[enum.Enum], name: str, length: int = 20) -> sa.Enum:
    """Return the column type of an enum: its values in a VARCHAR(`length`), no native type.

    Only the enum's values are accepted, in Python, before anything reaches the database.
    """
    return sa.Enum(
        enum_class,
        name=name,
        values_callable=lambda members: [member.value for member in members],
        native_enum=False,
        length=length,
        validate_strings=True,
    )


class Versioned:
    """Optimistic locking for a model: a `version` counter SQLAlchemy checks at every save.

    The counter starts at 1. Every UPDATE of the row says ``WHERE version = <the one read>``;
    when another request saved meanwhile it matches no row, and the flush raises
    StaleDataError, which `flush_versioned` and `commit_versioned` turn into StaleEdit.

    By default the counter rises at every UPDATE. A model whose version counts something
    narrower (the minutes count their saved texts) sets `version_rises_on_every_update` to
    False and raises `version` itself; every UPDATE is still checked against the one read.
    """

    #: False: the model raises `version` itself; its other changes keep the version.
    version_rises_on_every_update: ClassVar[bool] = True

    #: Counts the saves: an edit made from a stale form is detected, never silently applied.
    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        args: dict[str, Any] = {"version_id_col": cls.__table__.c.version}
        if not cls.version_rises_on_every_update:
            args["version_id_generator"] = False
        return args


def expect_version(obj: Versioned, version: int | None) -> None:
    """Raise StaleEdit (after rolling back) unless `obj` is still at `version`.

    The form carries the version it was filled from; this check answers a stale form before
    anything is changed, the version counter answers a save that races this one.
    """
    if version != obj.version:
        db.session.rollback()
        raise StaleEdit(obj)


def flush_versioned(obj: Versioned) -> None:
    """Write the session's changes; if `obj` was saved by someone else meanwhile, raise StaleEdit.

    Nothing is then written (the session is rolled back); the exception holds `obj` reloaded
    as it is now (or None if it was deleted), so the page can show the other person's change.
    After a successful flush the row is held by this transaction until it ends.
    """
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        try:
            db.session.refresh(obj)
        except sa.exc.InvalidRequestError:  # deleted meanwhile
            raise StaleEdit(None) from exc
        raise StaleEdit(obj) from exc


def commit_versioned(obj: Versioned) -> None:
    """Commit the session, raising StaleEdit as `flush_versioned` does."""
    flush_versioned(obj)
    db.session.commit()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure(app: Flask) -> None:
    """Tune every SQLite engine the app opens (WAL, busy timeout, foreign keys)."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
