"""What an uploaded file is: a safe display name, and a type decided from its content.

A file is accepted only when its extension is on the allow-list (office documents, PDF,
images, text, CSV, archives) *and* its content is what the extension says: a `.pdf` must begin
like a PDF, a `.docx` must be a ZIP holding a Word document, a `.csv` must be text. The type
the portal stores and later sends is the one decided here, never what the browser claimed.
HTML and SVG are never accepted, whatever they are called.
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import filetype
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: The longest file name kept, in characters (the extension is kept whole).
MAX_FILENAME_LENGTH = 180

#: Bidirectional controls (embeddings, overrides, isolates, marks): they can make
#: "report‮fdp.exe" look like "reportexe.pdf".
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

#: Characters browsers and operating systems treat as line or path breaks.
SEPARATORS = re.compile(r"[/\\]")
WHITESPACE = re.compile(r"\s+")

#: How much of a file is read to decide its type.
HEAD_SIZE = 8192
TEXT_SAMPLE_SIZE = 64 * 1024


class Kind:
    """The families of files the library lists and filters by."""

    PDF = "pdf"
    TEXT_DOCUMENT = "text_document"
    SPREADSHEET = "spreadsheet"
    PRESENTATION = "presentation"
    IMAGE = "image"
    TEXT = "text"
    CSV = "csv"
    ARCHIVE = "archive"


KIND_LABELS = {
    Kind.PDF: _l("PDF"),
    Kind.TEXT_DOCUMENT: _l("Text document"),
    Kind.SPREADSHEET: _l("Spreadsheet"),
    Kind.PRESENTATION: _l("Presentation"),
    Kind.IMAGE: _l("Image"),
    Kind.TEXT: _l("Plain text"),
    Kind.CSV: _l("CSV table"),
    Kind.ARCHIVE: _l("Archive"),
}


@dataclass(frozen=True)
class FileType:
    """One accepted type: its content type, its family, and how its content is recognised."""

    content_type: str
    kind: str
    #: How the content is checked: a `filetype` MIME type, "ole", "ooxml:<member>",
    #: "odf", "zip", "rtf", "tar" or "text".
    check: str


OOXML_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OOXML_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OOXML_SLIDES = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF_TEXT = "application/vnd.oasis.opendocument.text"
ODF_SHEET = "application/vnd.oasis.opendocument.spreadsheet"
ODF_SLIDES = "application/vnd.oasis.opendocument.presentation"

#: The allow-list, by lower-case extension.
ALLOWED_TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", Kind.PDF, "application/pdf"),
    "doc": FileType("application/msword", Kind.TEXT_DOCUMENT, "ole"),
    "docx": FileType(OOXML_WORD, Kind.TEXT_DOCUMENT, "ooxml:word/document.xml"),
    "odt": FileType(ODF_TEXT, Kind.TEXT_DOCUMENT, "odf"),
    "rtf": FileType("application/rtf", Kind.TEXT_DOCUMENT, "rtf"),
    "xls": FileType("application/vnd.ms-excel", Kind.SPREADSHEET, "ole"),
    "xlsx": FileType(OOXML_SHEET, Kind.SPREADSHEET, "ooxml:xl/workbook.xml"),
    "ods": FileType(ODF_SHEET, Kind.SPREADSHEET, "odf"),
    "ppt": FileType("application/vnd.ms-powerpoint", Kind.PRESENTATION, "ole"),
    "pptx": FileType(OOXML_SLIDES, Kind.PRESENTATION, "ooxml:ppt/presentation.xml"),
    "odp": FileType(ODF_SLIDES, Kind.PRESENTATION, "odf"),
    "png": FileType("image/png", Kind.IMAGE, "image/png"),
    "jpg": FileType("image/jpeg", Kind.IMAGE, "image/jpeg"),
    "jpeg": FileType("image/jpeg", Kind.IMAGE, "image/jpeg"),
    "gif": FileType("image/gif", Kind.IMAGE, "image/gif"),
    "webp": FileType("image/webp", Kind.IMAGE, "image/webp"),
    "tif": FileType("image/tiff", Kind.IMAGE, "image/tiff"),
    "tiff": FileType("image/tiff", Kind.IMAGE, "image/tiff"),
    "bmp": FileType("image/bmp", Kind.IMAGE, "image/bmp"),
    "txt": FileType("text/plain", Kind.TEXT, "text"),
    "md": FileType("text/markdown", Kind.TEXT, "text"),
    "csv": FileType("text/csv", Kind.CSV, "text"),
    "tsv": FileType("text/tab-separated-values", Kind.CSV, "text"),
    "zip": FileType("application/zip", Kind.ARCHIVE, "zip"),
    "7z": FileType("application/x-7z-compressed", Kind.ARCHIVE, "application/x-7z-compressed"),
    "rar": FileType("application/vnd.rar", Kind.ARCHIVE, "application/x-rar-compressed"),
    "gz": FileType("application/gzip", Kind.ARCHIVE, "application/gzip"),
    "tgz": FileType("application/gzip", Kind.ARCHIVE, "application/gzip"),
    "tar": FileType("application/x-tar", Kind.ARCHIVE, "tar"),
}

#: The content types a browser may show inline (a preview): PDF and raster images only.
PREVIEWABLE_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
)

#: Content types of each family, for the library's type filter.
CONTENT_TYPES_OF_KIND: dict[str, frozenset[str]] = {
    kind: frozenset(t.content_type for t in ALLOWED_TYPES.values() if t.kind == kind)
    for kind in KIND_LABELS
}
KIND_OF_CONTENT_TYPE = {t.content_type: t.kind for t in ALLOWED_TYPES.values()}

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
#: Text whose first characters are markup would be HTML or SVG to a browser that sniffs.
MARKUP_START = re.compile(rb"^\s*<\s*(!doctype|html|svg|\?xml|script|head|body|iframe)", re.I)


class FileRejected(ValueError):
    """The file cannot be shared; `message` says why, translated, naming the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean_filename(name: str | None, *, max_length: int = MAX_FILENAME_LENGTH) -> str:
    """Return the file name as the user sees it, made safe to store, show and offer back.

    NFC-normalised; any folder part ("../", "C:\\") dropped; control characters (NUL, CR,
    LF …) and bidirectional overrides removed; runs of white space made one space; leading
    dots and spaces stripped; at most `max_length` characters, keeping the extension.
    Chinese, accents and spaces survive unchanged. Returns "file" if nothing is left.
    """
    if not isinstance(name, str):
        name = ""
    name = unicodedata.normalize("NFC", name)
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if char in BIDI_CONTROLS or category in ("Cc", "Cs"):
            if char in "\t\n\r\x0b\x0c\x85":
                kept.append(" ")
            continue
        if category in ("Zl", "Zp"):
            kept.append(" ")
            continue
        kept.append(char)
    name = "".join(kept)
    name = SEPARATORS.split(name)[-1]
    name = WHITESPACE.sub(" ", name).strip().lstrip(".").strip()
    name = name.rstrip(". ")  # Windows drops trailing dots and spaces
    if not name:
        return "file"
    if len(name) > max_length:
        stem, extension = os.path.splitext(name)
        if 0 < len(extension) <= 16:
            name = stem[: max_length - len(extension)].rstrip() + extension
        else:
            name = name[:max_length].rstrip()
    return name


def extension_of(filename: str) -> str:
    """Return the lower-case extension without its dot ("" when there is none)."""
    return os.path.splitext(filename)[1].lower().removeprefix(".")


def ascii_fallback(filename: str, default_stem: str = "document") -> str:
    """Return an ASCII name for old clients that ignore `filename*` (accents dropped)."""
    simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    simple = re.sub(r'[\x00-\x1f\x7f"\\;]', "", simple)
    simple = WHITESPACE.sub(" ", simple).strip()
    stem, extension = os.path.splitext(simple)
    if not re.search(r"[A-Za-z0-9]", stem):
        simple = default_stem + extension
    return simple


def _read_head(stream: BinaryIO, size: int) -> bytes:
    stream.seek(0)
    head = stream.read(size)
    stream.seek(0)
    return head


def _is_text(stream: BinaryIO) -> bool:
    """Return True if the start of the file reads as text (UTF-8, UTF-16 or GB 18030)."""
    sample = _read_head(stream, TEXT_SAMPLE_SIZE)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    elif b"\x00" in sample:
        return False
    else:
        encodings = ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            text = decoder.decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
        return controls <= len(text) // 100
    return False


def _starts_with_markup(stream: BinaryIO) -> bool:
    head = _read_head(stream, 1024)
    for bom in (codecs.BOM_UTF8,):
        head = head.removeprefix(bom)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return bool(MARKUP_START.match(head))


def _zip_names(stream: BinaryIO) -> set[str] | None:
    """Return the member names of a ZIP file (None if it is not a readable ZIP)."""
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        stream.seek(0)


def _odf_mimetype(stream: BinaryIO) -> str | None:
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive, archive.open("mimetype") as member:
            return member.read(100).decode("ascii", errors="replace").strip()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return None
    finally:
        stream.seek(0)


def _content_matches(stream: BinaryIO, file_type: FileType) -> bool:
    check = file_type.check
    head = _read_head(stream, HEAD_SIZE)
    if check == "text":
        return _is_text(stream) and not _starts_with_markup(stream)
    if check == "ole":
        return head.startswith(OLE_SIGNATURE)
    if check == "rtf":
        return head.startswith(b"{\\rtf")
    if check == "tar":
        return len(head) >= 262 and head[257:262] == b"ustar"
    if check == "zip":
        return head.startswith(ZIP_SIGNATURES) and _zip_names(stream) is not None
    if check == "odf":
        return head.startswith(ZIP_SIGNATURES) and _odf_mimetype(stream) == file_type.content_type
    if check.startswith("ooxml:"):
        if not head.startswith(ZIP_SIGNATURES):
            return False
        names = _zip_names(stream) or set()
        return "[Content_Types].xml" in names and check.removeprefix("ooxml:") in names
    guessed = filetype.guess(head)
    return guessed is not None and guessed.mime == check


def identify(stream: BinaryIO, filename: str) -> FileType:
    """Return the accepted type of the file, or raise `FileRejected` saying why.

    `stream` must be seekable; it is left at its start.
    """
    extension = extension_of(filename)
    file_type = ALLOWED_TYPES.get(extension)
    if file_type is None:
        raise FileRejected(
            _(
                "%(name)s cannot be shared: the library accepts office documents, PDF, "
                "images, text, CSV and archives.",
                name=filename,
            )
        )
    if not _read_head(stream, 1):
        raise FileRejected(_("%(name)s is empty.", name=filename))
    if not _content_matches(stream, file_type):
        raise FileRejected(
            _(
                "The content of %(name)s is not what its extension says (%(extension)s): "
                "it was not accepted.",
                name=filename,
                extension=extension.upper(),
            )
        )
    return file_type


def kind_of(content_type: str) -> str | None:
    """Return the family (see `Kind`) of a stored content type."""
    return KIND_OF_CONTENT_TYPE.get(content_type)


def is_previewable(content_type: str) -> bool:
    """Return True for the types a browser may show inline: PDF and raster images."""
    return content_type in PREVIEWABLE_TYPES
