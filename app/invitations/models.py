"""Invitation (a single-use, expiring link sent by e-mail) and the groups it names."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import SiteRole, User
from app.core.database import LabelledEnum, UTCDateTime, enum_column, utcnow
from app.extensions import db
from app.groups.models import GroupRole, WorkingGroup
from app.organisations.models import Organisation


class InvitationState(LabelledEnum):
    PENDING = "pending", _l("Pending")
    ACCEPTED = "accepted", _l("Accepted")
    REVOKED = "revoked", _l("Revoked")
    EXPIRED = "expired", _l("Expired")


class Invitation(db.Model):
    """An invitation to create an account, sent to one e-mail address."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored normalised, like User.email.
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    #: SHA-256 of the secret token in the link; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The language the invitation e-mail is written in (and the account's first language).
    locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    site_role: Mapped[SiteRole] = mapped_column(
        enum_column(SiteRole, "invitation_site_role"),
        default=SiteRole.MEMBER,
    )
    #: A suggested name and organisation, filled in by the inviter (the invitee may change them).
    name: Mapped[str | None] = mapped_column(sa.String(120))
    name_zh: Mapped[str | None] = mapped_column(sa.String(120))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL")
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the link was last sent (a resend makes a new token and a new expiry).
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The account created when the invitation was accepted.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    groups: Mapped[list[InvitationGroup]] = relationship(
        back_populates="invitation", cascade="all, delete-orphan"
    )
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def state(self) -> InvitationState:
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= utcnow():
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    @property
    def is_usable(self) -> bool:
        return self.state is InvitationState.PENDING


class InvitationGroup(db.Model):
    """A working group (and the role in it) the invitee joins on accepting."""

    __tablename__ = "invitation_groups"
    __table_args__ = (sa.UniqueConstraint("invitation_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[GroupRole] = mapped_column(
        enum_column(GroupRole, "invitation_group_role"),
        default=GroupRole.MEMBER,
    )

    invitation: Mapped[Invitation] = relationship(back_populates="groups")
    group: Mapped[WorkingGroup] = relationship()
