"""The library's pages through the test client: uploads, downloads, versions, trash, access."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from app.core import audit
from app.core.audit import AuditEvent
from app.documents import services, uploads
from app.documents.models import Document, DocumentVersion, Visibility
from app.extensions import db
from app.groups.models import GroupRole
from tests.conftest import csrf_token_from
from tests.documents.conftest import (
    HTML,
    PDF,
    PNG,
    SAMPLES,
    SVG,
    read_storage,
    stored_files,
    upload,
    zip_bytes,
)

CHINESE_NAME = "会议纪要（终稿）.pdf"


def only_document() -> Document:
    db.session.expire_all()
    return db.session.scalars(sa.select(Document)).one()


def documents_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Document))


def url(document: Document, suffix: str = "") -> str:
    return f"/groups/{document.group.slug}/documents/{document.id}{suffix}"


def version_url(document: Document, version, action: str = "download") -> str:
    return url(document, f"/versions/{version.id}/{action}")


def token(client, path: str) -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def post(client, path: str, data=None, page: str | None = None, **kwargs):
    """POST with a CSRF token taken from `page` (default: the consortium documents page)."""
    values = {"csrf_token": token(client, page or "/documents/consortium"), **(data or {})}
    return client.post(path, data=values, **kwargs)


def raw_upload(client, group, disposition: str, content: bytes, **extra):
    """POST a hand-written multipart body, so the file part's header says exactly `disposition`."""
    csrf = token(client, f"/groups/{group.slug}/documents/upload")
    boundary = "----portal-test-boundary"
    fields = {"csrf_token": csrf, "visibility": "group", "folder": ""}
    body = b""
    for name, value in fields.items():
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    body += f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '.encode()
    body += disposition.encode("utf-8") + b"\r\nContent-Type: application/octet-stream\r\n\r\n"
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return client.post(
        f"/groups/{group.slug}/documents/upload",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        **extra,
    )


@pytest.fixture
def group(make_group):
    return make_group()


@pytest.fixture
def member(group, member_of):
    return member_of(group, GroupRole.MEMBER, name="Claire Martin")


# Upload and download --------------------------------------------------------------------------


def test_a_chinese_named_file_round_trips_byte_for_byte(client, group, member, login_as):
    """会议纪要（终稿）.pdf uploads, is listed, and downloads identical with RFC 6266 filename*."""
    login_as(member)
    response = upload(client, group, [(PDF, CHINESE_NAME)], tags="minutes, 会议纪要")
    assert response.status_code == 302
    assert response.location == f"/groups/{group.slug}/documents/"
    listing = client.get(response.location).get_data(as_text=True)
    assert "会议纪要（终稿） has been uploaded." in listing
    assert CHINESE_NAME in listing
    document = only_document()
    version = document.current_version
    assert version.filename == CHINESE_NAME

    download = client.get(version_url(document, version))
    assert download.status_code == 200
    assert download.data == PDF
    assert hashlib.sha256(download.data).hexdigest() == version.sha256
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(CHINESE_NAME, safe='')}" in disposition
    assert 'filename="document.pdf"' in disposition
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"].startswith("sandbox")
    assert download.headers["ETag"] == f'"{version.sha256}"'
    assert download.headers["Accept-Ranges"] == "bytes"


def test_an_ascii_name_also_gets_the_filename_star_form(client, group, member, login_as):
    """Every download carries filename*, not only the non-ASCII ones."""
    login_as(member)
    upload(client, group, [(PDF, "minutes.pdf")])
    document = only_document()
    disposition = client.get(version_url(document, document.current_version)).headers[
        "Content-Disposition"
    ]
    assert disposition == "attachment; filename=\"minutes.pdf\"; filename*=UTF-8''minutes.pdf"


@pytest.mark.parametrize(
    ("disposition", "stored"),
    [
        ('filename="../../../etc/passwd.txt"', "passwd.txt"),
        ('filename="..\\\\..\\\\boot.ini.txt"', "boot.ini.txt"),
        ('filename="minutes\x00.txt"', "minutes.txt"),
        ("filename*=UTF-8''minutes%0D%0AX-Injected%3A%201.txt", "minutes X-Injected: 1.txt"),
        ('filename="report\u202efdp.txt"', "reportfdp.txt"),
        (f'filename="{"长" * 300}.txt"', "长" * 176 + ".txt"),
    ],
    ids=["dot-dot-slash", "backslashes", "nul", "cr-lf", "right-to-left-override", "300-chars"],
)
def test_hostile_names_are_stored_safely(
    client, group, member, login_as, storage_root, disposition, stored
):
    """../, NUL, CR/LF, a right-to-left override, 300 characters: stored clean, file by key."""
    login_as(member)
    response = raw_upload(client, group, disposition, b"plain text\n")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    version = only_document().current_version
    assert version.filename == stored
    files = stored_files(storage_root)
    assert [f.name for f in files] == [version.storage_key]
    assert storage_root in files[0].parents
    header = client.get(version_url(version.document, version)).headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header and "\x00" not in header


def test_several_files_in_one_request_make_several_documents(client, group, member, login_as):
    """A plain form (no script) may send several files at once."""
    login_as(member)
    response = upload(client, group, [(PDF, "a.pdf"), (PNG, "b.png"), (SAMPLES["csv"], "c.csv")])
    assert response.status_code == 302
    assert documents_count() == 3


@pytest.mark.parametrize(
    ("content", "name"),
    [(HTML, "page.html"), (SVG, "logo.svg"), (HTML, "minutes.pdf"), (SVG, "notes.txt")],
)
def test_html_and_svg_are_refused(client, group, member, login_as, storage_root, content, name):
    """HTML and SVG are refused whatever they are called: the form says why, nothing is kept."""
    login_as(member)
    response = upload(client, group, [(content, name)])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "is-invalid" in page
    assert name in page
    assert documents_count() == 0
    assert stored_files(storage_root) == []


def test_markup_inside_a_text_file_is_never_rendered(client, group, member, login_as):
    """Text that contains HTML further down downloads as an attachment the browser won't run."""
    login_as(member)
    content = b"Notes from the meeting\n<script>alert(1)</script>\n"
    upload(client, group, [(content, "notes.txt")])
    document = only_document()
    version = document.current_version
    response = client.get(version_url(document, version))
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert client.get(version_url(document, version, "preview")).status_code == 404


def test_an_oversized_body_gets_413_and_leaves_no_file(
    app, client, group, member, login_as, storage_root
):
    """A body over MAX_CONTENT_LENGTH is answered 413, translated, and leaves no file behind."""
    login_as(member)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    temporary = set(os.listdir(tempfile.gettempdir()))
    response = upload(
        client, group, [(b"a" * (200 * 1024), "big.txt")], headers={"Accept-Language": "zh-CN"}
    )
    assert response.status_code == 413
    assert "文件过大" in response.get_data(as_text=True)
    assert documents_count() == 0
    assert stored_files(storage_root) == []
    assert set(os.listdir(tempfile.gettempdir())) <= temporary


def test_a_streamed_body_without_length_is_cut_at_the_limit(
    app, client, group, member, login_as, storage_root
):
    """A chunked body (no Content-Length) is stopped with 413 as soon as it passes the limit."""
    login_as(member)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    temporary = set(os.listdir(tempfile.gettempdir()))
    response = raw_upload(
        client,
        group,
        'filename="big.txt"',
        b"a" * (700 * 1024),
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    assert response.status_code == 413
    assert documents_count() == 0
    assert stored_files(storage_root) == []
    assert set(os.listdir(tempfile.gettempdir())) <= temporary


def test_an_upload_cut_off_halfway_leaves_nothing(client, group, member, login_as, storage_root):
    """A body that stops half-way (the connection dropped) leaves no row and no file."""
    login_as(member)
    csrf = token(client, f"/groups/{group.slug}/documents/upload")
    boundary = "----cut-off"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="visibility"\r\n\r\ngroup\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="half.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + PDF * 2000
    body += f"\r\n--{boundary}--\r\n".encode()
    half = body[: len(body) // 2]
    response = client.post(
        f"/groups/{group.slug}/documents/upload",
        input_stream=io.BytesIO(half),
        content_length=len(body),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400
    assert documents_count() == 0
    assert stored_files(storage_root) == []


def test_a_resumed_download_returns_the_right_bytes(client, group, member, login_as):
    """Range requests return the asked bytes (206), so a broken download can resume."""
    login_as(member)
    upload(client, group, [(zip_bytes({"table.bin": bytes(range(256)) * 40}), "archive.zip")])
    document = only_document()
    version = document.current_version
    full = read_storage(version.storage_key)
    target = version_url(document, version)

    first = client.get(target, headers={"Range": "bytes=0-99"})
    assert first.status_code == 206
    assert first.data == full[:100]
    assert first.headers["Content-Range"] == f"bytes 0-99/{len(full)}"
    rest = client.get(target, headers={"Range": "bytes=100-", "If-Range": first.headers["ETag"]})
    assert rest.status_code == 206
    assert first.data + rest.data == full
    stale = client.get(target, headers={"Range": "bytes=100-", "If-Range": '"not-the-etag"'})
    assert stale.status_code == 200 and stale.data == full
    assert client.get(target, headers={"Range": f"bytes={len(full) + 10}-"}).status_code == 416


def test_conditional_requests_answer_not_modified(client, group, member, login_as):
    """A download the browser already has (same ETag) is answered 304 and not audited again."""
    login_as(member)
    upload(client, group, [(PDF, "a.pdf")])
    document = only_document()
    target = version_url(document, document.current_version)
    etag = client.get(target).headers["ETag"]
    assert client.get(target, headers={"If-None-Match": etag}).status_code == 304
    downloads = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "document.downloaded")
    ).all()
    assert len(downloads) == 1
    assert downloads[0].details["version"] == 1
    assert downloads[0].actor_id == member.id


def test_previews_only_pdf_and_images_inline(client, group, member, login_as):
    """A PDF or PNG previews inline under a strict policy; a spreadsheet has no preview."""
    login_as(member)
    upload(client, group, [(PDF, "a.pdf"), (PNG, "b.png"), (SAMPLES["xlsx"], "c.xlsx")])
    db.session.expire_all()
    documents = {d.title: d for d in db.session.scalars(sa.select(Document))}
    pdf = client.get(version_url(documents["a"], documents["a"].current_version, "preview"))
    assert pdf.status_code == 200
    assert pdf.headers["Content-Disposition"].startswith("inline;")
    assert "default-src 'none'" in pdf.headers["Content-Security-Policy"]
    png = client.get(version_url(documents["b"], documents["b"].current_version, "preview"))
    assert png.headers["Content-Security-Policy"].startswith("sandbox")
    assert png.data == PNG
    sheet = documents["c"]
    assert client.get(version_url(sheet, sheet.current_version, "preview")).status_code == 404


def test_the_upload_script_gets_json(client, group, member, login_as):
    """With X-Requested-With, success answers JSON with where to go; errors answer 400 JSON."""
    login_as(member)
    ajax = {"X-Requested-With": "XMLHttpRequest"}
    good = upload(client, group, [(PDF, "a.pdf")], headers=ajax)
    assert good.status_code == 200
    assert good.json == {"ok": True, "redirect": f"/groups/{group.slug}/documents/"}
    bad = upload(client, group, [(HTML, "x.html")], headers=ajax)
    assert bad.status_code == 400
    assert bad.json["ok"] is False
    assert any("x.html" in message for message in bad.json["errors"])
    empty = upload(client, group, [], headers=ajax)
    assert empty.status_code == 400


def test_a_missing_file_is_a_field_error(client, group, member, login_as):
    """Sending the form without a file re-renders it with an error, never a 500."""
    login_as(member)
    response = upload(client, group, [])
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    response = upload(client, group, [(PDF, "a.pdf"), (PDF, "b.pdf")], title="One title")
    assert response.status_code == 200
    assert "Give a title only when you upload a single file." in response.get_data(as_text=True)
    assert documents_count() == 0


# Versions -------------------------------------------------------------------------------------


def test_versions_history_download_and_restore(client, group, member, login_as, make_document):
    """A new version with a comment is listed; version 1 still downloads; it can be restored."""
    document = make_document(group, actor=member, filename=CHINESE_NAME)
    login_as(member)
    detail = url(document)
    response = client.post(
        url(document, "/versions"),
        data={
            "csrf_token": token(client, detail),
            "file": (io.BytesIO(PNG), "第二版.png"),
            "comment": "Figures added 已加图",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(detail).get_data(as_text=True)
    assert "Version 2 of 会议纪要（终稿） has been uploaded." in page
    assert "第二版.png" in page and "Figures added 已加图" in page
    db.session.expire_all()
    second, first = document.versions
    assert second.sha256 in page and first.sha256 in page
    assert "Claire Martin" in page

    old = client.get(version_url(document, first))
    assert old.data == PDF
    assert quote(CHINESE_NAME, safe="") in old.headers["Content-Disposition"]

    assert post(client, version_url(document, first, "restore"), page=detail).status_code == 302
    db.session.expire_all()
    assert [v.number for v in document.versions] == [3, 2, 1]
    assert document.current_version.sha256 == first.sha256
    assert "Restored from version 1" in client.get(detail).get_data(as_text=True)


def test_a_bad_version_is_refused_on_the_page(client, group, member, login_as, make_document):
    """An SVG offered as a new version re-renders the page with the reason."""
    document = make_document(group, actor=member)
    login_as(member)
    response = client.post(
        url(document, "/versions"),
        data={"csrf_token": token(client, url(document)), "file": (io.BytesIO(SVG), "v2.svg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "v2.svg cannot be shared" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(document.versions) == 1


# Managing -------------------------------------------------------------------------------------


def test_edit_details(client, group, member, login_as, make_document):
    """The maker edits title, description, tags and visibility; an empty title is an error."""
    document = make_document(group, actor=member, tags="minutes, 会议")
    login_as(member)
    edit = url(document, "/edit")
    form = client.get(edit).get_data(as_text=True)
    assert 'value="minutes, 会议"' in form
    bad = post(client, edit, {"title": "", "visibility": "group"}, page=edit)
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True)
    good = post(
        client,
        edit,
        {"title": "会议纪要", "description": "*Final*", "tags": "a, b", "visibility": "consortium"},
        page=edit,
    )
    assert good.status_code == 302
    db.session.expire_all()
    assert (document.title, document.tag_list, document.visibility) == (
        "会议纪要",
        ["a", "b"],
        Visibility.CONSORTIUM,
    )
    assert "<em>Final</em>" in client.get(url(document)).get_data(as_text=True)


def test_move_through_the_page(client, group, member, login_as, make_document):
    """A document moves into a folder; a folder that is not in the list is a field error."""
    folder = services.create_folder(group, "Minutes", actor=member)
    document = make_document(group, actor=member, filename="m.pdf")
    login_as(member)
    assert post(client, url(document, "/move"), {"folder": str(folder.id)}).status_code == 302
    db.session.expire_all()
    assert document.folder_id == folder.id
    bad = post(client, url(document, "/move"), {"folder": "999999"})
    assert bad.status_code == 200
    assert "Choose a folder from the list." in bad.get_data(as_text=True)
    listing = client.get(f"/groups/{group.slug}/documents/folders/{folder.id}")
    assert f'id="document-{document.id}"' in listing.get_data(as_text=True)


def test_trash_restore_and_empty_through_the_pages(
    client, group, member, member_of, login_as, make_document, storage_root
):
    """The maker trashes and restores; only a lead (or staff) empties the trash."""
    document = make_document(group, actor=member)
    login_as(member)
    response = post(client, url(document, "/trash"))
    assert response.status_code == 302
    assert response.location == f"/groups/{group.slug}/documents/"
    trash_page = client.get(f"/groups/{group.slug}/documents/trash").get_data(as_text=True)
    assert document.title in trash_page
    assert "Empty the trash" not in trash_page
    assert post(client, f"/groups/{group.slug}/documents/trash/empty").status_code == 403
    assert post(client, url(document, "/restore")).status_code == 302
    db.session.expire_all()
    assert not document.is_trashed
    post(client, url(document, "/trash"))

    lead = member_of(group, GroupRole.LEAD)
    post(client, "/logout")
    login_as(lead)
    response = post(client, f"/groups/{group.slug}/documents/trash/empty")
    assert response.status_code == 302
    assert "1 document has been removed for good." in client.get(response.location).get_data(
        as_text=True
    )
    assert documents_count() == 0
    assert stored_files(storage_root) == []


def test_folders_through_the_pages(client, group, member, login_as, make_document):
    """Make, rename and delete a folder; a folder with documents is not deleted."""
    login_as(member)
    new = f"/groups/{group.slug}/documents/folders/new"
    assert post(client, new, {"name": ""}, page=new).status_code == 200
    response = post(client, new, {"name": "会议 Meetings"}, page=new)
    assert response.status_code == 302
    folder = services.folders_of(group)[0]
    inner = f"{new}?parent={folder.id}"
    assert post(client, inner, {"name": "2021"}, page=inner).status_code == 302
    page = client.get(f"/groups/{group.slug}/documents/").get_data(as_text=True)
    assert "会议 Meetings" in page
    edit = f"/groups/{group.slug}/documents/folders/{folder.id}/edit"
    assert post(client, edit, {"name": "Meetings"}, page=edit).status_code == 302
    delete = f"/groups/{group.slug}/documents/folders/{folder.id}/delete"
    response = post(client, delete)
    assert response.status_code == 302
    assert "Only an empty folder can be deleted" in client.get(response.location).get_data(
        as_text=True
    )
    assert len(services.folders_of(group)) == 2
    assert client.get(f"/groups/{group.slug}/documents/folders/999999").status_code == 404


def test_library_lists_sorts_filters_and_pages(client, group, member, login_as, make_document):
    """The library page sorts by a column, filters, tolerates bad input, and paginates."""
    for n in range(27):
        make_document(group, actor=member, filename=f"doc {n:02d}.pdf", tags="batch")
    make_document(group, actor=member, content=PNG, filename="picture.png")
    login_as(member)
    base = f"/groups/{group.slug}/documents/"
    first = client.get(base).get_data(as_text=True)
    assert "doc 24" in first and "doc 25" not in first
    assert "Page 1 of 2" in first
    second = client.get(f"{base}?page=2").get_data(as_text=True)
    assert "picture" in second
    newest = client.get(f"{base}?sort=date&order=desc").get_data(as_text=True)
    assert newest.index("picture") < newest.index("doc 26")
    images = client.get(f"{base}?kind=image").get_data(as_text=True)
    assert "picture" in images and "doc 00" not in images
    for bad in (
        "?date_from=yesterday",
        "?date_from=0001-01-01",
        "?date_to=9999-12-31",
        "?kind=nonsense",
        "?uploader=abc",
        "?page=-3",
        "?sort=x",
        "?order=sideways",
    ):
        assert client.get(base + bad).status_code == 200, bad


def test_the_library_page_needs_few_queries_whatever_its_size(
    app, client, group, member, login_as, make_document
):
    """Listing 3 or 25 documents (with versions) costs the same number of queries."""
    login_as(member)
    statements: list[str] = []

    def count_statement(*args, **kwargs):
        statements.append(args[2])

    def queries_for_page() -> int:
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count_statement)
        try:
            assert client.get(f"/groups/{group.slug}/documents/").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count_statement)
        return len(statements)

    for n in range(3):
        make_document(group, actor=member, filename=f"{n}.pdf")
    few = queries_for_page()
    for n in range(22):
        document = make_document(group, actor=member, filename=f"more {n}.pdf")
        uploads.upload_version(
            document, uploads.IncomingFile(io.BytesIO(PNG), "v2.png"), actor=member
        )
    many = queries_for_page()
    assert many == few, f"{few} queries for 3 documents, {many} for 25"


def test_consortium_page(client, make_group, member_of, login_as, make_document):
    """Any member sees the shared documents of every group, and only those."""
    wg1, wg2 = make_group(), make_group()
    author = member_of(wg1)
    make_document(wg1, actor=author, title="Shared roadmap", visibility=Visibility.CONSORTIUM)
    make_document(wg1, actor=author, title="Internal notes")
    login_as(member_of(wg2))
    page = client.get("/documents/consortium").get_data(as_text=True)
    assert "Shared roadmap" in page and "Internal notes" not in page


# Who may do what ------------------------------------------------------------------------------


def document_urls(document: Document) -> list[tuple[str, str]]:
    """Every URL naming the document or its versions, with its method."""
    version = document.current_version
    return [
        ("GET", url(document)),
        ("GET", url(document, "/edit")),
        ("POST", url(document, "/edit")),
        ("POST", url(document, "/move")),
        ("POST", url(document, "/versions")),
        ("GET", version_url(document, version)),
        ("GET", version_url(document, version, "preview")),
        ("POST", version_url(document, version, "restore")),
        ("POST", url(document, "/trash")),
        ("POST", url(document, "/restore")),
    ]


def test_members_of_another_group_get_404_for_every_document_url(
    client, group, member, make_group, member_of, login_as, make_document
):
    """A member (even a lead) of another group gets 404 for every URL of a group document."""
    document = make_document(group, actor=member)
    folder = services.create_folder(group, "Private", actor=member)
    outsider = member_of(make_group(), GroupRole.LEAD)
    login_as(outsider)
    for method, target in document_urls(document):
        response = post(client, target) if method == "POST" else client.get(target)
        assert response.status_code == 404, (method, target)
    slug = group.slug
    for method, target in [
        ("GET", f"/groups/{slug}/documents/"),
        ("GET", f"/groups/{slug}/documents/folders/{folder.id}"),
        ("GET", f"/groups/{slug}/documents/upload"),
        ("GET", f"/groups/{slug}/documents/trash"),
        ("POST", f"/groups/{slug}/documents/trash/empty"),
        ("GET", f"/groups/{slug}/documents/folders/new"),
        ("GET", f"/groups/{slug}/documents/folders/{folder.id}/edit"),
        ("POST", f"/groups/{slug}/documents/folders/{folder.id}/delete"),
    ]:
        response = post(client, target) if method == "POST" else client.get(target)
        assert response.status_code == 404, (method, target)
    db.session.expire_all()
    assert not document.is_trashed


def test_a_document_under_another_groups_address_is_not_found(
    client, group, member, make_group, member_of, login_as, make_document
):
    """A document is only found under its own group's address."""
    other = make_group()
    document = make_document(group, actor=member)
    login_as(member_of(other))
    assert client.get(f"/groups/{other.slug}/documents/{document.id}").status_code == 404
    post(client, "/logout")
    login_as(member)
    assert client.get(f"/groups/{other.slug}/documents/{document.id}").status_code == 404


def test_shared_documents_are_readable_but_not_editable_by_others(
    client, group, member, make_group, member_of, login_as, make_document
):
    """Anyone signed in reads and downloads a consortium document; only the group changes it."""
    document = make_document(group, actor=member, visibility=Visibility.CONSORTIUM)
    login_as(member_of(make_group()))
    page = client.get(url(document))
    assert page.status_code == 200
    assert "Consortium documents" in page.get_data(as_text=True)
    assert client.get(version_url(document, document.current_version)).data == PDF
    for target in (url(document, "/edit"),):
        assert client.get(target).status_code == 404
    assert post(client, url(document, "/trash")).status_code == 404
    services.trash_document(document, actor=member)
    assert client.get(url(document)).status_code == 404


def test_observers_read_but_do_not_upload(
    client, group, member, member_of, login_as, make_document
):
    """An observer sees and downloads, but may not upload, add versions, or edit."""
    document = make_document(group, actor=member)
    login_as(member_of(group, GroupRole.OBSERVER))
    assert client.get(f"/groups/{group.slug}/documents/").status_code == 200
    assert client.get(version_url(document, document.current_version)).status_code == 200
    assert client.get(f"/groups/{group.slug}/documents/upload").status_code == 403
    assert post(client, url(document, "/versions")).status_code == 403
    assert client.get(url(document, "/edit")).status_code == 403
    assert post(client, url(document, "/trash")).status_code == 403


def test_members_edit_their_own_documents_only(
    client, group, member, member_of, login_as, make_document
):
    """A member edits and trashes their own documents, adds versions to anyone's."""
    mine = make_document(group, actor=member)
    theirs = make_document(group, actor=member_of(group))
    login_as(member)
    assert client.get(url(mine, "/edit")).status_code == 200
    assert client.get(url(theirs, "/edit")).status_code == 403
    assert post(client, url(theirs, "/trash")).status_code == 403
    response = client.post(
        url(theirs, "/versions"),
        data={"csrf_token": token(client, url(theirs)), "file": (io.BytesIO(PDF), "v2.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


def test_an_archived_groups_library_is_read_only(
    client, group, member, member_of, login_as, make_document, make_user
):
    """In an archived group nobody uploads or edits, not even an administrator; reading works."""
    document = make_document(group, actor=member)
    group.is_archived = True
    db.session.commit()
    login_as(make_user(site_role="admin"))
    assert client.get(f"/groups/{group.slug}/documents/").status_code == 200
    assert client.get(version_url(document, document.current_version)).status_code == 200
    assert client.get(f"/groups/{group.slug}/documents/upload").status_code == 403
    assert client.get(url(document, "/edit")).status_code == 403


def test_every_action_is_audited(client, group, member, login_as):
    """Upload, download, move, trash and restore each leave an audit event with the address."""
    folder = services.create_folder(group, "F", actor=member)
    login_as(member)
    upload(client, group, [(PDF, "a.pdf")])
    document = only_document()
    client.get(version_url(document, document.current_version))
    post(client, url(document, "/move"), {"folder": str(folder.id)})
    post(client, url(document, "/trash"))
    post(client, url(document, "/restore"))
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action.like("document.%"), AuditEvent.object_type == "document")
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == [
        "document.uploaded",
        "document.downloaded",
        "document.moved",
        "document.trashed",
        "document.restored",
    ]
    assert {e.object_id for e in events} == {str(document.id)}
    assert all(e.ip_address == "127.0.0.1" and e.actor_id == member.id for e in events)


def test_a_version_whose_file_is_missing_is_not_found(client, group, member, login_as):
    """If the stored file vanished, the download answers 404 (and is logged), never a 500."""
    login_as(member)
    upload(client, group, [(PDF, "a.pdf")])
    document = only_document()
    version = db.session.scalars(sa.select(DocumentVersion)).one()
    from app.core.storage import get_storage

    get_storage().delete(version.storage_key)
    assert client.get(version_url(document, version)).status_code == 404


def test_html_pages_escape_names(client, group, member, login_as):
    """A file named like markup is shown as text on every page."""
    login_as(member)
    raw_upload(client, group, 'filename="<img src=x onerror=alert(1)>.txt"', b"text\n")
    document = only_document()
    for page in (f"/groups/{group.slug}/documents/", url(document)):
        html = client.get(page).get_data(as_text=True)
        assert "<img src=x" not in html
        assert re.search(r"&lt;img src=x onerror=alert\(1\)&gt;", html)


def test_numbers_too_big_for_an_id_are_not_found(client, group, member, login_as, make_document):
    """An id or page number beyond the database's integers answers 404 or a page, never a 500."""
    document = make_document(group, actor=member)
    login_as(member)
    big = 10**20
    base = f"/groups/{group.slug}/documents"
    for path in (
        f"{base}/{big}",
        f"{base}/folders/{big}",
        f"{base}/{document.id}/versions/{big}/download",
        f"{base}/upload?folder={big}",
    ):
        assert client.get(path).status_code == 404, path
    for path in (f"{base}/?uploader={big}", f"{base}/?page={big}", f"{base}/trash?page={big}"):
        assert client.get(path).status_code == 200, path
    assert services.get_version_for_group(group, big) is None


# Bookkeeping on download ----------------------------------------------------------------------


def test_a_download_is_served_when_its_audit_event_cannot_be_written(
    client, make_group, make_document, member_of, login_as, monkeypatch
):
    """The file comes all the same; the failure is only logged."""
    group = make_group()
    reader = member_of(group)
    document = make_document(group)
    login_as(reader)

    def broken(*args, **kwargs):
        raise RuntimeError("the audit table is locked")

    monkeypatch.setattr(audit, "record", broken)
    response = client.get(version_url(document, document.current_version))
    assert response.status_code == 200
    assert response.get_data() == PDF


def test_a_download_writes_only_its_audit_event(
    client, make_group, make_document, member_of, login_as
):
    """The one write of a download is its audit event, committed on its own."""
    group = make_group()
    reader = member_of(group)
    document = make_document(group)
    login_as(reader)
    writes: list[str] = []

    def listen(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement.split("(")[0].strip())

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        assert client.get(version_url(document, document.current_version)).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert writes == ["INSERT INTO audit_events"]
