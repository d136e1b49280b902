"""The deliverables journey in a real browser: a late deliverable is seen, submitted with a
document of the group's library, returned, resubmitted with a new version of the document and
approved, and the timeline shows it approved."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.auth.models import SiteRole, User
from app.core.project import Project
from app.deliverables import months
from app.deliverables.models import Deliverable, DeliverableEvent, DeliverableStatus
from app.documents import services as documents
from app.documents import uploads
from app.documents.demo import pdf_bytes
from app.documents.models import Document
from app.extensions import db
from app.groups.models import GroupRole
from tests.conftest import DEFAULT_PASSWORD, FROZEN_NOW

#: The report in the library: its title and the file names of its two versions.
REPORT = "Regulatory landscape of big data and ICT"
DRAFT_FILE = "D2.3 监管环境 draft.pdf"
FINAL_FILE = "D2.3 监管环境 final.pdf"
FINAL_CONTENT = pdf_bytes(["D2.3 Regulatory landscape", "Final, with the 2021 regulations"])


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    """The library's files go to a folder of the test's own."""
    return {"STORAGE_PATH": str(tmp_path / "storage")}


def upload(group, actor, title: str, filename: str) -> Document:
    """Add a one-version document to a group's library, as an upload would."""
    (document,) = uploads.upload_documents(
        group,
        [uploads.IncomingFile(io.BytesIO(pdf_bytes([title])), filename)],
        actor=actor,
        title=title,
    )
    return document


def sign_in(page: Page, email: str) -> None:
    """Open the sign-in page and sign in (English labels)."""
    page.goto("/login")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_have_count(0)


def capture_in_both_languages(
    page: Page,
    name: str,
    screenshot: Callable[[Page, str], Any],
    check_accessibility: Callable[[Page, str], None],
) -> None:
    """Screenshot and axe-check the page in English, then in Chinese, and come back."""
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, f"{name}-en")
    check_accessibility(page, f"{name} (English)")
    page.get_by_role("button", name="简体中文", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    screenshot(page, f"{name}-zh")
    check_accessibility(page, f"{name} (Chinese)")
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def a_late_deliverable(make_user, make_group, add_member) -> dict[str, Any]:
    """A group whose lead owes a deliverable that was due three weeks ago (now in review)."""
    db.session.add(Project(name="IC2PerMed", start_on=date(2020, 1, 1), duration_months=48))
    coordinator = make_user(name="Marco Bellini", site_role=SiteRole.COORDINATOR)
    lead = make_user(name="Lars Jensen")
    group = make_group(code="WG2", slug="wg2-innovation", name_en="Innovation and market")
    add_member(lead, group, GroupRole.LEAD)
    # Today as the coordinator's page sees it (new accounts live in Europe/Brussels).
    due_on = FROZEN_NOW.astimezone(ZoneInfo("Europe/Brussels")).date() - timedelta(days=21)
    deliverable = Deliverable(
        group=group,
        code="D2.3",
        title_en="Big data and ICT solutions: regulatory landscape",
        title_zh="大数据与信息通信技术解决方案：监管环境",
        work_package="WP2",
        due_month=months.month_of(date(2020, 1, 1), due_on),
        due_on=due_on,
        status=DeliverableStatus.IN_REVIEW,
        responsible=lead,
    )
    db.session.add(deliverable)
    db.session.flush()
    db.session.add(
        DeliverableEvent(
            deliverable_id=deliverable.id, from_status=None, to_status=DeliverableStatus.PLANNED
        )
    )
    db.session.commit()
    # The group's library: the report, a glossary, and an old outline in the trash; another
    # group's document. Only the first two can be submitted.
    report = upload(group, lead, REPORT, DRAFT_FILE)
    upload(group, lead, "Big data and ICT glossary", "glossary.pdf")
    outline = upload(group, lead, "Old outline", "outline.pdf")
    documents.trash_document(outline, actor=lead)
    upload(make_group(code="WG3"), coordinator, "Biobank survey", "biobanks.pdf")
    values = {
        "coordinator": coordinator.email,
        "lead": lead.email,
        "lead_id": lead.id,
        "report_id": report.id,
        "detail": f"/groups/{group.slug}/deliverables/{deliverable.id}",
        "group_page": f"/groups/{group.slug}/deliverables/",
    }
    db.session.commit()  # end the test's read transaction: the server threads work alone now
    return values


def test_late_deliverable_is_submitted_returned_resubmitted_and_approved(
    guarded_context: Callable[..., BrowserContext],
    make_user,
    make_group,
    add_member,
    screenshot,
    check_accessibility,
) -> None:
    """Coordinator sees it late; lead submits it with a document; coordinator returns it with
    a comment; lead resubmits; coordinator approves; the timeline shows it approved."""
    world = a_late_deliverable(make_user, make_group, add_member)
    coordinator = guarded_context().new_page()
    lead = guarded_context().new_page()

    # The coordinator sees the late deliverable on the dashboard.
    sign_in(coordinator, world["coordinator"])
    coordinator.goto("/deliverables/")
    expect(
        coordinator.get_by_role("heading", name="Deliverables and milestones", level=1)
    ).to_be_visible()
    expect(coordinator.locator("#count-overdue")).to_have_text("1")
    row = coordinator.locator("tr", has=coordinator.get_by_role("link", name="D2.3", exact=True))
    expect(row).to_contain_text("Overdue by 21 days")
    capture_in_both_languages(
        coordinator, "deliverables-dashboard", screenshot, check_accessibility
    )

    # The lead submits it with the report from the group's library.
    sign_in(lead, world["lead"])
    lead.goto(world["group_page"])
    lead.get_by_role("link", name="D2.3", exact=True).click()
    expect(lead.locator("#status")).to_have_text("In review")
    choice = lead.get_by_label("Document to submit")
    expect(choice.locator("option")).to_have_text(
        [
            "Choose a document",
            "Big data and ICT glossary — version 1 — glossary.pdf",
            f"{REPORT} — version 1 — {DRAFT_FILE}",
        ]
    )
    choice.select_option(label=f"{REPORT} — version 1 — {DRAFT_FILE}")
    lead.get_by_label("Comment").fill("Final draft, reviewed by the working group.")
    capture_in_both_languages(lead, "deliverable-detail", screenshot, check_accessibility)
    lead.get_by_label("Document to submit").select_option(
        label=f"{REPORT} — version 1 — {DRAFT_FILE}"
    )
    lead.get_by_label("Comment").fill("Final draft, reviewed by the working group.")
    lead.get_by_role("button", name="Submit", exact=True).click()
    expect(lead.get_by_role("status")).to_contain_text("D2.3 is now submitted.")
    expect(lead.locator("#status")).to_have_text("Submitted")
    expect(lead.locator("#submitted-version")).to_contain_text(REPORT)
    expect(lead.locator("#submitted-version")).to_contain_text(DRAFT_FILE)

    # The coordinator returns it with a comment.
    coordinator.goto(world["detail"])
    coordinator.get_by_label("Comment").fill("Please add the Chinese regulations of 2021.")
    coordinator.get_by_role("button", name="Return to the group").click()
    expect(coordinator.locator("#status")).to_have_text("Returned")
    expect(coordinator.locator("#history")).to_contain_text(
        "Please add the Chinese regulations of 2021."
    )

    # The lead puts a revised version in the library, works on it again and resubmits.
    uploads.upload_version(
        db.session.get(Document, world["report_id"]),
        uploads.IncomingFile(io.BytesIO(FINAL_CONTENT), FINAL_FILE),
        actor=db.session.get(User, world["lead_id"]),
        comment="With the Chinese regulations of 2021",
    )
    db.session.commit()
    lead.goto(world["detail"])
    expect(lead.locator("#history")).to_contain_text("Please add the Chinese regulations of 2021.")
    lead.get_by_role("button", name="Resume work").click()
    expect(lead.locator("#status")).to_have_text("In progress")
    lead.get_by_role("button", name="Send to internal review").click()
    expect(lead.locator("#status")).to_have_text("In review")
    lead.get_by_label("Document to submit").select_option(
        label=f"{REPORT} — version 2 — {FINAL_FILE}"
    )
    lead.get_by_role("button", name="Submit", exact=True).click()
    expect(lead.locator("#status")).to_have_text("Submitted")

    # The coordinator approves it.
    coordinator.goto(world["detail"])
    submitted = coordinator.locator("#submitted-version")
    expect(submitted).to_contain_text(f"{REPORT} version 2")
    with coordinator.expect_download() as download:
        submitted.get_by_role("link", name=f"Download {FINAL_FILE}").click()
    assert download.value.suggested_filename == FINAL_FILE
    assert Path(download.value.path()).read_bytes() == FINAL_CONTENT
    coordinator.get_by_role("button", name="Approve").click()
    expect(coordinator.get_by_role("status")).to_contain_text("D2.3 has been approved.")
    expect(coordinator.locator("#status")).to_have_text("Approved")
    history = coordinator.locator("#history tbody tr")
    expect(history).to_have_count(7)
    capture_in_both_languages(coordinator, "deliverable-approved", screenshot, check_accessibility)

    # The timeline shows it approved, and nothing late any more.
    coordinator.goto("/deliverables/timeline")
    drawing = coordinator.get_by_role("region", name="Timeline")
    mark = drawing.locator('g.timeline-item[data-code="D2.3"]')
    expect(mark).to_have_class(re.compile(r"\bstate-approved\b"))
    expect(drawing.locator("g.state-late")).to_have_count(0)
    expect(drawing.locator(".timeline-today")).to_have_count(1)
    expect(coordinator.get_by_role("img", name="Timeline of every working group")).to_be_visible()
    capture_in_both_languages(coordinator, "deliverables-timeline", screenshot, check_accessibility)

    coordinator.goto("/deliverables/")
    expect(coordinator.locator("#count-overdue")).to_have_text("0")
    expect(coordinator.locator("#count-approved")).to_have_text("1")
