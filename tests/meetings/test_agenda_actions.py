"""Agenda, attendance, decisions and action items (and "my action items")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.core.database import utcnow
from app.extensions import db
from app.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    AttendanceStatus,
    Decision,
    MinutesState,
)
from tests.conftest import csrf_token_from
from tests.meetings.conftest import meeting_url
from tests.meetings.helpers import add_action, create_meeting, utc


@pytest.fixture
def meeting(team):
    """A meeting with draft minutes and a three-item agenda."""
    return create_meeting(
        team.group,
        organiser=team.lead,
        invitees=[team.lead, team.member, team.observer],
        minute_taker=team.writer,
        agenda=["Welcome", "Mapping", "Any other business"],
    )


def titles(meeting) -> list[str]:
    db.session.expire_all()
    return [
        item.title
        for item in db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position)
        )
    ]


def sign_out(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(True))})


# Agenda ------------------------------------------------------------------------------------------


def test_a_lead_adds_an_item_with_presenter_and_duration(client, team, meeting, login_as, post):
    """An item goes at the end of the agenda, with its presenter and duration shown."""
    login_as(team.lead)
    response = post(
        meeting_url(meeting, "agenda"),
        {"title": "Scoping paper", "presenter_id": str(team.member.id), "duration_minutes": "30"},
    )
    assert response.status_code == 302
    assert titles(meeting)[-1] == "Scoping paper"
    html = client.get(meeting_url(meeting)).get_data(as_text=True)
    assert "Presenter: Sofia Rossi" in html and "30 minutes" in html


def test_bad_agenda_input_is_refused(client, team, meeting, login_as, post):
    """No title, a duration out of range or a presenter from elsewhere: refused, nothing added."""
    login_as(team.lead)
    for data, message in (
        ({"title": ""}, "This field is required."),
        ({"title": "x", "duration_minutes": "999"}, "Enter between 1 and 600 minutes."),
        ({"title": "x", "duration_minutes": "half an hour"}, "Enter a whole number."),
        ({"title": "x", "presenter_id": str(team.outsider.id)}, "Choose from the list."),
    ):
        response = post(meeting_url(meeting, "agenda"), data)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), data
    assert len(titles(meeting)) == 3


def test_items_are_reordered_and_removed(client, team, meeting, login_as, post):
    """Up, down, and remove keep the agenda numbered without gaps."""
    login_as(team.lead)
    items = {item.title: item.id for item in meeting.agenda_items}
    post(meeting_url(meeting, f"agenda/{items['Mapping']}/move"), {"direction": "up"})
    assert titles(meeting) == ["Mapping", "Welcome", "Any other business"]
    post(meeting_url(meeting, f"agenda/{items['Mapping']}/move"), {"direction": "up"})
    assert titles(meeting) == ["Mapping", "Welcome", "Any other business"]
    post(meeting_url(meeting, f"agenda/{items['Welcome']}/move"), {"direction": "down"})
    assert titles(meeting) == ["Mapping", "Any other business", "Welcome"]
    post(meeting_url(meeting, f"agenda/{items['Any other business']}/remove"))
    assert titles(meeting) == ["Mapping", "Welcome"]
    positions = db.session.scalars(
        sa.select(AgendaItem.position)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position)
    ).all()
    assert positions == [1, 2]
    again = post(
        meeting_url(meeting, f"agenda/{items['Any other business']}/remove"), follow_redirects=True
    )
    assert "already been removed" in again.get_data(as_text=True)


def test_an_item_is_edited(client, team, meeting, login_as, post):
    """An agenda item's title and duration can change."""
    login_as(team.lead)
    item = meeting.agenda_items[1]
    page = client.get(meeting_url(meeting, f"agenda/{item.id}/edit")).get_data(as_text=True)
    assert 'value="Mapping"' in page
    post(
        meeting_url(meeting, f"agenda/{item.id}/edit"),
        {"title": "Mapping results", "duration_minutes": "45"},
    )
    db.session.expire_all()
    assert (item.title, item.duration_minutes) == ("Mapping results", 45)


def test_another_meetings_item_is_not_found(client, team, meeting, login_as, post):
    """An item id of another meeting answers 404 on edit and changes nothing on remove."""
    other = create_meeting(team.group, agenda=["Elsewhere"])
    login_as(team.lead)
    item_id = other.agenda_items[0].id
    assert client.get(meeting_url(meeting, f"agenda/{item_id}/edit")).status_code == 404
    post(meeting_url(meeting, f"agenda/{item_id}/remove"))
    assert titles(other) == ["Elsewhere"]


def test_members_do_not_edit_the_agenda(client, team, meeting, login_as, post):
    """Members and observers see the agenda but cannot change it."""
    login_as(team.member)
    assert client.get(meeting_url(meeting, "agenda")).status_code == 403
    assert post(meeting_url(meeting, "agenda"), {"title": "Mine"}).status_code == 403
    item = meeting.agenda_items[0]
    assert post(meeting_url(meeting, f"agenda/{item.id}/remove")).status_code == 403
    assert len(titles(meeting)) == 3


# Attendance --------------------------------------------------------------------------------------


def test_attendance_is_recorded_per_person(client, team, meeting, login_as, post):
    """Each invitee gets present, apologies or absent; the page shows it."""
    login_as(team.lead)
    response = post(
        meeting_url(meeting, "attendance"),
        {
            f"status_{team.lead.id}": "present",
            f"status_{team.member.id}": "apologies",
            f"status_{team.observer.id}": "absent",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    statuses = {a.user_id: a.status for a in meeting.attendances}
    assert statuses == {
        team.lead.id: AttendanceStatus.PRESENT,
        team.member.id: AttendanceStatus.APOLOGIES,
        team.observer.id: AttendanceStatus.ABSENT,
    }
    html = client.get(meeting_url(meeting)).get_data(as_text=True)
    assert "Apologies" in html and "Absent" in html


def test_an_unknown_attendance_status_is_refused(client, team, meeting, login_as, post):
    """A made-up status is a field error, never a 500, and changes nothing."""
    login_as(team.lead)
    response = post(meeting_url(meeting, "attendance"), {f"status_{team.member.id}": "asleep"})
    assert response.status_code == 200
    assert "Choose from the list." in response.get_data(as_text=True)
    db.session.expire_all()
    assert {a.status for a in meeting.attendances} == {AttendanceStatus.INVITED}


def test_members_do_not_record_attendance(client, team, meeting, login_as, post):
    """Only who runs the meetings records attendance."""
    login_as(team.member)
    assert (
        post(
            meeting_url(meeting, "attendance"), {f"status_{team.member.id}": "present"}
        ).status_code
        == 403
    )


# Decisions and action items ----------------------------------------------------------------------


def test_the_minute_taker_records_decisions_and_action_items(client, team, meeting, login_as, post):
    """Decisions and action items (text, owner, due date) are recorded with the minutes."""
    login_as(team.writer)
    assert (
        post(meeting_url(meeting, "decisions"), {"text": "Adopt the template"}).status_code == 302
    )
    response = post(
        meeting_url(meeting, "actions"),
        {"text": "Send the survey", "owner_id": str(team.member.id), "due_on": "2031-04-15"},
    )
    assert response.status_code == 302
    item = db.session.scalars(sa.select(ActionItem)).one()
    assert (item.owner_id, item.due_on, item.status) == (
        team.member.id,
        date(2031, 4, 15),
        ActionStatus.OPEN,
    )
    assert db.session.scalars(sa.select(Decision.text)).all() == ["Adopt the template"]


def test_bad_action_items_are_refused(client, team, meeting, login_as, post):
    """No text, no owner, an owner outside the group, a malformed date: refused."""
    login_as(team.lead)
    for data, message in (
        ({"text": "", "owner_id": str(team.member.id)}, "This field is required."),
        ({"text": "x", "owner_id": ""}, "This field is required."),
        ({"text": "x", "owner_id": str(team.outsider.id)}, "Choose from the list."),
        ({"text": "x", "owner_id": str(team.member.id), "due_on": "someday"}, "Enter a date"),
    ):
        response = post(meeting_url(meeting, "actions"), data)
        assert response.status_code == 200, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalars(sa.select(ActionItem)).all() == []


def test_members_who_are_not_minute_takers_record_nothing(client, team, meeting, login_as, post):
    """A plain member neither adds nor removes decisions and action items."""
    item = add_action(meeting, team.member)
    login_as(team.member)
    assert post(meeting_url(meeting, "decisions"), {"text": "Mine"}).status_code == 403
    assert post(meeting_url(meeting, f"actions/{item.id}/remove")).status_code == 403
    assert db.session.get(ActionItem, item.id) is not None


def test_the_owner_marks_their_action_item_done_and_open_again(
    client, team, meeting, login_as, post
):
    """The owner (a member) updates their own item; another member cannot."""
    item = add_action(meeting, team.member)
    other = add_action(meeting, team.writer, "The writer's item")
    login_as(team.member)
    assert (
        post(meeting_url(meeting, f"actions/{item.id}/status"), {"status": "done"}).status_code
        == 302
    )
    db.session.expire_all()
    assert item.status == ActionStatus.DONE and item.completed_at is not None
    assert (
        post(meeting_url(meeting, f"actions/{item.id}/status"), {"status": "open"}).status_code
        == 302
    )
    db.session.expire_all()
    assert item.status == ActionStatus.OPEN and item.completed_at is None
    assert (
        post(meeting_url(meeting, f"actions/{other.id}/status"), {"status": "done"}).status_code
        == 403
    )
    refused = post(meeting_url(meeting, f"actions/{item.id}/status"), {"status": "cancelled"})
    assert refused.status_code == 302
    db.session.expire_all()
    assert item.status == ActionStatus.OPEN


def test_an_observer_cannot_update_even_their_own_item(client, team, meeting, login_as, post):
    """Observers do not update action items (the rights table)."""
    item = add_action(meeting, team.observer)
    login_as(team.observer)
    assert (
        post(meeting_url(meeting, f"actions/{item.id}/status"), {"status": "done"}).status_code
        == 403
    )


def test_owners_still_update_items_after_approval(client, team, login_as, post):
    """Approved minutes are locked, but the owner still marks the item done."""
    meeting = create_meeting(team.group, state=MinutesState.APPROVED, text="Approved")
    item = add_action(meeting, team.member)
    login_as(team.member)
    assert (
        post(meeting_url(meeting, f"actions/{item.id}/status"), {"status": "done"}).status_code
        == 302
    )
    db.session.expire_all()
    assert item.status == ActionStatus.DONE


def test_my_action_items_span_groups_and_mark_overdue_ones(
    client, team, login_as, make_group, add_member
):
    """ "My action items" lists mine across my groups, open first, overdue ones marked."""
    second = make_group(code="WG9", slug="wg9")
    add_member(team.member, second)
    today = utcnow().date()
    first_meeting = create_meeting(team.group, starts_at=utc(2026, 1, 5, 9, 0))
    second_meeting = create_meeting(second, starts_at=utc(2026, 1, 6, 9, 0))
    add_action(first_meeting, team.member, "Overdue survey", due_on=today - timedelta(days=3))
    add_action(second_meeting, team.member, "Future report", due_on=today + timedelta(days=30))
    add_action(first_meeting, team.member, "Finished task", status=ActionStatus.DONE)
    add_action(first_meeting, team.writer, "Someone else's task")
    login_as(team.member)
    html = client.get("/meetings/actions").get_data(as_text=True)
    assert html.index("Overdue survey") < html.index("Future report") < html.index("Finished task")
    assert "Someone else&#39;s task" not in html and "Someone else's task" not in html
    row = html[html.index("Overdue survey") : html.index("Future report")]
    assert "Overdue" in row
    assert "Overdue" not in html[html.index("Future report") : html.index("Finished task")]
    assert "WG9" in html


def test_marking_done_from_my_action_items_comes_back_there(client, team, login_as, post):
    """The status form on "my action items" returns to that page."""
    meeting = create_meeting(team.group)
    item = add_action(meeting, team.member)
    login_as(team.member)
    response = post(
        meeting_url(meeting, f"actions/{item.id}/status"),
        {"status": "done", "next": "/meetings/actions"},
    )
    assert response.location == "/meetings/actions"
    evil = post(
        meeting_url(meeting, f"actions/{item.id}/status"),
        {"status": "open", "next": "https://evil.example/"},
    )
    assert evil.location.startswith(f"/groups/{team.group.slug}/meetings/")


def test_open_items_of_earlier_meetings_are_listed_on_the_next_one(client, team, login_as):
    """The next meeting of the group lists the open items of the earlier ones, not done ones."""
    earlier = create_meeting(team.group, title_en="January", starts_at=utc(2030, 1, 10, 9, 0))
    add_action(earlier, team.member, "Still open from January")
    add_action(earlier, team.member, "Done in January", status=ActionStatus.DONE)
    elsewhere = create_meeting(team.other_group, starts_at=utc(2030, 1, 11, 9, 0))
    add_action(elsewhere, team.outsider, "Another group's item")
    later = create_meeting(team.group, title_en="February", starts_at=utc(2030, 2, 10, 9, 0))
    login_as(team.observer)
    html = client.get(meeting_url(later)).get_data(as_text=True)
    assert "Open action items from earlier meetings" in html
    assert "Still open from January" in html
    assert "Done in January" not in html
    assert "Another group" not in html
    assert (
        "Still open from January"
        not in client.get(meeting_url(earlier)).get_data(as_text=True).split("Action items")[0]
    )


def test_removing_decisions_and_items_twice_is_harmless(client, team, meeting, login_as, post):
    """A second click finds the decision or item gone and says so."""
    decision = Decision(text="Drop me")
    meeting.decisions.append(decision)
    item = add_action(meeting, team.member, "Drop me too")
    login_as(team.lead)
    for path in (f"decisions/{decision.id}/remove", f"actions/{item.id}/remove"):
        assert post(meeting_url(meeting, path)).status_code == 302
        again = post(meeting_url(meeting, path), follow_redirects=True)
        assert "already been removed" in again.get_data(as_text=True)
    assert db.session.scalars(sa.select(Decision)).all() == []
    assert db.session.scalars(sa.select(ActionItem)).all() == []
