"""Fixtures shared by the whole suite.

Every test gets a fresh application and an empty database. The schema is created once per
run: on SQLite in a temporary file, on PostgreSQL (``PORTAL_TEST_DATABASE=postgresql``) in a
database created for the run on the server ``TEST_DATABASE_URL`` names, and dropped after it.
After each test every table is emptied.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import Phase
from hypothesis import settings as hypothesis_settings

from app import create_app
from app.auth.models import SiteRole, User
from app.auth.services import create_user
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup

DEFAULT_PASSWORD = "correct horse battery staple"
ON_POSTGRES = os.environ.get("PORTAL_TEST_DATABASE") == "postgresql"


# Hypothesis: `ci` (the default) draws few examples, the same ones every run, with no
# deadline (a shared machine is slow at times); `deep` draws many more, for a run by hand:
# HYPOTHESIS_PROFILE=deep .venv/bin/python -m pytest tests/test_robustness.py
hypothesis_settings.register_profile(
    "ci",
    max_examples=4,
    derandomize=True,
    deadline=None,
    print_blob=True,
    database=None,
    # A failure is reported as drawn: shrinking it can take longer than the whole suite.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
hypothesis_settings.register_profile("deep", max_examples=300, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


#: The instant every test starts at: a Wednesday morning in Brussels and afternoon in Beijing,
#: in neither country's holidays. The clock runs on from there, so waits and expiries behave
#: as they would, but no result depends on the day the suite happens to run.
FROZEN_NOW = datetime(2027, 3, 10, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[time_machine.Traveller]:
    """Start every test at FROZEN_NOW (a test may travel on from there)."""
    with time_machine.travel(FROZEN_NOW, tick=True) as traveller:
        yield traveller


# Databases ---------------------------------------------------------------------------------


def _server_url() -> sa.URL:
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        pytest.exit("PORTAL_TEST_DATABASE=postgresql needs TEST_DATABASE_URL.", returncode=2)
    url = sa.make_url(raw)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def create_postgres_database() -> str:
    """Create an empty database on the test server and return its URL."""
    server = _server_url()
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    except sa.exc.OperationalError as exc:
        pytest.exit(
            f"The PostgreSQL server at {server.render_as_string()} is unreachable: {exc}",
            returncode=2,
        )
    finally:
        engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = sa.make_url(url).database
    engine = sa.create_engine(_server_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The run's database, with the schema created once."""
    if ON_POSTGRES:
        url = create_postgres_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite3'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    yield url
    if ON_POSTGRES:
        drop_postgres_database(url)


@pytest.fixture
def fresh_database_url(tmp_path) -> Iterator[str]:
    """A second, completely empty database (no tables), for migration tests."""
    if ON_POSTGRES:
        url = create_postgres_database()
        yield url
        drop_postgres_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"


def _empty_all_tables() -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


# The application -----------------------------------------------------------------------------


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Overrides for the test's application; a test module may override this fixture."""
    return {}


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context.

    The `app` fixture keeps a context pushed for the test's own database work; without this,
    requests would share its `g` (and so Flask-Login's cached user) and its database session,
    which no real request ever does. Objects the test holds are refreshed with
    `db.session.expire_all()` (or `refresh`) after a request changed them.
    """

    def open(self, *args: Any, **kwargs: Any):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any], tmp_path) -> Iterator[Flask]:
    """A fresh application on the run's (emptied) database."""
    application = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, **app_config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


# Factories -----------------------------------------------------------------------------------

_counter = itertools.count(1)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Return a factory of committed, active accounts (password DEFAULT_PASSWORD)."""

    def factory(
        *,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        name: str | None = None,
        site_role: SiteRole | str = SiteRole.MEMBER,
        active: bool = True,
        **profile: Any,
    ) -> User:
        n = next(_counter)
        user = create_user(
            email or f"person{n}@example.org",
            password,
            name=name or f"Person {n}",
            site_role=SiteRole(site_role),
            **profile,
        )
        user.is_active_account = active
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_group(app: Flask) -> Callable[..., WorkingGroup]:
    """Return a factory of committed working groups."""

    def factory(**fields: Any) -> WorkingGroup:
        n = next(_counter)
        values = {
            "code": f"WG{n}",
            "slug": f"wg{n}",
            "name_en": f"Working group {n}",
            "name_zh": f"第 {n} 工作组",
            "description_en": "A working group for tests.",
        }
        values.update(fields)
        group = WorkingGroup(**values)
        db.session.add(group)
        db.session.commit()
        return group

    return factory


@pytest.fixture
def add_member(app: Flask) -> Callable[..., Membership]:
    """Return a helper that puts a user in a group with a group role."""

    def factory(
        user: User, group: WorkingGroup, role: GroupRole | str = GroupRole.MEMBER
    ) -> Membership:
        membership = Membership(user=user, group=group, role=GroupRole(role))
        db.session.add(membership)
        db.session.commit()
        return membership

    return factory


# Driving the real forms ----------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """Return the first CSRF token in a page."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def fetch_csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Load a page and return the CSRF token of its forms."""
    response = client.get(path)
    return csrf_token_from(response.get_data(as_text=True))


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[..., Any]:
    """Return a helper that signs a user in through the real sign-in form."""

    def login(user: User, password: str = DEFAULT_PASSWORD, remember: bool = False) -> Any:
        token = fetch_csrf_token(client, "/login")
        data = {"email": user.email, "password": password, "csrf_token": token}
        if remember:
            data["remember"] = "y"
        response = client.post("/login", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return login


def post_form(
    client: FlaskClient,
    path: str,
    data: dict[str, Any] | None = None,
    token_from: str | None = None,
    **kwargs: Any,
):
    """POST to `path` with a valid CSRF token taken from `token_from` (default: the dashboard)."""
    token = fetch_csrf_token(client, token_from or "/login")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


# Mail ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailCatcher:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture(scope="session")
def _smtp_controller() -> Iterator[tuple[MailCatcher, int]]:
    """One real SMTP server per test process, started once and shared by every test."""
    from aiosmtpd.controller import Controller

    handler = MailCatcher()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(app: Flask, _smtp_controller) -> MailCatcher:
    """A real SMTP server in the test process, emptied for this test; the outbox delivers to it."""
    handler, port = _smtp_controller
    handler.messages.clear()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TRANSPORT="smtp")
    return handler
