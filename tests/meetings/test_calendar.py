"""Calendars: an .ics file per meeting and a private, revocable subscription feed."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import sqlalchemy as sa
from icalendar import Calendar

from app.extensions import db
from app.meetings.models import CalendarFeed
from tests.meetings.conftest import meeting_url
from tests.meetings.helpers import create_meeting, utc


def events(body: bytes) -> dict[str, object]:
    """Parse an iCalendar body; return its events by UID."""
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_a_meetings_ics_parses_back_to_the_same_instants(client, team, login_as):
    """Times carry the planning zone (TZID + VTIMEZONE) and mean the stored instants."""
    meeting = create_meeting(
        team.group,
        starts_at=utc(2027, 3, 30, 8, 0),
        minutes_long=90,
        timezone="Asia/Shanghai",
        title_en="Monthly meeting",
        online_url="https://meet.example.org/wg7",
    )
    login_as(team.member)
    response = client.get(meeting_url(meeting, "meeting.ics"))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert b"DTSTART;TZID=Asia/Shanghai:20270330T160000" in body
    calendar = Calendar.from_ical(body)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    event = events(body)[f"meeting-{meeting.id}@ic2permed.portal"]
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event.decoded("DTEND") == meeting.ends_at
    assert str(event["SUMMARY"]) == "Monthly meeting"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "https://meet.example.org/wg7" in str(event["DESCRIPTION"])


def test_the_vtimezone_knows_europes_clock_changes(client, team, login_as):
    """A Brussels meeting before and after the March change keeps its local time and instant."""
    before = create_meeting(
        team.group, starts_at=utc(2027, 3, 23, 9, 0), timezone="Europe/Brussels"
    )
    after = create_meeting(team.group, starts_at=utc(2027, 3, 30, 8, 0), timezone="Europe/Brussels")
    login_as(team.member)
    for meeting, local in ((before, b"20270323T100000"), (after, b"20270330T100000")):
        body = client.get(meeting_url(meeting, "meeting.ics")).get_data()
        assert b"DTSTART;TZID=Europe/Brussels:" + local in body
        calendar = Calendar.from_ical(body)
        (zone,) = calendar.walk("VTIMEZONE")
        offsets = {part["TZOFFSETTO"].to_ical() for part in zone.subcomponents}
        assert {"+0100", "+0200"} <= offsets
        (event,) = calendar.walk("VEVENT")
        assert event.decoded("DTSTART") == meeting.starts_at


def test_a_cancelled_meeting_is_marked_cancelled_in_calendars(client, team, login_as, post):
    """Cancelling raises SEQUENCE and sets STATUS:CANCELLED so calendars drop the meeting."""
    meeting = create_meeting(team.group, organiser=team.lead)
    login_as(team.lead)
    post(meeting_url(meeting, "cancel"), {"reason": "National Day week"})
    event = next(iter(events(client.get(meeting_url(meeting, "meeting.ics")).get_data()).values()))
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1


def test_another_groups_meeting_file_is_not_found(client, team, login_as):
    """The .ics of another group's meeting answers 404."""
    meeting = create_meeting(team.group)
    login_as(team.outsider)
    assert client.get(meeting_url(meeting, "meeting.ics")).status_code == 404


def make_feed(client, post) -> str:
    """Ask for a new feed address; return it as the page shows it (once)."""
    assert post("/meetings/calendar").status_code == 302
    html = client.get("/meetings/calendar").get_data(as_text=True)
    match = re.search(r'value="(http://localhost/meetings/calendar/[^"]+\.ics)"', html)
    assert match, "the new address is not shown"
    return match.group(1).removeprefix("http://localhost")


def test_the_feed_holds_my_meetings_and_works_without_a_session(app, client, team, login_as, post):
    """The secret address serves my groups' meetings (and only those) to any calendar."""
    mine = create_meeting(
        team.group, title_en="Ours", starts_at=utc(2030, 5, 6, 8, 0), timezone="Asia/Shanghai"
    )
    create_meeting(team.other_group, title_en="Theirs", starts_at=utc(2030, 5, 7, 8, 0))
    create_meeting(team.group, title_en="Long ago", starts_at=utc(2020, 5, 7, 8, 0))
    login_as(team.member)
    path = make_feed(client, post)
    again = client.get("/meetings/calendar")
    assert path not in again.get_data(as_text=True)  # shown once only
    assert again.headers["Cache-Control"] == "no-store"

    calendar_app = app.test_client()  # no cookies at all
    response = calendar_app.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    found = events(response.get_data())
    assert list(found) == [f"meeting-{mine.id}@ic2permed.portal"]
    assert found[f"meeting-{mine.id}@ic2permed.portal"].decoded("DTSTART") == mine.starts_at
    body = response.get_data()
    assert b"X-WR-CALNAME:" in body
    assert b"BEGIN:VTIMEZONE" in body


def test_only_a_hash_of_the_token_is_stored(client, team, login_as, post):
    """The database holds the SHA-256 of the secret, never the secret."""
    login_as(team.member)
    path = make_feed(client, post)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    stored = db.session.scalars(sa.select(CalendarFeed.token_hash)).one()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored


def test_a_new_address_revokes_the_old_one(app, client, team, login_as, post):
    """Making a new address stops the previous one at once."""
    login_as(team.member)
    old = make_feed(client, post)
    new = make_feed(client, post)
    outside = app.test_client()
    assert outside.get(old).status_code == 404
    assert outside.get(new).status_code == 200


def test_revoking_stops_the_address(app, client, team, login_as, post):
    """After "stop the address" the feed answers 404 and no address is stored."""
    login_as(team.member)
    path = make_feed(client, post)
    assert post("/meetings/calendar/revoke").status_code == 302
    assert app.test_client().get(path).status_code == 404
    assert db.session.scalars(sa.select(CalendarFeed)).all() == []


def test_a_deactivated_accounts_feed_stops(app, client, team, login_as, post):
    """The feed of a deactivated account answers 404."""
    login_as(team.member)
    path = make_feed(client, post)
    team.member.is_active_account = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_a_guessed_address_finds_nothing(client):
    """A made-up token answers 404, as does an absurdly long one."""
    assert client.get("/meetings/calendar/not-a-token.ics").status_code == 404
    assert client.get("/meetings/calendar/" + "x" * 500 + ".ics").status_code == 404


def test_a_member_who_leaves_the_group_loses_its_meetings_from_the_feed(
    app, client, team, login_as, post
):
    """The feed follows the person's groups as they are today."""
    from app.groups.models import Membership

    create_meeting(team.group, title_en="Ours", starts_at=utc(2030, 5, 6, 8, 0))
    login_as(team.member)
    path = make_feed(client, post)
    assert events(app.test_client().get(path).get_data())
    membership = db.session.scalars(
        sa.select(Membership).where(Membership.user_id == team.member.id)
    ).one()
    db.session.delete(membership)
    db.session.commit()
    assert events(app.test_client().get(path).get_data()) == {}


def test_the_feed_is_in_the_persons_language(app, client, team, login_as, post):
    """Titles come in the subscriber's language (Chinese title for a Chinese reader)."""
    create_meeting(
        team.group, title_en="Monthly meeting", title_zh="月度会议", starts_at=utc(2030, 5, 6, 8, 0)
    )
    team.member.locale = "zh"
    db.session.commit()
    login_as(team.member)
    path = make_feed(client, post)
    (event,) = events(app.test_client().get(path).get_data()).values()
    assert str(event["SUMMARY"]) == "月度会议"
    assert date(2030, 5, 6) == event.decoded("DTSTART").date()
