"""The membership services on their own, and the last-lead rule under concurrent requests."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core.errors import ServiceError
from app.extensions import db
from app.groups import services
from app.groups.models import GroupRole, Membership
from tests.conftest import ON_POSTGRES


def test_the_last_lead_rule_holds_in_the_service(make_user, make_group, add_member):
    """Demoting or removing the only lead raises, and the database is unchanged."""
    group = make_group()
    lead = make_user()
    membership = add_member(lead, group, GroupRole.LEAD)
    with pytest.raises(ServiceError):
        services.change_role(membership, GroupRole.OBSERVER, actor=lead)
    with pytest.raises(ServiceError):
        services.remove_member(membership, actor=lead)
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).role == GroupRole.LEAD


def test_promoting_to_lead_is_always_allowed(make_user, make_group, add_member):
    """Making someone a lead cannot leave a group without one: it always succeeds."""
    group = make_group()
    add_member(make_user(), group, GroupRole.LEAD)
    other = add_member(make_user(), group, GroupRole.OBSERVER)
    assert services.change_role(other, GroupRole.LEAD, actor=other.user) is True
    assert services.change_role(other, GroupRole.LEAD, actor=other.user) is False


def test_a_membership_removed_meanwhile_is_reported(make_user, make_group, add_member):
    """Changing a membership another request has just removed is a clear refusal, not a 500."""
    group = make_group()
    add_member(make_user(), group, GroupRole.LEAD)
    gone = add_member(make_user(), group, GroupRole.MEMBER)
    for attempt in (
        lambda actor: services.change_role(gone, GroupRole.LEAD, actor=actor),
        lambda actor: services.remove_member(gone, actor=actor),
    ):
        actor, _group = gone.user, gone.group  # loaded, as the view has them
        # The row disappears behind the session's back, as another request's delete would.
        db.session.execute(
            sa.delete(Membership).where(Membership.id == gone.id),
            execution_options={"synchronize_session": False},
        )
        with pytest.raises(ServiceError, match="no longer in this working group"):
            attempt(actor)


def test_a_huge_membership_id_is_simply_not_found(
    make_user, make_group, add_member, login_as, post
):
    """An id beyond any integer column answers 404, never a database error."""
    group = make_group(slug="huge")
    lead = make_user()
    add_member(lead, group, GroupRole.LEAD)
    login_as(lead)
    huge = 10**20
    assert post(f"/groups/huge/members/{huge}/role", {"role": "member"}).status_code == 404
    assert post(f"/groups/huge/members/{huge}/remove").status_code == 404


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="row locks are a PostgreSQL matter")
def test_two_leads_demoting_each_other_at_once_leave_one_lead(
    app, make_user, make_group, add_member
):
    """The second request waits for the first's lock, then sees it must keep its lead."""
    group = make_group()
    ann, bob = make_user(name="Ann"), make_user(name="Bob")
    ann_membership = add_member(ann, group, GroupRole.LEAD)
    bob_membership = add_member(bob, group, GroupRole.LEAD)
    group_id, ann_id, bob_id = group.id, ann_membership.id, bob_membership.id
    bob_user_id = bob.id

    # Request A has locked the group's memberships and demoted Ann, but not yet committed.
    first = db.engine.connect()
    transaction = first.begin()
    first.execute(
        sa.text("SELECT id FROM memberships WHERE group_id = :group FOR UPDATE"),
        {"group": group_id},
    )
    first.execute(sa.text("UPDATE memberships SET role = 'member' WHERE id = :id"), {"id": ann_id})

    outcome: dict[str, str] = {}

    def request_b() -> None:
        with app.app_context():
            try:
                membership = db.session.get(Membership, bob_id)
                actor = db.session.get(User, bob_user_id)
                services.change_role(membership, GroupRole.MEMBER, actor=actor)
                outcome["b"] = "demoted"
            except ServiceError:
                outcome["b"] = "refused"
            finally:
                db.session.remove()

    thread = threading.Thread(target=request_b)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive(), "request B did not wait for request A's lock"
    transaction.commit()
    first.close()
    thread.join(timeout=30)
    assert outcome == {"b": "refused"}
    db.session.expire_all()
    roles = dict(
        db.session.execute(
            sa.select(Membership.id, Membership.role).where(Membership.group_id == group_id)
        ).all()
    )
    assert roles == {ann_id: GroupRole.MEMBER, bob_id: GroupRole.LEAD}


def test_the_lock_is_taken_on_the_groups_membership_rows(make_user, make_group, add_member, app):
    """The last-lead check reads the memberships FOR UPDATE (PostgreSQL honours it)."""
    group = make_group()
    add_member(make_user(), group, GroupRole.LEAD)
    second = add_member(make_user(), group, GroupRole.LEAD)
    statements: list[str] = []

    def listen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        services.remove_member(second, actor=second.user)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    compiled = str(services._lock_query(group).compile(dialect=sa.dialects.postgresql.dialect()))
    assert "FOR UPDATE OF memberships" in compiled
    if ON_POSTGRES:
        assert any("FOR UPDATE" in s for s in statements)
