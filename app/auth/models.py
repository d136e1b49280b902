"""The User account and its site role."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.database import LabelledEnum, UTCDateTime, enum_column, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.groups.models import Membership
    from app.organisations.models import Organisation


class SiteRole(LabelledEnum):
    """What an account may do across the whole portal."""

    ADMIN = "admin", _l("Administrator")
    COORDINATOR = "coordinator", _l("Coordinator")
    MEMBER = "member", _l("Member")


#: How an erased account is shown wherever its documents, minutes and history remain.
FORMER_MEMBER = _l("Former member")


def normalise_email(value: str) -> str:
    """Return the e-mail address as stored: NFKC-normalised, trimmed, lower-cased."""
    return unicodedata.normalize("NFKC", value).strip().lower()


def new_session_token() -> str:
    """Return a fresh random token; changing it signs the account out everywhere."""
    return secrets.token_urlsafe(24)


class User(db.Model):
    """A person with an account on the portal."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored normalised (see `normalise_email`); unique.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: Name in Latin script, as the person writes it.
    name: Mapped[str] = mapped_column(sa.String(120))
    name_zh: Mapped[str | None] = mapped_column(sa.String(120))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    #: ISO 3166-1 alpha-2 code.
    country: Mapped[str | None] = mapped_column(sa.String(2))
    position: Mapped[str | None] = mapped_column(sa.String(200))
    expertise: Mapped[str | None] = mapped_column(sa.Text)
    #: `en` or `zh`; None means "follow the browser".
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    #: IANA zone name, e.g. Europe/Rome or Asia/Shanghai.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Brussels")
    site_role: Mapped[SiteRole] = mapped_column(
        enum_column(SiteRole, "site_role"),
        default=SiteRole.MEMBER,
    )
    #: False once an administrator deactivates the account: it can then do nothing.
    is_active_account: Mapped[bool] = mapped_column(default=True)
    #: Part of every session and remember-me cookie; rotating it ends them all.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when an administrator erased the person's data; the row stays for attribution.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login protocol -------------------------------------------------------------
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def get_id(self) -> str:
        """Return the session identity: the id plus the current session token."""
        return f"{self.id}:{self.session_token}"

    # Display --------------------------------------------------------------------------
    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def display_name(self) -> str:
        """Return the name as a reader of either language would want to see it."""
        from flask_babel import get_locale

        if self.is_erased:
            return str(FORMER_MEMBER)
        locale = get_locale()
        if self.name_zh and locale is not None and locale.language == "zh":
            return f"{self.name_zh}（{self.name}）"
        return self.name

    @property
    def is_admin(self) -> bool:
        return self.site_role == SiteRole.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
