"""Languages and time zones: who sees which language, in which zone, and how it is formatted.

Locale order: the signed-in user's choice → the session's choice → the browser's
Accept-Language → English. Every Chinese variant a browser sends (zh, zh-CN, zh-Hans,
zh-Hans-CN, zh-SG, zh-TW, zh-HK) gets the Simplified Chinese catalogue `zh` until a
Traditional one exists.
"""

from __future__ import annotations

import os
import zoneinfo
from functools import cache
from urllib.parse import urlsplit

from babel import Locale
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

#: The session key that remembers a visitor's language before (or without) signing in.
SESSION_LANGUAGE_KEY = "lang"

LANGUAGE_NAMES = {"en": "English", "zh": "简体中文"}


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def clean_language(value: object) -> str | None:
    """Return a supported language code for `value`, or None for anything else."""
    if not isinstance(value, str):
        return None
    code = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return code if code in supported_languages() else None


def language_from_header() -> str | None:
    """Return the best supported language of the request's Accept-Language header."""
    try:
        for tag, _quality in request.accept_languages:
            code = clean_language(tag)
            if code:
                return code
    except (ValueError, TypeError):  # a malformed header is ignored, never an error
        return None
    return None


def select_locale() -> str:
    """Pick the interface language for the current request."""
    if not has_request_context():
        # Command-line messages follow the shell's language (LANG=zh_CN.UTF-8 gives Chinese).
        return (
            clean_language(os.environ.get("LANG", "")) or current_app.config["BABEL_DEFAULT_LOCALE"]
        )
    if current_user and current_user.is_authenticated:
        code = clean_language(current_user.locale)
        if code:
            return code
    code = clean_language(session.get(SESSION_LANGUAGE_KEY))
    if code:
        return code
    return language_from_header() or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Pick the time zone every date and time of this request is shown in."""
    if (
        has_request_context()
        and current_user
        and current_user.is_authenticated
        and is_valid_timezone(current_user.timezone)
    ):
        return current_user.timezone
    return current_app.config["PORTAL_DEFAULT_TIMEZONE"]


@cache
def all_timezones() -> tuple[str, ...]:
    """Return every IANA zone name the system knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def is_valid_timezone(name: object) -> bool:
    return isinstance(name, str) and name in all_timezones()


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def localised(english: str | None, chinese: str | None) -> str:
    """Return the Chinese text to Chinese readers when there is one, else the English."""
    if chinese and current_language() == "zh":
        return chinese
    return english or ""


def country_name(code: str | None) -> str:
    """Return the country's name in the reader's language (Babel's territory names)."""
    if not code:
        return ""
    locale = get_locale() or Locale("en")
    return locale.territories.get(code.upper(), code.upper())


def country_choices() -> list[tuple[str, str]]:
    """Return (code, name) pairs of every country, sorted by name in the reader's language."""
    locale = get_locale() or Locale("en")
    territories = {
        code: name for code, name in locale.territories.items() if len(code) == 2 and code.isalpha()
    }
    return sorted(territories.items(), key=lambda item: item[1])


def register_template_helpers(app: Flask) -> None:
    """Make the formatting helpers and language data available to every template."""
    from app.core import formats

    def page_to_return_to() -> str:
        """Return the local address to come back to after switching language.

        A page re-rendered after a POST (a form with errors) has no GET address of its own:
        come back to the page the form was on, when the browser says which one it was.
        """
        if request.method == "GET":
            return request.full_path.rstrip("?")
        referrer = urlsplit(request.referrer or "")
        if referrer.netloc == request.host and referrer.path.startswith("/"):
            return referrer.path + (f"?{referrer.query}" if referrer.query else "")
        return request.path

    app.jinja_env.globals.update(
        page_to_return_to=page_to_return_to,
        format_datetime=formats.format_moment,
        format_date=formats.format_day,
        country_name=country_name,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        current_language=current_language,
    )
