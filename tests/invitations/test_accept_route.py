"""The page the invitation link opens: /invitations/<token>."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from app.auth.models import SiteRole, User
from app.core.database import utcnow
from app.extensions import db
from app.groups.models import GroupRole
from app.invitations.models import Invitation
from app.invitations.services import invite, revoke
from tests.admin.conftest import invitation_token, outbox
from tests.conftest import csrf_token_from, fetch_csrf_token

PASSWORD = "a long enough password 密码"
NO_LONGER_WORKS = "This invitation no longer works"


def link_for(invitation: Invitation) -> str:
    """Return the path of the newest link e-mailed for the invitation."""
    message = [m for m in outbox() if m.recipient == invitation.email][-1]
    return f"/invitations/{invitation_token(message)}"


def fill_in(client, path: str, **overrides):
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    data = {
        "name": "Wang Lei",
        "name_zh": "王磊",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "locale": "zh",
        "timezone": "Asia/Shanghai",
        "csrf_token": token,
        **overrides,
    }
    return client.post(path, data=data)


def account(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalars(sa.select(User).where(User.email == email)).first()


def test_the_form_is_prefilled_from_the_invitation(client, admin, make_group):
    """The suggested names, the language and the groups to join are shown."""
    group = make_group(code="WG4", name_en="Ethics")
    invitation = invite(
        "prefill@example.org",
        inviter=admin,
        locale="zh",
        name="Suggested Name",
        name_zh="建议",
        groups=[(group, GroupRole.OBSERVER)],
    )
    html = client.get(link_for(invitation)).get_data(as_text=True)
    assert "prefill@example.org" in html
    assert 'value="Suggested Name"' in html and 'value="建议"' in html
    assert "WG4" in html
    assert 'value="Asia/Shanghai" selected' in html or 'selected value="Asia/Shanghai"' in html


def test_accepting_lands_in_the_named_groups_with_the_named_roles(client, admin, make_group):
    """The new account is signed in, with the invitation's site role and group roles."""
    lead_of, observer_of = make_group(), make_group()
    invitation = invite(
        "new.lead@example.org",
        inviter=admin,
        site_role=SiteRole.COORDINATOR,
        groups=[(lead_of, GroupRole.LEAD), (observer_of, GroupRole.OBSERVER)],
    )
    response = fill_in(client, link_for(invitation))
    assert response.status_code == 302 and response.location == "/"
    user = account("new.lead@example.org")
    assert user.site_role == SiteRole.COORDINATOR
    assert (user.name, user.name_zh, user.locale, user.timezone) == (
        "Wang Lei",
        "王磊",
        "zh",
        "Asia/Shanghai",
    )
    assert {m.group_id: m.role for m in user.memberships} == {
        lead_of.id: GroupRole.LEAD,
        observer_of.id: GroupRole.OBSERVER,
    }
    assert client.get("/").status_code == 200  # signed in


def test_a_forged_site_role_field_is_ignored(client, admin):
    """Adding site_role=admin (or a session token) to the form changes nothing."""
    invitation = invite("plain@example.org", inviter=admin)
    response = fill_in(
        client, link_for(invitation), site_role="admin", is_active_account="0", email="x@y.org"
    )
    assert response.status_code == 302
    user = account("plain@example.org")
    assert user.site_role == SiteRole.MEMBER and user.is_active_account
    assert account("x@y.org") is None


def test_a_used_link_no_longer_works(client, admin, app):
    """Once accepted, the link answers the "no longer works" page with 404."""
    invitation = invite("used@example.org", inviter=admin)
    path = link_for(invitation)
    fill_in(client, path)
    other = app.test_client()
    token = fetch_csrf_token(other, "/login")
    again = {"name": "Again", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}
    for response in (other.get(path), other.post(path, data=again)):
        assert response.status_code == 404
        assert NO_LONGER_WORKS in response.get_data(as_text=True)


def test_a_revoked_link_no_longer_works(client, admin):
    """A revoked invitation's link answers 404, and no account can be made with it."""
    invitation = invite("revoked@example.org", inviter=admin)
    path = link_for(invitation)
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    revoke(invitation, actor=admin)
    response = client.post(
        path,
        data={"name": "X", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 404
    assert NO_LONGER_WORKS in response.get_data(as_text=True)
    assert account("revoked@example.org") is None


def test_an_expired_link_no_longer_works(client, admin, app):
    """After seven days the link answers 404."""
    invitation = invite("expired@example.org", inviter=admin)
    path = link_for(invitation)
    days = app.config["INVITATION_VALID_DAYS"]
    with time_machine.travel(utcnow() + timedelta(days=days, seconds=1)):
        response = client.get(path)
    assert response.status_code == 404
    assert NO_LONGER_WORKS in response.get_data(as_text=True)


def test_a_bad_form_creates_no_account(client, admin):
    """Different passwords, a missing name or a control character re-show the form."""
    invitation = invite("careful@example.org", inviter=admin)
    path = link_for(invitation)
    for overrides in ({"confirm": "something else entirely"}, {"name": ""}, {"name": "A\x00B"}):
        response = fill_in(client, path, **overrides)
        assert response.status_code == 200, overrides
        assert "is-invalid" in response.get_data(as_text=True), overrides
    assert account("careful@example.org") is None


def test_a_signed_in_visitor_is_signed_out_by_the_link(client, admin, make_user, login_as):
    """Opening someone's invitation while signed in signs the current account out first."""
    invitation = invite("someone.new@example.org", inviter=admin)
    login_as(make_user())
    assert client.get(link_for(invitation)).status_code == 200
    assert client.get("/").status_code == 302
