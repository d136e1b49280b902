"""Inviting someone new straight into a working group, from the group's pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth.models import SiteRole
from app.core.errors import ServiceError
from app.core.mail import OutboxEmail
from app.extensions import db
from app.groups.models import GroupRole
from app.invitations import services
from app.invitations.models import Invitation
from tests.groups.conftest import PRINCIPALS, audit_events

#: The answer each principal gets when inviting into `cast.group`.
MANAGERS = {
    "lead": 302,
    "member": 403,
    "observer": 403,
    "other_lead": 404,
    "coordinator": 302,
    "admin": 302,
}


# The page -------------------------------------------------------------------------


def test_a_lead_invites_a_new_person_into_the_group(cast, login_as, post):
    """The invitation names the group and role, in the chosen language; the site role is member."""
    login_as(cast.lead)
    response = post(
        "/groups/wg1/members/invite",
        {
            "email": "Li.Na@Example.CN",
            "name": "Li Na",
            "locale": "zh",
            "role": "lead",
            "site_role": "admin",  # forged: there is no such field, and it must not count
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    invitation = db.session.scalars(sa.select(Invitation)).one()
    assert invitation.email == "li.na@example.cn"
    assert invitation.site_role == SiteRole.MEMBER
    assert invitation.locale == "zh"
    assert invitation.name == "Li Na"
    assert invitation.invited_by_id == cast.lead.id
    assert [(item.group_id, item.role) for item in invitation.groups] == [
        (cast.group.id, GroupRole.LEAD)
    ]
    mail = db.session.scalars(sa.select(OutboxEmail)).one()
    assert mail.recipient == "li.na@example.cn"
    assert mail.locale == "zh"
    assert [e.details["site_role"] for e in audit_events("invitation.sent")] == ["member"]


def test_inviting_an_address_with_an_account_suggests_adding_them(cast, login_as, post):
    """Someone who already has an account is added, not invited: the form says so."""
    login_as(cast.lead)
    response = post(
        "/groups/wg1/members/invite",
        {"email": cast.other_lead.email.upper(), "locale": "en", "role": "member"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "add the person as an existing member instead" in html
    assert "/groups/wg1/members/add?q=" in html
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not an address", "locale": "en", "role": "member"}, "Enter a valid e-mail"),
        ({"email": "", "locale": "en", "role": "member"}, "This field is required."),
        ({"email": "x@example.org", "locale": "en", "role": "superlead"}, "Choose a role"),
        ({"email": "x@example.org", "locale": "en", "role": ""}, "This field is required."),
        ({"email": "x@example.org", "locale": "fr", "role": "member"}, "Not a valid choice"),
        (
            {"email": "x@example.org", "locale": "en", "role": "member", "name": "Li\x07Na"},
            "This field contains characters that are not allowed.",
        ),
    ],
)
def test_bad_input_to_invite_is_a_form_error(data, message, cast, login_as, post):
    """A bad address, role, language or name: the form comes back, nobody is invited."""
    login_as(cast.lead)
    response = post("/groups/wg1/members/invite", data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_only_managers_may_invite_into_the_group(principal, cast, login_as, post, client):
    """Leads of this group, coordinators and admins invite; the others are refused."""
    login_as(cast.people[principal])
    expected = 200 if MANAGERS[principal] == 302 else MANAGERS[principal]
    assert client.get("/groups/wg1/members/invite").status_code == expected
    response = post(
        "/groups/wg1/members/invite", {"email": "new@example.org", "locale": "en", "role": "member"}
    )
    assert response.status_code == MANAGERS[principal]
    db.session.expire_all()
    invited = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation))
    assert invited == (1 if MANAGERS[principal] == 302 else 0)


# The service -----------------------------------------------------------------------------------


def test_inviting_into_an_archived_group_is_refused(cast):
    """The service itself refuses an archived group, whoever calls it; nothing is sent."""
    cast.group.is_archived = True
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        services.invite_to_group(
            cast.group,
            "new@example.org",
            actor=cast.coordinator,
            role=GroupRole.MEMBER,
            locale="en",
        )
    assert refused.value.field is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_inviting_an_existing_account_names_the_email_field(cast):
    """The refusal for a taken address belongs to the e-mail field (the form shows it there)."""
    with pytest.raises(ServiceError) as refused:
        services.invite_to_group(
            cast.group, cast.member.email, actor=cast.lead, role=GroupRole.MEMBER, locale="en"
        )
    assert refused.value.field == "email"
