"""WorkingGroup and Membership (user × group × group role)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.database import LabelledEnum, UTCDateTime, enum_column, utcnow
from app.core.i18n import localised
from app.extensions import db


class GroupRole(LabelledEnum):
    """What a member may do inside one working group."""

    LEAD = "lead", _l("Lead")
    MEMBER = "member", _l("Member")
    OBSERVER = "observer", _l("Observer")


class WorkingGroup(db.Model):
    """A working group of European and Chinese experts."""

    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short code shown everywhere, e.g. "WG1".
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    #: The group's address: /groups/<slug>/.
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    description_zh: Mapped[str | None] = mapped_column(sa.Text)
    #: The Action Plan priority / roadmap pillar the group serves (English and Chinese).
    priority_en: Mapped[str] = mapped_column(sa.String(200), default="")
    priority_zh: Mapped[str | None] = mapped_column(sa.String(200))
    #: Archived groups are read-only and hidden from the default lists.
    is_archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )

    @property
    def name(self) -> str:
        """Return the name in the reader's language, falling back to English."""
        return localised(self.name_en, self.name_zh)

    @property
    def description(self) -> str:
        return localised(self.description_en, self.description_zh)

    @property
    def priority(self) -> str:
        return localised(self.priority_en, self.priority_zh)

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.code}>"


class Membership(db.Model):
    """One person's place in one working group."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[GroupRole] = mapped_column(
        enum_column(GroupRole, "group_role"),
        default=GroupRole.MEMBER,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    group: Mapped[WorkingGroup] = relationship(back_populates="memberships")


def lead_first() -> sa.Case:
    """Order memberships by role in SQL: leads, then members, then observers."""
    return sa.case(
        (Membership.role == GroupRole.LEAD, 0),
        (Membership.role == GroupRole.MEMBER, 1),
        else_=2,
    )
