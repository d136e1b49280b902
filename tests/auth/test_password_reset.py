"""Password reset through a link sent by e-mail, and password change in the profile."""

from __future__ import annotations

import re

import sqlalchemy as sa
import time_machine

from app.auth.services import make_reset_token
from app.core.database import utcnow
from app.core.mail import OutboxEmail, send_pending
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD, csrf_token_from, fetch_csrf_token

NEW_PASSWORD = "a brand new password 新密码"


def ask_for_reset(client, email):
    token = fetch_csrf_token(client, "/reset-password")
    return client.post("/reset-password", data={"email": email, "csrf_token": token})


def link_from(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://\S+/reset-password/\S+", text)
    assert match, text
    return match.group(0)


def set_new_password(client, path, password=NEW_PASSWORD, confirm=None):
    token = fetch_csrf_token(client, path)
    return client.post(
        path, data={"password": password, "confirm": confirm or password, "csrf_token": token}
    )


def sign_in(client, email, password):
    token = fetch_csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_reset_through_the_e_mail(client, make_user, smtp_server):
    """The link in the received e-mail sets a new password; the old one stops working."""
    user = make_user(locale="en")
    response = ask_for_reset(client, user.email)
    assert response.status_code == 302
    assert send_pending() == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == user.email
    assert "Reset your IC2PerMed portal password" in message["Subject"]
    path = link_from(message).split("://", 1)[1].split("/", 1)[1]
    path = "/" + path
    assert client.get(path).status_code == 200
    assert set_new_password(client, path).status_code == 302
    assert sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 200
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302


def test_the_link_works_only_once(client, make_user):
    """Once the password changed, the same link is dead."""
    user = make_user()
    path = f"/reset-password/{make_reset_token(user)}"
    assert set_new_password(client, path).status_code == 302
    response = client.get(path)
    assert response.status_code == 404
    assert "This link no longer works" in response.get_data(as_text=True)


def test_the_link_expires(client, make_user, app):
    """After PASSWORD_RESET_MAX_AGE the link no longer works."""
    user = make_user()
    path = f"/reset-password/{make_reset_token(user)}"
    later = utcnow().timestamp() + app.config["PASSWORD_RESET_MAX_AGE"] + 5
    with time_machine.travel(later):
        assert client.get(path).status_code == 404


def test_a_forged_or_garbled_token_is_refused(client, make_user):
    """A token changed by one character, or made with another key, is refused."""
    user = make_user()
    token = make_reset_token(user)
    # Change a character in the middle of the signature (the last one may be padding bits).
    payload, signature = token.rsplit(".", 1)
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    forged = f"{payload}.{signature[:middle]}{swapped}{signature[middle + 1 :]}"
    assert client.get(f"/reset-password/{forged}").status_code == 404
    assert client.get("/reset-password/" + "x" * 600).status_code == 404


def test_the_new_password_must_fit_the_policy(client, make_user):
    """A short password or two different ones are refused and change nothing."""
    user = make_user()
    old_hash = user.password_hash
    path = f"/reset-password/{make_reset_token(user)}"
    short = set_new_password(client, path, "short")
    assert short.status_code == 200
    assert "Use between 10 and 256 characters." in short.get_data(as_text=True)
    different = set_new_password(client, path, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert "The two passwords are not the same." in different.get_data(as_text=True)
    db.session.expire_all()
    assert user.password_hash == old_hash


def test_unknown_address_gets_the_same_answer_and_no_mail(client, make_user):
    """Asking for an unknown address looks the same and sends nothing."""
    user = make_user()
    known = ask_for_reset(client, user.email)
    unknown = ask_for_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location
    recipients = db.session.scalars(sa.select(OutboxEmail.recipient)).all()
    assert recipients == [user.email]


def test_a_deactivated_account_gets_no_link(client, make_user):
    """No reset mail for a deactivated account, and an older link stops working."""
    user = make_user()
    path = f"/reset-password/{make_reset_token(user)}"
    user.is_active_account = False
    db.session.commit()
    ask_for_reset(client, user.email)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0
    assert client.get(path).status_code == 404


def test_the_mail_is_in_the_accounts_language(client, make_user, smtp_server):
    """A Chinese-speaking member gets the message in Chinese."""
    user = make_user(locale="zh")
    ask_for_reset(client, user.email)
    row = db.session.scalars(sa.select(OutboxEmail)).one()
    assert row.locale == "zh"
    assert row.subject != "Reset your IC2PerMed portal password"
    assert re.search(r"[\u4e00-\u9fff]", row.subject)


def test_reset_ends_other_sessions(app, make_user, login_as, client):
    """Setting a new password signs the account out everywhere else."""
    user = make_user()
    login_as(user)
    other = app.test_client()
    path = f"/reset-password/{make_reset_token(user)}"
    set_new_password(other, path)
    assert client.get("/").status_code == 302


def test_change_password_needs_the_current_one(client, make_user, login_as):
    """The profile's password change checks the current password first."""
    user = make_user()
    login_as(user)
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    wrong = client.post(
        "/profile/password",
        data={
            "current_password": "not my password",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 400
    assert "The current password is not right." in wrong.get_data(as_text=True)
    right = client.post(
        "/profile/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert right.status_code == 302
    assert client.get("/").status_code == 200  # this session stays signed in
    client.post("/logout", data={"csrf_token": token})
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302


def test_change_password_signs_out_other_sessions(app, make_user, login_as, client):
    """Changing the password ends the account's sessions on other devices."""
    user = make_user()
    login_as(user)
    other = app.test_client()
    sign_in(other, user.email, DEFAULT_PASSWORD)
    assert other.get("/").status_code == 200
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    client.post(
        "/profile/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert other.get("/").status_code == 302
