"""The privacy notice: public, in both languages, every sentence through the catalogue."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.extract import extract_from_file
from flask_babel import force_locale, gettext

TEMPLATE = Path(__file__).resolve().parents[2] / "app/site/templates/site/privacy.html"


class TextCollector(HTMLParser):
    """Collect the text of the article's headings and paragraphs."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "h1", "h2"):
            self.inside += 1
            self.texts.append("")

    def handle_endtag(self, tag):
        if tag in ("p", "h1", "h2"):
            self.inside -= 1

    def handle_data(self, data):
        if self.inside:
            self.texts[-1] += data


def notice_texts(html: str) -> list[str]:
    article = html.split("<article", 1)[1].split("</article>", 1)[0]
    collector = TextCollector()
    collector.feed("<article" + article)
    return [unescape(t).strip() for t in collector.texts if t.strip()]


def template_messages() -> set[str]:
    """Return the messages Babel extracts from the notice's template."""
    return {
        message
        for _line, message, _comments, _context in extract_from_file(
            "jinja2", TEMPLATE, options={"extensions": "jinja2.ext.i18n"}
        )
        if isinstance(message, str)
    }


def test_the_notice_is_public(client):
    """Visitors who are not signed in read it (no redirect to the sign-in page)."""
    response = client.get("/privacy")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Privacy notice" in page
    for heading in ("What is stored", "Why", "Where", "How long", "Your rights"):
        assert f">{heading}</h2>" in page


def test_the_notice_says_what_the_brief_requires(client):
    """IP addresses, no third parties or analytics, retention, download and erasure."""
    page = unescape(client.get("/privacy").get_data(as_text=True))
    for fact in (
        "IP address",
        "Nothing is sent to third parties",
        "no analytics",
        "for the life of the project",
        "download everything the portal holds about you",
        "erase your account",
    ):
        assert fact in page, fact


def test_every_sentence_comes_from_the_catalogue(client):
    """Each heading and paragraph of the notice is a message of the catalogue."""
    messages = template_messages()
    texts = notice_texts(client.get("/privacy").get_data(as_text=True))
    assert len(texts) >= 10
    assert not [t for t in texts if t not in messages]


def test_the_notice_in_chinese(client, app):
    """A Chinese reader gets the page in Chinese: the catalogue's version of every sentence."""
    response = client.get("/privacy", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    assert '<html lang="zh-Hans">' in page
    with app.test_request_context(), force_locale("zh"):
        # The link to the profile is only for signed-in members.
        chinese = [gettext(m) for m in template_messages() if m != "Go to your profile"]
    assert not [text for text in chinese if text not in page]


def test_signed_in_members_get_a_link_to_their_profile(client, make_user, login_as):
    """Members are pointed at the profile, where they download their data."""
    login_as(make_user())
    assert 'href="/profile"' in client.get("/privacy").get_data(as_text=True)
