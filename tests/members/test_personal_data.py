"""Downloading everything the portal holds about oneself (GDPR / PIPL)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.auth.models import SiteRole
from app.core import audit
from app.core.audit import AuditEvent
from app.core.mail import OutboxEmail
from app.extensions import db
from app.groups.models import GroupRole
from app.invitations import services as invitations
from app.organisations.models import Organisation, OrganisationKind
from tests.conftest import csrf_token_from


def download(client) -> tuple[object, dict]:
    response = client.get("/profile/data.json")
    assert response.status_code == 200
    return response, json.loads(response.get_data(as_text=True))


def test_the_file_is_a_json_attachment(client, make_user, login_as):
    """The browser saves it as ic2permed-my-data.json and caches nothing."""
    login_as(make_user())
    response, _data = download(client)
    assert response.mimetype == "application/json"
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="ic2permed-my-data.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"


def test_the_file_holds_the_members_data(client, make_user, make_group, add_member, login_as):
    """Account, organisation, groups, invitations, audit events and e-mails are all there."""
    organisation = Organisation(
        name_en="Fudan University",
        name_zh="复旦大学",
        country="CN",
        kind=OrganisationKind.UNIVERSITY,
    )
    db.session.add(organisation)
    db.session.commit()
    # The invitation the member received before their account existed, and one they sent.
    admin = make_user(site_role=SiteRole.ADMIN, name="Site Admin")
    received = invitations.invite("wang.lei@example.cn", inviter=admin)
    lead = make_user(
        email="wang.lei@example.cn",
        name="Wang Lei",
        name_zh="王磊",
        organisation_id=organisation.id,
        country="CN",
        position="Professor",
        expertise="Pharmacogenomics",
        timezone="Asia/Shanghai",
    )
    group = make_group(code="WG4", slug="wg4")
    add_member(lead, group, GroupRole.LEAD)
    received.user_id = lead.id
    db.session.commit()
    invitations.invite("invitee@example.org", inviter=lead, groups=[(group, GroupRole.MEMBER)])
    login_as(lead)

    _response, data = download(client)

    account = data["account"]
    assert account["email"] == "wang.lei@example.cn"
    assert (account["name"], account["name_zh"]) == ("Wang Lei", "王磊")
    assert account["timezone"] == "Asia/Shanghai"
    assert account["site_role"] == "member"
    assert account["last_login_at"]
    assert data["organisation"]["name_zh"] == "复旦大学"
    assert data["memberships"] == [
        {
            "group": "WG4",
            "group_name_en": group.name_en,
            "group_name_zh": group.name_zh,
            "role": "lead",
            "since": data["memberships"][0]["since"],
        }
    ]
    assert [i["email"] for i in data["invitations_sent"]] == ["invitee@example.org"]
    assert data["invitations_sent"][0]["groups"] == [{"group": "WG4", "role": "member"}]
    assert [i["email"] for i in data["invitations_received"]] == ["wang.lei@example.cn"]
    assert data["invitations_received"][0]["invited_by"] == "Site Admin"
    actions = [e["action"] for e in data["audit_events"]]
    assert "account.created" in actions
    assert "sign_in.succeeded" in actions
    assert "invitation.sent" in actions
    login = next(e for e in data["audit_events"] if e["action"] == "sign_in.succeeded")
    assert login["by_you"] is True and login["ip_address"]
    assert [m["recipient"] for m in data["emails"]] == ["wang.lei@example.cn"]
    assert data["emails"][0]["subject"]
    assert data["emails"][0]["created_at"]


def test_the_file_holds_no_secret_and_nobody_elses_data(client, make_user, login_as, app):
    """No password hash or session token; no other member's account, events or e-mails."""
    me = make_user(email="me@example.org", name="Me Myself")
    stranger = make_user(email="stranger@example.org", name="Total Stranger")
    other = app.test_client()
    token = csrf_token_from(other.get("/login").get_data(as_text=True))
    other.post(
        "/login",
        data={"email": stranger.email, "password": "wrong password!", "csrf_token": token},
    )
    db.session.add(
        OutboxEmail(
            recipient=stranger.email, locale="en", subject="For the stranger", body_text="x"
        )
    )
    db.session.commit()
    login_as(me)
    response, data = download(client)
    text = response.get_data(as_text=True)
    assert "password_hash" not in text and "session_token" not in text
    assert me.password_hash not in text
    assert me.session_token not in text
    assert "stranger" not in text.lower()
    assert "For the stranger" not in text
    assert {e["object_id"] for e in data["audit_events"]} <= {str(me.id), None}


def test_events_about_the_member_by_others_are_included(client, make_user, login_as):
    """An administrator's action on the account is part of the member's data."""
    me = make_user()
    admin = make_user(site_role=SiteRole.ADMIN)
    db.session.add(
        AuditEvent(
            action="account.site_role_changed",
            actor_id=admin.id,
            object_type="user",
            object_id=str(me.id),
            details={},
        )
    )
    db.session.commit()
    login_as(me)
    _response, data = download(client)
    event = next(e for e in data["audit_events"] if e["action"] == "account.site_role_changed")
    assert event["by_you"] is False


def test_the_download_is_audited(client, make_user, login_as):
    """Each download writes personal_data.exported."""
    me = make_user()
    login_as(me)
    download(client)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "personal_data.exported")
    ).all()
    assert [(e.actor_id, e.object_id) for e in events] == [(me.id, str(me.id))]


def test_chinese_text_is_written_as_it_is(client, make_user, login_as):
    """The file is UTF-8 with Chinese characters readable, not escaped."""
    login_as(make_user(name_zh="王磊"))
    response, _data = download(client)
    assert "王磊" in response.get_data(as_text=True)


def test_the_profile_links_to_the_download(client, make_user, login_as):
    """The profile page offers the download."""
    login_as(make_user())
    assert 'href="/profile/data.json"' in client.get("/profile").get_data(as_text=True)


def test_the_file_is_served_when_its_audit_event_cannot_be_written(
    client, make_user, login_as, monkeypatch
):
    """The download's audit event is bookkeeping: if it fails, the member still gets the file."""
    login_as(make_user(email="kept@example.org"))

    def broken(*args, **kwargs):
        raise RuntimeError("the audit table is locked")

    monkeypatch.setattr(audit, "record", broken)
    _response, data = download(client)
    assert data["account"]["email"] == "kept@example.org"
