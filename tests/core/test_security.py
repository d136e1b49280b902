"""Security headers, cookie flags and CSRF protection."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.core.audit import AuditEvent
from app.extensions import db
from config import Config, ProductionConfig
from tests.conftest import DEFAULT_PASSWORD, csrf_token_from, fetch_csrf_token

LONG_SECRET_KEY = "k" * 48

#: The only sources a directive of the policy may name: the portal itself, nothing, inline images.
ALLOWED_SOURCES = {"'self'", "'none'", "data:"}


def policy_directives(header: str) -> dict[str, list[str]]:
    """Split a Content-Security-Policy header into {directive: [sources]}."""
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"no Content-Security-Policy on {response.request.path}"
    assert "http" not in policy.lower()
    assert "*" not in policy
    directives = policy_directives(policy)
    assert directives.get("default-src") == ["'self'"]
    assert directives.get("frame-ancestors") == ["'none'"]
    for name, sources in directives.items():
        assert sources, f"{name} names no source"
        assert set(sources) <= ALLOWED_SOURCES, f"{name} allows {sources}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }


def set_cookie(response, name: str) -> str:
    """Return the Set-Cookie header of cookie `name` in `response`."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie set: {response.headers.getlist('Set-Cookie')}")


def cookie_attributes(header: str) -> dict[str, str]:
    """Return the attributes of a Set-Cookie header, lower-cased names."""
    attributes = {}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


# Headers ---------------------------------------------------------------------------------------


def test_sign_in_page_carries_the_security_headers(client):
    """Send CSP, nosniff and a referrer policy with the sign-in page."""
    response = client.get("/login")
    assert response.status_code == 200
    assert_security_headers(response)


def test_health_check_carries_the_security_headers(client):
    """Send the security headers with the health check's JSON too."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert_security_headers(response)


def test_not_found_page_carries_the_security_headers(client):
    """Send the security headers with an error page."""
    response = client.get("/there-is-nothing-here")
    assert response.status_code == 404
    assert_security_headers(response)


def test_signed_in_pages_carry_the_security_headers(client, make_user, login_as):
    """Send the security headers with the dashboard and the profile."""
    login_as(make_user())
    for path in ("/", "/profile"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response)


def test_static_files_carry_the_security_headers(client):
    """Send the security headers with the portal's own stylesheet."""
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert_security_headers(response)
    response.close()


# Cookies --------------------------------------------------------------------------------------


def test_session_cookie_is_http_only_and_same_site_lax(make_user, login_as):
    """Set the session cookie at sign-in with HttpOnly and SameSite=Lax."""
    response = login_as(make_user())
    attributes = cookie_attributes(set_cookie(response, "session"))
    assert "httponly" in attributes
    assert attributes.get("samesite", "").lower() == "lax"


def test_remember_cookie_is_http_only_and_same_site_lax(make_user, login_as):
    """Set the remember-me cookie with HttpOnly and SameSite=Lax when asked to remember."""
    response = login_as(make_user(), remember=True)
    attributes = cookie_attributes(set_cookie(response, "remember_token"))
    assert "httponly" in attributes
    assert attributes.get("samesite", "").lower() == "lax"


def test_no_remember_cookie_without_remember(make_user, login_as):
    """Set no remember-me cookie when the box is not ticked."""
    response = login_as(make_user())
    names = [h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie")]
    assert "remember_token" not in names


def test_production_config_marks_both_cookies_secure():
    """Mark the session and remember-me cookies Secure in production only."""
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProductionConfig.REMEMBER_COOKIE_HTTPONLY is True
    assert Config.SESSION_COOKIE_SECURE is False


def test_production_sign_in_sets_secure_cookies(app, database_url, make_user):
    """Sign in on a production app and receive Secure, HttpOnly, SameSite=Lax cookies."""
    user = make_user()
    production = create_app(
        "production", SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=LONG_SECRET_KEY
    )
    client = production.test_client()
    try:
        page = client.get("/login", base_url="https://portal.example")
        assert page.status_code == 200
        token = csrf_token_from(page.get_data(as_text=True))
        response = client.post(
            "/login",
            base_url="https://portal.example",
            headers={"Referer": "https://portal.example/login"},
            data={
                "email": user.email,
                "password": DEFAULT_PASSWORD,
                "remember": "y",
                "csrf_token": token,
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        for name in ("session", "remember_token"):
            attributes = cookie_attributes(set_cookie(response, name))
            assert "secure" in attributes, name
            assert "httponly" in attributes, name
            assert attributes.get("samesite", "").lower() == "lax", name
    finally:
        _dispose(production)


def test_production_behind_the_proxy_sees_the_client_and_https(app, database_url, make_user):
    """Take the client's address and the https scheme from the TLS proxy in production."""
    from app.core.mail import OutboxEmail

    user = make_user()
    production = create_app(
        "production", SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY=LONG_SECRET_KEY
    )
    # The proxy speaks plain HTTP to the portal from 127.0.0.1 and says who the client is.
    client = production.test_client()
    proxy = {
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "portal.example",
    }
    local = {"REMOTE_ADDR": "127.0.0.1"}
    upstream = "http://127.0.0.1:8000"
    try:
        page = client.get("/reset-password", base_url=upstream, headers=proxy, environ_base=local)
        token = csrf_token_from(page.get_data(as_text=True))
        response = client.post(
            "/reset-password",
            base_url=upstream,
            headers={**proxy, "Referer": "https://portal.example/reset-password"},
            environ_base=local,
            data={"email": user.email, "csrf_token": token},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    finally:
        _dispose(production)
    db.session.expire_all()
    message = db.session.scalars(sa.select(OutboxEmail)).one()
    assert "https://portal.example/reset-password/" in message.body_text
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "password.reset_requested")
    ).one()
    assert event.ip_address == "203.0.113.7"


def _dispose(application: Flask) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


# CSRF -----------------------------------------------------------------------------------------


def test_login_without_csrf_token_is_refused(client, make_user):
    """Refuse a sign-in POST without a CSRF token and sign nobody in."""
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still signed out
    db.session.expire_all()
    assert user.last_login_at is None
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "sign_in.succeeded")
        )
        == 0
    )


def test_login_with_a_forged_csrf_token_is_refused(client, make_user):
    """Refuse a sign-in POST whose CSRF token is not the session's."""
    user = make_user()
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": "forged"},
    )
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_language_switch_without_csrf_token_is_refused(client, make_user, login_as):
    """Refuse a language switch without a CSRF token and keep the language."""
    user = make_user(locale="en")
    login_as(user)
    response = client.post("/language", data={"lang": "zh", "next": "/"})
    assert response.status_code == 400
    db.session.expire_all()
    assert user.locale == "en"
    page = client.get("/profile").get_data(as_text=True)
    assert '<html lang="en">' in page


def test_language_switch_with_csrf_token_works(client, make_user, login_as):
    """Switch the language when the token is present (the refusal above is about the token)."""
    user = make_user(locale="en")
    login_as(user)
    token = fetch_csrf_token(client, "/profile")
    response = client.post("/language", data={"lang": "zh", "next": "/", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.locale == "zh"


def test_anonymous_language_switch_without_csrf_token_is_refused(client):
    """Refuse an anonymous language switch without a token and keep the page in English."""
    client.get("/login")
    response = client.post("/language", data={"lang": "zh", "next": "/login"})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
