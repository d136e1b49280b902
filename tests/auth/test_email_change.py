"""Changing the account's e-mail address: a link to the new address, a notice to the old."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import time_machine
from itsdangerous import URLSafeTimedSerializer

from app.auth import services
from app.auth.models import User
from app.auth.services import make_email_change_token
from app.core.audit import AuditEvent
from app.core.database import utcnow
from app.core.mail import OutboxEmail, send_pending
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD, csrf_token_from, fetch_csrf_token

NEW = "wang.lei@new.example.cn"


def ask(client, new_email=NEW, password=DEFAULT_PASSWORD):
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    return client.post(
        "/profile/email",
        data={"new_email": new_email, "email_password": password, "csrf_token": token},
    )


def link_path(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(/profile/email/confirm/\S+)", text)
    assert match, text
    return match.group(1)


def confirm(client, path: str):
    """Open a confirmation link and, if it shows the confirmation page, press its button."""
    response = client.get(path)
    if response.status_code != 200:
        return response
    token = csrf_token_from(response.get_data(as_text=True))
    return client.post(path, data={"csrf_token": token})


def outbox() -> list[OutboxEmail]:
    return list(db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def sign_in(client, email, password=DEFAULT_PASSWORD):
    token = fetch_csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_the_full_change_through_the_e_mails(client, make_user, login_as, smtp_server):
    """Link to the new address; the change happens on confirming it; the old address is told."""
    user = make_user(email="wang.lei@old.example.cn", name="Wang Lei", locale="en")
    login_as(user)
    response = ask(client)
    assert response.status_code == 302
    assert "A confirmation link is on its way to" in client.get("/profile").get_data(as_text=True)
    db.session.expire_all()
    assert user.email == "wang.lei@old.example.cn"  # nothing changes before the link is opened

    assert send_pending() == (1, 0)
    [confirmation] = smtp_server.messages
    assert confirmation["To"] == NEW
    assert "Confirm the new e-mail address" in confirmation["Subject"]

    response = confirm(client, link_path(confirmation))
    assert response.status_code == 302
    assert response.location == "/profile"
    db.session.expire_all()
    assert user.email == NEW

    assert send_pending() == (1, 0)
    notice = smtp_server.messages[1]
    assert notice["To"] == "wang.lei@old.example.cn"
    body = notice.get_body(preferencelist=("plain",)).get_content()
    assert "wang.lei@old.example.cn" in body and NEW in body

    [event] = events("email.changed")
    assert (event.actor_id, event.object_id) == (user.id, str(user.id))
    assert event.details == {"old_email": "wang.lei@old.example.cn", "new_email": NEW}

    other = client.application.test_client()
    assert sign_in(other, "wang.lei@old.example.cn").status_code == 200
    assert sign_in(other, NEW).status_code == 302


def test_the_e_mails_are_in_the_members_language(client, make_user, login_as, smtp_server):
    """A member who reads Chinese gets both messages in Chinese."""
    user = make_user(locale="zh")
    old_email = user.email
    login_as(user)
    ask(client)
    [message] = outbox()
    assert (message.recipient, message.locale) == (NEW, "zh")
    assert '<html lang="zh-Hans">' in message.body_html
    path = re.search(r"(/profile/email/confirm/\S+)", message.body_text).group(1)
    confirm(client, path)
    notice = outbox()[1]
    assert (notice.recipient, notice.locale) == (old_email, "zh")


def test_the_link_works_once(client, make_user, login_as):
    """Once used, the link is dead: the account's address is no longer the one it names."""
    user = make_user()
    login_as(user)
    path = f"/profile/email/confirm/{make_email_change_token(user, NEW)}"
    assert confirm(client, path).status_code == 302
    response = confirm(client, path)
    assert response.status_code == 404
    assert "This link no longer works" in response.get_data(as_text=True)
    assert len(events("email.changed")) == 1


def test_a_change_made_meanwhile_kills_the_older_link(client, make_user):
    """Two links asked for: after one is used, the other no longer works."""
    user = make_user()
    first = make_email_change_token(user, "first@example.org")
    second = make_email_change_token(user, "second@example.org")
    assert confirm(client, f"/profile/email/confirm/{second}").status_code == 302
    assert confirm(client, f"/profile/email/confirm/{first}").status_code == 404
    db.session.expire_all()
    assert user.email == "second@example.org"


def test_the_link_expires_after_48_hours(client, make_user, app):
    """An expired link is refused and the address stays."""
    user = make_user()
    path = f"/profile/email/confirm/{make_email_change_token(user, NEW)}"
    with time_machine.travel(utcnow().timestamp() + 48 * 3600 + 60):
        assert confirm(client, path).status_code == 404
    db.session.expire_all()
    assert user.email != NEW
    with time_machine.travel(utcnow().timestamp() + 47 * 3600):
        assert confirm(client, path).status_code == 302


def test_a_forged_or_garbled_link_is_refused(client, make_user):
    """A token changed by one character, made with another key, or absurdly long: 404."""
    user = make_user()
    token = make_email_change_token(user, NEW)
    garbled = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert confirm(client, f"/profile/email/confirm/{garbled}").status_code == 404
    assert confirm(client, f"/profile/email/confirm/{'x' * 5000}").status_code == 404
    assert client.get("/profile/email/confirm/%00%FF").status_code == 404
    forged = URLSafeTimedSerializer("another key", salt=services.EMAIL_CHANGE_SALT).dumps(
        {"uid": user.id, "old": user.email, "new": NEW}
    )
    assert confirm(client, f"/profile/email/confirm/{forged}").status_code == 404
    reset_salt = URLSafeTimedSerializer(
        client.application.config["SECRET_KEY"], salt=services.RESET_SALT
    ).dumps({"uid": user.id, "old": user.email, "new": NEW})
    assert confirm(client, f"/profile/email/confirm/{reset_salt}").status_code == 404
    db.session.expire_all()
    assert user.email != NEW


def test_a_deactivated_accounts_link_is_refused(client, make_user):
    """A link for an account deactivated since no longer works."""
    user = make_user()
    path = f"/profile/email/confirm/{make_email_change_token(user, NEW)}"
    user.is_active_account = False
    db.session.commit()
    assert confirm(client, path).status_code == 404


def test_a_taken_address_is_refused_when_asking(client, make_user, login_as):
    """An address another account uses is a field error, and no e-mail is sent."""
    make_user(email="taken@example.org")
    login_as(make_user())
    response = ask(client, "  Taken@Example.org ")
    assert response.status_code == 200
    assert "Another account already uses this address." in response.get_data(as_text=True)
    assert outbox() == []
    assert events("email.change_requested") == []


def test_an_address_taken_before_confirming_is_refused(client, make_user, login_as):
    """If another account took the address since the link was sent, the link says so."""
    user = make_user()
    login_as(user)
    ask(client)
    path = re.search(r"(/profile/email/confirm/\S+)", outbox()[0].body_text).group(1)
    make_user(email=NEW)
    response = confirm(client, path)
    assert response.status_code == 409
    assert "Another account already uses this address." in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.email != NEW
    assert events("email.changed") == []
    assert len(outbox()) == 1  # no notice to the old address


def test_an_address_taken_at_the_same_moment_is_refused(client, make_user, monkeypatch):
    """When the check passes but the database refuses the duplicate, the link says so."""
    user = make_user()
    path = f"/profile/email/confirm/{make_email_change_token(user, NEW)}"
    make_user(email=NEW)
    monkeypatch.setattr(services, "_address_taken", lambda email, user: False)
    response = confirm(client, path)
    assert response.status_code == 409
    db.session.expire_all()
    assert user.email != NEW
    assert events("email.changed") == []


def test_a_wrong_password_sends_nothing(client, make_user, login_as):
    """The current password is checked: a wrong one is a field error and nothing is sent."""
    login_as(make_user())
    response = ask(client, password="not my password")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The current password is not right." in page
    assert outbox() == []
    assert events("email.change_requested") == []


def test_bad_input_is_a_field_error(client, make_user, login_as):
    """No address, a malformed one, the account's own, a control character: field errors."""
    user = make_user(name="Claire Martin")
    login_as(user)
    for new_email, message in (
        ("", "This field is required."),
        ("not-an-address", "Enter a valid e-mail address."),
        (user.email.upper(), "This is already the address of your account."),
        ("a\x00b@example.org", "This field contains characters that are not allowed."),
        ("x" * 250 + "@example.org", "Field cannot be longer than 254 characters."),
    ):
        response = ask(client, new_email)
        assert response.status_code == 200, new_email
        page = response.get_data(as_text=True)
        assert message in page, new_email
        assert 'value="Claire Martin"' in page  # the rest of the profile page is intact
    assert ask(client, NEW, password="").status_code == 200
    assert outbox() == []


def test_the_request_is_audited(client, make_user, login_as):
    """Asking for a change is written to the audit log with the new address."""
    user = make_user()
    login_as(user)
    ask(client)
    [event] = events("email.change_requested")
    assert event.actor_id == user.id
    assert event.details == {"new_email": NEW}


def test_the_link_works_signed_out(client, make_user):
    """The token is the proof: no session is needed, and the visitor is sent to sign in."""
    user = make_user()
    response = confirm(client, f"/profile/email/confirm/{make_email_change_token(user, NEW)}")
    assert response.status_code == 302
    assert response.location == "/login"
    db.session.expire_all()
    assert user.email == NEW


def test_signed_in_as_someone_else_the_link_changes_only_its_account(client, make_user, login_as):
    """The token's account changes, never the signed-in one."""
    owner = make_user()
    other = make_user(email="other@example.org")
    login_as(other)
    response = confirm(client, f"/profile/email/confirm/{make_email_change_token(owner, NEW)}")
    assert response.status_code == 302
    assert response.location == "/"
    db.session.expire_all()
    assert owner.email == NEW
    assert other.email == "other@example.org"


def test_the_session_survives_the_change(client, make_user, login_as):
    """The member stays signed in after changing their address."""
    user = make_user()
    login_as(user)
    confirm(client, f"/profile/email/confirm/{make_email_change_token(user, NEW)}")
    assert client.get("/profile").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).email == NEW


def test_the_profile_page_has_the_section(client, make_user, login_as):
    """The profile offers the change, with the new address and the current password."""
    login_as(make_user())
    page = client.get("/profile").get_data(as_text=True)
    assert 'action="/profile/email"' in page
    assert 'name="new_email"' in page and 'name="email_password"' in page


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_asking_is_rate_limited(client, make_user, login_as):
    """Past ten requests an hour the form answers 429: it sends mail and checks a password."""
    login_as(make_user())
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    data = {"new_email": NEW, "email_password": "wrong password", "csrf_token": token}
    statuses = [client.post("/profile/email", data=data).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]


def test_opening_the_link_changes_nothing(client, make_user):
    """A GET shows what will change, with a button; only the button's POST changes it."""
    user = make_user(name="Wang Lei")
    path = f"/profile/email/confirm/{make_email_change_token(user, NEW)}"
    for _ in range(2):  # a mail scanner may open it twice
        response = client.get(path)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert NEW in page and "Use this address" in page and 'method="post"' in page
    db.session.expire_all()
    assert user.email != NEW
    assert events("email.changed") == []
    assert client.post(path, data={}).status_code == 400  # no CSRF token: nothing happens
    db.session.expire_all()
    assert user.email != NEW
    assert confirm(client, path).status_code == 302
    db.session.expire_all()
    assert user.email == NEW


def test_the_confirmation_page_speaks_chinese(client, make_user):
    user = make_user()
    path = f"/profile/email/confirm/{make_email_change_token(user, NEW)}"
    page = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "确认新的电子邮件地址" in page and "使用此地址" in page
