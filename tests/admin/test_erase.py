"""Erasing a departed member: personal data goes, their history stays as "Former member"."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.admin import services
from app.auth import throttle
from app.auth.models import SiteRole, User
from app.auth.passwords import verify_password
from app.core import audit
from app.core.audit import AuditEvent
from app.core.errors import ServiceError
from app.extensions import db
from app.groups.models import GroupRole, Membership
from app.invitations.models import Invitation
from app.invitations.services import accept, invite
from tests.admin.conftest import flashes, post
from tests.conftest import DEFAULT_PASSWORD, fetch_csrf_token


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def erase(client, person: User, typed: str | None = None):
    return post(client, f"/admin/users/{person.id}/erase", {"confirm_email": typed or person.email})


@pytest.fixture
def departed(make_user, make_group, add_member, make_organisation):
    """A member with a full profile, a group, and some history of their own."""
    organisation = make_organisation("Karolinska Institutet", "卡罗林斯卡学院", country="SE")
    person = make_user(
        name="Sven Departed",
        name_zh="斯文",
        email="sven@example.se",
        organisation_id=organisation.id,
        country="SE",
        position="Researcher",
        expertise="Pharmacogenomics",
        locale="en",
    )
    add_member(person, make_group(), GroupRole.MEMBER)
    audit.record("sign_in.succeeded", actor=person, target=person)
    db.session.commit()
    return person


def test_erasure_removes_the_personal_data(client, as_admin, departed):
    """Names, contact, profile, password, sessions and groups go; the row and id stay."""
    token = departed.session_token
    response = erase(client, departed)
    assert response.status_code == 302
    assert "has been erased" in flashes(client, response.location)
    person = fresh(departed)
    assert person.name == ""
    assert person.display_name == "Former member"
    for column in ("name_zh", "position", "expertise", "country", "organisation_id", "locale"):
        assert getattr(person, column) is None, column
    assert person.email == f"erased-{person.id}@invalid"
    assert not verify_password(person.password_hash, DEFAULT_PASSWORD)
    assert person.session_token != token
    assert not person.is_active_account and person.erased_at is not None
    assert (
        db.session.scalars(sa.select(Membership).where(Membership.user_id == person.id)).all() == []
    )


def test_the_erased_person_can_no_longer_sign_in(app, client, as_admin, departed):
    """Neither the old address nor the old password opens anything any more."""
    theirs = app.test_client()
    token = fetch_csrf_token(theirs, "/login")
    theirs.post(
        "/login", data={"email": departed.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert theirs.get("/").status_code == 200
    erase(client, departed)
    assert theirs.get("/").status_code == 302
    again = app.test_client()
    token = fetch_csrf_token(again, "/login")
    response = again.post(
        "/login",
        data={"email": "sven@example.se", "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 200  # the form again, with its error


def test_their_history_stays_attributed(client, as_admin, departed):
    """Audit events by the person keep their id; the log shows them as "Former member"."""
    erase(client, departed)
    db.session.expire_all()
    own = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sign_in.succeeded"))
    assert [e.actor_id for e in own if e.actor_id == departed.id] == [departed.id]
    html = client.get("/admin/audit?action=auth.login").get_data(as_text=True)
    assert "Former member" in html and "Sven Departed" not in html


def test_the_erasure_event_holds_no_personal_data(client, as_admin, departed):
    """The event names the account by id only."""
    erase(client, departed)
    db.session.expire_all()
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "account.erased")
    ).one()
    assert event.actor_id == as_admin.id
    assert (event.object_type, event.object_id) == ("user", str(departed.id))
    assert event.details == {}


def test_invitations_of_the_address_are_revoked_and_forgotten(client, as_admin, admin, make_user):
    """A waiting invitation of the address stops working; invitations forget the address."""
    first = invite("leaving@example.org", inviter=admin, name="Leaving Person")
    person = accept(
        first,
        name="Leaving Person",
        name_zh=None,
        password=DEFAULT_PASSWORD,
        locale="en",
        timezone="Europe/Rome",
    )
    # An invitation sent to the same address by mistake after the account existed.
    stray = Invitation(
        email="leaving@example.org",
        token_hash="0" * 64,
        expires_at=first.expires_at,
        invited_by=admin,
    )
    db.session.add(stray)
    db.session.commit()
    erase(client, person)
    db.session.expire_all()
    stray = db.session.get(Invitation, stray.id)
    assert stray.revoked_at is not None
    for invitation in db.session.scalars(sa.select(Invitation)):
        assert invitation.email == f"erased-{person.id}@invalid"
        assert invitation.name is None and invitation.name_zh is None


def test_the_sign_in_counter_of_the_address_is_forgotten(client, as_admin, departed):
    """Failed sign-ins counted against the address (a hash of it) are dropped."""
    throttle.register_failure(throttle.email_key(departed.email))
    db.session.commit()
    erase(client, departed)
    db.session.expire_all()
    assert db.session.get(throttle.LoginThrottle, throttle.email_key("sven@example.se")) is None


def test_the_address_must_be_typed_to_confirm(client, as_admin, departed):
    """A wrong or empty address re-shows the page with the error; nothing is erased."""
    for typed in ("someone.else@example.org", " "):
        response = erase(client, departed, typed=typed)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "is-invalid" in html
        assert fresh(departed).erased_at is None
    assert erase(client, departed, typed="  SVEN@Example.SE ").status_code == 302
    assert fresh(departed).erased_at is not None


def test_an_erased_account_cannot_be_reactivated_or_changed(client, as_admin, departed):
    """Reactivation, a new role and a reset link are refused for an erased account."""
    erase(client, departed)
    response = post(client, f"/admin/users/{departed.id}/reactivate")
    assert "has been erased" in flashes(client, response.location)
    post(client, f"/admin/users/{departed.id}/role", {"site_role": "admin"})
    post(client, f"/admin/users/{departed.id}/reset-link")
    person = fresh(departed)
    assert not person.is_active_account and person.site_role == SiteRole.MEMBER
    html = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Former member" in html and "/reactivate" not in html and "/erase" not in html


def test_erasing_twice_is_refused(client, as_admin, departed):
    """A second erasure (the address typed is now the placeholder) changes nothing."""
    erase(client, departed)
    placeholder = fresh(departed).email
    response = erase(client, departed, typed=placeholder)
    assert "already been erased" in flashes(client, response.location)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "account.erased")
    ).all()
    assert len(events) == 1


def test_nobody_erases_their_own_account(client, as_admin, make_user):
    """Self-erasure is refused even with another administrator present."""
    make_user(site_role=SiteRole.ADMIN)
    response = erase(client, as_admin)
    assert "cannot erase your own account" in flashes(client, response.location)
    assert fresh(as_admin).erased_at is None


def test_the_last_administrator_cannot_be_erased(make_user, admin):
    """Erasing the only active administrator is refused (by whoever asks)."""
    someone = make_user(site_role=SiteRole.COORDINATOR)
    with pytest.raises(ServiceError, match="last active administrator"):
        services.erase_account(admin, actor=someone)
    assert fresh(admin).erased_at is None


def test_erasure_needs_an_administrator(client, make_user, login_as, departed):
    """A coordinator cannot erase anyone."""
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    assert erase(client, departed).status_code == 403
    assert fresh(departed).erased_at is None


def test_erasure_deletes_the_e_mails_to_the_person(client, as_admin, departed, make_user):
    """Messages to the erased address leave the outbox; other people's stay."""
    from app.auth.services import send_reset_link
    from app.core.mail import OutboxEmail

    other = make_user(email="someone.else@example.org")
    send_reset_link(departed, actor=departed)
    send_reset_link(other, actor=other)
    db.session.commit()
    erase(client, departed)
    db.session.expire_all()
    recipients = db.session.scalars(sa.select(OutboxEmail.recipient)).all()
    assert recipients == ["someone.else@example.org"]
