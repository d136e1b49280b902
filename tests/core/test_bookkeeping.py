"""The writes a GET may make: their own short transaction, and never a failed page."""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa

from app.core import audit
from app.core.audit import AuditEvent
from app.core.bookkeeping import Bookkeeping, record_bookkeeping
from app.extensions import db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "writes.md"


def committed_actions() -> list[str]:
    """Return the test actions of the audit events another connection sees (committed ones)."""
    query = sa.select(AuditEvent.action).where(AuditEvent.action.startswith("document."))
    with db.engine.connect() as connection:
        return list(connection.scalars(query.order_by(AuditEvent.id)))


def test_the_write_is_committed_on_its_own(app, make_user):
    """Committed at once, whatever the request's session then does (here: a rollback)."""
    user = make_user()
    assert record_bookkeeping(
        Bookkeeping.DOWNLOAD_AUDIT,
        lambda session: audit.record("document.downloaded", actor=user, session=session),
    )
    assert committed_actions() == ["document.downloaded"]
    db.session.rollback()
    assert committed_actions() == ["document.downloaded"]


def test_the_write_commits_nothing_of_the_requests_session(app, make_user):
    """Pending changes of the request stay pending: the bookkeeping session is another one."""
    user = make_user(name="Before")
    user.name = "Pending"
    record_bookkeeping(
        Bookkeeping.LAST_SEEN, lambda session: audit.record("document.previewed", session=session)
    )
    with db.engine.connect() as connection:
        query = sa.text("SELECT name FROM users WHERE id = :id")
        stored = connection.scalar(query, {"id": user.id})
    assert stored == "Before"


def test_a_failure_is_logged_and_swallowed(app, caplog):
    """A failing write returns False, logs why, leaves nothing behind and raises nothing."""

    def fail(session):
        audit.record("document.uploaded", session=session)
        session.flush()
        raise RuntimeError("the disk is full")

    with caplog.at_level(logging.ERROR):
        assert record_bookkeeping(Bookkeeping.DOWNLOAD_AUDIT, fail) is False
    assert committed_actions() == []
    assert "bookkeeping write failed: download audit event" in caplog.text
    assert "the disk is full" in caplog.text


def test_a_database_error_is_swallowed_too(app):
    """A statement the database refuses (a missing table here) does not escape either."""
    assert not record_bookkeeping(
        Bookkeeping.RATE_LIMIT, lambda session: session.execute(sa.text("UPDATE nowhere SET x=1"))
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_every_kind_is_listed_in_the_docs():
    """docs/writes.md names each kind of bookkeeping a GET may make."""
    text = DOCS.read_text(encoding="utf-8")
    missing = [kind.value for kind in Bookkeeping if f"**{kind.value}**" not in text]
    assert missing == []
