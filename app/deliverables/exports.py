"""The deliverables table as CSV and XLSX, in the reader's language, for the EU periodic report.

Both are written row by row (CSV streamed as it is produced, XLSX by openpyxl's write-only
mode into a temporary file that is then streamed), so an export never holds the whole table
in memory.

Formula safety: a spreadsheet treats a cell that begins with `=`, `+`, `-` or `@` (and, in
some programs, a tab or a carriage return) as a formula. Every such text cell of the CSV is
prefixed with a single quote; in the XLSX every text cell is stored as text (never as a
formula) and such cells also carry Excel's "quote prefix" so editing them keeps them text.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO, Any

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.deliverables.models import Deliverable

#: The characters a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: The export's columns: (key, heading). Headings are translated when the export is written.
COLUMNS = (
    ("code", _l("Code")),
    ("title", _l("Title")),
    ("group", _l("Working group")),
    ("work_package", _l("Work package")),
    ("type", _l("Type")),
    ("dissemination", _l("Dissemination level")),
    ("due_month", _l("Due month")),
    ("due_on", _l("Due date")),
    ("status", _l("Status")),
    ("days_overdue", _l("Days overdue")),
    ("responsible", _l("Responsible person")),
    ("lead_organisation", _l("Lead beneficiary")),
    ("submitted_at", _l("Submitted on")),
    ("approved_at", _l("Approved on")),
)


def is_dangerous(value: str) -> bool:
    """Return True if a spreadsheet could read the text as a formula."""
    return value.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """Return a text cell a spreadsheet cannot read as a formula (other values as they are)."""
    if isinstance(value, str) and is_dangerous(value):
        return "'" + value
    return value


def _local_date(value: datetime | None) -> date | None:
    """Return the day a timestamp fell on in the reader's zone."""
    if value is None:
        return None
    return value.astimezone(get_timezone()).date()


def row_values(deliverable: Deliverable, today: date) -> list[Any]:
    """Return one deliverable's cells, in the reader's language, in the order of COLUMNS."""
    overdue = deliverable.status.is_open and deliverable.due_on < today
    responsible = deliverable.responsible
    organisation = deliverable.lead_organisation
    return [
        deliverable.code,
        deliverable.title,
        deliverable.group.code,
        deliverable.work_package,
        deliverable.type.value,
        deliverable.dissemination.value,
        f"M{deliverable.due_month}",
        deliverable.due_on,
        deliverable.status.label,
        (today - deliverable.due_on).days if overdue else None,
        responsible.display_name if responsible else "",
        organisation.name if organisation else "",
        _local_date(deliverable.submitted_at),
        _local_date(deliverable.approved_at),
    ]


def headings() -> list[str]:
    return [str(label) for _key, label in COLUMNS]


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(neutralise(value))


def csv_chunks(deliverables: Iterable[Deliverable], today: date) -> Iterator[str]:
    """Yield the CSV a line at a time, starting with a byte-order mark (for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_text(value) for value in values])
        return buffer.getvalue()

    yield "\ufeff" + line(headings())
    for deliverable in deliverables:
        yield line(row_values(deliverable, today))


def _xlsx_cell(sheet: Any, value: Any, *, bold: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, even when it begins with "=": never a formula
        if is_dangerous(value):
            cell.quotePrefix = True
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if bold is not None:
        cell.font = bold
    return cell


def xlsx_file(deliverables: Iterable[Deliverable], today: date, sheet_title: str) -> IO[bytes]:
    """Write the XLSX workbook into a temporary file and return it, rewound."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.freeze_panes = "A2"
    widths = (10, 60, 10, 12, 8, 12, 10, 12, 14, 12, 28, 40, 14, 14)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    sheet.append([_xlsx_cell(sheet, text, bold=bold) for text in headings()])
    for deliverable in deliverables:
        sheet.append([_xlsx_cell(sheet, value) for value in row_values(deliverable, today)])
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook.save(output)
    output.seek(0)
    return output
