"""Inviting people from the admin pages, and resending or revoking an invitation."""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.models import SiteRole
from app.core.audit import AuditEvent
from app.extensions import db
from app.groups.models import GroupRole
from app.invitations.models import Invitation
from app.invitations.services import accept, find_by_token, invite
from tests.admin.conftest import invitation_token, outbox, post


def invitations() -> list[Invitation]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Invitation).order_by(Invitation.id)))


def send_invite(client, **fields):
    data = {"email": "new.person@example.org", "locale": "en", "site_role": "member", **fields}
    return post(client, "/admin/users/invite", data)


def test_the_form_offers_each_open_group(client, as_admin, make_group):
    """Every working group that is not archived has a role select; archived ones do not."""
    open_group = make_group(code="WG1")
    archived = make_group(code="WG9", is_archived=True)
    html = client.get("/admin/users/invite").get_data(as_text=True)
    assert f'name="group_{open_group.id}"' in html
    assert f'name="group_{archived.id}"' not in html
    assert "Not invited" in html and "Observer" in html


def test_invite_with_role_groups_name_and_organisation(
    client, as_admin, admin, make_group, make_organisation
):
    """The invitation keeps what the form said and the e-mail goes out in the chosen language."""
    wg1, wg2, wg3 = make_group(), make_group(), make_group()
    peking = make_organisation("Peking University", "北京大学")
    response = send_invite(
        client,
        email="Wang.Lei@Example.CN",
        locale="zh",
        site_role="coordinator",
        name="Wang Lei",
        name_zh="王磊",
        organisation_id=str(peking.id),
        **{f"group_{wg1.id}": "lead", f"group_{wg2.id}": "observer", f"group_{wg3.id}": ""},
    )
    assert response.status_code == 302
    assert response.location == "/admin/users?status=invited"
    [invitation] = invitations()
    assert invitation.email == "wang.lei@example.cn"
    assert invitation.locale == "zh" and invitation.site_role == SiteRole.COORDINATOR
    assert (invitation.name, invitation.name_zh) == ("Wang Lei", "王磊")
    assert invitation.organisation_id == peking.id
    assert invitation.invited_by_id == admin.id
    assert {(g.group_id, g.role) for g in invitation.groups} == {
        (wg1.id, GroupRole.LEAD),
        (wg2.id, GroupRole.OBSERVER),
    }
    [message] = outbox()
    assert message.recipient == "wang.lei@example.cn" and message.locale == "zh"
    assert find_by_token(invitation_token(message)).id == invitation.id
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "invitation.sent"))
    assert event.one().actor_id == admin.id
    assert "wang.lei@example.cn" in client.get(response.location).get_data(as_text=True)


def test_an_existing_account_gets_a_field_error_and_nothing_is_written(client, as_admin, make_user):
    """Inviting the address of an account (in any case) is refused on the e-mail field."""
    make_user(email="taken@example.org")
    response = send_invite(client, email="TAKEN@example.org")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "An account with the address taken@example.org already exists." in html
    assert 'aria-invalid="true"' in html
    assert invitations() == [] and outbox() == []


def test_a_pending_invitation_is_resent_with_the_groups_merged(client, as_admin, admin, make_group):
    """Inviting an address again adds the new groups to its waiting invitation and resends it."""
    wg1, wg2 = make_group(), make_group()
    invite("again@example.org", inviter=admin, groups=[(wg1, GroupRole.MEMBER)])
    first_token = invitation_token(outbox()[0])
    response = send_invite(client, email="again@example.org", **{f"group_{wg2.id}": "lead"})
    assert response.status_code == 302
    [invitation] = invitations()
    assert {(g.group_id, g.role) for g in invitation.groups} == {
        (wg1.id, GroupRole.MEMBER),
        (wg2.id, GroupRole.LEAD),
    }
    assert len(outbox()) == 2
    assert find_by_token(first_token) is None  # the old link is replaced by the new one


def test_forged_values_are_refused(client, as_admin, make_group):
    """A role, group role, language or organisation not offered by the form is an error."""
    group = make_group()
    forged = [
        {"site_role": "superuser"},
        {f"group_{group.id}": "owner"},
        {"locale": "fr"},
        {"organisation_id": "99999"},
        {"email": "not an address"},
        {"name": "Evil\x00Name"},
        {"name": "x" * 121},
    ]
    for fields in forged:
        response = send_invite(client, **fields)
        assert response.status_code == 200, fields
        assert "is-invalid" in response.get_data(as_text=True), fields
    assert invitations() == [] and outbox() == []


def test_an_archived_group_cannot_be_slipped_in(client, as_admin, make_group):
    """A select for an archived group, added by hand, is ignored."""
    archived = make_group(is_archived=True)
    assert send_invite(client, **{f"group_{archived.id}": "lead"}).status_code == 302
    [invitation] = invitations()
    assert invitation.groups == []


def test_a_group_lead_cannot_use_the_admin_invitation(
    client, make_user, make_group, add_member, login_as
):
    """Inviting with any site role is for administrators only: a lead gets 403."""
    lead = make_user()
    add_member(lead, make_group(), GroupRole.LEAD)
    login_as(lead)
    assert client.get("/admin/users/invite").status_code == 403
    assert send_invite(client, site_role="admin").status_code == 403
    assert invitations() == []


def test_resend_gives_a_new_link(client, as_admin, admin):
    """Resending mails a fresh link; the previous one stops working."""
    invitation = invite("resend.me@example.org", inviter=admin)
    old = invitation_token(outbox()[0])
    response = post(client, f"/admin/invitations/{invitation.id}/resend")
    assert response.status_code == 302
    assert "sent again" in client.get(response.location).get_data(as_text=True)
    messages = outbox()
    assert len(messages) == 2
    assert find_by_token(old) is None
    assert find_by_token(invitation_token(messages[1])).id == invitation.id
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "invitation.resent" in actions


def test_revoke_kills_the_link(client, as_admin, admin):
    """A revoked invitation's link answers "no longer works"; resending it is refused."""
    invitation = invite("revoke.me@example.org", inviter=admin)
    token = invitation_token(outbox()[0])
    assert post(client, f"/admin/invitations/{invitation.id}/revoke").status_code == 302
    db.session.expire_all()
    assert find_by_token(token) is None
    assert client.get(f"/invitations/{token}").status_code == 404
    response = post(client, f"/admin/invitations/{invitation.id}/resend")
    assert response.status_code == 302
    assert "can no longer be sent" in client.get(response.location).get_data(as_text=True)
    assert len(outbox()) == 1


def test_an_accepted_invitation_cannot_be_revoked(client, as_admin, admin):
    """Revoking an accepted invitation is refused with a message."""
    invitation = invite("accepted@example.org", inviter=admin)
    accept(
        invitation,
        name="Accepted",
        name_zh=None,
        password="a long enough password",
        locale="en",
        timezone="Europe/Rome",
    )
    response = post(client, f"/admin/invitations/{invitation.id}/revoke")
    assert "already been accepted" in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is None


def test_resend_and_revoke_need_an_administrator(client, make_user, login_as, admin):
    """A coordinator gets 403 and the invitation is untouched, whether or not it exists."""
    invitation = invite("kept@example.org", inviter=admin)
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    assert post(client, f"/admin/invitations/{invitation.id}/revoke").status_code == 403
    assert post(client, f"/admin/invitations/{invitation.id}/resend").status_code == 403
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked_at is None
    assert len(outbox()) == 1
    assert post(client, "/admin/invitations/99999/revoke").status_code == 403


def test_an_unknown_invitation_is_not_found(client, as_admin):
    """Resending or revoking an invitation that does not exist answers 404."""
    assert post(client, "/admin/invitations/99999/revoke").status_code == 404
    assert post(client, "/admin/invitations/99999/resend").status_code == 404
