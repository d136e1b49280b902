"""Tracking deliverables and milestones: the filtered, sorted lists behind the dashboard, a
group's page and the exports, the tallies of what is late or due soon, and the timeline.

"Today" is the reader's today (see `app.deliverables.services.local_today`). A deliverable is
late (overdue) when it is still owed (planned, in progress, in review or returned) after its
due date; it is due soon when it is still owed and due within `DUE_SOON_DAYS` days.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload

from app.core.paging import paginate
from app.deliverables.models import OPEN_STATUSES, Deliverable, DeliverableStatus, Milestone
from app.deliverables.services import natural_key
from app.extensions import db
from app.groups.models import WorkingGroup

#: "Due soon" means due within this many days (the dashboard's "next 30 days").
DUE_SOON_DAYS = 30

#: Deliverables listed on one page of a table.
PER_PAGE = 50

#: Milestones listed on one page of a group's milestones.
MILESTONES_PER_PAGE = 50

#: Late or soon-due milestones listed on the coordinator dashboard at most.
DASHBOARD_MILESTONES = 20

#: Workflow order, for sorting by status.
STATUS_ORDER = {
    DeliverableStatus.PLANNED: 0,
    DeliverableStatus.IN_PROGRESS: 1,
    DeliverableStatus.IN_REVIEW: 2,
    DeliverableStatus.RETURNED: 3,
    DeliverableStatus.SUBMITTED: 4,
    DeliverableStatus.APPROVED: 5,
}


# Tracking (dashboard, group page, exports) -------------------------------------------------------


class DeliverableState(enum.StrEnum):
    """The dashboard's filter on how a deliverable stands against its due date."""

    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    OPEN = "open"
    DONE = "done"


class DeliverableSort(enum.StrEnum):
    """The orders the deliverables table can be read in."""

    DUE = "due"
    DUE_DESC = "due_desc"
    CODE = "code"
    STATUS = "status"
    GROUP = "group"


@dataclass(frozen=True)
class Filters:
    """What the deliverables table is narrowed to, and its order."""

    group_id: int | None = None
    work_package: str | None = None
    status: DeliverableStatus | None = None
    state: DeliverableState | None = None
    sort: DeliverableSort = DeliverableSort.DUE


def _is_open() -> sa.ColumnElement[bool]:
    return Deliverable.status.in_(sorted(OPEN_STATUSES))


def _is_overdue(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(_is_open(), Deliverable.due_on < today)


def _is_due_soon(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        _is_open(),
        Deliverable.due_on >= today,
        Deliverable.due_on <= today + timedelta(days=DUE_SOON_DAYS),
    )


def _code_order(column: Any) -> tuple:
    """Order codes of one pattern naturally: shorter first, then alphabetically."""
    return (sa.func.length(column), column)


def _status_order() -> sa.Case:
    return sa.case(
        {status: position for status, position in STATUS_ORDER.items()},
        value=Deliverable.status,
        else_=len(STATUS_ORDER),
    )


def deliverables_query(
    filters: Filters, *, today: date, group: WorkingGroup | None = None
) -> sa.Select:
    """Return the query of the deliverables a table shows (one group's, or every group's)."""
    query = (
        sa.select(Deliverable)
        .join(WorkingGroup, Deliverable.group_id == WorkingGroup.id)
        .options(
            joinedload(Deliverable.group),
            joinedload(Deliverable.responsible),
            joinedload(Deliverable.lead_organisation),
        )
    )
    if group is not None:
        query = query.where(Deliverable.group_id == group.id)
    elif filters.group_id is not None:
        query = query.where(Deliverable.group_id == filters.group_id)
    if filters.work_package:
        query = query.where(Deliverable.work_package == filters.work_package)
    if filters.status is not None:
        query = query.where(Deliverable.status == filters.status)
    if filters.state == DeliverableState.OVERDUE:
        query = query.where(_is_overdue(today))
    elif filters.state == DeliverableState.DUE_SOON:
        query = query.where(_is_due_soon(today))
    elif filters.state == DeliverableState.OPEN:
        query = query.where(_is_open())
    elif filters.state == DeliverableState.DONE:
        query = query.where(~_is_open())
    by_code = (*_code_order(Deliverable.work_package), *_code_order(Deliverable.code))
    order = {
        DeliverableSort.DUE: (Deliverable.due_on, *by_code),
        DeliverableSort.DUE_DESC: (Deliverable.due_on.desc(), *by_code),
        DeliverableSort.CODE: by_code,
        DeliverableSort.STATUS: (_status_order(), Deliverable.due_on, *by_code),
        DeliverableSort.GROUP: (WorkingGroup.code, Deliverable.due_on, *by_code),
    }[filters.sort]
    return query.order_by(*order, Deliverable.id)


def list_deliverables(
    filters: Filters,
    *,
    today: date,
    group: WorkingGroup | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Pagination:
    """Return one page of the deliverables table (two queries: the count and the page)."""
    query = deliverables_query(filters, today=today, group=group)
    return paginate(query, page=page, per_page=per_page)


def iter_deliverables(
    filters: Filters, *, today: date, group: WorkingGroup | None = None
) -> Iterator[Deliverable]:
    """Yield every deliverable of the table, in its order, a batch at a time (for exports)."""
    query = deliverables_query(filters, today=today, group=group).execution_options(yield_per=200)
    yield from db.session.scalars(query)


@dataclass
class Tally:
    """Counts of a set of deliverables: by status, late, due soon."""

    total: int = 0
    by_status: dict[DeliverableStatus, int] = field(
        default_factory=lambda: dict.fromkeys(DeliverableStatus, 0)
    )
    overdue: int = 0
    due_soon: int = 0
    #: The earliest due date among the late ones (how late the latest-running one is).
    oldest_overdue_on: date | None = None

    def add(self, status: DeliverableStatus, count: int, overdue: int, due_soon: int, oldest):
        self.total += count
        self.by_status[status] += count
        self.overdue += overdue
        self.due_soon += due_soon
        if oldest is not None and (
            self.oldest_overdue_on is None or oldest < self.oldest_overdue_on
        ):
            self.oldest_overdue_on = oldest

    @property
    def open(self) -> int:
        return sum(self.by_status[status] for status in OPEN_STATUSES)

    def max_days_overdue(self, today: date) -> int:
        return (today - self.oldest_overdue_on).days if self.oldest_overdue_on else 0


@dataclass
class Summary:
    """The dashboard's counts: overall, per working group and per work package."""

    overall: Tally
    by_group: list[tuple[WorkingGroup, Tally]]
    by_work_package: list[tuple[str, Tally]]


def summarise(*, today: date, group: WorkingGroup | None = None) -> Summary:
    """Count deliverables by status, late and due soon, per group and per work package.

    Two queries whatever the number of deliverables: the grouped counts, and the groups.
    """
    overdue = _is_overdue(today)
    query = sa.select(
        Deliverable.group_id,
        Deliverable.work_package,
        Deliverable.status,
        sa.func.count(),
        sa.func.sum(sa.case((overdue, 1), else_=0)),
        sa.func.sum(sa.case((_is_due_soon(today), 1), else_=0)),
        sa.func.min(sa.case((overdue, Deliverable.due_on), else_=None)),
    ).group_by(Deliverable.group_id, Deliverable.work_package, Deliverable.status)
    if group is not None:
        query = query.where(Deliverable.group_id == group.id)
    overall = Tally()
    groups: dict[int, Tally] = defaultdict(Tally)
    packages: dict[str, Tally] = defaultdict(Tally)
    for group_id, package, status, count, late, soon, oldest in db.session.execute(query):
        values = (DeliverableStatus(status), count, late or 0, soon or 0, oldest)
        overall.add(*values)
        groups[group_id].add(*values)
        packages[package].add(*values)
    named = db.session.scalars(sa.select(WorkingGroup).where(WorkingGroup.id.in_(list(groups))))
    by_group = sorted(
        ((g, groups[g.id]) for g in named), key=lambda pair: natural_key(pair[0].code)
    )
    by_package = sorted(packages.items(), key=lambda pair: natural_key(pair[0]))
    return Summary(overall=overall, by_group=by_group, by_work_package=by_package)


@dataclass
class MilestoneTally:
    """Counts of a set of milestones."""

    total: int = 0
    achieved: int = 0
    late: int = 0
    due_soon: int = 0


def _milestone_late(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(Milestone.achieved_on.is_(None), Milestone.due_on < today)


def _milestone_due_soon(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        Milestone.achieved_on.is_(None),
        Milestone.due_on >= today,
        Milestone.due_on <= today + timedelta(days=DUE_SOON_DAYS),
    )


def tally_milestones(*, today: date, group: WorkingGroup | None = None) -> MilestoneTally:
    """Count milestones: all, achieved, late, due soon (one query)."""
    query = sa.select(
        sa.func.count(Milestone.id),
        sa.func.sum(sa.case((Milestone.achieved_on.is_not(None), 1), else_=0)),
        sa.func.sum(sa.case((_milestone_late(today), 1), else_=0)),
        sa.func.sum(sa.case((_milestone_due_soon(today), 1), else_=0)),
    )
    if group is not None:
        query = query.where(Milestone.group_id == group.id)
    total, achieved, late, soon = db.session.execute(query).one()
    return MilestoneTally(total or 0, achieved or 0, late or 0, soon or 0)


def pressing_milestones(*, today: date, limit: int = DASHBOARD_MILESTONES) -> list[Milestone]:
    """Return the milestones not reached that are late or due soon, earliest first."""
    query = (
        sa.select(Milestone)
        .where(sa.or_(_milestone_late(today), _milestone_due_soon(today)))
        .options(joinedload(Milestone.group))
        .order_by(Milestone.due_on, *_code_order(Milestone.code), Milestone.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def milestones_page(group: WorkingGroup, *, page: int = 1) -> Pagination:
    """Return one page of a group's milestones, by due date."""
    query = (
        sa.select(Milestone)
        .where(Milestone.group_id == group.id)
        .order_by(Milestone.due_on, *_code_order(Milestone.code), Milestone.id)
    )
    return paginate(query, page=page, per_page=MILESTONES_PER_PAGE)


def timeline_items(
    *, group: WorkingGroup | None = None
) -> tuple[list[Deliverable], list[Milestone]]:
    """Return every deliverable and milestone (of one group, or all) for the timeline."""
    deliverables = sa.select(Deliverable).options(selectinload(Deliverable.group))
    milestones = sa.select(Milestone).options(selectinload(Milestone.group))
    if group is not None:
        deliverables = deliverables.where(Deliverable.group_id == group.id)
        milestones = milestones.where(Milestone.group_id == group.id)
    return (
        list(db.session.scalars(deliverables.order_by(Deliverable.due_on, Deliverable.id))),
        list(db.session.scalars(milestones.order_by(Milestone.due_on, Milestone.id))),
    )
