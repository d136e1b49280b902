"""iCalendar (.ics) output: one meeting, or a person's subscription feed.

Times are written in the zone the meeting was planned in (``DTSTART;TZID=Asia/Shanghai:…``)
with a VTIMEZONE component for every zone used, covering the years around the meetings. With
both, Outlook, Thunderbird, Apple Calendar and Google Calendar place the meeting at the same
instant, and keep it right when the clocks change. A cancelled meeting stays in the file
with STATUS:CANCELLED, so subscribed calendars remove it; SEQUENCE rises at every change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar, Event

from app.core.database import utcnow
from app.meetings.models import Meeting

PRODID = "-//IC2PerMed//Working-group portal//EN"
#: The right-hand side of every UID; stable, so calendars recognise a meeting they know.
UID_DOMAIN = "ic2permed.portal"


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}@{UID_DOMAIN}"


def _description(meeting: Meeting, url: str) -> str:
    parts = [meeting.group.code + " · " + meeting.group.name]
    if meeting.description:
        parts.append(meeting.description)
    if meeting.online_url:
        parts.append(_("Online meeting link: %(url)s", url=meeting.online_url))
    if meeting.is_cancelled and meeting.cancel_reason:
        parts.append(_("Cancelled: %(reason)s", reason=meeting.cancel_reason))
    parts.append(url)
    return "\n\n".join(parts)


def meeting_event(meeting: Meeting, url: str) -> Event:
    """Return the VEVENT of a meeting, its times in the zone it was planned in."""
    zone = ZoneInfo(meeting.timezone)
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", utcnow())
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.updated_at)
    event.add("sequence", meeting.sequence)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", meeting.title)
    event.add("description", _description(meeting, url))
    location = meeting.location or meeting.online_url
    if location:
        event.add("location", location)
    event.add("url", url)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if meeting.is_cancelled else "OPAQUE")
    return event


def calendar_bytes(
    meetings: Iterable[Meeting], url_of: Callable[[Meeting], str], *, name: str | None = None
) -> bytes:
    """Return an iCalendar file holding the meetings, with the VTIMEZONEs they need."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    years = []
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, url_of(meeting)))
        years += [meeting.starts_at.year, meeting.ends_at.year]
    if years:
        calendar.add_missing_timezones(
            first_date=date(min(years) - 1, 1, 1), last_date=date(max(years) + 2, 1, 1)
        )
    return calendar.to_ical()
