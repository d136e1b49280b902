"""Helpers of the account-management tests: a signed-in administrator, forms, query counts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from app.auth.models import SiteRole
from app.core.mail import OutboxEmail
from app.extensions import db
from app.organisations.models import Organisation, OrganisationKind
from tests.conftest import post_form


@pytest.fixture
def admin(make_user):
    """An active administrator (not signed in)."""
    return make_user(site_role=SiteRole.ADMIN, name="Ada Admin", email="ada.admin@example.org")


@pytest.fixture
def as_admin(admin, login_as):
    """The administrator, signed in on the test client."""
    login_as(admin)
    return admin


def post(client, path: str, data: dict[str, Any] | None = None, **kwargs: Any):
    """POST a form with a valid CSRF token (taken from the dashboard's language switch)."""
    return post_form(client, path, data, token_from="/", **kwargs)


def flashes(client, path: str = "/") -> str:
    """Return the page the client lands on next (with the flashed messages)."""
    return client.get(path).get_data(as_text=True)


@pytest.fixture
def make_organisation(app) -> Callable[..., Organisation]:
    """Return a factory of committed organisations."""

    def factory(name_en: str, name_zh: str | None = None, country: str = "CN") -> Organisation:
        organisation = Organisation(
            name_en=name_en, name_zh=name_zh, country=country, kind=OrganisationKind.UNIVERSITY
        )
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return factory


@pytest.fixture
def count_queries(app) -> Callable[[Callable[[], Any]], int]:
    """Return a helper that runs a callable and counts the SQL statements it sent."""

    def count(action: Callable[[], Any]) -> int:
        statements: list[str] = []

        def listen(_conn, _cursor, statement, *_args):
            statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            action()
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
        return len(statements)

    return count


def outbox() -> list[OutboxEmail]:
    """Return every queued e-mail, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))


INVITATION_LINK = re.compile(r"/invitations/([A-Za-z0-9_\-]+)")


def invitation_token(message: OutboxEmail) -> str:
    """Return the token of the invitation link in an e-mail."""
    match = INVITATION_LINK.search(message.body_text)
    assert match, message.body_text
    return match.group(1)
