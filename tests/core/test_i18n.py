"""Which language and time zone a request gets, and how times are formatted."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from flask_babel import format_datetime

from app.core.i18n import clean_language, localised
from app.extensions import db
from tests.conftest import csrf_token_from, fetch_csrf_token


@contextmanager
def request_in(app, language):
    """A request context of its own (as each real request has) with an Accept-Language."""
    with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
        yield


def page_language(response) -> str:
    html = response.get_data(as_text=True)
    return "zh" if '<html lang="zh-Hans">' in html else "en"


@pytest.mark.parametrize(
    "header",
    [
        "zh-CN",
        "zh",
        "zh-Hans",
        "zh-Hans-CN",
        "zh-SG",
        "zh-TW",
        "zh-HK",
        "zh-CN,zh;q=0.9,en;q=0.8",
        "fr-FR,zh;q=0.5",
    ],
)
def test_chinese_browsers_get_chinese(client, header):
    """Every Chinese Accept-Language variant gives the Simplified Chinese interface."""
    assert page_language(client.get("/login", headers={"Accept-Language": header})) == "zh"


@pytest.mark.parametrize("header", ["en-GB", "it-IT,it;q=0.9", "de", "", "*"])
def test_other_browsers_get_english(client, header):
    """Any other language, or none, gives English."""
    assert page_language(client.get("/login", headers={"Accept-Language": header})) == "en"


@pytest.mark.parametrize(
    "header", [";;;", "zh;q=abc", "q=0.5", "\u00ff\u00fe", "zh-" * 500, "en;q=1;q=2,,,"]
)
def test_a_malformed_header_is_never_an_error(client, header):
    """Garbage in Accept-Language is ignored, not a 500."""
    assert client.get("/login", headers={"Accept-Language": header}).status_code == 200


def test_the_switch_remembers_the_choice_before_sign_in(client):
    """The language switch works for visitors and beats the browser's header."""
    token = fetch_csrf_token(client, "/login")
    response = client.post("/language", data={"lang": "zh", "next": "/login", "csrf_token": token})
    assert response.status_code == 302
    assert response.location == "/login"
    assert page_language(client.get("/login", headers={"Accept-Language": "en"})) == "zh"


@pytest.mark.parametrize("bad", ["fr", "", "zh\x00", "x" * 300, "../../etc"])
def test_a_bad_language_value_changes_nothing(client, bad):
    """An unsupported or malformed `lang` is ignored without an error."""
    token = fetch_csrf_token(client, "/login")
    response = client.post("/language", data={"lang": bad, "csrf_token": token})
    assert response.status_code == 302
    assert page_language(client.get("/login")) == "en"


def test_the_switch_never_redirects_off_site(client):
    """`next` pointing elsewhere falls back to the home page."""
    token = fetch_csrf_token(client, "/login")
    response = client.post(
        "/language", data={"lang": "zh", "next": "https://evil.example/", "csrf_token": token}
    )
    assert response.location == "/"


def test_the_profile_choice_beats_session_and_header(client, make_user, login_as):
    """A signed-in user's own language comes first, before the session and the browser."""
    user = make_user(locale="zh")
    with client.session_transaction() as session:
        session["lang"] = "en"
    login_as(user)
    assert page_language(client.get("/", headers={"Accept-Language": "en"})) == "zh"


def test_switching_while_signed_in_is_saved_in_the_profile(client, make_user, login_as):
    """The switch stores the language on the account so it follows the user everywhere."""
    user = make_user(locale="en")
    login_as(user)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post("/language", data={"lang": "zh", "next": "/", "csrf_token": token})
    db.session.expire_all()
    assert user.locale == "zh"


def test_chinese_pages_are_translated(client):
    """The sign-in page in Chinese shows the glossary's terms."""
    html = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "登录" in html
    assert "忘记密码？" in html
    assert "记住我" in html


@pytest.mark.parametrize(
    "value,expected",
    [
        ("zh", "zh"),
        ("zh_CN", "zh"),
        ("ZH-hans", "zh"),
        ("en-GB", "en"),
        ("fr", None),
        (None, None),
        (42, None),
    ],
)
def test_clean_language(app, value, expected):
    """Only supported codes survive cleaning."""
    with request_in(app, ""):
        assert clean_language(value) == expected


def test_localised_content_falls_back_to_english(app):
    """Chinese readers see the Chinese field when there is one, else the English."""
    with request_in(app, "zh-CN"):
        assert localised("Innovation", "创新") == "创新"
        assert localised("Innovation", None) == "Innovation"
    with request_in(app, "en"):
        assert localised("Innovation", "创新") == "Innovation"


def test_times_follow_the_readers_zone_and_locale(app):
    """The same instant is formatted by Babel in the reader's zone and language."""
    instant = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    with request_in(app, "zh-CN"):
        chinese = format_datetime(instant, "medium")
    with request_in(app, "en"):
        english = format_datetime(instant, "medium")
    assert "2026年3月30日" in chinese
    assert "Mar 30, 2026" in english
    assert "10:00" in english  # Europe/Brussels, summer time, for visitors


def test_babel_directory_is_absolute(app):
    """The catalogue folder is found wherever the app is started from."""
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"].startswith("/")
