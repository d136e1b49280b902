"""Builders of meetings for the tests (and the access matrix)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.core.database import utcnow
from app.extensions import db
from app.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendance,
    Decision,
    Meeting,
    Minutes,
    MinutesState,
)


def create_meeting(
    group: Any,
    *,
    organiser: Any = None,
    starts_at: datetime | None = None,
    minutes_long: int = 90,
    timezone: str = "Europe/Brussels",
    invitees: Iterable[Any] = (),
    state: MinutesState = MinutesState.DRAFT,
    text: str = "",
    minute_taker: Any = None,
    title_en: str = "Monthly meeting",
    title_zh: str | None = "月度会议",
    agenda: Iterable[str] = (),
    **fields: Any,
) -> Meeting:
    """Create and commit a meeting with its minutes (and invitees, agenda) as given."""
    starts_at = starts_at or (utcnow() + timedelta(days=7)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    meeting = Meeting(
        group=group,
        organiser=organiser,
        title_en=title_en,
        title_zh=title_zh,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes_long),
        timezone=timezone,
        **fields,
    )
    minutes = Minutes(text=text, state=state, minute_taker=minute_taker)
    if state == MinutesState.APPROVED:
        minutes.approved_at = utcnow()
        minutes.approved_by = organiser
    if state != MinutesState.DRAFT:
        minutes.circulated_at = utcnow()
    meeting.minutes = minutes
    for person in invitees:
        meeting.attendances.append(Attendance(user=person))
    for position, title in enumerate(agenda, 1):
        meeting.agenda_items.append(AgendaItem(title=title, position=position))
    db.session.add(meeting)
    db.session.commit()
    return meeting


def add_action(
    meeting: Meeting,
    owner: Any,
    text: str = "Send the draft to the group",
    due_on: date | None = None,
    status: ActionStatus = ActionStatus.OPEN,
) -> ActionItem:
    """Add and commit an action item."""
    item = ActionItem(text=text, owner=owner, due_on=due_on, status=status)
    meeting.action_items.append(item)
    db.session.commit()
    return item


def add_decision(meeting: Meeting, text: str = "Adopt the work plan") -> Decision:
    """Add and commit a decision."""
    decision = Decision(text=text)
    meeting.decisions.append(decision)
    db.session.commit()
    return decision


def utc(*args: int) -> datetime:
    """Return a UTC datetime."""
    return datetime(*args, tzinfo=UTC)
