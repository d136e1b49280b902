"""Every route, every method, every kind of person: the status each gets (tests/access.py)."""

from __future__ import annotations

import pytest

from app import permissions
from tests.access import EXEMPT_ENDPOINTS, MATRIX, PRINCIPALS, build_world, signed_in_clients, walk


def routed_pairs(app) -> set[tuple[str, str]]:
    pairs = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            pairs.add((rule.endpoint, method))
    return pairs


def test_every_route_has_a_row(app):
    missing = routed_pairs(app) - set(MATRIX)
    assert not missing, f"routes without a row in tests/access.py: {sorted(missing)}"


def test_every_row_is_a_route(app):
    stale = set(MATRIX) - routed_pairs(app)
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"


def test_every_row_names_every_principal():
    for key, row in MATRIX.items():
        assert set(row.expected) == set(PRINCIPALS), key


@pytest.fixture
def world_and_clients(app, make_user, make_group, add_member):
    world = build_world(make_user, make_group, add_member)
    return world, signed_in_clients(app, world)


def test_access_matrix(app, world_and_clients):
    world, clients = world_and_clients
    mismatches = walk(app, world, clients)
    assert not mismatches, "\n".join(mismatches)


def test_matrix_fails_when_the_access_check_always_allows(app, world_and_clients, monkeypatch):
    """The matrix is only worth something if a permissive access check makes it fail."""
    world, clients = world_and_clients
    monkeypatch.setattr(permissions, "can", lambda *args, **kwargs: True)
    # Only the rows that refuse someone can tell a permissive check from the real one.
    mismatches = walk(app, world, clients, only=lambda row: {403, 404} & set(row.expected.values()))
    assert any("as other_member" in m for m in mismatches), mismatches
