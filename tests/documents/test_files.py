"""File names made safe, and file types decided from the content (app/documents/files.py)."""

from __future__ import annotations

import codecs
import io
import unicodedata

import pytest

from app.documents.files import (
    MAX_FILENAME_LENGTH,
    FileRejected,
    ascii_fallback,
    clean_filename,
    identify,
    is_previewable,
)
from tests.documents.conftest import HTML, PDF, SAMPLES, SVG, zip_bytes


def test_chinese_accents_and_spaces_are_kept():
    """The name stays as the user sees it: Chinese, full-width brackets, accents, spaces."""
    assert clean_filename("会议纪要（终稿）.pdf") == "会议纪要（终稿）.pdf"
    assert clean_filename("Compte rendu – réunion du 3 mai.docx") == (
        "Compte rendu – réunion du 3 mai.docx"
    )


def test_names_are_nfc_normalised():
    """A decomposed accent (macOS) is stored composed, so both spellings are one name."""
    decomposed = "Re\u0301sume\u0301.pdf"
    assert clean_filename(decomposed) == "Résumé.pdf"
    assert unicodedata.is_normalized("NFC", clean_filename(decomposed))


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        ("/absolute/path/report.pdf", "report.pdf"),
        ("..", "file"),
        ("", "file"),
        (None, "file"),
        ("   .hidden.txt  ", "hidden.txt"),
        ("report.pdf...", "report.pdf"),
    ],
)
def test_folder_parts_and_dots_are_dropped(given, kept):
    """No name can point into a folder or hide itself: only its last part is kept."""
    assert clean_filename(given) == kept


def test_control_characters_are_removed():
    """NUL, CR, LF and other controls never reach the database or a header."""
    assert clean_filename("minutes\x00.pdf") == "minutes.pdf"
    assert clean_filename("minutes\r\nX-Injected: 1.pdf") == "minutes X-Injected: 1.pdf"
    assert clean_filename("a\tb\x07c\x1b.txt") == "a bc.txt"


def test_bidirectional_overrides_are_removed():
    """A right-to-left override cannot disguise an extension ("report‮fdp.exe")."""
    assert clean_filename("report\u202efdp.exe") == "reportfdp.exe"
    for control in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f":
        assert control not in clean_filename(f"a{control}b.pdf")


def test_long_names_are_capped_keeping_the_extension():
    """A 300-character name is cut to the maximum, and still ends in its extension."""
    name = "议" * 300 + ".pdf"
    cleaned = clean_filename(name)
    assert len(cleaned) == MAX_FILENAME_LENGTH
    assert cleaned.endswith(".pdf")
    assert len(clean_filename("x" * 300)) == MAX_FILENAME_LENGTH


def test_ascii_fallback_is_safe_in_a_quoted_header():
    """The ASCII name for old clients has no quote, backslash or control, and a usable stem."""
    assert ascii_fallback("会议纪要（终稿）.pdf") == "document.pdf"
    assert ascii_fallback("Résumé.pdf") == "Resume.pdf"
    assert ascii_fallback('a"b\\c;d.txt') == "abcd.txt"


@pytest.mark.parametrize("extension", sorted(SAMPLES))
def test_accepted_types_are_recognised_by_their_content(extension):
    """Each kind of file on the allow-list is accepted when its content is what it says."""
    stream = io.BytesIO(SAMPLES[extension])
    file_type = identify(stream, f"sample.{extension}")
    assert file_type.content_type
    assert stream.tell() == 0


def test_text_in_chinese_encodings_is_accepted():
    """CSV files from Chinese Excel (GB 18030) and UTF-16 text files are text too."""
    gbk = "名称,数量\n会议纪要,3\n".encode("gb18030")
    assert identify(io.BytesIO(gbk), "表格.csv").content_type == "text/csv"
    utf16 = codecs.BOM_UTF16_LE + "笔记\r\n".encode("utf-16-le")
    assert identify(io.BytesIO(utf16), "notes.txt").content_type == "text/plain"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (HTML, "page.html"),
        (HTML, "page.htm"),
        (SVG, "drawing.svg"),
        (HTML, "minutes.pdf"),
        (SVG, "logo.png"),
        (HTML, "notes.txt"),
        (SVG, "data.csv"),
        (b"MZ\x90\x00" + b"\x00" * 100, "setup.pdf"),
        (b"MZ\x90\x00" + b"\x00" * 100, "setup.exe"),
        (PDF, "report.docx"),
        (zip_bytes({"a.txt": b"a"}), "report.docx"),
        (b"\x00\x01\x02\x03" * 50, "table.csv"),
        (PDF, "no-extension"),
        (b"", "empty.pdf"),
    ],
)
def test_anything_else_is_refused(content, name):
    """HTML, SVG, programs, and files whose content does not match their extension are refused."""
    with pytest.raises(FileRejected) as refused:
        identify(io.BytesIO(content), name)
    assert name in refused.value.message


def test_only_pdf_and_raster_images_are_previewable():
    """Inline preview is for PDF and raster images, never for text, HTML or SVG."""
    assert is_previewable("application/pdf")
    assert is_previewable("image/png")
    assert not is_previewable("text/plain")
    assert not is_previewable("text/html")
    assert not is_previewable("image/svg+xml")
