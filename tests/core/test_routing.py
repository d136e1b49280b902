"""Ids in addresses: only what could be a database id matches a route's ``<int:…>``."""

from __future__ import annotations

import pytest
from flask import Flask

from app.core.routing import MAX_ID, IdConverter, is_valid_id, parse_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("42", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999999999999", None),
        ("0", None),
        ("007", None),
        ("-3", None),
        ("+3", None),
        ("٣", None),  # Arabic-Indic three: int() would take it
        ("３", None),  # full-width three
        ("1_000", None),
        (" 5", None),
        ("5\n", None),
        ("", None),
        (None, None),
        (7, 7),
        (0, None),
        (True, None),
    ],
)
def test_parse_id_takes_ascii_digits_up_to_the_largest_key(text, expected):
    assert parse_id(text) == expected


def test_is_valid_id_bounds():
    assert is_valid_id(1) and is_valid_id(MAX_ID)
    assert not is_valid_id(0) and not is_valid_id(MAX_ID + 1) and not is_valid_id("1")


def test_the_factory_replaces_werkzeugs_int_converter(app):
    """Every <int:…> of the portal uses the id converter, so every route refuses odd ids."""
    assert app.url_map.converters["int"] is IdConverter
    id_rules = [r for r in app.url_map.iter_rules() if "<int:" in r.rule]
    assert len(id_rules) > 20
    for rule in id_rules:
        assert any(isinstance(c, IdConverter) for c in rule._converters.values()), rule.rule


@pytest.fixture
def tiny_app():
    application = Flask(__name__)
    from app.core import routing

    routing.register(application)

    @application.route("/things/<int:thing_id>")
    def thing(thing_id: int):
        return f"thing {thing_id}"

    return application


@pytest.mark.parametrize(
    "path",
    [
        "/things/0",
        "/things/007",
        f"/things/{MAX_ID + 1}",
        "/things/99999999999999999999",
        "/things/%D9%A3",
        "/things/-1",
    ],
)
def test_an_address_with_an_impossible_id_is_not_found(tiny_app, path):
    assert tiny_app.test_client().get(path).status_code == 404


def test_a_real_id_reaches_the_view_and_urls_are_built(tiny_app):
    client = tiny_app.test_client()
    assert client.get(f"/things/{MAX_ID}").get_data(as_text=True) == f"thing {MAX_ID}"
    with tiny_app.test_request_context():
        from flask import url_for

        assert url_for("thing", thing_id=12) == "/things/12"


@pytest.mark.parametrize(
    "path",
    [
        "/members/99999999999999999999",
        f"/members/{MAX_ID + 1}",
        "/members/007",
        "/admin/users/99999999999999999999",
        "/organisations/99999999999999999999",
    ],
)
def test_portal_routes_answer_404_for_impossible_ids(client, login_as, make_user, path):
    """The addresses that answered 500 before the converter existed."""
    login_as(make_user(site_role="admin"))
    assert client.get(path).status_code == 404
