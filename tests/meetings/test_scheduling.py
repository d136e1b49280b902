"""Scheduling, editing, cancelling and duplicating meetings; the lists of meetings."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.core.audit import AuditEvent
from app.extensions import db
from app.meetings.models import Attendance, AttendanceStatus, Meeting
from tests.meetings.conftest import meeting_url
from tests.meetings.helpers import create_meeting, utc


def form_data(team, **overrides):
    """Return a complete, valid scheduling form: Tuesday 30 March 2027, 16:00 in Shanghai."""
    data = {
        "title_en": "Monthly meeting",
        "title_zh": "月度会议",
        "description": "Review of the **mapping**.",
        "timezone": "Asia/Shanghai",
        "starts_at": "2027-03-30T16:00",
        "ends_at": "2027-03-30T17:30",
        "location": "",
        "online_url": "https://meet.example.org/wg7",
        "invitees": [team.lead.id, team.member.id, team.observer.id],
        "minute_taker_id": str(team.writer.id),
        "submit": "Save",
    }
    data.update(overrides)
    return data


def meetings() -> list[Meeting]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Meeting).order_by(Meeting.id)).all()


def test_the_form_starts_in_the_organisers_zone_with_every_member_invited(client, team, login_as):
    """The lead in Shanghai gets Asia/Shanghai preselected and all members ticked."""
    login_as(team.lead)
    html = client.get(f"/groups/{team.group.slug}/meetings/new").get_data(as_text=True)
    assert '<option selected value="Asia/Shanghai">' in html
    ticked = re.findall(r'<input checked [^>]*name="invitees" type="checkbox" value="(\d+)"', html)
    assert sorted(map(int, ticked)) == sorted(
        p.id for p in (team.lead, team.member, team.writer, team.observer)
    )


def test_a_lead_schedules_a_meeting_planned_in_shanghai(client, team, login_as, post):
    """The wall-clock times are read in the chosen zone and stored as UTC instants."""
    login_as(team.lead)
    response = post(f"/groups/{team.group.slug}/meetings/new", form_data(team))
    assert response.status_code == 302
    (meeting,) = meetings()
    assert response.location == f"/groups/{team.group.slug}/meetings/{meeting.id}/"
    assert meeting.starts_at == utc(2027, 3, 30, 8, 0)
    assert meeting.ends_at == utc(2027, 3, 30, 9, 30)
    assert meeting.timezone == "Asia/Shanghai"
    assert meeting.organiser_id == team.lead.id
    assert meeting.title_zh == "月度会议"
    assert {a.user_id for a in meeting.attendances} == {
        team.lead.id,
        team.member.id,
        team.observer.id,
    }
    assert all(a.status == AttendanceStatus.INVITED for a in meeting.attendances)
    assert meeting.minutes.minute_taker_id == team.writer.id
    assert meeting.minutes.state == "draft"
    events = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "meeting.scheduled" in events


def test_checking_the_slot_saves_nothing(client, team, login_as, post):
    """ "Check the times" shows the slot in Brussels and Beijing time and saves nothing."""
    login_as(team.lead)
    data = form_data(team, check="Check the times")
    del data["submit"]
    response = post(f"/groups/{team.group.slug}/meetings/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Brussels time" in html and "Beijing time" in html
    assert "10:00" in html  # 16:00 in Shanghai is 10:00 in Brussels after the March change
    assert "16:00" in html
    assert meetings() == []


def test_a_warning_must_be_seen_before_the_meeting_is_saved(client, team, login_as, post):
    """A slot on China's National Day is shown with its warning; "Save anyway" then saves it."""
    login_as(team.lead)
    data = form_data(team, starts_at="2027-10-01T16:00", ends_at="2027-10-01T17:00")
    first = post(f"/groups/{team.group.slug}/meetings/new", data)
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "public holiday in China" in html
    assert "Save anyway" in html
    assert meetings() == []
    digest = html.split('name="acknowledged" type="hidden" value="')[1].split('"')[0]
    second = post(f"/groups/{team.group.slug}/meetings/new", {**data, "acknowledged": digest})
    assert second.status_code == 302
    assert len(meetings()) == 1


def test_an_acknowledgement_of_other_warnings_does_not_count(client, team, login_as, post):
    """Seeing the warnings of one slot does not let another awkward slot through."""
    login_as(team.lead)
    data = form_data(team, starts_at="2027-10-01T16:00", ends_at="2027-10-01T17:00")
    html = post(f"/groups/{team.group.slug}/meetings/new", data).get_data(as_text=True)
    digest = html.split('name="acknowledged" type="hidden" value="')[1].split('"')[0]
    moved = {**data, "starts_at": "2027-10-04T06:00", "ends_at": "2027-10-04T07:00"}
    response = post(f"/groups/{team.group.slug}/meetings/new", {**moved, "acknowledged": digest})
    assert response.status_code == 200
    assert "outside 08:00" in response.get_data(as_text=True)
    assert meetings() == []


def test_an_invitees_holiday_is_named_in_the_warning(client, team, login_as, post):
    """Easter Monday 2027 is a holiday in Italy, France and Belgium: the invitees are named."""
    login_as(team.lead)
    data = form_data(team, starts_at="2027-03-29T16:00", ends_at="2027-03-29T17:00")
    html = post(f"/groups/{team.group.slug}/meetings/new", data).get_data(as_text=True)
    assert "Easter Monday" in html
    assert "Sofia Rossi" in html  # Italy
    assert "Olga Observer" in html  # Belgium
    assert meetings() == []


def test_a_slot_in_the_past_is_warned(client, team, login_as, post):
    """Scheduling a meeting that has already happened asks for a second look."""
    login_as(team.lead)
    data = form_data(team, starts_at="2020-03-03T16:00", ends_at="2020-03-03T17:00")
    html = post(f"/groups/{team.group.slug}/meetings/new", data).get_data(as_text=True)
    assert "This slot is in the past." in html
    assert meetings() == []


def test_bad_input_is_refused_with_messages_and_saves_nothing(client, team, login_as, post):
    """Every kind of bad input re-renders the form with a message; nothing is written."""
    login_as(team.lead)
    url = f"/groups/{team.group.slug}/meetings/new"
    cases = {
        "title_en": ("", "This field is required."),
        "timezone": ("Mars/Olympus_Mons", "Choose a time zone from the list."),
        "starts_at": ("next tuesday", "Enter a date and time"),
        "ends_at": ("2027-03-30T15:00", "The meeting must end after it starts."),
        "online_url": ("javascript:alert(1)", "Enter a web address starting with https://."),
        "invitees": ([team.outsider.id], "Choose from the list."),
        "minute_taker_id": (str(team.observer.id), "Choose from the list."),
        "description": ("bad\x00text", "characters that are not allowed"),
    }
    for field, (value, message) in cases.items():
        response = post(url, form_data(team, **{field: value}))
        assert response.status_code == 200, field
        assert message in response.get_data(as_text=True), field
    assert meetings() == []


def test_a_time_the_clocks_skip_is_a_field_error(client, team, login_as, post):
    """02:30 on the night Europe changes its clocks does not exist in Brussels."""
    login_as(team.lead)
    data = form_data(
        team, timezone="Europe/Brussels", starts_at="2027-03-28T02:30", ends_at="2027-03-28T04:00"
    )
    response = post(f"/groups/{team.group.slug}/meetings/new", data)
    assert response.status_code == 200
    assert "does not exist in Europe/Brussels" in response.get_data(as_text=True)
    assert meetings() == []


def test_members_and_observers_cannot_schedule_other_groups_get_404(client, team, login_as, post):
    """Only leads and staff schedule; another group's lead gets 404."""
    url = f"/groups/{team.group.slug}/meetings/new"
    for person, status in ((team.member, 403), (team.observer, 403), (team.outsider, 404)):
        login_as(person)
        assert client.get(url).status_code == status
        assert post(url, form_data(team)).status_code == status
        client.post("/logout", data={"csrf_token": _token(client)})
    assert meetings() == []


def _token(client) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get("/meetings/calendar").get_data(as_text=True))


def test_coordinators_schedule_in_any_group(client, team, login_as, post):
    """A coordinator, in no group, may schedule a group's meeting."""
    login_as(team.coordinator)
    assert post(f"/groups/{team.group.slug}/meetings/new", form_data(team)).status_code == 302
    assert len(meetings()) == 1


def test_an_archived_groups_meetings_are_read_only(client, team, login_as, post):
    """Nobody schedules in an archived group."""
    team.group.is_archived = True
    db.session.commit()
    login_as(team.coordinator)
    assert client.get(f"/groups/{team.group.slug}/meetings/new").status_code == 403


def test_editing_changes_times_and_invitees_keeping_attendance(client, team, login_as, post):
    """An edit moves the meeting, keeps the invitees who stay (with their status), adds new."""
    meeting = create_meeting(
        team.group,
        organiser=team.lead,
        invitees=[team.member, team.observer],
        starts_at=utc(2027, 5, 12, 8, 0),
    )
    db.session.scalars(
        sa.select(Attendance).where(Attendance.user_id == team.member.id)
    ).one().status = AttendanceStatus.APOLOGIES
    db.session.commit()
    login_as(team.lead)
    page = client.get(meeting_url(meeting, "edit")).get_data(as_text=True)
    assert 'value="2027-05-12T10:00"' in page  # shown in the zone it was planned in (Brussels)
    data = form_data(
        team,
        timezone="Europe/Brussels",
        starts_at="2027-05-12T11:00",
        ends_at="2027-05-12T12:00",
        invitees=[team.member.id, team.writer.id],
    )
    assert post(meeting_url(meeting, "edit"), data).status_code == 302
    db.session.expire_all()
    assert meeting.starts_at == utc(2027, 5, 12, 9, 0)
    statuses = {a.user_id: a.status for a in meeting.attendances}
    assert statuses == {team.member.id: AttendanceStatus.APOLOGIES, team.writer.id: "invited"}
    assert meeting.sequence == 1


def test_cancelling_needs_a_reason_and_shows_it(client, team, login_as, post):
    """A cancelled meeting stays listed, marked, with the reason; it cannot be edited."""
    meeting = create_meeting(team.group, organiser=team.lead, invitees=[team.member])
    login_as(team.lead)
    empty = post(meeting_url(meeting, "cancel"), {"reason": "  "})
    assert empty.status_code == 200
    assert "This field is required." in empty.get_data(as_text=True)
    db.session.expire_all()
    assert not meeting.is_cancelled
    assert (
        post(meeting_url(meeting, "cancel"), {"reason": "Spring Festival week"}).status_code == 302
    )
    db.session.expire_all()
    assert meeting.is_cancelled and meeting.cancel_reason == "Spring Festival week"
    html = client.get(meeting_url(meeting)).get_data(as_text=True)
    assert "This meeting is cancelled." in html and "Spring Festival week" in html
    edit = client.get(meeting_url(meeting, "edit"))
    assert edit.status_code == 302
    again = post(meeting_url(meeting, "cancel"), {"reason": "Twice"})
    assert again.status_code == 302
    db.session.expire_all()
    assert meeting.cancel_reason == "Spring Festival week"


def test_duplicating_plans_the_same_local_time_a_week_later_across_the_clock_change(
    client, team, login_as, post
):
    """10:00 in Brussels on 23 March is 10:00 on 30 March too, an hour earlier in UTC."""
    meeting = create_meeting(
        team.group,
        organiser=team.lead,
        starts_at=utc(2027, 3, 23, 9, 0),
        invitees=[team.member, team.writer],
        agenda=["Welcome", "Mapping results"],
    )
    login_as(team.lead)
    page = client.get(meeting_url(meeting, "duplicate")).get_data(as_text=True)
    assert 'value="2027-03-30T10:00"' in page
    assert 'value="2027-03-30T11:30"' in page
    data = form_data(
        team,
        timezone="Europe/Brussels",
        starts_at="2027-03-30T10:00",
        ends_at="2027-03-30T11:30",
        invitees=[team.member.id, team.writer.id],
    )
    response = post(meeting_url(meeting, "duplicate"), data)
    assert response.status_code == 302
    copy = meetings()[-1]
    assert copy.id != meeting.id
    assert copy.starts_at == utc(2027, 3, 30, 8, 0)
    assert [i.title for i in copy.agenda_items] == ["Welcome", "Mapping results"]
    assert [i.title for i in meeting.agenda_items] == ["Welcome", "Mapping results"]


def test_a_groups_list_splits_upcoming_and_past(client, team, login_as):
    """Upcoming meetings come soonest first, past ones latest first."""
    create_meeting(team.group, title_en="Long ago", starts_at=utc(2020, 1, 10, 9, 0))
    create_meeting(team.group, title_en="Last year", starts_at=utc(2025, 1, 10, 9, 0))
    create_meeting(team.group, title_en="Far ahead", starts_at=utc(2031, 1, 10, 9, 0))
    create_meeting(team.group, title_en="Soon", starts_at=utc(2030, 1, 10, 9, 0))
    create_meeting(team.other_group, title_en="Elsewhere", starts_at=utc(2030, 2, 10, 9, 0))
    login_as(team.observer)
    html = client.get(f"/groups/{team.group.slug}/meetings/").get_data(as_text=True)
    upcoming, past = html.split("Past meetings")
    assert upcoming.index("Soon") < upcoming.index("Far ahead")
    assert past.index("Last year") < past.index("Long ago")
    assert "Elsewhere" not in html


def test_my_meetings_span_my_groups_only(client, team, login_as, make_group, add_member):
    """ "My meetings" lists every group of mine, and nothing of the others."""
    second = make_group(code="WG8", slug="wg8")
    add_member(team.member, second)
    create_meeting(team.group, title_en="In WG7", starts_at=utc(2030, 1, 10, 9, 0))
    create_meeting(second, title_en="In WG8", starts_at=utc(2030, 1, 11, 9, 0))
    create_meeting(team.other_group, title_en="Not mine", starts_at=utc(2030, 1, 12, 9, 0))
    login_as(team.member)
    html = client.get("/meetings/").get_data(as_text=True)
    assert "In WG7" in html and "In WG8" in html
    assert "Not mine" not in html


def test_a_coordinators_meetings_are_the_ones_they_are_invited_to(client, team, login_as):
    """Staff in no group see the meetings they are invited to under "my meetings"."""
    create_meeting(team.group, title_en="Invited", invitees=[team.coordinator])
    create_meeting(team.group, title_en="Not invited")
    login_as(team.coordinator)
    html = client.get("/meetings/").get_data(as_text=True)
    assert "Invited" in html and "Not invited" not in html


def test_lists_cost_the_same_number_of_queries_whatever_their_length(client, team, login_as):
    """Listing 2 or 20 meetings runs the same number of queries."""
    login_as(team.member)

    def count_queries(path: str) -> int:
        statements = []

        def listener(*args, **kwargs):
            statements.append(1)

        with client.application.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    for n in range(2):
        create_meeting(team.group, invitees=[team.member], starts_at=utc(2030, 1, 1 + n, 9, 0))
    few = {
        path: count_queries(path) for path in ("/meetings/", f"/groups/{team.group.slug}/meetings/")
    }
    for n in range(18):
        create_meeting(team.group, invitees=[team.member], starts_at=utc(2030, 2, 1 + n, 9, 0))
    many = {path: count_queries(path) for path in few}
    assert few == many
