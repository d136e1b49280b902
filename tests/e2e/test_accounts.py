"""Accounts in a real browser: an invitation from the administrator to a working session."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect

from app.auth.models import SiteRole
from app.core.mail import send_pending
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.test_journeys import chinese, expect_language, sign_in

INVITEE_PASSWORD = "欢迎加入工作组 welcome-2026"


def test_an_invited_person_joins_in_chinese_and_is_deactivated(
    app: Flask, page: Page, live_server: str, smtp_server, guarded_context, browser_watch,
    make_user, make_group, screenshot, check_accessibility,
) -> None:
    """The admin invites into a group; the invitee joins in Chinese; deactivation ends it."""
    admin = make_user(name="Giulia Ferraro", site_role=SiteRole.ADMIN)
    group = make_group(code="WG2", name_en="Innovation and market", name_zh="创新与市场")
    admin_email, group_label = admin.email, f"{group.code} · {group.name_en}"
    db.session.commit()

    # The administrator invites a new person into WG2 as a member, in Chinese.
    page.goto("/login")
    sign_in(page, admin_email, DEFAULT_PASSWORD)
    page.goto("/admin/users/invite")
    page.get_by_label("E-mail address", exact=True).fill("zhou.qing@example.cn")
    page.get_by_label("Language of the invitation").select_option("zh")
    page.get_by_label("Name (Latin script)").fill("Zhou Qing")
    page.get_by_label("Chinese name").fill("周晴")
    page.get_by_label(group_label).select_option("member")
    screenshot(page, "admin-invite-en")
    check_accessibility(page, "invitation form (English)")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status").first).to_contain_text("zhou.qing@example.cn")

    # The invitation arrives by e-mail, in Chinese, with the link.
    with app.app_context():
        assert send_pending() == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == "zhou.qing@example.cn"
    assert re.search(r"[\u4e00-\u9fff]", message["Subject"])
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(re.escape(live_server) + r"/invitations/\S+", text).group(0)

    # The invitee opens it in a browser of their own and creates the account in Chinese.
    invitee = guarded_context(locale="zh-CN").new_page()
    invitee.goto(link)
    expect_language(invitee, "zh-Hans")
    expect(invitee.get_by_text("zhou.qing@example.cn")).to_be_visible()
    invitee.get_by_label(chinese(app, "Password"), exact=True).fill(INVITEE_PASSWORD)
    invitee.get_by_label(chinese(app, "Repeat the password"), exact=True).fill(INVITEE_PASSWORD)
    invitee.get_by_label(chinese(app, "Preferred language")).select_option("zh")
    invitee.get_by_label(chinese(app, "Time zone")).select_option("Asia/Shanghai")
    screenshot(invitee, "invitation-accept-zh")
    check_accessibility(invitee, "invitation acceptance (Chinese)")
    invitee.get_by_role("button", name=chinese(app, "Create my account")).click()

    # Signed in, in Chinese, in the group.
    expect(invitee).to_have_url(f"{live_server}/")
    expect_language(invitee, "zh-Hans")
    expect(invitee.get_by_role("link", name="创新与市场", exact=True)).to_be_visible()
    invitee.get_by_role("link", name="创新与市场", exact=True).click()
    expect(invitee.get_by_role("heading", name="创新与市场", level=1)).to_be_visible()
    screenshot(invitee, "invited-member-group-zh")
    check_accessibility(invitee, "group home (Chinese)")

    # The administrator deactivates the new account.
    page.goto("/admin/users?q=zhou.qing")
    page.get_by_role("link", name=re.compile("Zhou Qing")).first.click()
    screenshot(page, "admin-account-en")
    check_accessibility(page, "account page (English)")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Deactivate", exact=True).click()
    expect(page.get_by_role("status").first).to_be_visible()

    # The invitee's open session stops working at the next request.
    invitee.reload()
    expect(invitee).to_have_url(re.compile(r"/login\?next="))
    expect(invitee.get_by_role("heading", name="登录", level=1)).to_be_visible()
