"""Meeting, its agenda, attendance, minutes (with comments), decisions and action items.

Times are stored in UTC; a meeting also keeps the IANA zone it was planned in, so it can be
shown, edited and exported (iCalendar) in that zone. Minutes are `Versioned`: every saved
text raises their counter, and a save based on an older version is refused (see services).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.database import LabelledEnum, UTCDateTime, Versioned, enum_column, utcnow
from app.core.i18n import localised
from app.documents.models import Document
from app.extensions import db
from app.groups.models import WorkingGroup


class AttendanceStatus(LabelledEnum):
    """Whether an invited person came."""

    INVITED = "invited", _l("Invited")
    PRESENT = "present", _l("Present")
    APOLOGIES = "apologies", _l("Apologies")
    ABSENT = "absent", _l("Absent")


class MinutesState(LabelledEnum):
    """Where the minutes are in their life: draft → circulated → approved."""

    DRAFT = "draft", _l("Draft")
    CIRCULATED = "circulated", _l("Circulated for comment")
    APPROVED = "approved", _l("Approved")


class ActionStatus(LabelledEnum):
    """An action item is open until its owner (or a lead) marks it done."""

    OPEN = "open", _l("Open")
    DONE = "done", _l("Done")


class Meeting(db.Model):
    """A meeting of one working group."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    title_en: Mapped[str] = mapped_column(sa.String(200))
    title_zh: Mapped[str | None] = mapped_column(sa.String(200))
    #: Markdown.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: The IANA zone the organiser entered the times in, e.g. Asia/Shanghai.
    timezone: Mapped[str] = mapped_column(sa.String(64))
    location: Mapped[str | None] = mapped_column(sa.String(200))
    #: An http(s) link to the video call; shown as a link, never loaded by the page.
    online_url: Mapped[str | None] = mapped_column(sa.String(500))
    organiser_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Set when the meeting is cancelled (the meeting stays, marked cancelled).
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: iCalendar SEQUENCE: raised at every change so calendars replace their copy.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[WorkingGroup] = relationship()
    organiser: Mapped[User | None] = relationship()
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="AgendaItem.position",
    )
    attendances: Mapped[list[Attendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    minutes: Mapped[Minutes | None] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", uselist=False
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Decision.id"
    )
    action_items: Mapped[list[ActionItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="ActionItem.id"
    )

    @property
    def title(self) -> str:
        """Return the title in the reader's language, falling back to English."""
        return localised(self.title_en, self.title_zh)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    def is_past(self, now: datetime | None = None) -> bool:
        """Return True once the meeting has ended."""
        return self.ends_at < (now or utcnow())

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title_en!r}>"


class AgendaItem(db.Model):
    """One point of a meeting's agenda, in the order of `position`."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, 3 … within the meeting.
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(300))
    presenter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    duration_minutes: Mapped[int | None] = mapped_column()
    #: A document of the group's library discussed under this item (None: no document).
    document_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    presenter: Mapped[User | None] = relationship()
    document: Mapped[Document | None] = relationship()

    @property
    def group(self) -> WorkingGroup:
        return self.meeting.group


class Attendance(db.Model):
    """One invited person of a meeting and whether they came."""

    __tablename__ = "attendances"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(
        enum_column(AttendanceStatus, "attendance_status"), default=AttendanceStatus.INVITED
    )

    meeting: Mapped[Meeting] = relationship(back_populates="attendances")
    user: Mapped[User] = relationship()


class Minutes(Versioned, db.Model):
    """The minutes of one meeting: Markdown text, its state and the version of the text."""

    __tablename__ = "minutes"
    #: `version` counts the saved texts (raised by the save); a change of state, or of the
    #: minute-taker, is checked against it but keeps it.
    version_rises_on_every_update = False

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    #: Markdown, rendered through markdown-it-py and sanitised by nh3.
    text: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[MinutesState] = mapped_column(
        enum_column(MinutesState, "minutes_state"), default=MinutesState.DRAFT
    )
    #: The member the lead appointed to write the draft (besides the leads).
    minute_taker_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    circulated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    meeting: Mapped[Meeting] = relationship(back_populates="minutes")
    minute_taker: Mapped[User | None] = relationship(foreign_keys=[minute_taker_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    comments: Mapped[list[MinutesComment]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="MinutesComment.id"
    )

    @property
    def group(self) -> WorkingGroup:
        return self.meeting.group

    @property
    def is_locked(self) -> bool:
        """Approved minutes are locked until a lead reopens them."""
        return self.state == MinutesState.APPROVED


class MinutesComment(db.Model):
    """A member's comment on circulated minutes."""

    __tablename__ = "minutes_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Plain text (shown with line breaks, never as HTML).
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    minutes: Mapped[Minutes] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


class MinutesRescue(db.Model):
    """Minutes text posted when its writer's session or form token had expired.

    Kept for the writer (the signed key of the editor names them) and put back in the editor
    after they sign in again; deleted when they save or discard it. One per writer and minutes.
    """

    __tablename__ = "minutes_rescues"
    __table_args__ = (sa.UniqueConstraint("minutes_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    #: The minutes version the text was based on: saving it later still detects conflicts.
    base_version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    minutes: Mapped[Minutes] = relationship()


class Decision(db.Model):
    """A decision recorded with a meeting's minutes."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")

    @property
    def group(self) -> WorkingGroup:
        return self.meeting.group


class ActionItem(db.Model):
    """Something a person agreed to do at a meeting, by a due date."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus, "action_status"), default=ActionStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="action_items")
    owner: Mapped[User | None] = relationship()

    @property
    def group(self) -> WorkingGroup:
        return self.meeting.group

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.OPEN

    def is_overdue(self, today: date) -> bool:
        """Return True if the item is still open after its due date."""
        return self.is_open and self.due_on is not None and self.due_on < today


class CalendarFeed(db.Model):
    """A person's private calendar subscription: only the SHA-256 of its secret is stored."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: SHA-256 (hex) of the secret token in the feed's address; a new token replaces it.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
