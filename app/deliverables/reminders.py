"""Deadline reminders: e-mail whoever owes a deliverable 30, 7 and 1 days ahead, and when late.

`send_reminders()` is what `flask deliverables remind` runs (daily, from cron). For every
deliverable still owed (planned, in progress, in review, returned) of a group that is not
archived, it finds the reminder that is due today:

- due in 8 to 30 days: the 30-day reminder;
- due in 2 to 7 days: the 7-day reminder;
- due today or tomorrow: the 1-day reminder;
- past its due date: the overdue reminder (once).

It sends it to the deliverable's responsible person and to the group's leads (active
accounts only), each in their own language, through the outbox, unless that person already
got that reminder for that due date. A day the command did not run is caught up the next
time (only the most urgent reminder is sent, not every one that was missed). What was sent
is recorded in `deliverable_reminders`, whose unique key (deliverable, person, kind, due
date) makes a second run, even a simultaneous one, send nothing twice: the records and the
e-mails are committed together, so either both exist or neither does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.core.mail import enqueue, external_url
from app.deliverables.models import (
    OPEN_STATUSES,
    Deliverable,
    DeliverableReminder,
    ReminderKind,
)
from app.deliverables.services import local_today
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup

#: The furthest ahead a reminder is sent.
FIRST_REMINDER_DAYS = 30


def reminder_kind(days_left: int) -> ReminderKind | None:
    """Return the reminder due when a deliverable is due in `days_left` days (negative: late)."""
    if days_left < 0:
        return ReminderKind.OVERDUE
    if days_left <= 1:
        return ReminderKind.DAYS_1
    if days_left <= 7:
        return ReminderKind.DAYS_7
    if days_left <= FIRST_REMINDER_DAYS:
        return ReminderKind.DAYS_30
    return None


@dataclass(frozen=True)
class _Subject:
    """The subject of one reminder, translated when the outbox renders it in its language."""

    code: str
    days_left: int

    def __call__(self) -> str:
        if self.days_left < 0:
            return _("Deliverable %(code)s is overdue", code=self.code)
        if self.days_left == 0:
            return _("Deliverable %(code)s is due today", code=self.code)
        return ngettext(
            "Deliverable %(code)s is due in %(num)d day",
            "Deliverable %(code)s is due in %(num)d days",
            self.days_left,
            code=self.code,
        )


def _recipients(deliverables: list[Deliverable]) -> dict[int, list[User]]:
    """Return, per deliverable id, its responsible person and its group's leads (active ones)."""
    group_ids = {d.group_id for d in deliverables}
    leads: dict[int, list[User]] = {group_id: [] for group_id in group_ids}
    if group_ids:
        query = (
            sa.select(Membership.group_id, User)
            .join(User, Membership.user_id == User.id)
            .where(Membership.group_id.in_(group_ids), Membership.role == GroupRole.LEAD)
            .order_by(User.id)
        )
        for group_id, user in db.session.execute(query):
            leads[group_id].append(user)
    recipients: dict[int, list[User]] = {}
    for deliverable in deliverables:
        people = [deliverable.responsible] if deliverable.responsible else []
        people += leads[deliverable.group_id]
        unique = {person.id: person for person in people if person.is_active_account}
        recipients[deliverable.id] = [p for p in unique.values() if not p.is_erased]
    return recipients


def _already_sent(deliverables: list[Deliverable]) -> set[tuple[int, int, ReminderKind, date]]:
    ids = [d.id for d in deliverables]
    if not ids:
        return set()
    query = sa.select(
        DeliverableReminder.deliverable_id,
        DeliverableReminder.user_id,
        DeliverableReminder.kind,
        DeliverableReminder.due_on,
    ).where(DeliverableReminder.deliverable_id.in_(ids))
    return {tuple(row) for row in db.session.execute(query)}


def _queue(today: date) -> int:
    """Add the reminders due today and their e-mails to the session; return how many."""
    query = (
        sa.select(Deliverable)
        .join(WorkingGroup, Deliverable.group_id == WorkingGroup.id)
        .where(
            WorkingGroup.is_archived.is_(False),
            Deliverable.status.in_(sorted(OPEN_STATUSES)),
            Deliverable.due_on <= today + timedelta(days=FIRST_REMINDER_DAYS),
        )
        .options(joinedload(Deliverable.group), joinedload(Deliverable.responsible))
        .order_by(Deliverable.due_on, Deliverable.id)
    )
    deliverables = list(db.session.scalars(query))
    recipients = _recipients(deliverables)
    sent = _already_sent(deliverables)
    queued = 0
    for deliverable in deliverables:
        days_left = (deliverable.due_on - today).days
        kind = reminder_kind(days_left)
        if kind is None:
            continue
        link = external_url(
            "deliverables.detail", slug=deliverable.group.slug, deliverable_id=deliverable.id
        )
        for person in recipients[deliverable.id]:
            if (deliverable.id, person.id, kind, deliverable.due_on) in sent:
                continue
            db.session.add(
                DeliverableReminder(
                    deliverable_id=deliverable.id,
                    user_id=person.id,
                    kind=kind,
                    due_on=deliverable.due_on,
                )
            )
            enqueue(
                person.email,
                person.locale or "en",
                "deliverables_reminder",
                _Subject(deliverable.code, days_left),
                person=person,
                deliverable=deliverable,
                days_left=days_left,
                link=link,
            )
            queued += 1
    return queued


def send_reminders(today: date | None = None) -> int:
    """Queue today's deadline reminders (each at most once per person); return how many.

    If another run records the same reminders at the same moment, this run's work is undone
    (nothing of it is committed) and done again once, seeing what the other run sent.
    """
    today = today or local_today()
    for attempt in range(2):
        try:
            queued = _queue(today)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
        else:
            return queued
    return 0  # pragma: no cover - the loop returns or raises
