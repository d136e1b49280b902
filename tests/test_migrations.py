"""Migrations: `flask db upgrade` builds exactly the models' schema, and can go back down."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from app import create_app
from app.extensions import db


@pytest.fixture
def empty_app(fresh_database_url: str) -> Iterator[Flask]:
    """An application on a database without a single table, its context pushed."""
    application = create_app("testing", SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list:
    """Return what autogenerate would change to make the database match the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    with db.engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names())


def test_upgrade_creates_exactly_the_models_schema(empty_app):
    """Upgrade an empty database and find no difference from the models."""
    assert table_names() == set()
    flask_migrate.upgrade()
    assert table_names() == set(db.metadata.tables) | {"alembic_version"}
    assert schema_differences() == []


def test_downgrade_to_base_then_upgrade_again(empty_app):
    """Downgrade to an empty schema and upgrade back to the same schema."""
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert table_names() <= {"alembic_version"}
    flask_migrate.upgrade()
    assert schema_differences() == []


def test_upgraded_schema_holds_data(empty_app):
    """Store and read back an account in the migrated schema (types and defaults work)."""
    from app.auth.services import create_user

    flask_migrate.upgrade()
    user = create_user("migrated@example.org", "a long enough password", name="Migrated")
    db.session.commit()
    db.session.expire_all()
    assert user.created_at.tzinfo is not None
    assert user.email == "migrated@example.org"


def test_upgrade_leaves_the_portal_logging_alone(empty_app):
    """Keep the portal's own loggers working after migrations ran in the same process."""
    portal_logger = empty_app.logger
    flask_migrate.upgrade()
    assert not portal_logger.disabled
    assert not logging.getLogger("sqlalchemy").disabled


def test_stored_audit_actions_get_their_new_names(empty_app):
    """Upgrading renames the actions stored under an old name; downgrading gives them back."""
    flask_migrate.upgrade(revision="0006_agenda_documents")
    insert = sa.text(
        "INSERT INTO audit_events (occurred_at, action, details) VALUES (:at, :a, '{}')"
    )
    with db.engine.begin() as connection:
        for action in (
            "auth.login",
            "documents.upload",
            "meetings.minutes_approved",
            "group.created",
        ):
            connection.execute(insert, {"at": "2026-01-01 00:00:00", "a": action})

    def stored() -> list[str]:
        with db.engine.connect() as connection:
            query = sa.text("SELECT action FROM audit_events ORDER BY id")
            return list(connection.scalars(query))

    flask_migrate.upgrade()
    assert stored() == [
        "sign_in.succeeded",
        "document.uploaded",
        "minutes.approved",
        "group.created",
    ]
    flask_migrate.downgrade(revision="0006_agenda_documents")
    assert stored() == [
        "auth.login",
        "documents.upload",
        "meetings.minutes_approved",
        "group.created",
    ]
def test_every_meeting_gets_minutes(empty_app):
    """Migration 0008 gives a meeting without minutes an empty draft; others keep theirs."""
    from app.groups.models import WorkingGroup
    from app.meetings.models import Meeting, Minutes, MinutesState
    from tests.meetings.helpers import create_meeting

    flask_migrate.upgrade()
    group = WorkingGroup(code="WG1", slug="wg1", name_en="Group", description_en="")
    db.session.add(group)
    db.session.commit()
    bare = create_meeting(group, title_en="Made before minutes came with meetings")
    kept = create_meeting(group, text="Already written", state=MinutesState.CIRCULATED)
    bare_id, kept_id = bare.id, kept.id
    db.session.execute(sa.delete(Minutes).where(Minutes.meeting_id == bare_id))
    db.session.commit()
    flask_migrate.downgrade(revision="0007_audit_action_names")
    flask_migrate.upgrade()
    db.session.expire_all()
    created = db.session.get(Meeting, bare_id).minutes
    assert (created.text, created.state, created.version) == ("", MinutesState.DRAFT, 1)
    assert created.updated_at == db.session.get(Meeting, bare_id).created_at
    assert db.session.get(Meeting, kept_id).minutes.text == "Already written"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Minutes)) == 2
