"""Reading meeting pages writes nothing: minutes come with the meeting, not with the first view."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.meetings import services
from app.meetings.models import Minutes, MinutesState
from tests.meetings.conftest import meeting_url
from tests.meetings.helpers import add_action, create_meeting

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)


@contextmanager
def recorded_writes() -> Iterator[list[str]]:
    """Collect every INSERT, UPDATE or DELETE sent to the database meanwhile."""
    writes: list[str] = []

    def listen(_conn, _cursor, statement, _parameters, _context, _executemany):
        if WRITE.match(statement):
            writes.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield writes
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)


def test_the_recorder_sees_a_write(app):
    """The check below could fail: an UPDATE is seen."""
    with recorded_writes() as writes:
        db.session.execute(sa.update(Minutes).values(text=""))
        db.session.rollback()
    assert len(writes) == 1


@pytest.mark.parametrize(
    "suffix", ["", "minutes/edit", "minutes/print", "meeting.ics"], ids=lambda s: s or "detail"
)
def test_a_meetings_pages_write_nothing(suffix, client, team, login_as):
    """The lead opens the meeting, its minutes editor, the print view and the calendar file."""
    meeting = create_meeting(
        team.group,
        organiser=team.lead,
        invitees=[team.lead, team.member],
        text="# Minutes\nDone.",
        agenda=["Welcome"],
    )
    add_action(meeting, team.member, "Write the report")
    login_as(team.lead)
    with recorded_writes() as writes:
        response = client.get(meeting_url(meeting, suffix))
    assert response.status_code == 200
    assert writes == []


@pytest.mark.parametrize(
    "path", ["/groups/wg7/meetings/", "/meetings/", "/meetings/actions", "/meetings/calendar"]
)
def test_the_lists_of_meetings_write_nothing(path, client, team, login_as):
    """The group's meetings, my meetings, my action items and my calendar page only read."""
    meeting = create_meeting(team.group, organiser=team.lead, invitees=[team.member])
    add_action(meeting, team.member, "Send the slides")
    login_as(team.member)
    with recorded_writes() as writes:
        response = client.get(path)
    assert response.status_code == 200
    assert writes == []


def test_circulated_minutes_are_read_without_a_write(client, team, login_as):
    """A member reads circulated minutes and their comments: nothing is written."""
    meeting = create_meeting(team.group, text="Agreed.", state=MinutesState.CIRCULATED)
    login_as(team.member)
    with recorded_writes() as writes:
        html = client.get(meeting_url(meeting)).get_data(as_text=True)
    assert "Agreed." in html
    assert writes == []


def test_scheduling_creates_the_minutes_with_the_meeting(team):
    """The service that schedules a meeting gives it empty draft minutes in the same commit."""
    meeting = create_meeting(team.group)
    values = services.MeetingValues(
        title_en="Next",
        title_zh=None,
        description="",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        timezone=meeting.timezone,
        location="",
        online_url="",
        minute_taker_id=team.writer.id,
        invitee_ids=[team.member.id],
    )
    scheduled = services.schedule_meeting(team.group, values, actor=team.lead)
    db.session.expire_all()
    minutes = db.session.scalars(sa.select(Minutes).where(Minutes.meeting_id == scheduled.id)).one()
    assert (minutes.state, minutes.text, minutes.minute_taker_id) == (
        MinutesState.DRAFT,
        "",
        team.writer.id,
    )


def test_a_meeting_without_minutes_is_not_given_any_by_reading(team):
    """Reading never creates minutes: a meeting without them is reported, and nothing written."""
    meeting = create_meeting(team.group)
    db.session.delete(meeting.minutes)
    db.session.commit()
    with recorded_writes() as writes, pytest.raises(services.MissingMinutes):
        services.minutes_of(meeting)
    assert writes == []
