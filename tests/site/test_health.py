"""The health check monitoring relies on: /healthz."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from tests.conftest import free_port


def test_healthz_reports_ok(client):
    """Answer 200 with exactly the documented JSON when the database answers."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_needs_no_sign_in(client):
    """Answer monitoring without a session or a redirect to the sign-in page."""
    response = client.get("/healthz", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert "Location" not in response.headers


@pytest.fixture
def unreachable_app() -> Iterator[Flask]:
    """An application whose PostgreSQL server does not exist (nothing listens on the port)."""
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/portal"
    application = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
    )
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_healthz_reports_an_unreachable_database(unreachable_app):
    """Answer 503 with JSON naming the database when it cannot be reached."""
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] != "ok"
    assert body["database"] != "ok"
    assert set(body) == {"status", "database"}


def test_healthz_keeps_answering_while_the_database_is_away(unreachable_app):
    """Keep answering 503 on every call, never a 500, while the database stays away."""
    client = unreachable_app.test_client()
    assert [client.get("/healthz").status_code for _ in range(2)] == [503, 503]
