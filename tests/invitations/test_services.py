"""Inviting, resending, revoking, finding by token and accepting (app.invitations.services)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.auth.models import SiteRole, User
from app.core.database import utcnow
from app.core.errors import ServiceError
from app.extensions import db
from app.groups.models import GroupRole, Membership
from app.invitations.models import Invitation, InvitationState
from app.invitations.services import (
    accept,
    build_invitation,
    find_by_token,
    invite,
    resend,
    revoke,
)
from tests.admin.conftest import invitation_token, outbox

PASSWORD = "a long enough password 密码"


def accept_as(invitation: Invitation, **overrides) -> User:
    values = {
        "name": "New Person",
        "name_zh": None,
        "password": PASSWORD,
        "locale": None,
        "timezone": "Asia/Shanghai",
        **overrides,
    }
    return accept(invitation, **values)


def test_invite_stores_a_hash_and_mails_a_working_link(admin):
    """Only the token's hash is stored; the link in the e-mail finds the invitation."""
    invitation = invite("Someone@Example.org", inviter=admin, locale="zh")
    [message] = outbox()
    token = invitation_token(message)
    assert token not in invitation.token_hash
    assert invitation.email == "someone@example.org"
    assert message.locale == "zh" and message.recipient == "someone@example.org"
    assert find_by_token(token).id == invitation.id
    assert invitation.state is InvitationState.PENDING


def test_invite_refuses_an_existing_account_and_writes_nothing(admin, make_user):
    """An address with an account raises ServiceError; no invitation, no e-mail."""
    make_user(email="exists@example.org")
    with pytest.raises(ServiceError, match="already exists"):
        invite(" EXISTS@example.org", inviter=admin)
    db.session.rollback()
    assert db.session.scalars(sa.select(Invitation)).all() == [] and outbox() == []


def test_inviting_again_merges_the_groups(admin, make_group):
    """A second invitation to a waiting address adds groups, updates roles and resends."""
    wg1, wg2 = make_group(), make_group()
    first = invite("merge@example.org", inviter=admin, groups=[(wg1, GroupRole.MEMBER)])
    second = invite(
        "merge@example.org",
        inviter=admin,
        groups=[(wg1, GroupRole.LEAD), (wg2, GroupRole.OBSERVER)],
    )
    assert first.id == second.id
    assert {(g.group_id, g.role) for g in second.groups} == {
        (wg1.id, GroupRole.LEAD),
        (wg2.id, GroupRole.OBSERVER),
    }
    first_link, second_link = (invitation_token(m) for m in outbox())
    assert find_by_token(first_link) is None and find_by_token(second_link).id == first.id


def test_resend_replaces_the_link_and_renews_the_expiry(admin):
    """Resending makes a new token valid for seven more days; the old token dies."""
    invitation = invite("resend@example.org", inviter=admin)
    old = invitation_token(outbox()[0])
    with time_machine.travel(utcnow() + timedelta(days=6), tick=False):
        resend(invitation, actor=admin)
        assert invitation.expires_at == utcnow() + timedelta(days=7)
    new = invitation_token(outbox()[1])
    assert find_by_token(old) is None and find_by_token(new).id == invitation.id


def test_a_revoked_invitation_cannot_be_resent_or_used(admin):
    """Revoking stops the link; resending afterwards raises."""
    invitation = invite("revoked@example.org", inviter=admin)
    token = invitation_token(outbox()[0])
    revoke(invitation, actor=admin)
    assert find_by_token(token) is None
    with pytest.raises(ServiceError):
        resend(invitation, actor=admin)


def test_an_expired_link_finds_nothing(admin, app):
    """After the validity period the token no longer finds the invitation."""
    invite("late@example.org", inviter=admin)
    token = invitation_token(outbox()[0])
    days = app.config["INVITATION_VALID_DAYS"]
    with time_machine.travel(utcnow() + timedelta(days=days, minutes=1)):
        assert find_by_token(token) is None
    assert find_by_token(token) is not None


@pytest.mark.parametrize("token", ["", "x", "not-a-token", "a" * 201])
def test_bogus_tokens_find_nothing(app, token):
    """Empty, unknown and absurdly long tokens find nothing."""
    assert find_by_token(token) is None


def test_accept_creates_the_account_with_its_role_and_groups(admin, make_group, make_organisation):
    """The account gets the invitation's site role, organisation and group roles."""
    wg1, wg2 = make_group(), make_group()
    archived = make_group(is_archived=True)
    organisation = make_organisation("Fudan University", "复旦大学")
    invitation = invite(
        "coordinator@example.org",
        inviter=admin,
        locale="zh",
        site_role=SiteRole.COORDINATOR,
        groups=[(wg1, GroupRole.LEAD), (wg2, GroupRole.OBSERVER), (archived, GroupRole.MEMBER)],
        organisation=organisation,
    )
    user = accept_as(invitation, name="Chen Jing", name_zh="陈静")
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.site_role == SiteRole.COORDINATOR
    assert (user.name, user.name_zh, user.locale) == ("Chen Jing", "陈静", "zh")
    assert user.organisation_id == organisation.id
    roles = {m.group_id: m.role for m in user.memberships}
    assert roles == {wg1.id: GroupRole.LEAD, wg2.id: GroupRole.OBSERVER}
    assert db.session.get(Invitation, invitation.id).state is InvitationState.ACCEPTED


def test_a_used_invitation_cannot_be_used_again(admin):
    """After acceptance the token finds nothing, and accepting again raises."""
    invitation = invite("once@example.org", inviter=admin)
    token = invitation_token(outbox()[0])
    accept_as(invitation)
    assert find_by_token(token) is None
    with pytest.raises(ServiceError):
        accept_as(invitation)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Membership))
    assert count == 0


def committed_invitations() -> int:
    """Count the invitations another connection sees: only committed rows."""
    with db.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(Invitation.__table__))


def test_building_an_invitation_leaves_the_commit_to_the_caller(app, admin):
    """The builder adds the invitation and its e-mail to the session but commits nothing."""
    invitation = build_invitation("built@example.org", inviter=admin)
    assert invitation in db.session
    assert committed_invitations() == 0
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    assert outbox() == []


def test_inviting_commits_the_invitation(app, admin):
    """The use case commits: the invitation is there for every other connection."""
    invite("committed@example.org", inviter=admin)
    assert committed_invitations() == 1
