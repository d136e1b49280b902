"""Deliverable, DeliverableEvent, Milestone and DeliverableReminder.

A deliverable's due date is stored with its project month (`due_month`, `due_on`): the month is
what the grant agreement says, the date is what the dashboard compares with today. They are
kept consistent by the services (see `app.deliverables.months`).

A submission names a version of the group's library (`submitted_version`, and the event's
`document_version`). The foreign keys refuse to delete such a version (ON DELETE RESTRICT):
the library's purge asks the purge guard `services.version_is_protected` first, inside its
transaction; the database is the safety net.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.database import LabelledEnum, UTCDateTime, Versioned, enum_column, utcnow
from app.core.i18n import localised
from app.documents.models import DocumentVersion
from app.extensions import db
from app.groups.models import WorkingGroup
from app.organisations.models import Organisation


class DeliverableType(LabelledEnum):
    """The EU deliverable types."""

    R = "R", _l("Report")
    DEM = "DEM", _l("Demonstrator, pilot, prototype")
    DEC = "DEC", _l("Websites, patent filings, videos")
    DATA = "DATA", _l("Data sets")
    ETHICS = "ETHICS", _l("Ethics")
    OTHER = "OTHER", _l("Other")


class Dissemination(LabelledEnum):
    """Who may read a deliverable once it is submitted."""

    PU = "PU", _l("Public")
    SEN = "SEN", _l("Sensitive (consortium only)")


class DeliverableStatus(LabelledEnum):
    """Where a deliverable stands in its workflow."""

    PLANNED = "planned", _l("Planned")
    IN_PROGRESS = "in_progress", _l("In progress")
    IN_REVIEW = "in_review", _l("In review")
    SUBMITTED = "submitted", _l("Submitted")
    APPROVED = "approved", _l("Approved")
    RETURNED = "returned", _l("Returned")

    @property
    def is_open(self) -> bool:
        """True while the group still owes the deliverable (not submitted, not approved)."""
        return self in OPEN_STATUSES


#: Statuses in which the group still owes the deliverable: past its due date, it is late.
OPEN_STATUSES = frozenset(
    {
        DeliverableStatus.PLANNED,
        DeliverableStatus.IN_PROGRESS,
        DeliverableStatus.IN_REVIEW,
        DeliverableStatus.RETURNED,
    }
)


class Deliverable(Versioned, db.Model):
    """A deliverable of the grant agreement, owed by one working group."""

    __tablename__ = "deliverables"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The grant agreement's code, e.g. "D2.3"; unique in the project.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("working_groups.id"), index=True)
    title_en: Mapped[str] = mapped_column(sa.String(300))
    title_zh: Mapped[str | None] = mapped_column(sa.String(300))
    #: Markdown.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: The work package it belongs to, e.g. "WP2".
    work_package: Mapped[str] = mapped_column(sa.String(16), index=True)
    #: The person who answers for it (a member or lead of the group).
    responsible_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: The lead beneficiary: the organisation that answers for it to the funder.
    lead_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    type: Mapped[DeliverableType] = mapped_column(
        enum_column(DeliverableType, "deliverable_type"), default=DeliverableType.R
    )
    dissemination: Mapped[Dissemination] = mapped_column(
        enum_column(Dissemination, "deliverable_dissemination"), default=Dissemination.PU
    )
    #: The project month it is due in (M18 → 18).
    due_month: Mapped[int] = mapped_column()
    #: The day it is due: the last day of `due_month` unless a precise date was given.
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)
    status: Mapped[DeliverableStatus] = mapped_column(
        enum_column(DeliverableStatus, "deliverable_status"),
        default=DeliverableStatus.PLANNED,
        index=True,
    )
    #: The document version submitted, from the group's library. None while nothing is
    #: submitted, or after it was returned (the event keeps it).
    submitted_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("document_versions.id", ondelete="RESTRICT"), index=True
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[WorkingGroup] = relationship()
    responsible: Mapped[User | None] = relationship()
    lead_organisation: Mapped[Organisation | None] = relationship()
    submitted_version: Mapped[DocumentVersion | None] = relationship()
    events: Mapped[list[DeliverableEvent]] = relationship(
        back_populates="deliverable",
        cascade="all, delete-orphan",
        order_by="DeliverableEvent.id",
    )

    @property
    def title(self) -> str:
        """Return the title in the reader's language, falling back to English."""
        return localised(self.title_en, self.title_zh)

    @property
    def month_label(self) -> str:
        return f"M{self.due_month}"

    def __repr__(self) -> str:
        return f"<Deliverable {self.code}>"


class DeliverableEvent(db.Model):
    """One step of a deliverable's history: its creation or a change of status."""

    __tablename__ = "deliverable_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliverables.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None for the creation of the deliverable.
    from_status: Mapped[DeliverableStatus | None] = mapped_column(
        enum_column(DeliverableStatus, "deliverable_event_from")
    )
    to_status: Mapped[DeliverableStatus] = mapped_column(
        enum_column(DeliverableStatus, "deliverable_event_to")
    )
    comment: Mapped[str | None] = mapped_column(sa.Text)
    #: The document version handed in with a submission; such a version is never purged
    #: from the library's trash.
    document_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("document_versions.id", ondelete="RESTRICT"), index=True
    )

    deliverable: Mapped[Deliverable] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    document_version: Mapped[DocumentVersion | None] = relationship()


class Milestone(Versioned, db.Model):
    """A milestone of the grant agreement (MS3), watched over by one working group."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The grant agreement's code, e.g. "MS3"; unique in the project.
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("working_groups.id"), index=True)
    title_en: Mapped[str] = mapped_column(sa.String(300))
    title_zh: Mapped[str | None] = mapped_column(sa.String(300))
    due_month: Mapped[int] = mapped_column()
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)
    #: How the funder can check that it was reached (Markdown).
    verification: Mapped[str] = mapped_column(sa.Text, default="")
    #: The day it was reached; None while it is not.
    achieved_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[WorkingGroup] = relationship()

    @property
    def title(self) -> str:
        return localised(self.title_en, self.title_zh)

    @property
    def month_label(self) -> str:
        return f"M{self.due_month}"

    def __repr__(self) -> str:
        return f"<Milestone {self.code}>"


class ReminderKind(enum.StrEnum):
    """Which reminder of a deliverable's deadline was sent."""

    DAYS_30 = "30_days"
    DAYS_7 = "7_days"
    DAYS_1 = "1_day"
    OVERDUE = "overdue"


class DeliverableReminder(db.Model):
    """The record that one reminder went to one person for one due date: never sent twice.

    The due date is part of the key, so a deliverable moved to a new date is reminded of
    again before the new date.
    """

    __tablename__ = "deliverable_reminders"
    __table_args__ = (sa.UniqueConstraint("deliverable_id", "user_id", "kind", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Indexed by the unique constraint, whose first column it is.
    deliverable_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliverables.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(
        enum_column(ReminderKind, "deliverable_reminder_kind")
    )
    #: The due date the reminder was about.
    due_on: Mapped[date] = mapped_column(sa.Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
