"""Deliverables and milestones: reading, creating, editing and the workflow.

Every function that changes something writes its audit event and commits once. Who may ask
for a change lives in `app.permissions`; what the data allows (unique codes, due dates inside
the project, the workflow's transitions, edits from stale forms) lives here.

"Today" is the reader's today: the date in the reader's time zone on a page, and in the
portal's default zone (`PORTAL_DEFAULT_TIMEZONE`) on the command line. Tracking (the lists
and tallies behind the dashboard, a group's page and the exports) lives in
`app.deliverables.tracking`.

The document library: submitting names the document version handed in, which must be a
version of one of the group's documents that is not in the trash (the library's
`get_version_for_group` decides); `submittable_versions` lists what the form offers. The
library asks the purge guard `version_is_protected` (the application factory adds it) before
purging a version from its trash: a version submitted once is kept for good.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import get_timezone
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from app.auth.models import User
from app.core import audit
from app.core.database import commit_versioned, expect_version, utcnow
from app.core.errors import FieldErrors, ServiceError, StaleEdit
from app.core.project import Project, get_project
from app.deliverables import months
from app.deliverables.models import (
    Deliverable,
    DeliverableEvent,
    DeliverableStatus,
    DeliverableType,
    Dissemination,
    Milestone,
)
from app.documents.models import Document, DocumentVersion
from app.documents.services import get_version_for_group
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup
from app.organisations.models import Organisation

#: The steps a group takes, from each status (leads, the responsible person, coordinators).
PROGRESS_STEPS = {
    DeliverableStatus.PLANNED: DeliverableStatus.IN_PROGRESS,
    DeliverableStatus.IN_PROGRESS: DeliverableStatus.IN_REVIEW,
    DeliverableStatus.IN_REVIEW: DeliverableStatus.SUBMITTED,
    DeliverableStatus.RETURNED: DeliverableStatus.IN_PROGRESS,
}

#: The decisions on a submitted deliverable (coordinators and administrators).
REVIEW_DECISIONS = frozenset({DeliverableStatus.APPROVED, DeliverableStatus.RETURNED})

#: Every allowed change of status, as (from, to).
TRANSITIONS = frozenset(
    {*PROGRESS_STEPS.items()}
    | {(DeliverableStatus.SUBMITTED, decision) for decision in REVIEW_DECISIONS}
)

DELIVERABLE_CODE_RE = re.compile(r"^D\d{1,3}(\.\d{1,3}){1,2}$")
MILESTONE_CODE_RE = re.compile(r"^MS\d{1,3}$")
WORK_PACKAGE_RE = re.compile(r"^WP\d{1,3}$")

#: The fields of a deliverable its form fills in.
DELIVERABLE_FIELDS = (
    "code",
    "title_en",
    "title_zh",
    "description",
    "work_package",
    "responsible_id",
    "lead_organisation_id",
    "type",
    "dissemination",
    "due",
)

#: The fields of a milestone its form fills in.
MILESTONE_FIELDS = ("code", "title_en", "title_zh", "due", "verification", "achieved_on")


# Dates ----------------------------------------------------------------------------------------


def local_today() -> date:
    """Return today's date in the reader's zone (or the portal's zone without a request)."""
    if has_request_context():
        zone = get_timezone()
    else:
        zone = ZoneInfo(current_app.config["PORTAL_DEFAULT_TIMEZONE"])
    return datetime.now(zone).date()


def due_text(month: int, due_on: date, start_on: date | None) -> str:
    """Return how a due date is typed in a form: `M18` when it is the month's end, else ISO."""
    if start_on is not None and due_on == months.due_date(start_on, month):
        return months.month_label(month)
    return due_on.isoformat()


def parse_due(text: str | None) -> int | date | None:
    """Return the project month (`M18`, `18`) or the date (`2021-06-30`) typed, else None."""
    month = months.parse_month(text or "")
    if month is not None:
        return month
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def resolve_due(project: Project | None, due: int | date) -> tuple[int, date]:
    """Return (project month, due date) for a month or a date; raise FieldErrors on `due`.

    A month gives its last day; a date gives the month that holds it.
    """
    if project is None:
        raise FieldErrors(
            {"due": _("The project's start date is not set: no due date can be worked out.")}
        )
    if isinstance(due, int):
        if not 1 <= due <= months.MAX_MONTH:
            raise FieldErrors(
                {"due": _("Give a project month from M1 to M%(max)d.", max=months.MAX_MONTH)}
            )
        return due, months.due_date(project.start_on, due)
    month = months.month_of(project.start_on, due)
    if month < 1:
        raise FieldErrors(
            {
                "due": _(
                    "This date is before the project's first month (M1 began on %(start)s).",
                    start=months.first_day_of_month(project.start_on, 1).isoformat(),
                )
            }
        )
    if month > months.MAX_MONTH:
        raise FieldErrors(
            {"due": _("Give a project month from M1 to M%(max)d.", max=months.MAX_MONTH)}
        )
    return month, due


def suggested_work_package(code: str) -> str | None:
    """Return the work package a deliverable code names by convention (D2.3 → WP2)."""
    match = re.match(r"^D(\d{1,3})\.", code or "")
    return f"WP{int(match.group(1))}" if match else None


# Reading ----------------------------------------------------------------------------------------


def get_deliverable(group: WorkingGroup, deliverable_id: int) -> Deliverable | None:
    """Return the group's deliverable with this id, or None (also for another group's)."""
    query = (
        sa.select(Deliverable)
        .where(Deliverable.id == deliverable_id, Deliverable.group_id == group.id)
        .options(
            joinedload(Deliverable.responsible),
            joinedload(Deliverable.lead_organisation),
            joinedload(Deliverable.submitted_version).joinedload(DocumentVersion.document),
        )
    )
    return db.session.scalars(query).first()


def get_milestone(group: WorkingGroup, milestone_id: int) -> Milestone | None:
    """Return the group's milestone with this id, or None (also for another group's)."""
    query = sa.select(Milestone).where(Milestone.id == milestone_id, Milestone.group_id == group.id)
    return db.session.scalars(query).first()


def history(deliverable: Deliverable) -> list[DeliverableEvent]:
    """Return the deliverable's events, oldest first, with who made each and the document."""
    query = (
        sa.select(DeliverableEvent)
        .where(DeliverableEvent.deliverable_id == deliverable.id)
        .options(
            joinedload(DeliverableEvent.actor),
            joinedload(DeliverableEvent.document_version).joinedload(DocumentVersion.document),
        )
        .order_by(DeliverableEvent.occurred_at, DeliverableEvent.id)
    )
    return list(db.session.scalars(query))


def responsible_candidates(group: WorkingGroup) -> list[User]:
    """Return who may answer for a group's deliverable: its active leads and members."""
    query = (
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.group_id == group.id,
            Membership.role.in_([GroupRole.LEAD, GroupRole.MEMBER]),
            User.is_active_account.is_(True),
            User.erased_at.is_(None),
        )
        .order_by(sa.func.lower(User.name), User.id)
    )
    return list(db.session.scalars(query))


def work_packages(group: WorkingGroup | None = None) -> list[str]:
    """Return the work packages in use (of one group, or of all), in their natural order."""
    query = sa.select(Deliverable.work_package).distinct()
    if group is not None:
        query = query.where(Deliverable.group_id == group.id)
    return sorted(db.session.scalars(query), key=natural_key)


def natural_key(text: str) -> tuple:
    """Return a key that sorts "WP10" after "WP9" and "D1.10" after "D1.9"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text or ""))


# Saving deliverables --------------------------------------------------------------------------


def _clean_text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _code_taken(model: type, code: str, exclude_id: int | None) -> bool:
    query = sa.select(model.id).where(sa.func.upper(model.code) == code.upper())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) is not None


def _deliverable_values(
    group: WorkingGroup, current: Deliverable | None, values: dict[str, Any]
) -> dict[str, Any]:
    """Check and normalise a deliverable's fields; raise FieldErrors listing every problem."""
    errors: dict[str, str] = {}
    code = (values.get("code") or "").strip().upper()
    if not DELIVERABLE_CODE_RE.match(code):
        errors["code"] = _("Use the grant agreement's code, e.g. D2.3.")
    elif _code_taken(Deliverable, code, current.id if current else None):
        errors["code"] = _("Another deliverable already has this code.")
    title_en = (values.get("title_en") or "").strip()
    if not title_en:
        errors["title_en"] = _("This field is required.")
    package = (values.get("work_package") or "").strip().upper() or suggested_work_package(code)
    if not package or not WORK_PACKAGE_RE.match(package):
        errors["work_package"] = _("Give the work package, e.g. WP2.")
    responsible_id = values.get("responsible_id")
    if responsible_id is not None and responsible_id != (current and current.responsible_id):
        allowed = {user.id for user in responsible_candidates(group)}
        if responsible_id not in allowed:
            errors["responsible_id"] = _("Choose a lead or member of this working group.")
    organisation_id = values.get("lead_organisation_id")
    if organisation_id is not None and db.session.get(Organisation, organisation_id) is None:
        errors["lead_organisation_id"] = _("Choose an organisation from the list.")
    due_month = due_on = None
    try:
        due_month, due_on = resolve_due(get_project(), values["due"])
    except FieldErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise FieldErrors(errors)
    return {
        "code": code,
        "title_en": title_en,
        "title_zh": _clean_text(values.get("title_zh")),
        "description": (values.get("description") or "").strip(),
        "work_package": package,
        "responsible_id": responsible_id,
        "lead_organisation_id": organisation_id,
        "type": DeliverableType(values["type"]),
        "dissemination": Dissemination(values["dissemination"]),
        "due_month": due_month,
        "due_on": due_on,
    }


def _commit_or_code_taken(message: str) -> None:
    """Commit, turning a unique-code race into the same field error as the check."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise FieldErrors({"code": message}) from exc


def create_deliverable(group: WorkingGroup, *, actor: User, **values: Any) -> Deliverable:
    """Add a deliverable to a group, planned; raise FieldErrors if a field is not right."""
    clean = _deliverable_values(group, None, values)
    deliverable = Deliverable(group=group, status=DeliverableStatus.PLANNED, **clean)
    db.session.add(deliverable)
    deliverable.events.append(
        DeliverableEvent(actor_id=actor.id, from_status=None, to_status=DeliverableStatus.PLANNED)
    )
    db.session.flush()
    audit.record(
        "deliverable.created",
        actor=actor,
        target=deliverable,
        group=group.code,
        code=deliverable.code,
        due_month=deliverable.due_month,
    )
    _commit_or_code_taken(_("Another deliverable already has this code."))
    return deliverable


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _apply(obj: Any, clean: dict[str, Any]) -> dict[str, list]:
    changes: dict[str, list] = {}
    for name, value in clean.items():
        old = getattr(obj, name)
        if old != value:
            changes[name] = [_jsonable(old), _jsonable(value)]
            setattr(obj, name, value)
    return changes


def _commit_edit(obj: Deliverable | Milestone, message: str) -> None:
    """Commit an edit; a concurrent save (version counter) raises StaleEdit."""
    try:
        commit_versioned(obj)
    except IntegrityError as exc:
        db.session.rollback()
        raise FieldErrors({"code": message}) from exc


def update_deliverable(
    deliverable: Deliverable, *, actor: User, expected_version: int | None, **values: Any
) -> dict[str, list]:
    """Save a deliverable's fields (not its status); return what changed as {field: [old, new]}.

    Raises StaleEdit if it was saved (or moved) since the form was loaded, and FieldErrors if
    a field is not right; in both cases nothing changes.
    """
    if expected_version is not None:
        expect_version(deliverable, expected_version)
    clean = _deliverable_values(deliverable.group, deliverable, values)
    with db.session.no_autoflush:  # the commit, guarded by the version counter, flushes
        changes = _apply(deliverable, clean)
        if not changes:
            db.session.rollback()
            return changes
        audit.record(
            "deliverable.updated",
            actor=actor,
            target=deliverable,
            code=deliverable.code,
            changes=changes,
        )
    _commit_edit(deliverable, _("Another deliverable already has this code."))
    return changes


# The workflow ---------------------------------------------------------------------------------


def next_step(deliverable: Deliverable) -> DeliverableStatus | None:
    """Return the status the group can move the deliverable to next, if any."""
    return PROGRESS_STEPS.get(deliverable.status)


def submittable_versions(group: WorkingGroup) -> list[DocumentVersion]:
    """Return the newest version of each of the group's documents not in the trash (one query).

    Each version comes with its document, ordered by the documents' titles.
    """
    newest = (
        sa.select(
            DocumentVersion.document_id,
            sa.func.max(DocumentVersion.number).label("number"),
        )
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.group_id == group.id, Document.trashed_at.is_(None))
        .group_by(DocumentVersion.document_id)
        .subquery()
    )
    query = (
        sa.select(DocumentVersion)
        .join(
            newest,
            sa.and_(
                DocumentVersion.document_id == newest.c.document_id,
                DocumentVersion.number == newest.c.number,
            ),
        )
        .join(DocumentVersion.document)
        .options(contains_eager(DocumentVersion.document))
        .order_by(sa.func.lower(Document.title), Document.id)
    )
    return list(db.session.scalars(query))


def _submitted_version(deliverable: Deliverable, version_id: int | None) -> DocumentVersion:
    """Return the document version handed in with a submission, or raise ServiceError.

    It must be a version of one of the deliverable's group's documents that is not in the
    trash; the error belongs to the form's `version_id` field.
    """
    if version_id is None:
        raise ServiceError(
            _("Choose the document to submit from the working group's library."),
            field="version_id",
        )
    version = get_version_for_group(deliverable.group, version_id)
    if version is None:
        raise ServiceError(
            _(
                "This document is not in the working group's library, or it is in the trash: "
                "choose another one."
            ),
            field="version_id",
        )
    return version


def move_deliverable(
    deliverable: Deliverable,
    to_status: DeliverableStatus,
    *,
    actor: User,
    comment: str | None = None,
    version_id: int | None = None,
) -> DeliverableEvent:
    """Change a deliverable's status along the workflow and record the event; commit once.

    planned → in progress → in review → submitted → approved, or submitted → returned →
    in progress. Returning needs a comment. Raises ServiceError for any other change, and
    when someone else changed the deliverable at the same moment; nothing changes then.
    """
    from_status = deliverable.status
    if (from_status, to_status) not in TRANSITIONS:
        db.session.rollback()
        raise ServiceError(
            _(
                "A deliverable that is %(current)s cannot become %(target)s.",
                current=from_status.label.lower(),
                target=to_status.label.lower(),
            )
        )
    comment = _clean_text(comment)
    if to_status == DeliverableStatus.RETURNED and not comment:
        db.session.rollback()
        raise ServiceError(
            _("Say what must change before the deliverable is submitted again."), field="comment"
        )
    version = None
    if to_status == DeliverableStatus.SUBMITTED:
        try:
            version = _submitted_version(deliverable, version_id)
        except ServiceError:
            db.session.rollback()
            raise
    # Nothing is flushed until the commit, which the version counter guards.
    with db.session.no_autoflush:
        now = utcnow()
        if to_status == DeliverableStatus.SUBMITTED:
            deliverable.submitted_version = version
            deliverable.submitted_at = now
        if to_status == DeliverableStatus.APPROVED:
            deliverable.approved_at = now
        if to_status == DeliverableStatus.RETURNED:
            deliverable.submitted_version = None
        deliverable.status = to_status
        event = DeliverableEvent(
            deliverable_id=deliverable.id,
            actor_id=actor.id,
            from_status=from_status,
            to_status=to_status,
            comment=comment,
            document_version=version,
        )
        db.session.add(event)
        audit.record(
            "deliverable.status_changed",
            actor=actor,
            target=deliverable,
            code=deliverable.code,
            old_status=str(from_status),
            new_status=str(to_status),
            document_version_id=version.id if version else None,
        )
    try:
        commit_versioned(deliverable)
    except StaleEdit as exc:
        raise ServiceError(
            _("Someone else changed this deliverable at the same moment: look at it again.")
        ) from exc
    return event


def version_is_protected(version: DocumentVersion) -> bool:
    """Return True if this document version was ever submitted for a deliverable.

    The document library asks this purge guard (the application factory adds it) before
    purging a version from its trash: a version handed in to the funder stays, even after
    the deliverable was returned.
    """
    version_id = version.id
    submitted = sa.select(DeliverableEvent.id).where(
        DeliverableEvent.document_version_id == version_id
    )
    current = sa.select(Deliverable.id).where(Deliverable.submitted_version_id == version_id)
    return bool(db.session.scalar(sa.select(sa.or_(sa.exists(submitted), sa.exists(current)))))
