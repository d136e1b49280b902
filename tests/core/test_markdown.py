"""Markdown rendering is safe whatever is typed."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.core.markdown import ALLOWED_TAGS, render_markdown


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def elements_of(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


def test_ordinary_markdown_renders():
    """Headings, lists, emphasis, tables and links come out as HTML."""
    html = render_markdown(
        "# 决议\n\n- **one**\n- *two*\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[minutes](https://example.org/m)"
    )
    assert "<h1>决议</h1>" in html
    assert "<strong>one</strong>" in html
    assert "<table>" in html
    assert 'href="https://example.org/m"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src="https://evil.example/"></iframe>',
        "<svg onload=alert(1)>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<style>body{display:none}</style>",
        '[ok](https://example.org "t") <a href="https://example.org" onclick="x()">raw</a>',
    ],
)
def test_nothing_executable_survives(attack):
    """Scripts, handlers, frames and javascript: or data: links never become elements."""
    elements = elements_of(str(render_markdown(attack)))
    for tag, attrs in elements:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), name
            if name == "href":
                assert value.split(":", 1)[0].lower() in ("http", "https", "mailto"), value


def test_empty_text_renders_nothing():
    """None and the empty string give empty markup."""
    assert render_markdown(None) == ""
    assert render_markdown("") == ""


def test_the_sanitiser_strips_what_the_renderer_would_let_through():
    """Even HTML handed straight to the sanitiser loses scripts and handlers."""
    import nh3

    from app.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_SCHEMES

    dirty = '<p onclick="x()">a<script>b</script><a href="javascript:c()">d</a></p>'
    clean = nh3.clean(
        dirty,
        tags=set(ALLOWED_TAGS),
        attributes={t: set(a) for t, a in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
    )
    assert elements_of(clean) == [("p", []), ("a", [("rel", "noopener noreferrer")])]
