"""The timeline: deliverables and milestones laid out over the project's months, as SVG.

The layout (positions, colours, labels) is computed here; the template
`deliverables/_timeline_svg.html` only draws it, with SVG presentation attributes (no style
attributes: the Content Security Policy forbids them), so the drawing works without
JavaScript and prints as it shows.

One row per item, grouped by working group, in due-date order. A deliverable is a circle and
a milestone a diamond at its due date; a late one is red, with a red bar from its due date to
today; approved deliverables and achieved milestones are green, submitted ones blue, returned
ones orange, the others white. A dashed line marks today; the months run on to today's while
anything is still open and until the final report is due (60 days after the last month), so a
project whose work runs past its last due month never loses its "today".
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext

from app.core.formats import format_day
from app.core.project import Project
from app.deliverables import months
from app.deliverables.models import Deliverable, DeliverableStatus, Milestone
from app.deliverables.services import natural_key

LABEL_WIDTH = 270
CHART_WIDTH = 810
ROW_HEIGHT = 24
HEADER_HEIGHT = 46
FOOTER_HEIGHT = 22
#: How much of a label fits before it is cut (a Latin letter counts 1, a Chinese character 2).
LABEL_UNITS = 42

#: Colours, shared with the legend: (fill, stroke).
COLOURS = {
    "approved": ("#198754", "#0f5132"),
    "submitted": ("#0d6efd", "#084298"),
    "returned": ("#fd7e14", "#984c0c"),
    "late": ("#dc3545", "#842029"),
    "open": ("#ffffff", "#495057"),
}
YEAR_COLOUR = "#adb5bd"

#: EU programmes want the report on a period within 60 days of its end.
REPORTING_DAYS = timedelta(days=60)
TODAY_COLOUR = "#b02a37"
LANE_FILL = "#f1f3f5"


@dataclass
class Mark:
    """One deliverable or milestone on its row."""

    kind: str  # "deliverable" or "milestone"
    code: str
    label: str
    y: float
    x: float
    state: str
    fill: str
    stroke: str
    #: The full title, and where the item stands (due date, status or lateness).
    title: str
    summary: str
    url: str | None = None
    #: Where the red "late" bar ends (today), for late items.
    late_until_x: float | None = None


@dataclass
class Lane:
    """The heading row of one working group."""

    y: float
    label: str


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Timeline:
    """Everything the SVG template draws."""

    width: int
    height: int
    chart_left: int
    chart_right: int
    chart_top: int
    month_width: float
    months: int
    month_lines: list[float] = field(default_factory=list)
    month_ticks: list[Tick] = field(default_factory=list)
    years: list[Tick] = field(default_factory=list)
    lanes: list[Lane] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    today_x: float | None = None
    today_label: str = ""
    #: The end of the project's last month, when items are due after it.
    end_x: float | None = None
    end_label: str = ""
    #: Set when today falls outside the drawn months.
    today_note: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.marks

    @property
    def chart_bottom(self) -> int:
        """Where the rows end (the "today" label sits below)."""
        return self.height - FOOTER_HEIGHT


def clip(text: str, units: int = LABEL_UNITS) -> str:
    """Cut a label to about `units` Latin letters (wide characters count double), with "…"."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if used > units:
            return text[:index].rstrip() + "…"
    return text


def _state_of_deliverable(deliverable: Deliverable, today: date) -> str:
    if deliverable.status.is_open and deliverable.due_on < today:
        return "late"
    return {
        DeliverableStatus.APPROVED: "approved",
        DeliverableStatus.SUBMITTED: "submitted",
        DeliverableStatus.RETURNED: "returned",
    }.get(deliverable.status, "open")


def _state_of_milestone(milestone: Milestone, today: date) -> str:
    if milestone.achieved_on is not None:
        return "approved"
    return "late" if milestone.due_on < today else "open"


def _late_text(due_on: date, today: date) -> str:
    days = (today - due_on).days
    return ngettext("late by %(num)d day", "late by %(num)d days", days)


def build(
    project: Project,
    deliverables: Iterable[Deliverable],
    milestones: Iterable[Milestone],
    *,
    today: date,
    deliverable_url,
) -> Timeline:
    """Lay out the items over the project's months (more, if something is due after its end)."""
    deliverables = list(deliverables)
    milestones = list(milestones)
    last_month = max(
        [project.duration_months]
        + [d.due_month for d in deliverables]
        + [m.due_month for m in milestones]
    )
    # The chart reaches today while the work runs: while anything is still open (a
    # coordinator chasing late items past the last due month must see where today is), and
    # until the final report is due, REPORTING_DAYS after the last month drawn.
    today_month = months.month_of(project.start_on, today)
    work_is_running = any(d.status.is_open for d in deliverables) or any(
        m.achieved_on is None for m in milestones
    )
    reporting_ends = months.due_date(project.start_on, last_month) + REPORTING_DAYS
    if today_month > last_month and (work_is_running or today <= reporting_ends):
        last_month = today_month
    month_width = CHART_WIDTH / last_month
    start = project.start_on
    left = LABEL_WIDTH
    top = HEADER_HEIGHT

    def x_of(day: date) -> float:
        month = months.month_of(start, day)
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        return round(left + (month - 1 + day.day / days_in_month) * month_width, 1)

    timeline = Timeline(
        width=LABEL_WIDTH + CHART_WIDTH + 16,
        height=0,
        chart_left=left,
        chart_right=left + CHART_WIDTH,
        chart_top=top,
        month_width=month_width,
        months=last_month,
        today_label=_("Today"),
    )
    for month in range(1, last_month + 1):
        x = round(left + (month - 1) * month_width, 1)
        timeline.month_lines.append(x)
        if month == 1 or month % 6 == 0:
            timeline.month_ticks.append(Tick(round(x + month_width / 2, 1), f"M{month}"))
        first = months.first_day_of_month(start, month)
        if month == 1 or first.month == 1:
            timeline.years.append(Tick(x, str(first.year)))

    if last_month > project.duration_months:
        timeline.end_x = round(left + project.duration_months * month_width, 1)
        timeline.end_label = _("End of the project (M%(month)d)", month=project.duration_months)

    if 1 <= today_month <= last_month:
        timeline.today_x = x_of(today)
    elif today_month < 1:
        timeline.today_note = _("The project has not begun yet.")
    else:
        timeline.today_note = _("Today is after the last month shown.")
    late_end = timeline.today_x if timeline.today_x is not None else float(left + CHART_WIDTH)

    rows: dict[str, list[tuple[date, int, Mark]]] = {}
    group_names: dict[str, str] = {}
    for deliverable in deliverables:
        state = _state_of_deliverable(deliverable, today)
        fill, stroke = COLOURS[state]
        summary = _(
            "due %(date)s (%(month)s) · %(status)s",
            date=format_day(deliverable.due_on),
            month=deliverable.month_label,
            status=deliverable.status.label,
        )
        if state == "late":
            summary = _(
                "%(summary)s · %(late)s",
                summary=summary,
                late=_late_text(deliverable.due_on, today),
            )
        mark = Mark(
            kind="deliverable",
            code=deliverable.code,
            label=clip(f"{deliverable.code} {deliverable.title}"),
            y=0,
            x=x_of(deliverable.due_on),
            state=state,
            fill=fill,
            stroke=stroke,
            title=deliverable.title,
            summary=summary,
            url=deliverable_url(deliverable),
            late_until_x=late_end if state == "late" else None,
        )
        group = deliverable.group
        group_names[group.code] = f"{group.code} {group.name}"
        rows.setdefault(group.code, []).append((deliverable.due_on, 0, mark))
    for milestone in milestones:
        state = _state_of_milestone(milestone, today)
        fill, stroke = COLOURS[state]
        if milestone.achieved_on is not None:
            status = _("achieved on %(date)s", date=format_day(milestone.achieved_on))
        elif state == "late":
            status = _late_text(milestone.due_on, today)
        else:
            status = _("not reached yet")
        mark = Mark(
            kind="milestone",
            code=milestone.code,
            label=clip(f"{milestone.code} {milestone.title}"),
            y=0,
            x=x_of(milestone.due_on),
            state=state,
            fill=fill,
            stroke=stroke,
            title=milestone.title,
            summary=_(
                "due %(date)s (%(month)s) · %(status)s",
                date=format_day(milestone.due_on),
                month=milestone.month_label,
                status=status,
            ),
            late_until_x=late_end if state == "late" else None,
        )
        group = milestone.group
        group_names[group.code] = f"{group.code} {group.name}"
        rows.setdefault(group.code, []).append((milestone.due_on, 1, mark))

    y = float(top)
    for code in sorted(rows, key=natural_key):
        timeline.lanes.append(Lane(y=y, label=clip(group_names[code], LABEL_UNITS + 40)))
        y += ROW_HEIGHT
        for _due, _order, mark in sorted(
            rows[code], key=lambda r: (r[0], r[1], natural_key(r[2].code))
        ):
            mark.y = y
            timeline.marks.append(mark)
            y += ROW_HEIGHT
    timeline.height = int(y + FOOTER_HEIGHT)
    return timeline
