"""Markdown for minutes and descriptions: rendered by markdown-it-py, then sanitised by nh3.

Whatever a member types, only the tags and attributes below reach the page; links get
`rel="noopener noreferrer nofollow"`, and only http(s) and mailto links survive. Raw HTML in
the source is escaped by the renderer before nh3 even sees it.
"""

from __future__ import annotations

from functools import cache

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "a",
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})


@cache
def _renderer() -> MarkdownIt:
    # "js-default": CommonMark with tables and strikethrough, and raw HTML disabled.
    return MarkdownIt("js-default", {"linkify": False, "typographer": False})


def render_markdown(text: str | None) -> Markup:
    """Return safe HTML for the Markdown `text`."""
    if not text:
        return Markup("")
    html = _renderer().render(text)
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def register(app: Flask) -> None:
    """Offer `{{ text|markdown }}` to templates."""
    app.jinja_env.filters["markdown"] = render_markdown
