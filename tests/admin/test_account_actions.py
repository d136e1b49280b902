"""What an administrator does to an account: site role, reset link, deactivation, reactivation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.admin import services
from app.auth.models import SiteRole, User
from app.core.audit import AuditEvent
from app.core.errors import ServiceError
from app.extensions import db
from app.groups.models import GroupRole, Membership
from tests.admin.conftest import flashes, outbox, post
from tests.conftest import DEFAULT_PASSWORD, fetch_csrf_token


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def sign_in(client, user: User, remember: bool = False):
    data = {"email": user.email, "password": DEFAULT_PASSWORD}
    if remember:
        data["remember"] = "y"
    token = fetch_csrf_token(client, "/login")
    response = client.post("/login", data={**data, "csrf_token": token})
    assert response.status_code == 302
    return response


# The account page --------------------------------------------------------------------------------


def test_the_account_page_shows_details_groups_history_and_actions(
    client, as_admin, make_user, make_group, add_member, make_organisation
):
    """The page shows who the person is, their groups, what happened to them, and the buttons."""
    organisation = make_organisation("Sorbonne Université", "索邦大学", country="FR")
    person = make_user(
        name="Claire Martin",
        name_zh="马克莱",
        organisation_id=organisation.id,
        position="Professor",
        country="FR",
    )
    add_member(person, make_group(code="WG5", name_en="Data sharing"), GroupRole.LEAD)
    post(client, f"/admin/users/{person.id}/role", {"site_role": "coordinator"})
    html = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    for text in ("Claire Martin", "马克莱", person.email, "Sorbonne Université", "Professor"):
        assert text in html
    assert "WG5 · Data sharing" in html and "Lead" in html
    assert "Site role changed" in html and "Account created" in html
    history = html[html.index('id="history-heading"') :]
    assert f'<a href="/admin/users/{person.id}">Claire Martin</a>' in history
    assert f"#{person.id}" not in history  # the account by name, never by number
    for action in ("role", "reset-link", "deactivate", "erase"):
        assert f'action="/admin/users/{person.id}/{action}"' in html
    assert "/reactivate" not in html


def test_no_self_deactivation_or_erasure_buttons(client, as_admin):
    """An administrator's own page offers neither deactivation nor erasure."""
    html = client.get(f"/admin/users/{as_admin.id}").get_data(as_text=True)
    assert "/deactivate" not in html and "/erase" not in html


def test_an_unknown_account_is_not_found(client, as_admin):
    """The page of an account that does not exist answers 404."""
    assert client.get("/admin/users/99999").status_code == 404
    assert post(client, "/admin/users/99999/deactivate").status_code == 404


def test_the_account_page_is_for_administrators(client, make_user, login_as):
    """A coordinator cannot open an account's admin page (403), even a missing one."""
    person = make_user()
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    assert client.get(f"/admin/users/{person.id}").status_code == 403
    assert client.get("/admin/users/99999").status_code == 403


# Site role ---------------------------------------------------------------------------------------


def test_change_the_site_role(client, as_admin, make_user):
    """The new role is saved and the change is audited with the old and the new role."""
    person = make_user()
    response = post(client, f"/admin/users/{person.id}/role", {"site_role": "coordinator"})
    assert response.status_code == 302
    assert response.location == f"/admin/users/{person.id}"
    assert "The site role is now Coordinator." in flashes(client, response.location)
    assert fresh(person).site_role == SiteRole.COORDINATOR
    [event] = events("account.site_role_changed")
    assert event.actor_id == as_admin.id and event.object_id == str(person.id)
    assert event.details == {"old": "member", "new": "coordinator"}


def test_a_forged_site_role_is_refused(client, as_admin, make_user):
    """A role that does not exist (site_role=superuser) changes nothing."""
    person = make_user()
    response = post(client, f"/admin/users/{person.id}/role", {"site_role": "superuser"})
    assert response.status_code == 302
    assert "Choose a site role from the list." in flashes(client, response.location)
    assert fresh(person).site_role == SiteRole.MEMBER
    assert events("account.site_role_changed") == []


def test_the_same_role_changes_nothing(client, as_admin, make_user):
    """Choosing the role the account has already writes no event."""
    person = make_user()
    response = post(client, f"/admin/users/{person.id}/role", {"site_role": "member"})
    assert "already had this site role" in flashes(client, response.location)
    assert events("account.site_role_changed") == []


def test_the_last_administrator_cannot_be_demoted(client, as_admin):
    """The only active administrator demoting themselves is refused."""
    response = post(client, f"/admin/users/{as_admin.id}/role", {"site_role": "member"})
    assert "last active administrator" in flashes(client, response.location)
    assert fresh(as_admin).site_role == SiteRole.ADMIN
    assert events("account.site_role_changed") == []


def test_an_administrator_can_be_demoted_when_another_remains(client, as_admin, make_user):
    """With a second active administrator, one of them may become a member."""
    other = make_user(site_role=SiteRole.ADMIN)
    post(client, f"/admin/users/{other.id}/role", {"site_role": "member"})
    assert fresh(other).site_role == SiteRole.MEMBER


def test_a_deactivated_administrator_does_not_count(make_user, admin):
    """An administrator whose only fellow administrator is deactivated is the last one."""
    make_user(site_role=SiteRole.ADMIN, active=False)
    with pytest.raises(ServiceError):
        services.change_site_role(admin, SiteRole.MEMBER, actor=admin)
    assert fresh(admin).site_role == SiteRole.ADMIN


def test_role_changes_need_an_administrator(client, make_user, login_as):
    """A coordinator cannot give anyone (themselves included) a site role."""
    coordinator = make_user(site_role=SiteRole.COORDINATOR)
    login_as(coordinator)
    response = post(client, f"/admin/users/{coordinator.id}/role", {"site_role": "admin"})
    assert response.status_code == 403
    assert fresh(coordinator).site_role == SiteRole.COORDINATOR


# Password-reset link -----------------------------------------------------------------------------


def test_send_a_reset_link_in_the_accounts_language(client, as_admin, make_user):
    """The account gets a reset e-mail in its own language; the event names the administrator."""
    person = make_user(locale="zh")
    response = post(client, f"/admin/users/{person.id}/reset-link")
    assert response.status_code == 302
    [message] = outbox()
    assert message.recipient == person.email and message.locale == "zh"
    assert "/reset-password/" in message.body_text
    [event] = events("password.reset_requested")
    assert event.actor_id == as_admin.id and event.object_id == str(person.id)


def test_no_reset_link_for_a_deactivated_account(client, as_admin, make_user):
    """A deactivated account gets no link (it could not use it)."""
    person = make_user(active=False)
    response = post(client, f"/admin/users/{person.id}/reset-link")
    assert "reactivate it before" in flashes(client, response.location)
    assert outbox() == []


# Deactivation ------------------------------------------------------------------------------------


def test_deactivation_keeps_memberships_and_is_audited(
    client, as_admin, make_user, make_group, add_member
):
    """The account is deactivated, its sessions token changes, and it stays in its groups."""
    person = make_user()
    add_member(person, make_group())
    token = person.session_token
    response = post(client, f"/admin/users/{person.id}/deactivate")
    assert "signed out everywhere" in flashes(client, response.location)
    person = fresh(person)
    assert not person.is_active_account and person.session_token != token
    assert len(person.memberships) == 1
    [event] = events("account.deactivated")
    assert event.actor_id == as_admin.id and event.object_id == str(person.id)


def test_deactivation_ends_a_live_session_and_a_remember_me_cookie(
    app, client, as_admin, make_user
):
    """The deactivated person's open session and their remember-me cookie stop working."""
    person = make_user()
    theirs = app.test_client()
    sign_in(theirs, person, remember=True)
    remember = theirs.get_cookie("remember_token")
    assert remember is not None
    cookie_only = app.test_client()
    cookie_only.set_cookie("remember_token", remember.value)
    assert cookie_only.get("/").status_code == 200  # the cookie alone signs in

    post(client, f"/admin/users/{person.id}/deactivate")

    response = theirs.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    later = app.test_client()
    later.set_cookie("remember_token", remember.value)
    assert later.get("/").status_code == 302


def test_nobody_deactivates_their_own_account(client, as_admin, make_user):
    """Self-deactivation is refused even when another administrator remains."""
    make_user(site_role=SiteRole.ADMIN)
    response = post(client, f"/admin/users/{as_admin.id}/deactivate")
    assert "cannot deactivate your own account" in flashes(client, response.location)
    assert fresh(as_admin).is_active_account
    assert client.get("/admin/users").status_code == 200


def test_the_last_administrator_cannot_be_deactivated(make_user, admin):
    """Deactivating the only active administrator is refused (by whoever asks)."""
    someone = make_user(site_role=SiteRole.ADMIN, active=False)
    with pytest.raises(ServiceError, match="last active administrator"):
        services.deactivate_account(admin, actor=someone)
    assert fresh(admin).is_active_account


def test_another_administrator_can_be_deactivated(client, as_admin, make_user):
    """With the acting administrator still active, another administrator may be deactivated."""
    other = make_user(site_role=SiteRole.ADMIN)
    post(client, f"/admin/users/{other.id}/deactivate")
    assert not fresh(other).is_active_account


def test_deactivating_twice_changes_nothing(client, as_admin, make_user):
    """A second deactivation says so and writes no second event."""
    person = make_user(active=False)
    response = post(client, f"/admin/users/{person.id}/deactivate")
    assert "already deactivated" in flashes(client, response.location)
    assert events("account.deactivated") == []


def test_deactivation_needs_an_administrator(client, make_user, make_group, add_member, login_as):
    """A group lead cannot deactivate a member of their group."""
    group = make_group()
    lead, member = make_user(), make_user()
    add_member(lead, group, GroupRole.LEAD)
    add_member(member, group)
    login_as(lead)
    assert post(client, f"/admin/users/{member.id}/deactivate").status_code == 403
    assert fresh(member).is_active_account


# Reactivation ------------------------------------------------------------------------------------


def test_reactivation_lets_the_person_sign_in_again(app, client, as_admin, make_user):
    """A reactivated account signs in with its password; the event is written."""
    person = make_user(active=False)
    response = post(client, f"/admin/users/{person.id}/reactivate")
    assert "has been reactivated" in flashes(client, response.location)
    assert fresh(person).is_active_account
    sign_in(app.test_client(), person)
    [event] = events("account.reactivated")
    assert event.actor_id == as_admin.id


def test_reactivating_an_active_account_changes_nothing(client, as_admin, make_user):
    """Reactivating an active account writes no event."""
    person = make_user()
    response = post(client, f"/admin/users/{person.id}/reactivate")
    assert "already active" in flashes(client, response.location)
    assert events("account.reactivated") == []


def test_memberships_survive_deactivation_and_reactivation(
    client, as_admin, make_user, make_group, add_member
):
    """The account's group roles are the same after a deactivation and a reactivation."""
    person = make_user()
    add_member(person, make_group(), GroupRole.LEAD)
    post(client, f"/admin/users/{person.id}/deactivate")
    post(client, f"/admin/users/{person.id}/reactivate")
    db.session.expire_all()
    roles = db.session.scalars(sa.select(Membership.role).where(Membership.user_id == person.id))
    assert roles.all() == [GroupRole.LEAD]
