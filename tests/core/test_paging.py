"""Page numbers: whatever `?page=` says, a list shows a real page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.core.paging import MAX_PAGE, clamp_page, page_arg, paginate


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", 1),
        ("1", 1),
        ("3", 3),
        ("0", 1),
        ("-4", 1),
        ("abc", 1),
        ("٣", 1),
        ("99999999999999999999", 1),
        (str(MAX_PAGE + 1), MAX_PAGE),
        (None, 1),
        (7, 7),
        (-2, 1),
        (10**30, MAX_PAGE),
        (True, 1),
    ],
)
def test_clamp_page(value, expected):
    assert clamp_page(value) == expected


@pytest.mark.parametrize(
    ("query", "name", "expected"),
    [("?page=5", "page", 5), ("?page=x", "page", 1), ("?past_page=2&page=9", "past_page", 2)],
)
def test_page_arg_reads_the_named_parameter(app, query, name, expected):
    with app.test_request_context(f"/{query}"):
        assert page_arg(name) == expected


def test_paginate_shows_the_last_page_past_the_end(app, make_user):
    for _ in range(5):
        make_user()
    query = sa.select(User).order_by(User.id)
    last = paginate(query, page=99, per_page=2)
    assert (last.page, last.pages, len(last.items)) == (3, 3, 1)
    assert paginate(query, page=2, per_page=2).page == 2
    huge = paginate(query, page="99999999999999999999", per_page=2)
    assert huge.page == 1


def test_paginate_an_empty_list_is_page_one(app):
    empty = paginate(sa.select(User), page=50, per_page=10)
    assert (empty.page, empty.total, empty.items) == (1, 0, [])


@pytest.mark.parametrize(
    "path",
    [
        "/members/?page=99999999999999999999",
        "/organisations/?page=99999999999999999999",
        "/meetings/?page=99999999999999999999&upcoming_page=99999999999999999999",
        "/meetings/actions?page=99999999999999999999",
        "/deliverables/?page=99999999999999999999",
        "/groups/?page=99999999999999999999",
        "/admin/users?page=99999999999999999999",
        "/admin/audit?page=-1",
    ],
)
def test_lists_answer_a_huge_page_number(client, login_as, make_user, path):
    """These answered 500 when each package parsed its own page number."""
    login_as(make_user(site_role="admin"))
    assert client.get(path).status_code == 200
