"""A meeting across two time zones, in a real browser: scheduled from Shanghai, read in Rome,
minutes written, circulated, commented on and approved."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import BrowserContext, Page, expect

from app.core.mail import OutboxEmail
from app.extensions import db
from app.groups.models import GroupRole
from app.meetings.models import Meeting, MinutesState
from tests.conftest import DEFAULT_PASSWORD


def sign_in(page: Page, email: str) -> None:
    """Sign in through the English form."""
    page.goto("/login")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def capture(page: Page, name: str, screenshot, check_accessibility) -> None:
    """Screenshot and axe-check the page in English, then in Chinese, and back to English."""
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, f"{name}-en")
    check_accessibility(page, f"{name} (English)")
    page.get_by_role("button", name="简体中文", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    screenshot(page, f"{name}-zh")
    check_accessibility(page, f"{name} (Chinese)")
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def accept_next_dialog(page: Page) -> None:
    """Say yes to the next confirmation the page asks."""
    page.once("dialog", lambda dialog: dialog.accept())


def row_of(page: Page, label: str):
    """Return the "when" entry of a zone's label (its term and its time)."""
    return page.locator("#when .meeting-times > div").filter(has_text=label)


def test_a_meeting_across_two_time_zones_from_scheduling_to_approved_minutes(
    guarded_context: Callable[..., BrowserContext],
    live_server: str,
    make_user: Callable[..., Any],
    make_group: Callable[..., Any],
    add_member: Callable[..., Any],
    screenshot,
    check_accessibility,
) -> None:
    """A lead in Asia/Shanghai schedules; a member in Europe/Rome reads it in Rome, Brussels and
    Beijing time; the lead writes and circulates the minutes; the member comments; the lead
    approves."""
    group = make_group(code="WG1", slug="wg1", name_en="Shaping sustainable healthcare")
    lead = make_user(
        name="Wang Lei", name_zh="王磊", timezone="Asia/Shanghai", country="CN", locale="en"
    )
    member = make_user(name="Sofia Rossi", timezone="Europe/Rome", country="IT", locale="en")
    add_member(lead, group, GroupRole.LEAD)
    add_member(member, group, GroupRole.MEMBER)
    lead_email, member_email, slug = lead.email, member.email, group.slug
    db.session.commit()  # the server's threads work on their own from here

    # The lead, in Shanghai, schedules the meeting at 16:00 their time.
    lead_page = guarded_context(timezone_id="Asia/Shanghai").new_page()
    sign_in(lead_page, lead_email)
    lead_page.goto(f"/groups/{slug}/meetings/")
    lead_page.get_by_role("link", name="Schedule a meeting").click()
    expect(lead_page.get_by_label("Time zone of the start and end")).to_have_value("Asia/Shanghai")
    lead_page.get_by_label("Title in English").fill("Monthly meeting: scoping paper")
    lead_page.get_by_label("Title in Chinese").fill("月度会议：范围界定文件")
    lead_page.get_by_label("Start", exact=True).fill("2027-03-30T16:00")
    lead_page.get_by_label("End", exact=True).fill("2027-03-30T17:30")
    lead_page.get_by_label("Online meeting link").fill("https://meet.example.org/wg1")
    expect(lead_page.get_by_label("Sofia Rossi")).to_be_checked()
    lead_page.get_by_role("button", name="Check the times").click()
    slot = lead_page.locator("#slot-check")
    expect(slot).to_contain_text("Brussels time")
    expect(slot.locator(".meeting-times > div").filter(has_text="Brussels time")).to_contain_text(
        "10:00"
    )
    expect(slot.locator(".meeting-times > div").filter(has_text="Beijing time")).to_contain_text(
        "16:00"
    )
    screenshot(lead_page, "meeting-schedule-en")
    check_accessibility(lead_page, "schedule a meeting (English)")
    lead_page.get_by_role("button", name="Schedule the meeting").click()
    expect(lead_page.get_by_role("heading", level=1)).to_contain_text(
        "Monthly meeting: scoping paper"
    )
    expect(lead_page.get_by_role("status").first).to_contain_text("The meeting has been scheduled.")
    meeting_path = re.sub(r"^https?://[^/]+", "", lead_page.url)
    assert re.fullmatch(rf"/groups/{slug}/meetings/\d+/", meeting_path)

    # The member, in Rome, sees it in Rome time, and in Brussels and Beijing time side by side.
    member_page = guarded_context(timezone_id="Europe/Rome").new_page()
    sign_in(member_page, member_email)
    member_page.goto("/meetings/")
    item = member_page.locator(".meeting-item").filter(has_text="Monthly meeting: scoping paper")
    expect(item).to_contain_text("Your time (Rome)")
    capture(member_page, "my-meetings", screenshot, check_accessibility)
    item.get_by_role("link", name="Monthly meeting: scoping paper").click()
    expect(row_of(member_page, "Your time (Rome)")).to_contain_text("10:00")
    expect(row_of(member_page, "Your time (Rome)")).to_contain_text("11:30")
    expect(row_of(member_page, "Brussels time")).to_contain_text("10:00")
    expect(row_of(member_page, "Beijing time")).to_contain_text("16:00")
    expect(row_of(member_page, "Beijing time")).to_contain_text("17:30")
    expect(member_page.get_by_text("The minutes are being drafted.")).to_be_visible()
    capture(member_page, "meeting-member", screenshot, check_accessibility)

    # The lead writes the minutes (with a preview) and circulates them.
    lead_page.get_by_role("link", name="Write the minutes").click()
    editor = lead_page.get_by_label("Minutes (Markdown)")
    editor.fill("## Scoping paper\n\nThe draft chapter was **discussed** and accepted.")
    lead_page.get_by_role("button", name="Preview").click()
    expect(lead_page.locator("#preview strong")).to_have_text("discussed")
    screenshot(lead_page, "minutes-editor-en")
    check_accessibility(lead_page, "minutes editor (English)")
    lead_page.get_by_role("button", name="Save the minutes").click()
    expect(lead_page.get_by_role("status").first).to_contain_text("The minutes have been saved.")
    expect(lead_page.locator("#minutes-text h2")).to_have_text("Scoping paper")
    accept_next_dialog(lead_page)
    lead_page.get_by_role("button", name="Circulate for comment").click()
    expect(lead_page.get_by_role("status").first).to_contain_text("circulated for comment")
    recipients = set(db.session.scalars(sa.select(OutboxEmail.recipient)))
    assert recipients == {lead_email, member_email}

    # The member reads the circulated minutes and comments.
    member_page.reload()
    expect(member_page.locator("#minutes-text")).to_contain_text("The draft chapter was discussed")
    member_page.get_by_label("Your comment").fill("Please add the survey from Milan.")
    member_page.get_by_role("button", name="Add the comment").click()
    expect(member_page.locator(".minutes-comment")).to_contain_text(
        "Please add the survey from Milan."
    )
    capture(member_page, "minutes-circulated", screenshot, check_accessibility)

    # The lead approves: the minutes are locked, with who approved them and when.
    lead_page.reload()
    expect(lead_page.locator(".minutes-comment")).to_contain_text("Please add the survey")
    accept_next_dialog(lead_page)
    lead_page.get_by_role("button", name="Approve the minutes").click()
    expect(lead_page.locator("#approval")).to_contain_text("Approved by Wang Lei")
    expect(lead_page.get_by_role("link", name="Write the minutes")).to_have_count(0)
    capture(lead_page, "minutes-approved", screenshot, check_accessibility)

    member_page.goto(meeting_path + "minutes/print")
    expect(member_page.get_by_role("heading", level=1)).to_contain_text("Monthly meeting")
    expect(member_page.get_by_text("月度会议：范围界定文件")).to_be_visible()
    screenshot(member_page, "minutes-print-en")
    check_accessibility(member_page, "minutes print view")

    db.session.expire_all()
    meeting = db.session.scalars(sa.select(Meeting)).one()
    assert meeting.timezone == "Asia/Shanghai"
    assert meeting.minutes.state == MinutesState.APPROVED
    assert meeting.minutes.approved_by_id == lead.id


def test_a_lead_prepares_the_agenda_records_attendance_and_subscribes(
    guarded_context: Callable[..., BrowserContext],
    live_server: str,
    make_user: Callable[..., Any],
    make_group: Callable[..., Any],
    add_member: Callable[..., Any],
    screenshot,
    check_accessibility,
) -> None:
    """The agenda (add, reorder), attendance and calendar pages work and are accessible."""
    from tests.meetings.helpers import create_meeting, utc

    group = make_group(code="WG3", slug="wg3", name_en="Research and clinical studies")
    lead = make_user(name="Elena García", timezone="Europe/Madrid", country="ES", locale="en")
    member = make_user(name="Huang Yan", name_zh="黄燕", timezone="Asia/Shanghai", country="CN")
    add_member(lead, group, GroupRole.LEAD)
    add_member(member, group, GroupRole.MEMBER)
    meeting = create_meeting(
        group,
        organiser=lead,
        starts_at=utc(2027, 5, 12, 7, 30),
        timezone="Europe/Madrid",
        invitees=[lead, member],
        agenda=["Biobank standards"],
        title_en="Joint calls and biobanks",
        title_zh="联合征集与生物样本库",
    )
    meeting_path = f"/groups/{group.slug}/meetings/{meeting.id}/"
    lead_email = lead.email
    db.session.commit()

    page = guarded_context().new_page()
    sign_in(page, lead_email)
    page.goto(meeting_path)
    page.get_by_role("link", name="Edit the agenda").click()
    page.get_by_role("textbox", name="Agenda item").fill("Omics data: next steps")
    page.get_by_label("Presenter").select_option(label="Huang Yan · 黄燕")
    page.get_by_label("Duration (minutes)").fill("30")
    page.get_by_role("button", name="Add", exact=True).click()
    titles = page.locator("#agenda-items .agenda-title")
    expect(titles).to_have_text(["Biobank standards", "Omics data: next steps"])
    page.get_by_role("button", name="Move “Omics data: next steps” up").click()
    expect(titles).to_have_text(["Omics data: next steps", "Biobank standards"])
    capture(page, "meeting-agenda", screenshot, check_accessibility)

    page.goto(meeting_path + "attendance")
    capture(page, "meeting-attendance", screenshot, check_accessibility)
    page.get_by_role("combobox", name="Huang Yan · 黄燕").select_option("apologies")
    page.get_by_role("combobox", name="Elena García").select_option("present")
    page.get_by_role("button", name="Save the attendance").click()
    attendees = page.locator("#attendance")
    expect(attendees.locator("li").filter(has_text="Huang Yan")).to_contain_text("Apologies")
    expect(attendees.locator("li").filter(has_text="Elena García")).to_contain_text("Present")

    page.goto("/meetings/calendar")
    page.get_by_role("button", name="Make my calendar address").click()
    address = page.get_by_label("Calendar address")
    expect(address).to_have_value(re.compile(r"/meetings/calendar/[\w-]+\.ics$"))
    feed_url = address.input_value()
    screenshot(page, "meeting-calendar-address-en")
    check_accessibility(page, "calendar address shown once")
    capture(page, "meeting-calendar", screenshot, check_accessibility)
    expect(page.get_by_label("Calendar address")).to_have_count(0)  # shown once only
    feed = page.request.get(feed_url)
    assert feed.ok and "BEGIN:VCALENDAR" in feed.text()
    assert "DTSTART;TZID=Europe/Madrid:20270512T093000" in feed.text()
