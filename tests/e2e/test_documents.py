"""The document library in a real browser: drag and drop, versions, download."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.documents import uploads
from app.documents.demo import pdf_bytes
from app.documents.models import Visibility
from app.extensions import db
from app.groups.models import GroupRole
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.test_journeys import capture_in_both_languages, sign_in

CHINESE_NAME = "会议纪要（终稿）.pdf"
FIRST = pdf_bytes(["Kick-off meeting minutes", "Final"])
SECOND = pdf_bytes(["Kick-off meeting minutes", "Corrected list of attendees"])


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    """The journey's files go to a folder of its own."""
    return {"STORAGE_PATH": str(tmp_path / "storage")}


def drop_file(page: Page, selector: str, content: bytes, name: str, mime: str) -> None:
    """Drop a file on an element, as a person dragging it from their desktop would."""
    transfer = page.evaluate_handle(
        """([bytes, name, mime]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
            return transfer;
        }""",
        [list(content), name, mime],
    )
    for event in ("dragenter", "dragover", "drop"):
        page.dispatch_event(selector, event, {"dataTransfer": transfer})


def test_share_a_chinese_named_file_and_its_versions(
    page: Page,
    live_server: str,
    make_user,
    make_group,
    add_member,
    screenshot,
    check_accessibility,
    tmp_path: Path,
) -> None:
    """Drop 会议纪要（终稿）.pdf, see it listed, add version 2, download version 1 intact."""
    member = make_user(name="Wang Lei", name_zh="王磊")
    group = make_group(code="WG1", name_en="Shaping sustainable healthcare")
    add_member(member, group, GroupRole.MEMBER)
    email, slug = member.email, group.slug
    db.session.commit()

    page.goto("/login")
    sign_in(page, email, DEFAULT_PASSWORD)
    expect(page).to_have_url(f"{live_server}/")

    page.goto(f"/groups/{slug}/documents/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Documents of")
    expect(page.locator("#no-documents")).to_be_visible()
    page.get_by_role("link", name="Upload", exact=True).click()
    expect(page).to_have_url(f"{live_server}/groups/{slug}/documents/upload")
    capture_in_both_languages(page, "documents-upload", screenshot, check_accessibility)

    drop_file(page, "#drop-zone", FIRST, CHINESE_NAME, "application/pdf")
    upload_list = page.locator("#upload-list")
    expect(upload_list).to_contain_text(CHINESE_NAME)
    page.get_by_label("Tags").fill("minutes, 会议纪要")
    page.get_by_role("button", name="Upload", exact=True).click()

    expect(page).to_have_url(f"{live_server}/groups/{slug}/documents/")
    expect(page.get_by_role("status").first).to_contain_text("has been uploaded")
    link = page.get_by_role("link", name="会议纪要（终稿）", exact=True)
    expect(link).to_be_visible()
    expect(page.locator("#documents-table")).to_contain_text(CHINESE_NAME)
    capture_in_both_languages(page, "documents-library", screenshot, check_accessibility)

    page.get_by_role("link", name="会议纪要（终稿）", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("会议纪要（终稿）")
    page.get_by_label("New version", exact=True).set_input_files(
        {"name": "会议纪要（终稿）修订.pdf", "mimeType": "application/pdf", "buffer": SECOND}
    )
    page.get_by_label("What changed?").fill("Corrected the attendees 更正参会人员")
    page.get_by_role("button", name="Upload the new version").click()

    expect(page.get_by_role("status").first).to_contain_text("Version 2 of")
    expect(page.locator("#version-2")).to_contain_text("会议纪要（终稿）修订.pdf")
    expect(page.locator("#version-2")).to_contain_text("Corrected the attendees 更正参会人员")
    expect(page.locator("#version-1")).to_contain_text(CHINESE_NAME)
    capture_in_both_languages(page, "documents-detail", screenshot, check_accessibility)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download version 1").click()
    download = info.value
    assert download.suggested_filename == CHINESE_NAME
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == FIRST
    expect(page).to_have_url(re.compile(rf"/groups/{slug}/documents/\d+$"))


def test_trash_and_restore_a_document(
    page: Page,
    live_server: str,
    make_user,
    make_group,
    add_member,
    screenshot,
    check_accessibility,
) -> None:
    """A lead trashes a shared document, finds it in the trash, and restores it."""
    lead = make_user(name="Anna Schmidt")
    group = make_group(code="WG3")
    add_member(lead, group, GroupRole.LEAD)
    (document,) = uploads.upload_documents(
        group,
        [uploads.IncomingFile(io.BytesIO(FIRST), "Scoping paper.pdf")],
        actor=lead,
        tags="scoping paper",
        visibility=Visibility.CONSORTIUM,
    )
    email, slug, document_id = lead.email, group.slug, document.id
    db.session.commit()

    page.goto("/login")
    sign_in(page, email, DEFAULT_PASSWORD)
    page.goto("/documents/consortium")
    expect(page.get_by_role("link", name="Scoping paper", exact=True)).to_be_visible()
    capture_in_both_languages(page, "documents-consortium", screenshot, check_accessibility)

    page.goto(f"/groups/{slug}/documents/{document_id}")
    page.get_by_role("button", name="Move to the trash").click()
    expect(page).to_have_url(f"{live_server}/groups/{slug}/documents/")
    expect(page.get_by_role("status").first).to_contain_text("is in the trash")
    page.get_by_role("link", name="Trash", exact=True).click()
    expect(page.locator("#trash-table")).to_contain_text("Scoping paper")
    capture_in_both_languages(page, "documents-trash", screenshot, check_accessibility)

    page.get_by_role("button", name="Restore Scoping paper").click()
    expect(page).to_have_url(f"{live_server}/groups/{slug}/documents/{document_id}")
    expect(page.get_by_role("status").first).to_contain_text("has been restored")
    expect(page.locator("#trashed-banner")).to_have_count(0)
