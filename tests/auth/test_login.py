"""Sign-in and sign-out: the form, the session, throttling, deactivation."""

from __future__ import annotations

import sqlalchemy as sa
import time_machine

from app.auth import services
from app.core.audit import AuditEvent
from app.core.database import utcnow
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD, csrf_token_from, fetch_csrf_token


def attempt(client, email, password, **extra):
    token = fetch_csrf_token(client, "/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, **extra}
    )


def test_sign_in_lands_on_the_dashboard(client, make_user):
    """A right e-mail and password sign in and redirect to the dashboard."""
    user = make_user(name="Anna Schmidt")
    response = attempt(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.location == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Anna Schmidt" in page.get_data(as_text=True)


def test_e_mail_is_matched_whatever_its_case(client, make_user):
    """The address is compared normalised, so capitals and spaces do not matter."""
    user = make_user(email="Claire.Martin@Example.ORG")
    assert user.email == "claire.martin@example.org"
    assert attempt(client, "  CLAIRE.martin@example.org ", DEFAULT_PASSWORD).status_code == 302


def test_wrong_password_and_unknown_account_look_the_same(client, make_user):
    """An unknown e-mail and a wrong password get the same status and message."""
    user = make_user()
    wrong = attempt(client, user.email, "not the password at all")
    unknown = attempt(client, "nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200
    message = "The e-mail address or the password is not right."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_unknown_account_still_hashes_a_password(client, monkeypatch):
    """The unknown-account path spends a password verification too (no timing oracle)."""
    calls = []
    real = services.burn_dummy_verification
    monkeypatch.setattr(
        services,
        "burn_dummy_verification",
        lambda password: calls.append(password) or real(password),
    )
    attempt(client, "nobody@example.org", "some password here")
    assert calls == ["some password here"]


def test_password_is_compared_exactly(client, make_user):
    """A long Chinese password works; a differently normalised or cased one does not."""
    password = "长城" * 70 + "Éé"  # 142 characters
    user = make_user(password=password)
    assert attempt(client, user.email, password.upper()).status_code == 200
    decomposed = "长城" * 70 + "E\u0301e\u0301"
    assert attempt(client, user.email, decomposed).status_code == 200
    assert attempt(client, user.email, password).status_code == 302


def test_sign_in_renews_the_session_but_keeps_the_language(client, make_user):
    """Nothing from before sign-in survives in the session except the chosen language."""
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["lang"] = "zh"
    attempt(client, user.email, DEFAULT_PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "zh"
        assert session["_user_id"].startswith(f"{user.id}:")


def test_next_only_redirects_inside_the_site(client, make_user):
    """`next` is followed to a local path and ignored when it points elsewhere."""
    user = make_user()
    token = fetch_csrf_token(client, "/login")
    data = {"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    response = client.post("/login?next=/groups/", data=data)
    assert response.location == "/groups/"
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(True))})
    for evil in (
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\r\nSet-Cookie:x",
        "evil.example",
    ):
        token = fetch_csrf_token(client, "/login")
        data["csrf_token"] = token
        response = client.post("/login", query_string={"next": evil}, data=data)
        assert response.status_code == 302
        assert response.location == "/", evil
        client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(True))})


def test_failed_and_successful_sign_ins_are_audited(client, make_user):
    """Each attempt writes an audit event with the address it came from."""
    user = make_user()
    attempt(client, user.email, "wrong password!!")
    attempt(client, user.email, DEFAULT_PASSWORD)
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = [e.action for e in events if e.action.startswith("sign_in.")]
    assert actions == ["sign_in.failed", "sign_in.succeeded"]
    assert all(e.ip_address == "127.0.0.1" for e in events if e.action.startswith("sign_in."))


def test_repeated_failures_lock_the_e_mail_then_it_unlocks(client, make_user, app):
    """After the free failures even the right password is refused for a while, generically."""
    user = make_user()
    free = app.config["LOGIN_ACCOUNT_FREE_FAILURES"]
    for _ in range(free):
        assert attempt(client, user.email, "wrong password!!").status_code == 200
    locked = attempt(client, user.email, DEFAULT_PASSWORD)
    assert locked.status_code == 429
    assert "Too many attempts" in locked.get_data(as_text=True)
    with time_machine.travel(utcnow().timestamp() + app.config["LOGIN_FIRST_LOCK_SECONDS"] + 1):
        assert attempt(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_lock_does_not_reveal_whether_the_account_exists(client, app):
    """An address without an account locks exactly like one with an account."""
    free = app.config["LOGIN_ACCOUNT_FREE_FAILURES"]
    for _ in range(free):
        attempt(client, "ghost@example.org", "wrong password!!")
    response = attempt(client, "ghost@example.org", "wrong password!!")
    assert response.status_code == 429


def test_the_lock_grows_with_each_further_failure(client, make_user, app):
    """Each failure past the free ones doubles the wait."""
    from app.auth.throttle import LoginThrottle, email_key

    user = make_user()
    free = app.config["LOGIN_ACCOUNT_FREE_FAILURES"]
    first = app.config["LOGIN_FIRST_LOCK_SECONDS"]
    start = utcnow()
    with time_machine.travel(start, tick=False):
        for _ in range(free):
            attempt(client, user.email, "wrong password!!")
    db.session.expire_all()
    row = db.session.get(LoginThrottle, email_key(user.email))
    assert row.locked_until == start + __import__("datetime").timedelta(seconds=first)
    with time_machine.travel(start.timestamp() + first + 1, tick=False):
        attempt(client, user.email, "wrong password!!")
    db.session.expire_all()
    row = db.session.get(LoginThrottle, email_key(user.email))
    assert (row.locked_until - row.last_failure_at).total_seconds() == first * 2


def test_many_failures_from_one_address_are_refused(client, app):
    """Failures spread over many e-mails still lock the client address."""
    app.config["LOGIN_ADDRESS_FREE_FAILURES"] = 4
    for n in range(4):
        assert attempt(client, f"guess{n}@example.org", "wrong password!!").status_code == 200
    assert attempt(client, "guess-new@example.org", "wrong password!!").status_code == 429


def test_success_clears_the_e_mails_failures(client, make_user, app):
    """A successful sign-in forgets earlier failures of that e-mail."""
    user = make_user()
    free = app.config["LOGIN_ACCOUNT_FREE_FAILURES"]
    for _ in range(free - 1):
        attempt(client, user.email, "wrong password!!")
    assert attempt(client, user.email, DEFAULT_PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(True))})
    for _ in range(free - 1):
        assert attempt(client, user.email, "wrong password!!").status_code == 200
    assert attempt(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_deactivated_account_cannot_sign_in(client, make_user):
    """A deactivated account is refused with the same message as a wrong password."""
    user = make_user(active=False)
    response = attempt(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert "The e-mail address or the password is not right." in response.get_data(as_text=True)


def test_deactivation_ends_a_live_session_at_the_next_request(client, make_user, login_as):
    """A signed-in user who is deactivated is signed out at the very next request."""
    user = make_user()
    login_as(user)
    assert client.get("/").status_code == 200
    user.is_active_account = False
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_deactivation_defeats_the_remember_me_cookie(app, make_user):
    """A remember-me cookie of a deactivated account signs nobody in."""
    user = make_user()
    client = app.test_client()
    token = fetch_csrf_token(client, "/login")
    client.post(
        "/login",
        data={
            "email": user.email,
            "password": DEFAULT_PASSWORD,
            "remember": "y",
            "csrf_token": token,
        },
    )
    remember = client.get_cookie("remember_token")
    assert remember is not None
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/").status_code == 200  # the cookie alone signs in
    user.is_active_account = False
    db.session.commit()
    again = app.test_client()
    again.set_cookie("remember_token", remember.value)
    assert again.get("/").status_code == 302


def test_sign_out_needs_a_post_and_ends_the_session(client, make_user, login_as):
    """GET /logout is not allowed; POST signs out and the dashboard needs sign-in again."""
    user = make_user()
    login_as(user)
    assert client.get("/logout").status_code == 405
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_signed_in_user_visiting_login_goes_home(client, make_user, login_as):
    """The sign-in page sends a signed-in user to the dashboard."""
    login_as(make_user())
    response = client.get("/login")
    assert response.status_code == 302
    assert response.location == "/"
