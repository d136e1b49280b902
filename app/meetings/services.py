"""Meetings use cases: scheduling, agenda, attendance, minutes, decisions, action items, feeds.

Every function that changes something writes its audit event and commits once. Who may ask
lives in `app.permissions`; rules that depend on the data (a cancelled meeting does not
change, approved minutes are locked, a save based on an old version is refused) live here.

Minutes concurrency: minutes are `Versioned` (app.core.database): their version rises at every
saved text. The editor carries the version it was based on, and the save only writes the row if
it is still at that version (``UPDATE … WHERE version = :base``), so of two people saving at
the same moment one wins and the other gets `StaleEdit`, holding the current minutes, with
both texts to merge. Nothing is overwritten without being seen.
"""

from __future__ import annotations

import difflib
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.core import audit
from app.core.database import commit_versioned, expect_version, flush_versioned, utcnow
from app.core.errors import ServiceError, StaleEdit
from app.core.mail import enqueue, external_url
from app.core.paging import paginate
from app.core.routing import is_valid_id
from app.documents.models import Document
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup
from app.meetings import times
from app.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    Decision,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesRescue,
    MinutesState,
)
from app.permissions import sees_all_groups

PER_PAGE = 20


#: How long an open editor page can still rescue its text after the session ended.
RESCUE_KEY_MAX_AGE = 7 * 24 * 3600
#: How long rescued text waits for its writer to sign in again.
RESCUE_KEEP_DAYS = 30
RESCUE_SALT = "meetings.minutes-rescue"

#: How far back the calendar feed reaches; the future is all there.
FEED_PAST_DAYS = 180
FEED_LIMIT = 1000


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
    order = sa.case(
        (Membership.role == GroupRole.LEAD, 0), (Membership.role == GroupRole.MEMBER, 1), else_=2
    )
    query = (
        sa.select(Membership)
        .join(Membership.user)
        .where(
            Membership.group_id == group.id,
            User.is_active_account.is_(True),
            User.erased_at.is_(None),
        )
        .options(selectinload(Membership.user))
        .order_by(order, sa.func.lower(User.name), User.id)
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


def minutes_of(meeting: Meeting) -> Minutes:
    """Return the meeting's minutes; a meeting made without them gets empty draft minutes."""
    if meeting.minutes is not None:
        return meeting.minutes
    minutes = ensure_minutes(meeting)
    db.session.commit()
    return minutes


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


# Minutes ----------------------------------------------------------------------------------------


def _clean_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _refuse_locked(minutes: Minutes | None) -> None:
    if minutes is not None and minutes.is_locked:
        raise ServiceError(_("These minutes are approved and locked. A lead can reopen them."))


def save_minutes(minutes: Minutes, text: str, base_version: int, *, actor: User) -> bool:
    """Save the minutes' text if nobody saved since `base_version`; return False if unchanged.

    Raises StaleEdit, holding the current minutes, when they moved on meanwhile (the caller
    shows both texts), and ServiceError when they are approved (locked).
    """
    text = _clean_text(text)
    _refuse_locked(minutes)
    expect_version(minutes, base_version)
    if text == minutes.text:
        _drop_rescue(minutes, actor)
        db.session.commit()
        return False
    with db.session.no_autoflush:  # written at once below, guarded by the version counter
        minutes.text = text
        minutes.version = base_version + 1
        minutes.updated_at = utcnow()
        minutes.updated_by_id = actor.id
        _drop_rescue(minutes, actor)
        audit.record(
            "minutes.saved",
            actor=actor,
            target=minutes,
            object_type="minutes",
            version=base_version + 1,
            length=len(text),
        )
    try:
        flush_versioned(minutes)
    except StaleEdit as exc:  # someone saved between our read and our write
        _refuse_locked(exc.current)
        raise
    # The row is ours until the commit; an approval committed since our read shows now.
    if db.session.scalar(sa.select(Minutes.state).where(Minutes.id == minutes.id)) == (
        MinutesState.APPROVED
    ):
        db.session.rollback()
        _refuse_locked(minutes)
    db.session.commit()
    return True


@dataclass(frozen=True)
class DiffLine:
    """One line of the comparison of two texts: "same", "current" (only theirs), "mine"."""

    kind: str
    text: str


def compare_texts(current: str, mine: str) -> list[DiffLine]:
    """Return the lines of both texts, marking which only the current or only mine has."""
    lines = []
    matcher = difflib.SequenceMatcher(a=current.splitlines(), b=mine.splitlines(), autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [DiffLine("same", line) for line in matcher.a[a1:a2]]
            continue
        lines += [DiffLine("current", line) for line in matcher.a[a1:a2]]
        lines += [DiffLine("mine", line) for line in matcher.b[b1:b2]]
    return lines


def _changed_since_read() -> ServiceError:
    return ServiceError(
        _("The minutes changed since you opened this page. Read them again, then retry.")
    )


def _check_version(minutes: Minutes, version: int | None) -> None:
    try:
        expect_version(minutes, version)
    except StaleEdit as exc:
        raise _changed_since_read() from exc


def _commit_as_read(minutes: Minutes) -> None:
    """Commit a change of state, unless the minutes were saved since the lead read them."""
    try:
        commit_versioned(minutes)
    except StaleEdit as exc:
        raise _changed_since_read() from exc


def circulate_minutes(minutes: Minutes, version: int | None, *, actor: User) -> int:
    """Circulate draft minutes for comment and e-mail every invitee in their language.

    `version` is the version the lead read; if the text changed since, nothing happens.
    Returns the number of e-mails queued.
    """
    if minutes.state != MinutesState.DRAFT:
        raise ServiceError(_("Only draft minutes can be circulated."))
    _check_version(minutes, version)
    if not minutes.text.strip():
        raise ServiceError(_("Write the minutes before circulating them."))
    meeting = minutes.meeting
    sent = 0
    for attendance in meeting.attendances:
        person = attendance.user
        if not person.is_active_account or person.is_erased:
            continue
        enqueue(
            person.email,
            person.locale or "en",
            "meetings_minutes_circulated",
            lambda: _("Minutes for comment: %(title)s", title=meeting.title),
            meeting=meeting,
            person=person,
            zone=person.timezone,
            time_rows=times.time_rows,
            circulated_by=actor,
            link=external_url("meetings.detail", slug=meeting.group.slug, meeting_id=meeting.id),
        )
        sent += 1
    # Changed only now, so no query above flushes it before the version-checked commit.
    minutes.state = MinutesState.CIRCULATED
    minutes.circulated_at = utcnow()
    audit.record(
        "minutes.circulated",
        actor=actor,
        target=minutes,
        object_type="minutes",
        version=minutes.version,
        emails=sent,
    )
    _commit_as_read(minutes)
    return sent


def approve_minutes(minutes: Minutes, version: int | None, *, actor: User) -> None:
    """Approve circulated minutes: they are locked; who approved and when is recorded."""
    if minutes.state != MinutesState.CIRCULATED:
        raise ServiceError(_("Only circulated minutes can be approved."))
    _check_version(minutes, version)
    minutes.state = MinutesState.APPROVED
    minutes.approved_at = utcnow()
    minutes.approved_by_id = actor.id
    audit.record(
        "minutes.approved",
        actor=actor,
        target=minutes,
        object_type="minutes",
        version=minutes.version,
    )
    _commit_as_read(minutes)


def reopen_minutes(minutes: Minutes, *, actor: User) -> None:
    """Reopen approved minutes (back to circulated); the audit log keeps the approval."""
    if minutes.state != MinutesState.APPROVED:
        raise ServiceError(_("Only approved minutes can be reopened."))
    audit.record(
        "minutes.reopened",
        actor=actor,
        target=minutes,
        object_type="minutes",
        approved_by=minutes.approved_by_id,
        approved_at=minutes.approved_at.isoformat() if minutes.approved_at else None,
    )
    minutes.state = MinutesState.CIRCULATED
    minutes.approved_at = None
    minutes.approved_by_id = None
    db.session.commit()


def add_comment(minutes: Minutes, text: str, *, actor: User) -> MinutesComment:
    """Add a member's comment to circulated minutes."""
    if minutes.state != MinutesState.CIRCULATED:
        raise ServiceError(_("Comments are open while the minutes are circulated."))
    comment = MinutesComment(author=actor, text=_clean_text(text).strip())
    minutes.comments.append(comment)
    db.session.flush()
    audit.record("minutes_comment.added", actor=actor, target=comment, minutes=minutes.id)
    db.session.commit()
    return comment


# Keeping typed minutes when the session or the form token expired -------------------------------


def _rescue_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESCUE_SALT)


def rescue_key(minutes: Minutes, user: User) -> str:
    """Return the signed key an editor page carries: "this user edits these minutes"."""
    return _rescue_serializer().dumps({"u": user.id, "m": minutes.id})


def rescue_owner(key: str | None, minutes: Minutes) -> User | None:
    """Return the writer a valid, unexpired rescue key names for these minutes, else None."""
    if not key or len(key) > 500:
        return None
    try:
        data = _rescue_serializer().loads(key, max_age=RESCUE_KEY_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("m") != minutes.id:
        return None
    user_id = data.get("u")
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active_account:
        return None
    return user


def keep_unsaved_text(minutes: Minutes, writer: User, text: str, base_version: int) -> None:
    """Keep text a writer could not save because their session had ended, for after sign-in.

    How typed minutes survive an expired session or form token:

    - The editor page carries a *rescue key*, signed with the secret key, naming the writer
      and the minutes (`rescue_key`); it stays valid for a week, whatever the session does.
    - Session ended (signed out elsewhere, password changed, cookie dropped): the post
      arrives anonymous. If its rescue key is valid for these minutes, the text is stored
      here as the writer's `MinutesRescue` (one per writer and minutes; a later post
      replaces it) with the version it was based on, and the visitor is sent to sign in,
      then back to the editor. Without a valid key nothing is stored: nobody can plant text
      for someone else.
    - After signing in, the editor shows the kept text instead of the saved minutes, with a
      notice; saving it still goes through the version check (a conflicting edit made
      meanwhile gets the merge page), and a successful save or "discard" deletes it.
    - Signed in but with a stale form token: the editor is shown again with the posted text
      and a fresh token (nothing is saved, since the request cannot be trusted).
    - Signed in but no longer allowed to write (the minutes were circulated or approved
      meanwhile): the text is shown read-only to copy.
    """
    text = _clean_text(text)
    rescue = pending_rescue(minutes, writer, include_old=True)
    if rescue is None:
        rescue = MinutesRescue(minutes_id=minutes.id, user_id=writer.id)
        db.session.add(rescue)
    rescue.text = text
    rescue.base_version = base_version
    rescue.created_at = utcnow()
    audit.record(
        "minutes.rescued",
        actor=writer,
        target=minutes,
        object_type="minutes",
        base_version=base_version,
        length=len(text),
    )
    try:
        db.session.commit()
    except IntegrityError:  # the same text posted twice at once: the first one is kept
        db.session.rollback()


def pending_rescue(
    minutes: Minutes, user: User, *, include_old: bool = False
) -> MinutesRescue | None:
    """Return the text kept for this writer and these minutes, if any (and recent enough)."""
    query = sa.select(MinutesRescue).where(
        MinutesRescue.minutes_id == minutes.id, MinutesRescue.user_id == user.id
    )
    if not include_old:
        query = query.where(MinutesRescue.created_at >= utcnow() - timedelta(days=RESCUE_KEEP_DAYS))
    return db.session.scalars(query).first()


def _drop_rescue(minutes: Minutes, user: User) -> None:
    db.session.execute(
        sa.delete(MinutesRescue).where(
            MinutesRescue.minutes_id == minutes.id, MinutesRescue.user_id == user.id
        )
    )


def discard_rescue(minutes: Minutes, *, actor: User) -> bool:
    """Throw away the text kept for the user; return False if there was none."""
    found = pending_rescue(minutes, actor, include_old=True) is not None
    if found:
        _drop_rescue(minutes, actor)
        audit.record(
            "minutes.rescue_discarded", actor=actor, target=minutes, object_type="minutes"
        )
    db.session.commit()
    return found


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


# Calendar feeds ---------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    """Return the user's calendar subscription, if they have one."""
    return db.session.scalars(
        sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id)
    ).first()


def issue_feed_token(user: User) -> str:
    """Make a new secret address for the user's feed and return its token.

    Only the token's SHA-256 is stored, so the address is shown once; the previous address
    (if any) stops working at once.
    """
    token = secrets.token_urlsafe(32)
    feed = feed_of(user)
    replaced = feed is not None
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = _hash(token)
    feed.created_at = utcnow()
    db.session.flush()
    audit.record("calendar_feed.issued", actor=user, target=user, replaced=replaced)
    db.session.commit()
    return token


def revoke_feed(user: User) -> bool:
    """Stop the user's feed address from working; return False if there was none."""
    feed = feed_of(user)
    if feed is None:
        db.session.rollback()
        return False
    db.session.delete(feed)
    audit.record("calendar_feed.revoked", actor=user, target=user)
    db.session.commit()
    return True


def user_for_feed_token(token: str) -> User | None:
    """Return the active account whose feed this token opens, else None."""
    if not token or len(token) > 200:
        return None
    feed = db.session.scalars(
        sa.select(CalendarFeed)
        .where(CalendarFeed.token_hash == _hash(token))
        .options(selectinload(CalendarFeed.user))
    ).first()
    if feed is None or not feed.user.is_active_account or feed.user.is_erased:
        return None
    return feed.user


def feed_meetings(user: User) -> list[Meeting]:
    """Return the meetings a person's feed holds: from six months ago on, cancelled included."""
    query = (
        sa.select(Meeting)
        .where(_mine(user), Meeting.ends_at >= utcnow() - timedelta(days=FEED_PAST_DAYS))
        .options(selectinload(Meeting.group))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(FEED_LIMIT)
    )
    return list(db.session.scalars(query))
