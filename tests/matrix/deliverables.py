"""Access-matrix rows of the deliverables pages (see tests/access.py)."""

from __future__ import annotations

from datetime import date

from app.core.project import Project, get_project
from app.deliverables.models import Deliverable, DeliverableStatus, Milestone
from app.extensions import db
from tests.access import Row, group_private, statuses

#: Coordinators and administrators only (the consortium-wide pages).
TRACKERS = statuses(302, 302, 403, 403, 403, 403, 200, 200)
#: The group's leads, coordinators and administrators; 404 outside the group.
MANAGERS = statuses(302, 302, 403, 404, 403, 200, 200, 200)


def _base(w) -> str:
    return f"/groups/{w.group.slug}/deliverables"


def _deliverable(w, name: str) -> str:
    return f"{_base(w)}/{w.extra[name].id}"


ROWS: dict[tuple[str, str], Row] = {
    ("deliverables.dashboard", "GET"): Row(TRACKERS, lambda w: "/deliverables/"),
    ("deliverables.export_csv", "GET"): Row(TRACKERS, lambda w: "/deliverables/export.csv"),
    ("deliverables.export_xlsx", "GET"): Row(TRACKERS, lambda w: "/deliverables/export.xlsx"),
    ("deliverables.timeline_view", "GET"): Row(TRACKERS, lambda w: "/deliverables/timeline"),
    ("deliverables.group_index", "GET"): Row(group_private(200), lambda w: f"{_base(w)}/"),
    ("deliverables.group_export_csv", "GET"): Row(
        group_private(200), lambda w: f"{_base(w)}/export.csv"
    ),
    ("deliverables.group_export_xlsx", "GET"): Row(
        group_private(200), lambda w: f"{_base(w)}/export.xlsx"
    ),
    ("deliverables.group_timeline", "GET"): Row(
        group_private(200), lambda w: f"{_base(w)}/timeline"
    ),
    ("deliverables.create", "GET"): Row(MANAGERS, lambda w: f"{_base(w)}/new"),
    # An empty form: re-rendered with its errors for those allowed, nothing created.
    ("deliverables.create", "POST"): Row(MANAGERS, lambda w: f"{_base(w)}/new"),
    ("deliverables.detail", "GET"): Row(
        group_private(200), lambda w: _deliverable(w, "deliverable")
    ),
    ("deliverables.edit", "GET"): Row(MANAGERS, lambda w: f"{_deliverable(w, 'deliverable')}/edit"),
    ("deliverables.edit", "POST"): Row(
        MANAGERS, lambda w: f"{_deliverable(w, 'deliverable')}/edit"
    ),
    # "moving" is planned and the member is responsible for it: the member moves it to
    # "in progress" (302); after that the same request is a step that no longer exists, which
    # the page says (200) to the lead, the coordinator and the administrator.
    ("deliverables.move", "POST"): Row(
        statuses(302, 302, 302, 404, 403, 200, 200, 200),
        lambda w: f"{_deliverable(w, 'moving')}/move",
        lambda w: {"to": "in_progress"},
    ),
    # "reviewing" is submitted: the coordinator approves it (302); the administrator then
    # finds it approved already (200).
    ("deliverables.review", "POST"): Row(
        statuses(302, 302, 403, 404, 403, 403, 302, 200),
        lambda w: f"{_deliverable(w, 'reviewing')}/review",
        lambda w: {"decision": "approve"},
    ),
    ("deliverables.create_milestone", "GET"): Row(MANAGERS, lambda w: f"{_base(w)}/milestones/new"),
    ("deliverables.create_milestone", "POST"): Row(
        MANAGERS, lambda w: f"{_base(w)}/milestones/new"
    ),
    ("deliverables.edit_milestone", "GET"): Row(
        MANAGERS, lambda w: f"{_base(w)}/milestones/{w.extra['milestone'].id}/edit"
    ),
    ("deliverables.edit_milestone", "POST"): Row(
        MANAGERS, lambda w: f"{_base(w)}/milestones/{w.extra['milestone'].id}/edit"
    ),
}


def _deliverable_in(group, code: str, status: DeliverableStatus, responsible=None) -> Deliverable:
    deliverable = Deliverable(
        group=group,
        code=code,
        title_en=f"Matrix deliverable {code}",
        work_package="WP8",
        due_month=12,
        due_on=date(2020, 12, 31),
        status=status,
        responsible=responsible,
    )
    db.session.add(deliverable)
    return deliverable


def build(world, factories) -> None:
    """Create the project, the deliverables the rows act on, and a milestone."""
    if get_project() is None:
        db.session.add(Project(name="IC2PerMed", start_on=date(2020, 1, 1), duration_months=48))
    member = world.users["member"]
    world.extra["deliverable"] = _deliverable_in(world.group, "D8.1", DeliverableStatus.PLANNED)
    world.extra["moving"] = _deliverable_in(
        world.group, "D8.2", DeliverableStatus.PLANNED, responsible=member
    )
    world.extra["reviewing"] = _deliverable_in(world.group, "D8.3", DeliverableStatus.SUBMITTED)
    milestone = Milestone(
        group=world.group,
        code="MS80",
        title_en="Matrix milestone",
        due_month=6,
        due_on=date(2020, 6, 30),
    )
    db.session.add(milestone)
    world.extra["milestone"] = milestone
    db.session.commit()
