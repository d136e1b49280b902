"""`flask deliverables remind`: 30, 7 and 1 days ahead and when late, once per person."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.core.mail import OutboxEmail, send_pending
from app.deliverables import reminders
from app.deliverables.models import DeliverableReminder, DeliverableStatus, ReminderKind
from app.extensions import db
from app.groups.models import GroupRole

DUE = date(2021, 6, 30)  # M18


@pytest.fixture(autouse=True)
def english_shell(monkeypatch):
    """Command-line messages follow LANG: run them as from an English shell."""
    monkeypatch.setenv("LANG", "en_GB.UTF-8")


@pytest.fixture
def team(make_group, make_user, add_member):
    """A group with two leads (one reads Chinese), a responsible member and bystanders."""
    group = make_group(code="WG2", slug="wg2")
    people = {
        "lead_en": make_user(name="Lars Jensen", email="lars@example.org", locale="en"),
        "lead_zh": make_user(
            name="Chen Jing", name_zh="陈静", email="chen@example.org", locale="zh"
        ),
        "responsible": make_user(name="Pieter de Vries", email="pieter@example.org"),
        "member": make_user(email="bystander@example.org"),
        "observer": make_user(email="observer@example.org"),
        "gone": make_user(email="gone@example.org", active=False),
    }
    add_member(people["lead_en"], group, GroupRole.LEAD)
    add_member(people["lead_zh"], group, GroupRole.LEAD)
    add_member(people["responsible"], group, GroupRole.MEMBER)
    add_member(people["member"], group, GroupRole.MEMBER)
    add_member(people["observer"], group, GroupRole.OBSERVER)
    add_member(people["gone"], group, GroupRole.LEAD)
    return group, people


@pytest.fixture
def deliverable(team, make_deliverable):
    group, people = team
    return make_deliverable(
        group,
        code="D4.2",
        title_en="Workshop report: market access",
        title_zh="研讨会报告：市场准入",
        due_on=DUE,
        status=DeliverableStatus.IN_PROGRESS,
        responsible=people["responsible"],
    )


def outbox() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))


def sent_kinds() -> list[tuple[str, ReminderKind]]:
    db.session.expire_all()
    query = sa.select(DeliverableReminder).order_by(DeliverableReminder.id)
    return [(r.user_id, r.kind) for r in db.session.scalars(query)]


@pytest.mark.parametrize(
    ("days_left", "kind"),
    [
        (45, None),
        (31, None),
        (30, ReminderKind.DAYS_30),
        (8, ReminderKind.DAYS_30),
        (7, ReminderKind.DAYS_7),
        (2, ReminderKind.DAYS_7),
        (1, ReminderKind.DAYS_1),
        (0, ReminderKind.DAYS_1),
        (-1, ReminderKind.OVERDUE),
        (-300, ReminderKind.OVERDUE),
    ],
)
def test_which_reminder_is_due(days_left, kind):
    """The most urgent reminder whose day has come."""
    assert reminders.reminder_kind(days_left) == kind


def test_reminders_go_to_the_responsible_person_and_the_leads(team, deliverable):
    """Each active lead and the responsible person get one e-mail, in their own language."""
    assert reminders.send_reminders(DUE - timedelta(days=30)) == 3
    messages = {m.recipient: m for m in outbox()}
    assert set(messages) == {"lars@example.org", "chen@example.org", "pieter@example.org"}
    english, chinese = messages["lars@example.org"], messages["chen@example.org"]
    assert (english.locale, chinese.locale, messages["pieter@example.org"].locale) == (
        "en",
        "zh",
        "en",
    )
    assert english.subject == "Deliverable D4.2 is due in 30 days"
    assert "Workshop report: market access" in english.body_text
    assert "June 30, 2021" in english.body_text and "M18" in english.body_text
    assert "研讨会报告：市场准入" in chinese.body_text
    assert "陈静" in chinese.body_text
    link = f"/groups/wg2/deliverables/{deliverable.id}"
    assert all(link in m.body_text and link in m.body_html for m in messages.values())


def test_running_twice_sends_nothing_twice(team, deliverable):
    """A second run the same day (or the next) finds every reminder already sent."""
    today = DUE - timedelta(days=20)
    assert reminders.send_reminders(today) == 3
    assert reminders.send_reminders(today) == 0
    assert reminders.send_reminders(today + timedelta(days=1)) == 0
    assert len(outbox()) == 3


def test_each_reminder_comes_once_as_the_deadline_nears(team, deliverable):
    """30 days, 7 days, 1 day, overdue: four reminders per person over the weeks, no more."""
    _group, people = team
    lead = people["lead_en"].id
    schedule = {
        -40: 0,  # too early
        -30: 3,
        -12: 0,  # still the 30-day window: already sent
        -7: 3,
        -3: 0,
        -1: 3,
        0: 0,  # due today: the 1-day reminder is already sent
        1: 3,  # overdue
        9: 0,  # overdue is said once
    }
    for offset, expected in schedule.items():
        today = DUE + timedelta(days=offset)
        assert reminders.send_reminders(today) == expected, offset
    kinds = [kind for user_id, kind in sent_kinds() if user_id == lead]
    assert kinds == [
        ReminderKind.DAYS_30,
        ReminderKind.DAYS_7,
        ReminderKind.DAYS_1,
        ReminderKind.OVERDUE,
    ]
    subjects = [m.subject for m in outbox() if m.recipient == "lars@example.org"]
    assert subjects == [
        "Deliverable D4.2 is due in 30 days",
        "Deliverable D4.2 is due in 7 days",
        "Deliverable D4.2 is due in 1 day",
        "Deliverable D4.2 is overdue",
    ]
    late = [m for m in outbox() if m.recipient == "lars@example.org"][-1]
    assert "1 day late" in late.body_text


def test_a_missed_day_is_caught_up_with_the_most_urgent_reminder(team, deliverable):
    """Seen first 5 days ahead, the deliverable gets the 7-day reminder, not the 30-day one."""
    assert reminders.send_reminders(DUE - timedelta(days=5)) == 3
    assert {kind for _user, kind in sent_kinds()} == {ReminderKind.DAYS_7}


def test_a_new_due_date_is_reminded_again(team, deliverable):
    """Moving the deadline gives fresh reminders before the new date."""
    assert reminders.send_reminders(DUE - timedelta(days=7)) == 3
    deliverable.due_on = DUE + timedelta(days=31)
    deliverable.due_month = 19
    db.session.commit()
    assert reminders.send_reminders(DUE - timedelta(days=7)) == 0  # 38 days away now
    assert reminders.send_reminders(DUE + timedelta(days=24)) == 3


@pytest.mark.parametrize("status", [DeliverableStatus.SUBMITTED, DeliverableStatus.APPROVED])
def test_handed_in_deliverables_are_not_reminded(team, deliverable, status):
    """Submitted and approved deliverables are not owed any more."""
    deliverable.status = status
    db.session.commit()
    assert reminders.send_reminders(DUE + timedelta(days=3)) == 0
    assert outbox() == []


@pytest.mark.parametrize(
    "status", [DeliverableStatus.PLANNED, DeliverableStatus.IN_REVIEW, DeliverableStatus.RETURNED]
)
def test_every_status_still_owed_is_reminded(team, deliverable, status):
    """Planned, in review and returned deliverables are still owed."""
    deliverable.status = status
    db.session.commit()
    assert reminders.send_reminders(DUE + timedelta(days=3)) == 3


def test_archived_groups_are_not_reminded(team, deliverable):
    """An archived group's deliverables are read-only: nobody is reminded of them."""
    group, _people = team
    group.is_archived = True
    db.session.commit()
    assert reminders.send_reminders(DUE) == 0


def test_nobody_responsible_still_reminds_the_leads(team, deliverable):
    """Without a responsible person the leads are reminded."""
    deliverable.responsible = None
    db.session.commit()
    assert reminders.send_reminders(DUE) == 2


def test_a_simultaneous_run_does_not_double_the_mail(team, deliverable, monkeypatch):
    """If another run recorded the reminders meanwhile, this run's work is undone and redone."""
    today = DUE - timedelta(days=7)
    assert reminders.send_reminders(today) == 3
    # This run read "nothing sent yet" before the other run committed its records.
    real = reminders._already_sent
    calls = []

    def stale_then_real(deliverables):
        calls.append(1)
        return set() if len(calls) == 1 else real(deliverables)

    monkeypatch.setattr(reminders, "_already_sent", stale_then_real)
    assert reminders.send_reminders(today) == 0
    assert len(calls) == 2
    assert len(outbox()) == 3


def test_the_command(runner, team, deliverable):
    """`flask deliverables remind` queues the reminders and says how many, then none."""
    result = runner.invoke(args=["deliverables", "remind", "--today", "2021-06-23"])
    assert result.exit_code == 0, result.output
    assert "3 reminders queued." in result.output
    result = runner.invoke(args=["deliverables", "remind", "--today", "2021-06-23"])
    assert result.exit_code == 0
    assert "No reminder is due." in result.output
    assert len(outbox()) == 3


def test_the_command_refuses_a_bad_date(runner, team, deliverable):
    """A date that is not YYYY-MM-DD is a usage error; nothing is sent."""
    result = runner.invoke(args=["deliverables", "remind", "--today", "23/06/2021"])
    assert result.exit_code == 2
    assert outbox() == []


def test_the_command_uses_today_by_default(runner, team, make_deliverable):
    """Without --today the command acts on today's date (in the portal's zone)."""
    group, people = team
    make_deliverable(
        group, due_on=date.today() + timedelta(days=3), responsible=people["responsible"]
    )
    result = runner.invoke(args=["deliverables", "remind"])
    assert result.exit_code == 0, result.output
    assert "3 reminders queued." in result.output


def test_reminders_are_delivered_over_smtp(team, deliverable, smtp_server):
    """The outbox delivers the reminders for real, with the subject in each one's language."""
    reminders.send_reminders(DUE - timedelta(days=1))
    assert send_pending() == (3, 0)
    delivered = {m["To"]: m for m in smtp_server.messages}
    assert delivered["lars@example.org"]["Subject"] == "Deliverable D4.2 is due in 1 day"
    assert delivered["chen@example.org"]["Content-Language"] == "zh-Hans"
