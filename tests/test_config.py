"""Configuration: production refuses unsafe settings; paths and SQLite tuning are right."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from app import create_app
from app.extensions import db
from config import CONFIGS, INSECURE_DEFAULT_KEY
from tests.conftest import ON_POSTGRES

GOOD_KEY = "0123456789abcdef" * 3  # 48 characters


def production(**overrides: object):
    return create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://", **overrides)


def test_production_refuses_the_default_key():
    """Refuse to start production with the development fallback key."""
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        production(SECRET_KEY=INSECURE_DEFAULT_KEY)


@pytest.mark.parametrize("key", ["", "short", "x" * 31])
def test_production_refuses_a_short_key(key):
    """Refuse to start production with an empty or short secret key."""
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        production(SECRET_KEY=key)


def test_production_starts_with_a_long_key_and_debug_off(monkeypatch):
    """Start production with a 48-character key, with DEBUG off even if FLASK_DEBUG says on."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    application = production(SECRET_KEY=GOOD_KEY)
    assert application.config["SECRET_KEY"] == GOOD_KEY
    assert application.config["DEBUG"] is False
    assert application.debug is False
    assert not application.testing
    assert application.config["SESSION_COOKIE_SECURE"] is True
    assert application.config["REMEMBER_COOKIE_SECURE"] is True


def test_production_refuses_debug():
    """Refuse to start production with DEBUG switched on."""
    with pytest.raises(RuntimeError, match="DEBUG"):
        production(SECRET_KEY=GOOD_KEY, DEBUG=True)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_translation_directory_is_absolute(name):
    """Point every configuration at the top-level translations folder by an absolute path."""
    directories = CONFIGS[name].BABEL_TRANSLATION_DIRECTORIES
    for directory in directories.split(";"):
        path = Path(directory)
        assert path.is_absolute(), directory
        assert (path / "zh" / "LC_MESSAGES" / "messages.po").is_file()


def test_translations_load_from_any_working_directory(tmp_path, monkeypatch):
    """Find the Chinese catalogue even when the process runs from another folder."""
    monkeypatch.chdir(tmp_path)
    application = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    with application.test_request_context("/"), force_locale("zh"):
        assert gettext("Page not found") == "页面未找到"


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite pragmas; the suite runs on PostgreSQL")
def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(app):
    """Open SQLite connections in WAL mode, with a busy timeout and foreign keys enforced."""
    assert db.engine.dialect.name == "sqlite"
    assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() >= 1000
    assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
