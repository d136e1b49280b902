"""The meeting page as readers in different zones and languages see it; privacy; demo data."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from app.auth.models import User
from app.demo import load_demo as load_demo_consortium
from app.extensions import db
from app.groups.models import WorkingGroup
from app.meetings import demo
from app.meetings.models import ActionItem, Meeting, MinutesComment, MinutesState
from tests.conftest import csrf_token_from
from tests.meetings.conftest import meeting_url
from tests.meetings.helpers import add_action, add_decision, create_meeting, utc


def test_a_member_in_rome_sees_rome_brussels_and_beijing_time(client, team, login_as):
    """16:00 planned in Shanghai on 30 March 2027: 10:00 in Rome and Brussels, 16:00 in Beijing."""
    meeting = create_meeting(
        team.group, starts_at=utc(2027, 3, 30, 8, 0), minutes_long=90, timezone="Asia/Shanghai"
    )
    login_as(team.member)
    html = client.get(meeting_url(meeting)).get_data(as_text=True)
    when = html[html.index('id="when"') : html.index("Planned in")]
    assert "Your time (Rome)" in when and "Brussels time" in when and "Beijing time" in when
    rome = when[when.index("Your time (Rome)") : when.index("Brussels time")]
    brussels = when[when.index("Brussels time") : when.index("Beijing time")]
    beijing = when[when.index("Beijing time") :]
    assert "10:00" in rome and "11:30" in rome and "GMT+02:00" in rome
    assert "10:00" in brussels and "GMT+02:00" in brussels
    assert "16:00" in beijing and "17:30" in beijing and "GMT+08:00" in beijing
    assert "Planned in Asia/Shanghai." in html


def test_a_week_earlier_the_same_meeting_is_an_hour_earlier_in_europe(client, team, login_as):
    """Before Europe's clock change the Shanghai 16:00 slot is 09:00 in Rome."""
    meeting = create_meeting(team.group, starts_at=utc(2027, 3, 23, 8, 0), timezone="Asia/Shanghai")
    login_as(team.member)
    html = client.get(meeting_url(meeting)).get_data(as_text=True)
    when = html[html.index('id="when"') : html.index("Planned in")]
    assert "09:00" in when[when.index("Your time (Rome)") : when.index("Brussels time")]
    assert "GMT+01:00" in when


def test_a_chinese_reader_gets_the_chinese_title_and_dates(client, team, login_as):
    """With Chinese chosen, the title is the Chinese one and dates are written the Chinese way."""
    meeting = create_meeting(team.group, title_zh="月度会议", starts_at=utc(2027, 3, 30, 8, 0))
    team.member.locale = "zh"
    db.session.commit()
    login_as(team.member)
    html = client.get(meeting_url(meeting)).get_data(as_text=True)
    assert "<h1" in html and "月度会议" in html[html.index("<h1") : html.index("</h1>")]
    assert "2027年3月30日" in html


def test_the_meeting_page_costs_the_same_number_of_queries_whatever_its_size(
    client, team, login_as, make_user, add_member
):
    """Agenda, attendance, decisions, action items and comments are loaded in a fixed number
    of queries."""
    small = create_meeting(
        team.group, invitees=[team.member], state=MinutesState.CIRCULATED, text="x", agenda=["A"]
    )
    add_decision(small)
    add_action(small, team.member)
    small.minutes.comments.append(MinutesComment(author=team.member, text="One"))
    big = create_meeting(
        team.group,
        invitees=[team.member, team.lead, team.writer, team.observer],
        state=MinutesState.CIRCULATED,
        text="x",
        agenda=[f"Item {n}" for n in range(12)],
    )
    for n in range(8):
        add_decision(big, f"Decision {n}")
        add_action(big, [team.member, team.writer, team.lead][n % 3], f"Action {n}")
        big.minutes.comments.append(
            MinutesComment(author=[team.member, team.lead][n % 2], text="c")
        )
    db.session.commit()
    login_as(team.member)

    def count(path: str) -> int:
        seen = []
        engine = db.engine
        listener = lambda *args, **kwargs: seen.append(1)  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    assert count(meeting_url(small)) == count(meeting_url(big))


def test_another_groups_members_get_404_everywhere(app, client, team, login_as):
    """Every meeting address of a group answers 404 to the lead of another group."""
    meeting = create_meeting(team.group, state=MinutesState.CIRCULATED, text="x", agenda=["A"])
    item = add_action(meeting, team.member)
    decision = add_decision(meeting)
    login_as(team.outsider)
    token = csrf_token_from(client.get("/meetings/").get_data(as_text=True))
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/groups/<slug>/meetings")]
    assert len(rules) > 20
    values = {
        "slug": team.group.slug,
        "meeting_id": meeting.id,
        "item_id": item.id,
        "decision_id": decision.id,
    }
    for rule in rules:
        with app.test_request_context():
            args = {name: values[name] for name in rule.arguments}
            if rule.endpoint.endswith("agenda_item"):
                args["item_id"] = meeting.agenda_items[0].id
            path = url_for(rule.endpoint, **args)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (method, path)


def test_the_demo_meetings_load_with_the_demo_consortium(app):
    """The demo has past meetings with approved minutes and action items, circulated minutes,
    and an upcoming meeting planned from Shanghai."""
    load_demo_consortium("a demo password!")
    groups = {g.code: g for g in db.session.scalars(sa.select(WorkingGroup))}
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    demo.load_demo(None, groups, users)
    db.session.commit()
    db.session.expire_all()
    meetings = db.session.scalars(sa.select(Meeting)).all()
    states = {m.minutes.state for m in meetings if m.is_past()}
    assert {MinutesState.APPROVED, MinutesState.CIRCULATED} <= states
    upcoming = [m for m in meetings if not m.is_past()]
    assert any(
        m.timezone == "Asia/Shanghai" and m.organiser.email == "wang.lei@ic2permed.example"
        for m in upcoming
    )
    assert all(m.title_zh for m in meetings)
    approved = [m for m in meetings if m.minutes.state == MinutesState.APPROVED]
    assert all(m.minutes.approved_by and m.minutes.text for m in approved)
    assert any(m.action_items for m in approved)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionItem)) >= 5
    for meeting in upcoming:
        assert meeting.agenda_items or meeting.group.code == "WG2"


def test_the_demo_pages_render(app, client):
    """A demo lead opens the meetings of WG1 and the circulated minutes without error."""
    load_demo_consortium("a demo password!")
    groups = {g.code: g for g in db.session.scalars(sa.select(WorkingGroup))}
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    demo.load_demo(None, groups, users)
    db.session.commit()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post(
        "/login",
        data={
            "email": "anna.schmidt@ic2permed.example",
            "password": "a demo password!",
            "csrf_token": token,
        },
    )
    assert client.get(f"/groups/{groups['WG1'].slug}/meetings/").status_code == 200
    for meeting in db.session.scalars(
        sa.select(Meeting).where(Meeting.group_id == groups["WG1"].id)
    ):
        assert client.get(meeting_url(meeting)).status_code == 200
    assert client.get("/meetings/").status_code == 200
    assert client.get("/meetings/actions").status_code == 200


def test_an_absurd_meeting_number_is_not_found(client, team, login_as, app):
    """A meeting id beyond any integer column answers 404 (never a database error)."""
    login_as(team.member)
    huge = 10**20
    assert client.get(f"/groups/{team.group.slug}/meetings/{huge}/").status_code == 404
    assert client.get(f"/groups/{team.group.slug}/meetings/{2**31}/").status_code == 404
    anonymous = app.test_client()
    response = anonymous.post(
        f"/groups/{team.group.slug}/meetings/{huge}/minutes/edit",
        data={"text": "x", "base_version": "1", "rescue_key": "k"},
    )
    assert response.status_code == 404  # no route has such an address
