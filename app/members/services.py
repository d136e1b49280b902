"""The member directory and members' profiles.

Who is listed: every active account that has not been erased. A member's country is the
one in their profile or, when they left it blank, their organisation's; the country and
region filters use that same country, and a member whose country is unknown is in no region.

Regions (for filtering only):

- **Europe** (`EUROPE`): the 27 EU member states, the other EEA states (Iceland,
  Liechtenstein, Norway), the United Kingdom, Switzerland, and the other states of
  geographical Europe (Andorra, Albania, Bosnia and Herzegovina, Belarus, Kosovo, Monaco,
  Moldova, Montenegro, North Macedonia, Russia, San Marino, Serbia, Türkiye, Ukraine, the
  Vatican) with the European dependencies Babel names (Åland, Faroe Islands, Gibraltar,
  Guernsey, Isle of Man, Jersey, Svalbard and Jan Mayen).
- **China** (`CHINA`): for this consortium, the Chinese side is made of partners in mainland
  China (CN) and in the Hong Kong and Macao special administrative regions (HK, MO). Those
  are the codes the region filter "China" selects. Taiwan (TW), where the consortium has no
  partners, is not in the filter; a member there is listed under "elsewhere".
- **Elsewhere**: every other known country.

The personal-data export lives here too: it gathers what the portal holds about a person
from the account, its groups and its invitations, so it sits above all three (see
docs/layers.md).
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, selectinload

from app.auth.models import User
from app.core import audit
from app.core.audit import AuditEvent
from app.core.bookkeeping import Bookkeeping, record_bookkeeping
from app.core.database import LabelledEnum, utcnow
from app.core.i18n import is_valid_timezone
from app.core.mail import OutboxEmail
from app.core.paging import paginate
from app.extensions import db
from app.groups.models import Membership, WorkingGroup
from app.invitations.models import Invitation, InvitationGroup
from app.organisations.models import Organisation

#: Members listed on one page of the directory.
PER_PAGE = 30

# fmt: off
#: EU member states.
EU = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
#: EU/EEA plus the United Kingdom, Switzerland and the rest of geographical Europe.
EUROPE = EU | frozenset({
    "IS", "LI", "NO",  # the rest of the EEA
    "GB", "CH",
    "AD", "AL", "BA", "BY", "XK", "MC", "MD", "ME", "MK", "RU", "SM", "RS", "TR", "UA", "VA",
    "AX", "FO", "GI", "GG", "IM", "JE", "SJ",  # European dependencies
})
# fmt: on
#: Mainland China and the Hong Kong and Macao special administrative regions.
CHINA = frozenset({"CN", "HK", "MO"})


class Region(LabelledEnum):
    """Where a member works, as the directory groups it."""

    EUROPE = "europe", _l("Europe")
    CHINA = "china", _l("China")
    ELSEWHERE = "elsewhere", _l("Elsewhere")


def country_column() -> sa.ColumnElement[str | None]:
    """Return the SQL expression of a member's country: their own, else their organisation's."""
    return sa.func.coalesce(User.country, Organisation.country)


def listed() -> sa.ColumnElement[bool]:
    """Return the condition of being in the directory: active and not erased."""
    return sa.and_(User.is_active_account.is_(True), User.erased_at.is_(None))


def _like(text: str) -> str:
    """Return a LIKE pattern matching `text` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def clean_search(text: str | None) -> str:
    """Return search text NFKC-normalised (full-width letters become plain ones) and trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


@dataclass(frozen=True)
class DirectoryFilters:
    """What the reader narrowed the directory to; None means "any"."""

    search: str | None = None
    group_id: int | None = None
    country: str | None = None
    region: Region | None = None
    organisation_id: int | None = None
    expertise: str | None = None


def directory_query(filters: DirectoryFilters) -> sa.Select:
    """Return the query of the directory's members, filtered, ordered by name."""
    country = country_column()
    query = (
        sa.select(User)
        .outerjoin(User.organisation)
        .where(listed())
        .options(
            contains_eager(User.organisation),
            selectinload(User.memberships).joinedload(Membership.group),
        )
    )
    search = clean_search(filters.search)
    if search:
        pattern = _like(search.lower())
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).like(pattern, escape="\\"),
                sa.func.lower(User.name_zh).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    expertise = clean_search(filters.expertise)
    if expertise:
        query = query.where(
            sa.func.lower(User.expertise).like(_like(expertise.lower()), escape="\\")
        )
    if filters.group_id is not None:
        query = query.where(
            User.id.in_(
                sa.select(Membership.user_id).where(Membership.group_id == filters.group_id)
            )
        )
    if filters.organisation_id is not None:
        query = query.where(User.organisation_id == filters.organisation_id)
    if filters.country:
        query = query.where(country == filters.country.upper())
    if filters.region is Region.EUROPE:
        query = query.where(country.in_(sorted(EUROPE)))
    elif filters.region is Region.CHINA:
        query = query.where(country.in_(sorted(CHINA)))
    elif filters.region is Region.ELSEWHERE:
        query = query.where(country.is_not(None), country.not_in(sorted(EUROPE | CHINA)))
    return query.order_by(sa.func.lower(User.name), User.id)


def directory_page(filters: DirectoryFilters, page: int = 1) -> Pagination:
    """Return one page of the directory (three queries whatever the number of members)."""
    return paginate(directory_query(filters), page=page, per_page=PER_PAGE)


def countries_in_directory() -> list[str]:
    """Return the country codes of the listed members (their own or their organisation's)."""
    query = (
        sa.select(country_column())
        .select_from(User)
        .outerjoin(User.organisation)
        .where(listed(), country_column().is_not(None))
        .distinct()
    )
    return [code for code in db.session.scalars(query) if code]


def open_groups() -> list[WorkingGroup]:
    """Return the groups that are not archived, by code (the directory's group filter)."""
    query = sa.select(WorkingGroup).where(WorkingGroup.is_archived.is_(False))
    return list(db.session.scalars(query.order_by(WorkingGroup.code)))


def get_person(user_id: int) -> User | None:
    """Return an account with its organisation and its groups loaded, or None."""
    query = (
        sa.select(User)
        .where(User.id == user_id)
        .options(selectinload(User.memberships).joinedload(Membership.group))
    )
    return db.session.scalars(query).first()


def current_memberships(person: User) -> list[Membership]:
    """Return the person's memberships of groups that are not archived, by group code."""
    memberships = [m for m in person.memberships if not m.group.is_archived]
    return sorted(memberships, key=lambda m: m.group.code)


@dataclass(frozen=True)
class LocalTime:
    """What time it is where a person is."""

    #: Weekday and time, formatted for the reader's locale ("Tue 16:05", "周二16:05").
    text: str
    #: The IANA zone name, e.g. Asia/Shanghai.
    zone: str
    #: The zone's offset from UTC right now: "UTC+8", "UTC-3", "UTC+5:30".
    offset: str


def utc_offset_label(offset: timedelta) -> str:
    """Return an offset as "UTC+8", "UTC-3:30" or "UTC+0"."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def local_time(person: User, now: datetime | None = None) -> LocalTime:
    """Return the time it is now in the person's zone, for the reader's locale."""
    zone_name = person.timezone if is_valid_timezone(person.timezone) else "UTC"
    zone = ZoneInfo(zone_name)
    moment = (now or utcnow()).astimezone(zone)
    text = format_skeleton("EEEHm", moment, tzinfo=zone, locale=get_locale() or "en")
    return LocalTime(text=text, zone=zone_name, offset=utc_offset_label(moment.utcoffset()))


# Personal data ------------------------------------------------------------------------------

#: The account's columns a member gets in their export (never the password hash or the
#: session token, which are secrets, not information about the person).
EXPORTED_ACCOUNT_FIELDS = (
    "id",
    "email",
    "name",
    "name_zh",
    "country",
    "position",
    "expertise",
    "locale",
    "timezone",
    "site_role",
    "is_active_account",
    "created_at",
    "last_login_at",
    "password_changed_at",
)


def _plain(value: Any) -> Any:
    """Return a value JSON can hold: times in ISO 8601 (UTC), enums as their value."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _invitation_data(invitation: Invitation) -> dict[str, Any]:
    return {
        "email": invitation.email,
        "site_role": _plain(invitation.site_role),
        "state": _plain(invitation.state),
        "created_at": _plain(invitation.created_at),
        "sent_at": _plain(invitation.sent_at),
        "expires_at": _plain(invitation.expires_at),
        "accepted_at": _plain(invitation.accepted_at),
        "revoked_at": _plain(invitation.revoked_at),
        "groups": [
            {"group": item.group.code, "role": _plain(item.role)} for item in invitation.groups
        ],
    }


def personal_data(user: User) -> dict[str, Any]:
    """Return everything the portal holds about `user`, as JSON-ready data.

    The account (without secrets), its organisation, its group memberships, the invitations
    the person sent and those sent to their address (or accepted by them), the audit events
    they caused or that are about their account, and the e-mails sent to their address.
    """
    organisation = user.organisation
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(Membership.user_id == user.id)
        .options(selectinload(Membership.group))
        .order_by(Membership.created_at, Membership.id)
    ).all()
    invitation_loading = (
        selectinload(Invitation.groups).selectinload(InvitationGroup.group),
        selectinload(Invitation.invited_by),
    )
    sent = db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.invited_by_id == user.id)
        .options(*invitation_loading)
        .order_by(Invitation.created_at, Invitation.id)
    ).all()
    received = db.session.scalars(
        sa.select(Invitation)
        .where(sa.or_(Invitation.email == user.email, Invitation.user_id == user.id))
        .options(*invitation_loading)
        .order_by(Invitation.created_at, Invitation.id)
    ).all()
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                AuditEvent.actor_id == user.id,
                sa.and_(AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id)),
            )
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    emails = db.session.scalars(
        sa.select(OutboxEmail)
        .where(OutboxEmail.recipient == user.email)
        .order_by(OutboxEmail.created_at, OutboxEmail.id)
    ).all()
    return {
        "exported_at": _plain(utcnow()),
        "account": {field: _plain(getattr(user, field)) for field in EXPORTED_ACCOUNT_FIELDS},
        "organisation": None
        if organisation is None
        else {
            "id": organisation.id,
            "name_en": organisation.name_en,
            "name_zh": organisation.name_zh,
            "country": organisation.country,
            "kind": _plain(organisation.kind),
        },
        "memberships": [
            {
                "group": m.group.code,
                "group_name_en": m.group.name_en,
                "group_name_zh": m.group.name_zh,
                "role": _plain(m.role),
                "since": _plain(m.created_at),
            }
            for m in memberships
        ],
        "invitations_sent": [_invitation_data(i) for i in sent],
        "invitations_received": [
            {
                **_invitation_data(i),
                "invited_by": i.invited_by.display_name if i.invited_by else None,
            }
            for i in received
        ],
        "audit_events": [
            {
                "occurred_at": _plain(e.occurred_at),
                "action": e.action,
                "by_you": e.actor_id == user.id,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "ip_address": e.ip_address,
                "details": e.details,
            }
            for e in events
        ],
        "emails": [
            {
                "recipient": m.recipient,
                "subject": m.subject,
                "created_at": _plain(m.created_at),
                "sent_at": _plain(m.sent_at),
            }
            for m in emails
        ],
    }


def export_personal_data(user: User) -> dict[str, Any]:
    """Return the member's data (see `personal_data`); its audit event is bookkeeping."""
    data = personal_data(user)
    record_bookkeeping(
        Bookkeeping.DOWNLOAD_AUDIT,
        lambda session: audit.record(
            "personal_data.exported", actor=user, target=user, session=session
        ),
    )
    return data
