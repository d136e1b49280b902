"""The journeys a member takes through the portal, in a real browser, in both languages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import BrowserContext, Page, expect

from app.core.mail import send_pending
from app.extensions import db
from app.groups.models import GroupRole
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE

NEW_PASSWORD = "a new and longer passphrase 新密码"


# Helpers -------------------------------------------------------------------------------------

def member_in_a_group(make_user: Callable[..., Any], make_group: Callable[..., Any],
                      add_member: Callable[..., Any], **user_fields: Any) -> dict[str, str]:
    """Create a member of a fresh working group; return the values the journey needs."""
    user = make_user(**user_fields)
    group = make_group()
    add_member(user, group, GroupRole.MEMBER)
    values = {
        "email": user.email,
        "name": user.name,
        "group_code": group.code,
        "group_en": group.name_en,
        "group_zh": group.name_zh,
    }
    db.session.commit()  # end the test's read transaction: the server threads work alone now
    return values


def chinese(app: Flask, english: str) -> str:
    """Return the catalogue's Chinese for an interface string; fail if it has none."""
    with app.test_request_context(), force_locale("zh"):
        translated = gettext(english)
    assert translated != english, f"no Chinese translation of {english!r} in the catalogue"
    return translated


def sign_in(page: Page, email: str, password: str, *, labels: dict[str, str] | None = None) -> None:
    """Fill the sign-in form on the current page and send it (`labels` for another language)."""
    labels = labels or {}
    page.get_by_label(labels.get("E-mail address", "E-mail address"), exact=True).fill(email)
    page.get_by_label(labels.get("Password", "Password"), exact=True).fill(password)
    page.get_by_role("button", name=labels.get("Sign in", "Sign in"), exact=True).click()


def expect_language(page: Page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def capture_in_both_languages(
    page: Page, name: str, screenshot: Callable[[Page, str], Any],
    check_accessibility: Callable[[Page, str], None],
) -> None:
    """Screenshot and check an English page, then the same page after the switch to Chinese.

    The page is left in English again, with the language switch as the way back.
    """
    expect_language(page, "en")
    screenshot(page, f"{name}-en")
    check_accessibility(page, f"{name} (English)")
    page.get_by_role("button", name="简体中文", exact=True).click()
    expect_language(page, "zh-Hans")
    screenshot(page, f"{name}-zh")
    check_accessibility(page, f"{name} (Chinese)")
    page.get_by_role("button", name="English", exact=True).click()
    expect_language(page, "en")


def group_card(page: Page, group_code: str):
    """Return the dashboard card of the group with this code."""
    return page.locator(".group-card").filter(has=page.get_by_text(group_code, exact=True))


# Journeys ------------------------------------------------------------------------------------

def test_sign_in_shows_the_dashboard_with_my_groups(
    page: Page, live_server: str, make_user, make_group, add_member,
    screenshot, check_accessibility,
) -> None:
    """A member signs in with e-mail and password and lands on a dashboard listing the group."""
    member = member_in_a_group(make_user, make_group, add_member)

    page.goto("/login")
    expect_language(page, "en")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    screenshot(page, "login-en")
    check_accessibility(page, "sign-in page (English)")

    sign_in(page, member["email"], DEFAULT_PASSWORD)

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {member['name']}")
    my_groups = page.get_by_role("region", name="My working groups")
    card = group_card(page, member["group_code"])
    expect(my_groups.get_by_role("link", name=member["group_en"], exact=True)).to_be_visible()
    expect(card.get_by_text("Member", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=member["name"])).to_be_visible()
    screenshot(page, "dashboard-en")
    check_accessibility(page, "dashboard (English)")


def test_switch_to_chinese_and_sign_in(
    app: Flask, page: Page, live_server: str, make_user, make_group, add_member,
    screenshot, check_accessibility,
) -> None:
    """The language switch turns the sign-in page Chinese, and the choice survives sign-in."""
    member = member_in_a_group(make_user, make_group, add_member)

    page.goto("/login")
    expect_language(page, "en")
    page.get_by_role("button", name="简体中文", exact=True).click()

    expect(page).to_have_url(re.compile(r"/login\??$"))
    expect_language(page, "zh-Hans")
    expect(page.get_by_role("heading", name="登录", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="简体中文", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    screenshot(page, "login-zh")
    check_accessibility(page, "sign-in page (Chinese)")

    labels = {text: chinese(app, text) for text in ("E-mail address", "Password", "Sign in")}
    assert labels["Password"] == "密码"
    assert labels["Sign in"] == "登录"
    sign_in(page, member["email"], DEFAULT_PASSWORD, labels=labels)

    expect(page).to_have_url(f"{live_server}/")
    expect_language(page, "zh-Hans")
    expect(page.get_by_role("heading", name="我的工作组")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        chinese(app, "Welcome, %(name)s") % {"name": member["name"]}
    )
    card = group_card(page, member["group_code"])
    expect(card.get_by_role("link", name=member["group_zh"], exact=True)).to_be_visible()
    expect(card.get_by_text("成员", exact=True)).to_be_visible()
    screenshot(page, "dashboard-zh")
    check_accessibility(page, "dashboard (Chinese)")


def test_a_chinese_browser_gets_the_chinese_sign_in_page(
    guarded_context: Callable[..., BrowserContext],
) -> None:
    """A visitor whose browser asks for zh-CN sees Chinese without touching the switch."""
    page = guarded_context(locale="zh-CN").new_page()

    page.goto("/login")

    expect_language(page, "zh-Hans")
    expect(page.get_by_role("heading", name="登录", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="简体中文", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )


def test_reset_a_forgotten_password_through_the_email(
    app: Flask, page: Page, live_server: str, smtp_server, browser_watch,
    make_user, make_group, add_member, screenshot, check_accessibility,
) -> None:
    """A member asks for a reset link, follows it from the e-mail, and signs in anew."""
    member = member_in_a_group(make_user, make_group, add_member)

    page.goto("/login")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page).to_have_url(f"{live_server}/reset-password")
    expect(page.get_by_role("heading", name="Reset password", level=1)).to_be_visible()
    capture_in_both_languages(page, "reset-request", screenshot, check_accessibility)
    page.get_by_label("E-mail address", exact=True).fill(member["email"])
    page.get_by_role("button", name="Send the link").click()

    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("status")).to_contain_text("a link to reset its password is on its way")

    with app.app_context():
        assert send_pending() == (1, 0)
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == member["email"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(re.escape(live_server) + r"/reset-password/\S+", text)
    assert match, f"no reset link in the e-mail:\n{text}"
    link = match.group(0)

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password", level=1)).to_be_visible()
    expect(page.get_by_text(member["email"])).to_be_visible()
    capture_in_both_languages(page, "reset-new-password", screenshot, check_accessibility)
    expect(page).to_have_url(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()

    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed")

    sign_in(page, member["email"], DEFAULT_PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(
        "The e-mail address or the password is not right."
    )
    expect(page).to_have_url(f"{live_server}/login")

    sign_in(page, member["email"], NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", name="My working groups")).to_be_visible()

    browser_watch.expect_status(404, link.removeprefix(live_server))
    page.goto(link)
    expect(page.get_by_role("heading", name="This link no longer works", level=1)).to_be_visible()
    expect(page.get_by_label("New password", exact=True)).to_have_count(0)
    capture_in_both_languages(page, "reset-link-used", screenshot, check_accessibility)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sign_out_from_the_user_menu(
    guarded_context: Callable[..., BrowserContext], live_server: str, viewport: dict[str, int],
    make_user, make_group, add_member,
) -> None:
    """Signing out from the user menu ends the session: the dashboard asks to sign in again.

    On a phone the user menu sits behind the navbar's menu button.
    """
    member = member_in_a_group(make_user, make_group, add_member)
    page = guarded_context(viewport=viewport).new_page()
    page.goto("/login")
    sign_in(page, member["email"], DEFAULT_PASSWORD)
    expect(page).to_have_url(f"{live_server}/")

    user_menu = page.get_by_role("button", name=member["name"])
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_hidden()
    if viewport == PHONE:
        expect(user_menu).to_be_hidden()
        page.get_by_role("button", name="Show the menu").click()
        # Bootstrap marks the menu `show` once it has finished opening; a click on the user
        # menu while it still slides open can land before the menu is where it is drawn.
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    user_menu.click()
    expect(user_menu).to_have_attribute("aria-expanded", "true")
    expect(sign_out).to_be_visible()
    sign_out.click()

    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    expect(page.get_by_role("button", name=member["name"])).to_have_count(0)

    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server}/login") + r"(\?.*)?$"))
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def test_confirm_a_new_address_from_the_link(
    page: Page, live_server: str, make_user, screenshot, check_accessibility,
) -> None:
    """Opening the e-mail's link shows the new address; only the button changes the account."""
    from app.auth.services import make_email_change_token

    user = make_user(name="Wang Lei", email="wang.lei@old.example.cn")
    link = f"/profile/email/confirm/{make_email_change_token(user, 'wang.lei@pku.example.cn')}"
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the new e-mail address")
    expect(page.get_by_text("wang.lei@pku.example.cn")).to_be_visible()
    capture_in_both_languages(page, "email-change-confirm", screenshot, check_accessibility)
    db.session.expire_all()
    assert user.email == "wang.lei@old.example.cn"  # opening the link changed nothing

    page.get_by_role("button", name="Use this address").click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("status")).to_contain_text("wang.lei@pku.example.cn")
    sign_in(page, "wang.lei@pku.example.cn", DEFAULT_PASSWORD)
    expect(page).to_have_url(f"{live_server}/")
