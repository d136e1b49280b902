"""Translated error pages for every status a user can meet."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, abort

from app.auth.models import User
from app.extensions import db
from app.groups.models import WorkingGroup
from tests.conftest import fetch_csrf_token

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Render the 500 page instead of raising, and accept only small requests."""
    return {"PROPAGATE_TEST_ERRORS": False, "MAX_CONTENT_LENGTH": 16 * 1024}


@pytest.fixture
def failing_routes(app: Flask) -> Flask:
    """Add routes that fail on purpose to this test's application (before any request)."""

    @app.route("/test-only/crash")
    def crash():
        """Fail with an unexpected exception."""
        raise RuntimeError("deliberate failure")

    @app.route("/test-only/unavailable")
    def unavailable():
        """Answer that the service is unavailable."""
        abort(503)

    @app.route("/test-only/failed-write/<int:group_id>/<int:user_id>")
    def failed_write(group_id: int, user_id: int):
        """Change a group, then fail on a duplicate e-mail address in the same transaction."""
        group = db.session.get(WorkingGroup, group_id)
        group.name_en = "Changed by a request that failed"
        taken = db.session.get(User, user_id).email
        db.session.add(User(email=taken, name="Duplicate", password_hash="x"))
        db.session.flush()
        return "not reached"

    return app


def assert_error_page(response, code: int, language: str, *texts: str) -> str:
    """Check the status, that the page is the portal's HTML page, and that it shows `texts`."""
    assert response.status_code == code
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    html_lang = "zh-Hans" if language == "zh" else "en"
    assert f'<html lang="{html_lang}">' in page
    assert "IC2PerMed" in page  # the portal's layout, not the bare default page
    for text in texts:
        assert text in page, text
    return page


# 404 -------------------------------------------------------------------------------------------


def test_not_found_page_in_english(client):
    """Show the English 404 page for an unknown address."""
    response = client.get("/no/such/page", headers=ENGLISH)
    assert_error_page(response, 404, "en", "Page not found")


def test_not_found_page_in_chinese(client):
    """Show the Chinese 404 page to a browser asking for zh-CN."""
    response = client.get("/no/such/page", headers=CHINESE)
    page = assert_error_page(response, 404, "zh", "页面未找到")
    assert "Page not found" not in page


# 405 -------------------------------------------------------------------------------------------


def test_method_not_allowed_names_the_allowed_methods(client):
    """Answer GET /logout with 405, an Allow header and the translated page."""
    response = client.get("/logout", headers=CHINESE)
    assert_error_page(response, 405, "zh", "不支持的请求方法")
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert "POST" in allowed
    assert "GET" not in allowed


# 413 -------------------------------------------------------------------------------------------


def test_request_too_large(client):
    """Answer a request body over MAX_CONTENT_LENGTH with 413 and the translated page."""
    response = client.post(
        "/login", data={"email": "a@example.org", "password": "x" * (64 * 1024)}, headers=ENGLISH
    )
    assert_error_page(response, 413, "en", "File too large")


def test_request_too_large_in_chinese(client):
    """Show the 413 page in Chinese to a Chinese browser."""
    response = client.post(
        "/login", data={"email": "a@example.org", "password": "x" * (64 * 1024)}, headers=CHINESE
    )
    assert_error_page(response, 413, "zh", "文件过大")


# 400 -------------------------------------------------------------------------------------------


def test_csrf_failure_explains_the_expired_form(client):
    """Answer a form sent without a CSRF token with 400 and the 'form has expired' text."""
    response = client.post(
        "/login", data={"email": "a@example.org", "password": "x"}, headers=ENGLISH
    )
    assert_error_page(response, 400, "en", "This form has expired or was sent from elsewhere.")


def test_csrf_failure_in_chinese(client):
    """Explain the CSRF failure in Chinese to a Chinese browser."""
    client.get("/login", headers=CHINESE)
    response = client.post("/language", data={"lang": "en"}, headers=CHINESE)
    assert_error_page(response, 400, "zh", "此表单已过期")


# 429 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "app_config", [{"PROPAGATE_TEST_ERRORS": False, "RATELIMIT_ENABLED": True}]
)
def test_too_many_requests_page(client):
    """Answer the request past the reset-link rate limit with 429 and the translated page."""
    token = fetch_csrf_token(client, "/reset-password")
    statuses = [
        client.post(
            "/reset-password", data={"email": "nobody@example.org", "csrf_token": token}
        ).status_code
        for _ in range(10)
    ]
    assert statuses == [302] * 10
    response = client.post(
        "/reset-password",
        data={"email": "nobody@example.org", "csrf_token": token},
        headers=CHINESE,
    )
    assert_error_page(response, 429, "zh", "尝试次数过多")


# 500 -------------------------------------------------------------------------------------------


def test_unexpected_error_shows_the_translated_500_page(failing_routes, client, caplog):
    """Answer an unhandled exception with the translated 500 page, and log the traceback."""
    with caplog.at_level(logging.ERROR):
        response = client.get("/test-only/crash", headers=CHINESE)
    page = assert_error_page(response, 500, "zh", "服务器错误")
    assert "deliberate failure" not in page
    assert "Traceback" not in page
    [record] = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert "/test-only/crash" in record.getMessage()


def test_unexpected_error_page_in_english(failing_routes, client):
    """Show the 500 page in English to an English browser."""
    response = client.get("/test-only/crash", headers=ENGLISH)
    assert_error_page(response, 500, "en", "Server error")


def test_failed_write_is_rolled_back(failing_routes, client, make_user, make_group, login_as):
    """Roll the failed transaction back: the page still renders for the signed-in user."""
    user = make_user(name="Elena Garcia")
    group = make_group(name_en="Research and clinical studies")
    login_as(user)
    response = client.get(f"/test-only/failed-write/{group.id}/{user.id}", headers=ENGLISH)
    page = assert_error_page(response, 500, "en", "Server error")
    # Rendering the page loads the signed-in account: only possible after the rollback.
    assert "Elena Garcia" in page
    db.session.expire_all()
    assert group.name_en == "Research and clinical studies"
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.email == user.email)
        )
        == 1
    )


# 503 -------------------------------------------------------------------------------------------


def test_service_unavailable_page(failing_routes, client):
    """Answer 503 with the translated page."""
    response = client.get("/test-only/unavailable", headers=CHINESE)
    assert_error_page(response, 503, "zh", "服务暂时不可用")
    response = client.get("/test-only/unavailable", headers=ENGLISH)
    assert_error_page(response, 503, "en", "Service temporarily unavailable")
