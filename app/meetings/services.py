"""Meetings use cases: scheduling, agenda, attendance, decisions, action items.

Every function that changes something writes its audit event and commits once. Who may ask
lives in `app.permissions`; rules that depend on the data (a cancelled meeting does not
change, approved minutes are locked) live here. The minutes themselves live in
`app.meetings.minutes`, the personal calendar feeds in `app.meetings.feeds`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.core import audit
from app.core.database import utcnow
from app.core.errors import ServiceError
from app.core.paging import paginate
from app.core.routing import is_valid_id
from app.documents.models import Document
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup, lead_first
from app.meetings import times
from app.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Decision,
    Meeting,
    Minutes,
    MinutesComment,
)
from app.permissions import sees_all_groups

PER_PAGE = 20


@dataclass
class MeetingValues:
    """What the organiser fills in; times already converted to UTC."""

    title_en: str
    title_zh: str | None
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str | None
    online_url: str | None
    invitee_ids: list[int]
    minute_taker_id: int | None


def _clean_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Reading ----------------------------------------------------------------------------------------


def get_meeting(group: WorkingGroup, meeting_id: int) -> Meeting | None:
    """Return the group's meeting with this id (with what its pages show), or None."""
    if not is_valid_id(meeting_id):
        return None
    query = (
        sa.select(Meeting)
        .where(Meeting.id == meeting_id, Meeting.group_id == group.id)
        .options(
            selectinload(Meeting.agenda_items).selectinload(AgendaItem.presenter),
            selectinload(Meeting.agenda_items).selectinload(AgendaItem.document),
            selectinload(Meeting.attendances).selectinload(Attendance.user),
            selectinload(Meeting.minutes)
            .selectinload(Minutes.comments)
            .selectinload(MinutesComment.author),
            selectinload(Meeting.minutes).selectinload(Minutes.minute_taker),
            selectinload(Meeting.minutes).selectinload(Minutes.approved_by),
            selectinload(Meeting.minutes).selectinload(Minutes.updated_by),
            selectinload(Meeting.decisions),
            selectinload(Meeting.action_items).selectinload(ActionItem.owner),
            selectinload(Meeting.organiser),
        )
    )
    return db.session.scalars(query).first()


def group_members(group: WorkingGroup) -> list[Membership]:
    """Return the group's active members, leads first, then by name."""
    query = (
        sa.select(Membership)
        .join(Membership.user)
        .where(
            Membership.group_id == group.id,
            User.is_active_account.is_(True),
            User.erased_at.is_(None),
        )
        .options(selectinload(Membership.user))
        .order_by(lead_first(), sa.func.lower(User.name), User.id)
    )
    return list(db.session.scalars(query))


def minute_taker_candidates(group: WorkingGroup) -> list[User]:
    """Return the members who may be appointed minute-taker (members and leads)."""
    return [m.user for m in group_members(group) if m.role in (GroupRole.LEAD, GroupRole.MEMBER)]


def _upcoming(query: sa.Select, upcoming: bool, now: datetime) -> sa.Select:
    if upcoming:
        return query.where(Meeting.ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    return query.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc(), Meeting.id.desc())


def _page(query: sa.Select, page: int) -> Pagination:
    query = query.options(selectinload(Meeting.group), selectinload(Meeting.minutes))
    return paginate(query, page=page, per_page=PER_PAGE)


def group_meetings(group: WorkingGroup, *, upcoming: bool, page: int = 1) -> Pagination:
    """Return one page of the group's upcoming (soonest first) or past (latest first) meetings."""
    query = sa.select(Meeting).where(Meeting.group_id == group.id)
    return _page(_upcoming(query, upcoming, utcnow()), page)


def _mine(user: User) -> sa.ColumnElement[bool]:
    """Meetings of the user's groups; for coordinators and admins also those they are invited to."""
    condition = Meeting.group_id.in_(
        sa.select(Membership.group_id).where(Membership.user_id == user.id)
    )
    if sees_all_groups(user):
        invited = sa.select(Attendance.meeting_id).where(Attendance.user_id == user.id)
        condition = sa.or_(condition, Meeting.id.in_(invited))
    return condition


def my_meetings(user: User, *, upcoming: bool, page: int = 1) -> Pagination:
    """Return one page of the meetings across all the user's groups."""
    return _page(_upcoming(sa.select(Meeting).where(_mine(user)), upcoming, utcnow()), page)


def _visible_to(user: User) -> sa.ColumnElement[bool]:
    if sees_all_groups(user):
        return sa.true()
    return Meeting.group_id.in_(sa.select(Membership.group_id).where(Membership.user_id == user.id))


def my_action_items(user: User, *, page: int = 1) -> Pagination:
    """Return one page of the user's action items across groups: open ones first, by due date."""
    query = (
        sa.select(ActionItem)
        .join(ActionItem.meeting)
        .where(ActionItem.owner_id == user.id, _visible_to(user))
        .options(selectinload(ActionItem.meeting).selectinload(Meeting.group))
        .order_by(
            (ActionItem.status == ActionStatus.DONE),
            ActionItem.due_on.is_(None),
            ActionItem.due_on,
            ActionItem.id,
        )
    )
    return paginate(query, page=page, per_page=PER_PAGE)


def open_items_before(meeting: Meeting, limit: int = 100) -> list[ActionItem]:
    """Return the open action items of the group's earlier meetings, soonest due first."""
    query = (
        sa.select(ActionItem)
        .join(ActionItem.meeting)
        .where(
            Meeting.group_id == meeting.group_id,
            Meeting.starts_at < meeting.starts_at,
            Meeting.id != meeting.id,
            ActionItem.status == ActionStatus.OPEN,
        )
        .options(selectinload(ActionItem.owner), selectinload(ActionItem.meeting))
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


# Scheduling -------------------------------------------------------------------------------------


def _refuse_if_cancelled(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ServiceError(_("This meeting is cancelled: it cannot change any more."))


def _eligible_people(group: WorkingGroup, ids: Iterable[int]) -> list[User]:
    """Return the active members of the group among `ids` (anything else is dropped)."""
    wanted = set(ids)
    return [m.user for m in group_members(group) if m.user_id in wanted]


def _check_minute_taker(group: WorkingGroup, user_id: int | None) -> None:
    if user_id is not None and user_id not in {u.id for u in minute_taker_candidates(group)}:
        raise ServiceError(_("The minute-taker must be a member or lead of the group."))


def _check_times(values: MeetingValues) -> None:
    if values.ends_at <= values.starts_at:
        raise ServiceError(_("The meeting must end after it starts."))


def schedule_meeting(
    group: WorkingGroup,
    values: MeetingValues,
    *,
    actor: User,
    copy_agenda_from: Meeting | None = None,
) -> Meeting:
    """Create a meeting with its invitees and empty draft minutes.

    With `copy_agenda_from` (duplicating a meeting of a series) its agenda is copied too.
    """
    _check_times(values)
    _check_minute_taker(group, values.minute_taker_id)
    meeting = Meeting(
        group=group,
        organiser=actor,
        title_en=values.title_en,
        title_zh=values.title_zh,
        description=values.description,
        starts_at=values.starts_at,
        ends_at=values.ends_at,
        timezone=values.timezone,
        location=values.location,
        online_url=values.online_url,
    )
    meeting.minutes = Minutes(minute_taker_id=values.minute_taker_id)
    for person in _eligible_people(group, values.invitee_ids):
        meeting.attendances.append(Attendance(user=person))
    if copy_agenda_from is not None:
        for item in copy_agenda_from.agenda_items:
            meeting.agenda_items.append(
                AgendaItem(
                    position=item.position,
                    title=item.title,
                    presenter_id=item.presenter_id,
                    duration_minutes=item.duration_minutes,
                    document_id=item.document_id,
                )
            )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "meeting.scheduled",
        actor=actor,
        target=meeting,
        group=group.code,
        starts_at=meeting.starts_at.isoformat(),
        timezone=meeting.timezone,
        invitees=len(meeting.attendances),
        duplicated_from=copy_agenda_from.id if copy_agenda_from else None,
    )
    db.session.commit()
    return meeting


MEETING_FIELDS = (
    "title_en",
    "title_zh",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "location",
    "online_url",
)


def update_meeting(meeting: Meeting, values: MeetingValues, *, actor: User) -> list[str]:
    """Save a meeting's details and invitees; return the names of what changed.

    Invitees who stay keep their attendance; new ones are invited; the others are removed.
    """
    _refuse_if_cancelled(meeting)
    _check_times(values)
    _check_minute_taker(meeting.group, values.minute_taker_id)
    changed = []
    for name in MEETING_FIELDS:
        value = getattr(values, name)
        if getattr(meeting, name) != value:
            setattr(meeting, name, value)
            changed.append(name)
    minutes = ensure_minutes(meeting)
    if minutes.minute_taker_id != values.minute_taker_id:
        minutes.minute_taker_id = values.minute_taker_id
        changed.append("minute_taker")
    wanted = {u.id: u for u in _eligible_people(meeting.group, values.invitee_ids)}
    current = {a.user_id: a for a in meeting.attendances}
    for user_id, attendance in current.items():
        if user_id not in wanted:
            meeting.attendances.remove(attendance)
    for user_id, person in wanted.items():
        if user_id not in current:
            meeting.attendances.append(Attendance(user=person))
    if set(wanted) != set(current):
        changed.append("invitees")
    if changed:
        meeting.sequence += 1
        meeting.updated_at = utcnow()
        audit.record("meeting.updated", actor=actor, target=meeting, fields=changed)
    db.session.commit()
    return changed


def cancel_meeting(meeting: Meeting, reason: str, *, actor: User) -> None:
    """Mark a meeting cancelled, with the reason everyone will see."""
    _refuse_if_cancelled(meeting)
    meeting.cancelled_at = utcnow()
    meeting.cancel_reason = reason.strip()
    meeting.sequence += 1
    meeting.updated_at = meeting.cancelled_at
    audit.record("meeting.cancelled", actor=actor, target=meeting, reason=meeting.cancel_reason)
    db.session.commit()


def next_in_series(meeting: Meeting, weeks: int = 1) -> tuple[datetime, datetime]:
    """Return the local wall-clock start and end a week later, in the meeting's own zone.

    The wall-clock time stays the same across a change of the clocks (10:00 stays 10:00).
    """
    start = times.to_local(meeting.starts_at, meeting.timezone) + timedelta(weeks=weeks)
    return start, start + (
        times.to_local(meeting.ends_at, meeting.timezone)
        - times.to_local(meeting.starts_at, meeting.timezone)
    )


def ensure_minutes(meeting: Meeting) -> Minutes:
    """Return the meeting's minutes, creating empty draft minutes if it has none (no commit)."""
    if meeting.minutes is None:
        meeting.minutes = Minutes()
        db.session.flush()
    return meeting.minutes


class MissingMinutes(LookupError):
    """A meeting without minutes: every meeting is scheduled with them, so this is a bug."""


def minutes_of(meeting: Meeting) -> Minutes:
    """Return the meeting's minutes, writing nothing (pages that only read call this).

    `schedule_meeting` creates the minutes with the meeting, and migration 0007 gave every
    older meeting its own; a meeting without them raises MissingMinutes.
    """
    if meeting.minutes is None:
        raise MissingMinutes(f"meeting {meeting.id} has no minutes")
    return meeting.minutes


# Agenda -----------------------------------------------------------------------------------------


def _renumber(meeting: Meeting) -> None:
    for position, item in enumerate(sorted(meeting.agenda_items, key=lambda i: i.position), 1):
        item.position = position


def agenda_documents(group: WorkingGroup) -> list[Document]:
    """Return the group's documents an agenda item may link (not in the trash), by title."""
    query = (
        sa.select(Document)
        .where(Document.group_id == group.id, Document.trashed_at.is_(None))
        .order_by(Document.title, Document.id)
    )
    return list(db.session.scalars(query))


def _check_agenda_document(meeting: Meeting, document_id: int | None) -> None:
    """Refuse a document that is not in the meeting's group's library, or is in the trash."""
    if document_id is None:
        return
    document = db.session.get(Document, document_id) if is_valid_id(document_id) else None
    if document is None or document.group_id != meeting.group_id or document.is_trashed:
        raise ServiceError(_("Choose a document of this group's library that is not in the trash."))


def add_agenda_item(
    meeting: Meeting,
    *,
    title: str,
    presenter_id: int | None,
    duration_minutes: int | None,
    document_id: int | None = None,
    actor: User,
) -> AgendaItem:
    """Add an item at the end of the agenda (ServiceError for a document it may not link)."""
    _refuse_if_cancelled(meeting)
    _check_agenda_document(meeting, document_id)
    position = max((i.position for i in meeting.agenda_items), default=0) + 1
    item = AgendaItem(
        title=title.strip(),
        presenter_id=presenter_id,
        duration_minutes=duration_minutes,
        document_id=document_id,
        position=position,
    )
    meeting.agenda_items.append(item)
    db.session.flush()
    audit.record("agenda_item.added", actor=actor, target=item, meeting=meeting.id)
    db.session.commit()
    return item


def update_agenda_item(
    item: AgendaItem,
    *,
    title: str,
    presenter_id: int | None,
    duration_minutes: int | None,
    document_id: int | None = None,
    actor: User,
) -> bool:
    """Change an agenda item; return False if nothing changed (ServiceError for a document
    it may not link)."""
    _refuse_if_cancelled(item.meeting)
    _check_agenda_document(item.meeting, document_id)
    values = {
        "title": title.strip(),
        "presenter_id": presenter_id,
        "duration_minutes": duration_minutes,
        "document_id": document_id,
    }
    changed = [name for name, value in values.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, values[name])
    if changed:
        audit.record("agenda_item.updated", actor=actor, target=item, fields=changed)
    db.session.commit()
    return bool(changed)


def move_agenda_item(item: AgendaItem, direction: str, *, actor: User) -> bool:
    """Move an item one place up or down; return False at either end of the agenda."""
    meeting = item.meeting
    _refuse_if_cancelled(meeting)
    _renumber(meeting)
    ordered = sorted(meeting.agenda_items, key=lambda i: i.position)
    index = ordered.index(item)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(ordered):
        db.session.rollback()
        return False
    ordered[index].position, ordered[other].position = (
        ordered[other].position,
        ordered[index].position,
    )
    audit.record("agenda_item.moved", actor=actor, target=item, direction=direction)
    db.session.commit()
    return True


def remove_agenda_item(item: AgendaItem, *, actor: User) -> None:
    """Take an item off the agenda and close the gap."""
    meeting = item.meeting
    _refuse_if_cancelled(meeting)
    audit.record("agenda_item.removed", actor=actor, target=item, title=item.title)
    meeting.agenda_items.remove(item)
    _renumber(meeting)
    db.session.commit()


# Attendance -------------------------------------------------------------------------------------


def record_attendance(
    meeting: Meeting, statuses: dict[int, AttendanceStatus], *, actor: User
) -> int:
    """Set each invitee's attendance (by user id); return how many changed."""
    _refuse_if_cancelled(meeting)
    changes = {}
    for attendance in meeting.attendances:
        status = statuses.get(attendance.user_id)
        if status is not None and attendance.status != status:
            changes[str(attendance.user_id)] = [str(attendance.status), str(status)]
            attendance.status = status
    if changes:
        audit.record("attendance.recorded", actor=actor, target=meeting, changes=changes)
    db.session.commit()
    return len(changes)


# Decisions and action items ---------------------------------------------------------------------


def _refuse_if_locked(meeting: Meeting) -> None:
    if meeting.minutes is not None and meeting.minutes.is_locked:
        raise ServiceError(_("These minutes are approved and locked. A lead can reopen them."))


def add_decision(meeting: Meeting, text: str, *, actor: User) -> Decision:
    """Record a decision with the meeting's minutes."""
    _refuse_if_locked(meeting)
    decision = Decision(text=_clean_text(text).strip(), created_by_id=actor.id)
    meeting.decisions.append(decision)
    db.session.flush()
    audit.record("decision.added", actor=actor, target=decision, meeting=meeting.id)
    db.session.commit()
    return decision


def remove_decision(decision: Decision, *, actor: User) -> None:
    """Take a decision out of the minutes (while they are not approved)."""
    meeting = decision.meeting
    _refuse_if_locked(meeting)
    audit.record("decision.removed", actor=actor, target=decision, text=decision.text)
    meeting.decisions.remove(decision)
    db.session.commit()


def action_owner_candidates(meeting: Meeting) -> list[User]:
    """Return who can own an action item: the group's active members."""
    return [m.user for m in group_members(meeting.group)]


def add_action_item(
    meeting: Meeting, *, text: str, owner_id: int, due_on: date | None, actor: User
) -> ActionItem:
    """Record an action item: its text, its owner (a member of the group) and due date."""
    _refuse_if_locked(meeting)
    if owner_id not in {u.id for u in action_owner_candidates(meeting)}:
        raise ServiceError(_("The owner must be an active member of the group."))
    item = ActionItem(text=_clean_text(text).strip(), owner_id=owner_id, due_on=due_on)
    meeting.action_items.append(item)
    db.session.flush()
    audit.record(
        "action_item.added",
        actor=actor,
        target=item,
        meeting=meeting.id,
        owner=owner_id,
        due_on=due_on.isoformat() if due_on else None,
    )
    db.session.commit()
    return item


def remove_action_item(item: ActionItem, *, actor: User) -> None:
    """Take an action item out of the minutes (while they are not approved)."""
    meeting = item.meeting
    _refuse_if_locked(meeting)
    audit.record("action_item.removed", actor=actor, target=item, text=item.text)
    meeting.action_items.remove(item)
    db.session.commit()


def set_action_status(item: ActionItem, status: ActionStatus, *, actor: User) -> bool:
    """Mark an action item done or open again; return False if it already was."""
    if item.status == status:
        db.session.rollback()
        return False
    old = item.status
    item.status = status
    item.completed_at = utcnow() if status == ActionStatus.DONE else None
    audit.record(
        "action_item.status_changed",
        actor=actor,
        target=item,
        old=str(old),
        new=str(status),
    )
    db.session.commit()
    return True
