"""Configuration classes, read from the environment.

``create_app`` takes one of the names below (``development``, ``testing``,
``production``) or a class/object. Every value that differs between machines comes from an
environment variable; nothing secret lives in the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_PATH", BASE_DIR / "instance"))

#: The value the development key falls back to; ProductionConfig refuses it.
INSECURE_DEFAULT_KEY = "dev-insecure-change-me"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _read_instance_secret() -> str | None:
    """Return the secret key `make run` generated into the instance folder, if any."""
    path = INSTANCE_DIR / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip() or None
    return None


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or _read_instance_secret() or INSECURE_DEFAULT_KEY
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Languages and time: the catalogue folder is top level, so the path must be absolute.
    LANGUAGES = ("en", "zh")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    #: Zone used for visitors who are not signed in (and new accounts).
    PORTAL_DEFAULT_TIMEZONE = os.environ.get("PORTAL_DEFAULT_TIMEZONE", "Europe/Brussels")

    # Bootstrap is served by the portal itself: nothing may come from a CDN.
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None

    # Cookies.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 12

    # Passwords (argon2id). Tests lower the cost; production keeps the library defaults.
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_MAX_LENGTH = 256
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4
    PASSWORD_RESET_MAX_AGE = 60 * 60 * 2
    INVITATION_VALID_DAYS = 7

    # Sign-in throttling (see app/auth/throttle.py).
    LOGIN_ACCOUNT_FREE_FAILURES = 5
    LOGIN_ADDRESS_FREE_FAILURES = 20
    LOGIN_FIRST_LOCK_SECONDS = 30
    LOGIN_MAX_LOCK_SECONDS = 15 * 60
    LOGIN_FAILURE_WINDOW_SECONDS = 60 * 60

    # Rate limits: Redis when several workers run, memory for the development server only.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False

    # Mail goes through the outbox table; `flask mail send-pending` delivers it.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 30)
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "IC2PerMed portal <portal@localhost>"
    )
    #: "smtp" delivers; "console" prints each message as it is enqueued (development).
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "smtp")
    MAIL_MAX_ATTEMPTS = 8
    #: Deliver the outbox at the end of each request that enqueued mail (development).
    MAIL_DELIVER_AFTER_REQUEST = False
    #: Where links in e-mails point (no request is there when the CLI sends mail).
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")

    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 200 * 1024 * 1024)

    # Document storage (see app/core/storage.py).
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    #: Folder of the local backend; default: storage/ in the instance folder.
    STORAGE_PATH = os.environ.get("STORAGE_PATH") or None
    #: Trashed documents older than this are purged by `flask documents purge-trash`.
    DOCUMENTS_TRASH_RETENTION_DAYS = _env_int("DOCUMENTS_TRASH_RETENTION_DAYS", 30)

    #: Shared by every demo account; printed by `flask demo load`. Not a secret.
    #: How many proxies to trust for X-Forwarded-For/-Proto/-Host (0: none, serve directly).
    PROXY_FIX_X_FOR = 0

    DEMO_PASSWORD = "ic2permed-demo-2020"  # noqa: S105
    PORTAL_PRODUCTION = False


class DevelopmentConfig(Config):
    """The single-process development server (`make run`)."""

    DEBUG = False
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT", "console")
    MAIL_DELIVER_AFTER_REQUEST = True


class TestingConfig(Config):
    """Fast, isolated settings for the test suite."""

    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105 - only ever used by tests
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_TRANSPORT = "smtp"
    SERVER_NAME = None


class ProductionConfig(Config):
    """Behind gunicorn and a TLS-terminating proxy."""

    DEBUG = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    #: Production runs behind one TLS-terminating reverse proxy.
    PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 1)
    #: Commands that must never run against real data (the demo loader) check this.
    PORTAL_PRODUCTION = True


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
