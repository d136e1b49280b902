"""Project months: turning `M18` into a date and a date into its project month.

The EU convention, followed here:

- month 1 (M1) is the calendar month that holds the project's start date, whatever its day
  (a project starting on 15 January 2020 has M1 = January 2020, M2 = February 2020 …);
- a deliverable or milestone due in month *n* is due on the LAST day of month *n*
  (M18 of a project starting in January 2020 is due on 30 June 2021);
- the other way round, a date belongs to the project month that holds it, so any date of
  June 2021 is in M18. A date before M1 has no project month.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

#: The largest project month anyone may type: 20 years, far beyond any grant and its extensions.
MAX_MONTH = 240

_MONTH_RE = re.compile(r"^\s*[Mm]?\s*(\d{1,4})\s*$")


def first_day_of_month(start_on: date, month: int) -> date:
    """Return the first day of project month `month` of a project that started on `start_on`."""
    if month < 1:
        raise ValueError("project months start at 1")
    index = start_on.year * 12 + (start_on.month - 1) + (month - 1)
    return date(index // 12, index % 12 + 1, 1)


def due_date(start_on: date, month: int) -> date:
    """Return the date something due in project month `month` is due: that month's last day."""
    first = first_day_of_month(start_on, month)
    return date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])


def month_of(start_on: date, day: date) -> int:
    """Return the project month that holds `day` (0 or less when `day` is before M1)."""
    return (day.year - start_on.year) * 12 + (day.month - start_on.month) + 1


def parse_month(text: str) -> int | None:
    """Return the month number of `M18`, `m18` or `18`, or None if `text` is not a month."""
    match = _MONTH_RE.match(text or "")
    return int(match.group(1)) if match else None


def month_label(month: int) -> str:
    """Return the short label of a project month, e.g. `M18` (the same in every language)."""
    return f"M{month}"
