"""No page makes the browser load anything from another host (the portal must work in China)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.access import MATRIX, build_world, signed_in_clients

#: Run in one pass only: what a page loads does not depend on the database.
pytestmark = pytest.mark.once

#: Attributes through which a page makes the browser fetch or send something by itself.
LOADING_ATTRIBUTES = {
    ("script", "src"),
    ("img", "src"),
    ("img", "srcset"),
    ("iframe", "src"),
    ("frame", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("source", "src"),
    ("source", "srcset"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("track", "src"),
    ("form", "action"),
    ("input", "formaction"),
    ("button", "formaction"),
    ("link", "href"),
    ("use", "href"),
    ("image", "href"),
}


class ResourceCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in LOADING_ATTRIBUTES:
                self.urls.extend(part.strip().split(" ")[0] for part in value.split(","))
            if name == "style" and "url(" in value:
                self.urls.append(value.split("url(", 1)[1].split(")", 1)[0].strip("'\""))


def foreign(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.hostname not in ("localhost", "127.0.0.1")


def test_the_collector_finds_foreign_resources():
    """The check itself catches a CDN script, a remote stylesheet and a remote form."""
    collector = ResourceCollector()
    collector.feed(
        '<script src="https://cdn.example/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.example/css">'
        '<form action="https://evil.example/"></form><a href="https://ok.example/">x</a>'
    )
    assert [u for u in collector.urls if foreign(u)] == [
        "https://cdn.example/x.js",
        "//fonts.example/css",
        "https://evil.example/",
    ]


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_no_page_loads_from_another_host(app, make_user, make_group, add_member, language):
    """Every GET route of the access matrix, as an administrator, references only this site."""
    world = build_world(make_user, make_group, add_member)
    admin = signed_in_clients(app, world)["admin"]
    anonymous = app.test_client()
    checked = 0
    for (endpoint, method), row in MATRIX.items():
        if method != "GET":
            continue
        for client in (admin, anonymous):
            response = client.get(row.url(world), headers={"Accept-Language": language})
            if not response.mimetype.startswith("text/html"):
                continue
            collector = ResourceCollector()
            collector.feed(response.get_data(as_text=True))
            assert not [u for u in collector.urls if foreign(u)], endpoint
            checked += 1
    assert checked >= 6
