"""Demo content for the document libraries: folders and documents with several versions.

`load_demo(project, groups_by_code, users_by_email)` adds them to the session (the caller
commits) and writes their files to the configured storage. The small files are made here:
real PDF, Word, Excel, CSV and Markdown files that open in the usual programs.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from app.auth.models import User
from app.core.storage import get_storage
from app.documents.files import clean_filename, identify
from app.documents.models import Document, DocumentVersion, Folder, Visibility
from app.documents.services import tags_value
from app.extensions import db
from app.groups.models import WorkingGroup

# Sample files ---------------------------------------------------------------------------------


def pdf_bytes(lines: list[str]) -> bytes:
    """Return a one-page PDF showing the (ASCII) lines of text."""
    text = []
    for number, line in enumerate(lines):
        safe = line.encode("ascii", "replace").decode("ascii")
        safe = safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        move = "72 770 Td" if number == 0 else "0 -20 Td"
        text.append(f"{move} ({safe}) Tj")
    content = ("BT /F1 13 Tf " + " ".join(text) + " ET").encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def docx_bytes(paragraphs: list[str]) -> bytes:
    """Return a minimal Word (.docx) document with the paragraphs (any script)."""
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>"
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
    return out.getvalue()


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    """Return an Excel (.xlsx) workbook with one sheet holding the rows."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]]) -> bytes:
    """Return a UTF-8 CSV file (with the byte-order mark Excel needs for Chinese)."""
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


# The libraries --------------------------------------------------------------------------------

MINUTES = [
    "Working group 1 - kick-off meeting, 18 March 2021 (online)",
    "Present: co-chairs, 14 members from Europe and China",
    "1. Terms of reference adopted",
    "2. Priorities: citizen empowerment, workforce training, sustainability",
    "3. Next meeting: June 2021, 10:00 Brussels / 16:00 Beijing",
]

#: group code → folders → documents; a document is (title, tags, visibility, versions) and a
#: version is (e-mail of the uploader, file name, content, days after month 1, comment).
LIBRARIES: dict[str, list[tuple[str | None, list[tuple]]]] = {
    "WG1": [
        (
            "会议纪要 Meeting minutes",
            [
                (
                    "Kick-off meeting minutes",
                    ["minutes", "会议纪要", "2021"],
                    Visibility.GROUP,
                    [
                        (
                            "wang.lei@ic2permed.example",
                            "会议纪要（草稿）.pdf",
                            pdf_bytes([*MINUTES, "DRAFT for comment"]),
                            445,
                            "",
                        ),
                        (
                            "wang.lei@ic2permed.example",
                            "会议纪要（终稿）.pdf",
                            pdf_bytes([*MINUTES, "Approved on 2 April 2021"]),
                            458,
                            "Final version after comments 终稿",
                        ),
                    ],
                ),
            ],
        ),
        (
            "Background reading",
            [
                (
                    "ICPerMed Action Plan - summary of the 30 activities",
                    ["ICPerMed", "action plan"],
                    Visibility.CONSORTIUM,
                    [
                        (
                            "anna.schmidt@ic2permed.example",
                            "ICPerMed Action Plan summary.pdf",
                            pdf_bytes(
                                [
                                    "ICPerMed Action Plan (March 2017)",
                                    "22 research and 8 support activities",
                                    "Five challenge areas: awareness to sustainable healthcare",
                                ]
                            ),
                            430,
                            "",
                        ),
                    ],
                ),
                (
                    "Health literacy survey - results by country",
                    ["survey", "health literacy", "健康素养"],
                    Visibility.GROUP,
                    [
                        (
                            "claire.martin@ic2permed.example",
                            "Health literacy survey.xlsx",
                            xlsx_bytes(
                                [
                                    ["Country", "Respondents", "Adequate literacy (%)"],
                                    ["France", 312, 58],
                                    ["Italy", 287, 52],
                                ]
                            ),
                            520,
                            "",
                        ),
                        (
                            "zhang.wei@ic2permed.example",
                            "Health literacy survey.xlsx",
                            xlsx_bytes(
                                [
                                    ["Country", "Respondents", "Adequate literacy (%)"],
                                    ["France", 312, 58],
                                    ["Italy", 287, 52],
                                    ["China 中国", 1204, 23],
                                ]
                            ),
                            534,
                            "Added the Chinese results",
                        ),
                        (
                            "claire.martin@ic2permed.example",
                            "Health literacy survey (final).xlsx",
                            xlsx_bytes(
                                [
                                    ["Country", "Respondents", "Adequate literacy (%)"],
                                    ["France", 312, 58],
                                    ["Italy", 287, 52],
                                    ["Germany", 298, 55],
                                    ["China 中国", 1204, 23],
                                ]
                            ),
                            548,
                            "Germany added; checked totals",
                        ),
                    ],
                ),
            ],
        ),
        (
            None,
            [
                (
                    "Terms of reference of working group 1",
                    ["governance"],
                    Visibility.GROUP,
                    [
                        (
                            "anna.schmidt@ic2permed.example",
                            "WG1 terms of reference.docx",
                            docx_bytes(["Terms of reference", "Draft for the kick-off meeting"]),
                            420,
                            "",
                        ),
                        (
                            "anna.schmidt@ic2permed.example",
                            "WG1 terms of reference.docx",
                            docx_bytes(
                                ["Terms of reference", "Adopted on 18 March 2021", "工作组职责范围"]
                            ),
                            446,
                            "Adopted at the kick-off",
                        ),
                    ],
                ),
            ],
        ),
    ],
    "WG2": [
        (
            "市场准入 Market access",
            [
                (
                    "Reimbursement pathways in the EU and China",
                    ["reimbursement", "market access", "医保"],
                    Visibility.GROUP,
                    [
                        (
                            "lars.jensen@ic2permed.example",
                            "Reimbursement pathways.xlsx",
                            xlsx_bytes(
                                [
                                    ["Step", "EU", "China"],
                                    ["HTA", "National agencies", "NHSA review"],
                                ]
                            ),
                            500,
                            "",
                        ),
                        (
                            "chen.jing@ic2permed.example",
                            "Reimbursement pathways.xlsx",
                            xlsx_bytes(
                                [
                                    ["Step", "EU", "China"],
                                    ["HTA", "National agencies", "NHSA review"],
                                    ["Listing", "Per member state", "国家医保药品目录"],
                                ]
                            ),
                            515,
                            "Added the national list (NRDL) step",
                        ),
                    ],
                ),
                (
                    "国家医保药品目录调整流程",
                    ["医保", "NRDL"],
                    Visibility.CONSORTIUM,
                    [
                        (
                            "chen.jing@ic2permed.example",
                            "医保目录调整流程.pdf",
                            pdf_bytes(
                                [
                                    "National Reimbursement Drug List (NRDL)",
                                    "Annual adjustment: application, expert review, negotiation",
                                ]
                            ),
                            540,
                            "",
                        ),
                    ],
                ),
            ],
        ),
        (
            None,
            [
                (
                    "Big data and ICT glossary (English-Chinese)",
                    ["glossary", "big data", "术语表"],
                    Visibility.GROUP,
                    [
                        (
                            "zhang.wei@ic2permed.example",
                            "大数据术语表.csv",
                            csv_bytes(
                                [
                                    ["English", "中文"],
                                    ["real-world data", "真实世界数据"],
                                    ["electronic health record", "电子健康档案"],
                                ]
                            ),
                            560,
                            "",
                        ),
                    ],
                ),
            ],
        ),
    ],
    "WG3": [
        (
            "生物样本库 Biobanks",
            [
                (
                    "Biobank standards in Europe and China - comparison",
                    ["biobank", "standards", "生物样本库"],
                    Visibility.GROUP,
                    [
                        (
                            "elena.garcia@ic2permed.example",
                            "Biobank standards comparison.docx",
                            docx_bytes(
                                ["ISO 20387 and the Chinese national standards", "First draft"]
                            ),
                            600,
                            "",
                        ),
                        (
                            "huang.yan@ic2permed.example",
                            "Biobank standards comparison.docx",
                            docx_bytes(
                                [
                                    "ISO 20387 and the Chinese national standards",
                                    "With the GB/T 37864 mapping",
                                    "生物样本库标准对照",
                                ]
                            ),
                            612,
                            "Added the GB/T mapping",
                        ),
                    ],
                ),
            ],
        ),
        (
            "Scoping paper",
            [
                (
                    "Scoping paper: health research and innovation priorities in Europe and China",
                    ["scoping paper", "priorities", "2021"],
                    Visibility.CONSORTIUM,
                    [
                        (
                            "zhao.min@ic2permed.example",
                            "Scoping paper v1.pdf",
                            pdf_bytes(["Scoping paper - first draft", "Omics, data, standards"]),
                            640,
                            "",
                        ),
                        (
                            "elena.garcia@ic2permed.example",
                            "Scoping paper v2.pdf",
                            pdf_bytes(["Scoping paper - second draft", "Comments of WG3 included"]),
                            655,
                            "WG3 comments included",
                        ),
                        (
                            "zhao.min@ic2permed.example",
                            "范围界定文件（终稿）.pdf",
                            pdf_bytes(["Scoping paper - final", "November 2021"]),
                            680,
                            "Final, as published in November 2021",
                        ),
                    ],
                ),
                (
                    "Notes on joint calls",
                    ["funding", "joint calls"],
                    Visibility.GROUP,
                    [
                        (
                            "tomas.novak@ic2permed.example",
                            "joint-calls-notes.md",
                            "# Joint calls\n\n- EU–China co-funding\n- 联合资助\n".encode(),
                            700,
                            "",
                        ),
                    ],
                ),
            ],
        ),
    ],
}


def _when(start: date, days: int) -> datetime:
    return datetime(start.year, start.month, start.day, 9, 30, tzinfo=UTC) + timedelta(days)


def load_demo(
    project: Any, groups_by_code: dict[str, WorkingGroup], users_by_email: dict[str, User]
) -> list[Document]:
    """Add the demo folders and documents of each demo group (the caller commits)."""
    start = getattr(project, "start_on", None) or date(2020, 1, 1)
    storage = get_storage()
    documents: list[Document] = []
    for code, folders in LIBRARIES.items():
        group = groups_by_code.get(code)
        if group is None:
            continue
        for folder_name, specs in folders:
            folder = None
            if folder_name:
                first_uploader = users_by_email.get(specs[0][3][0][0])
                folder = Folder(group=group, name=folder_name, created_by=first_uploader)
                db.session.add(folder)
            for title, tags, visibility, versions in specs:
                creator = users_by_email.get(versions[0][0])
                first_at = _when(start, versions[0][3])
                document = Document(
                    group=group,
                    folder=folder,
                    title=title,
                    description="",
                    tags=tags_value(tags),
                    visibility=visibility,
                    created_by=creator,
                    created_at=first_at,
                    updated_at=_when(start, versions[-1][3]),
                )
                db.session.add(document)
                for number, (email, filename, content, days, comment) in enumerate(versions, 1):
                    name = clean_filename(filename)
                    stream = io.BytesIO(content)
                    file_type = identify(stream, name)
                    stored = storage.save(stream)
                    db.session.add(
                        DocumentVersion(
                            document=document,
                            number=number,
                            filename=name,
                            content_type=file_type.content_type,
                            size=stored.size,
                            sha256=stored.sha256,
                            storage_key=stored.key,
                            uploaded_by=users_by_email.get(email),
                            uploaded_at=_when(start, days),
                            comment=comment,
                        )
                    )
                documents.append(document)
    return documents
