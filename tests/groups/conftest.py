"""Fixtures of the working-group tests: a cast of people around two groups, posting, counting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from app.auth.models import SiteRole, User
from app.core.audit import AuditEvent
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup
from tests.conftest import fetch_csrf_token

#: Who may manage the members of `cast.group`, and what the others get when they try.
PRINCIPALS = ("lead", "member", "observer", "other_lead", "coordinator", "admin")


@dataclass
class Cast:
    """Two groups and one person of each kind; `memberships` are those of `group`."""

    group: WorkingGroup
    other_group: WorkingGroup
    people: dict[str, User]
    memberships: dict[str, Membership]
    other_lead_membership: Membership

    def __getattr__(self, name: str) -> User:
        if name == "people":
            raise AttributeError(name)
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def cast(make_user, make_group, add_member) -> Cast:
    """Return the group (a lead, a member, an observer), another group with its lead, staff."""
    group = make_group(code="WG1", slug="wg1", name_en="Shaping healthcare", name_zh="塑造医疗")
    other_group = make_group(code="WG2", slug="wg2", name_en="Innovation and market")
    people = {
        "lead": make_user(name="Lena Lead"),
        "member": make_user(name="Marco Member"),
        "observer": make_user(name="Olga Observer"),
        "other_lead": make_user(name="Otto Otherlead"),
        "coordinator": make_user(name="Chen Coordinator", site_role=SiteRole.COORDINATOR),
        "admin": make_user(name="Ada Admin", site_role=SiteRole.ADMIN),
    }
    memberships = {
        "lead": add_member(people["lead"], group, GroupRole.LEAD),
        "member": add_member(people["member"], group, GroupRole.MEMBER),
        "observer": add_member(people["observer"], group, GroupRole.OBSERVER),
    }
    other_lead_membership = add_member(people["other_lead"], other_group, GroupRole.LEAD)
    return Cast(group, other_group, people, memberships, other_lead_membership)


@pytest.fixture
def post(client) -> Callable[..., Any]:
    """Return a helper that POSTs a form with a valid CSRF token of the client's session."""

    def send(url: str, data: dict[str, Any] | None = None, **kwargs: Any):
        token = fetch_csrf_token(client, "/reset-password")
        return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)

    return send


@pytest.fixture
def count_queries(app, client) -> Callable[[str], int]:
    """Return a helper that GETs a page (which must answer 200) and counts its SQL statements."""

    def count(path: str) -> int:
        statements: list[str] = []

        def listen(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            response = client.get(path)
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
        assert response.status_code == 200
        return len(statements)

    return count


def audit_events(action: str) -> list[AuditEvent]:
    """Return the audit events of one kind, oldest first (as committed by the requests)."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def membership_of(user: User, group: WorkingGroup) -> Membership | None:
    """Return the user's membership of the group as the database has it now."""
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Membership).where(Membership.user_id == user.id, Membership.group_id == group.id)
    ).first()
