"""Fixtures of the document library's tests: a storage folder per test, sample files, factories."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.core.storage import get_storage
from app.documents import uploads
from app.documents.demo import csv_bytes, docx_bytes, pdf_bytes, xlsx_bytes
from app.documents.models import Document, Visibility
from app.groups.models import GroupRole
from tests.conftest import csrf_token_from

PDF = pdf_bytes(["Minutes of the kick-off meeting", "Approved"])
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def odt_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", b"<office:document-content/>")
    return out.getvalue()


def tar_bytes() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        data = b"hello"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


SAMPLES = {
    "pdf": PDF,
    "png": PNG,
    "docx": docx_bytes(["Terms of reference", "工作组职责范围"]),
    "xlsx": xlsx_bytes([["Country", "Respondents"], ["China 中国", 1204]]),
    "odt": odt_bytes(),
    "csv": csv_bytes([["English", "中文"], ["minutes", "会议纪要"]]),
    "txt": "Plain notes, 会议笔记\n".encode(),
    "zip": zip_bytes({"a.txt": b"a"}),
    "tar": tar_bytes(),
    "doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
}


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    """Every test stores its files in a folder of its own."""
    return {"STORAGE_PATH": str(tmp_path / "storage")}


@pytest.fixture
def storage_root(app, tmp_path: Path) -> Path:
    return tmp_path / "storage"


def stored_files(root: Path) -> list[Path]:
    """Return every file under the storage folder (temporary ones included)."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def make_document(app, make_user) -> Callable[..., Document]:
    """Return a factory of committed documents (uploaded through the service)."""

    def factory(
        group,
        *,
        actor=None,
        content: bytes = PDF,
        filename: str = "report.pdf",
        folder=None,
        title: str = "",
        description: str = "",
        tags: str = "",
        visibility: Visibility = Visibility.GROUP,
    ) -> Document:
        actor = actor or make_user()
        (document,) = uploads.upload_documents(
            group,
            [uploads.IncomingFile(io.BytesIO(content), filename)],
            actor=actor,
            folder=folder,
            title=title,
            description=description,
            tags=tags,
            visibility=visibility,
        )
        return document

    return factory


@pytest.fixture
def member_of(make_user, add_member) -> Callable[..., Any]:
    """Return a helper making an account with a role in a group."""

    def factory(group, role: GroupRole = GroupRole.MEMBER, **fields: Any):
        user = make_user(**fields)
        add_member(user, group, role)
        return user

    return factory


def upload(client, group, files: list[tuple[bytes, str]], *, headers=None, **fields):
    """POST the upload form with files (content, name) and fields, with a valid CSRF token."""
    page = client.get(f"/groups/{group.slug}/documents/upload")
    data: dict[str, Any] = {"csrf_token": csrf_token_from(page.get_data(as_text=True))}
    data.update({"visibility": "group", "folder": ""})
    data.update(fields)
    data["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(
        f"/groups/{group.slug}/documents/upload",
        data=data,
        content_type="multipart/form-data",
        headers=headers or {},
    )


def read_storage(key: str) -> bytes:
    with get_storage().open(key) as stream:
        return stream.read()
