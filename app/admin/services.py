"""Account management and the audit log: the administrators' use cases.

Every change here loads what it changes, checks the rules no form can check (the last
active administrator stays, nobody deactivates or erases their own account), writes one
audit event and commits once. The rows that decide "is this the last active administrator?"
are locked (`SELECT … FOR UPDATE` on PostgreSQL), so two administrators acting at the same
moment cannot both pass the check.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy.orm import joinedload, selectinload

from app.auth import throttle
from app.auth.models import SiteRole, User, new_session_token
from app.auth.services import send_reset_link
from app.core import audit
from app.core.audit import AuditEvent
from app.core.database import utcnow
from app.core.errors import ServiceError
from app.core.mail import OutboxEmail
from app.core.paging import clamp_page, paginate
from app.extensions import db
from app.groups.models import Membership, WorkingGroup
from app.invitations.models import Invitation, InvitationGroup
from app.organisations.models import Organisation

USERS_PER_PAGE = 25
EVENTS_PER_PAGE = 50
#: How many audit events about or by a person their account page shows.
RECENT_EVENTS = 20


class AccountStatus:
    """The values of the status filter of the account list."""

    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    INVITED = "invited"


def _contains(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool]:
    """Match `text` anywhere in `column`, ignoring case, with LIKE's wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


# The account list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountFilters:
    """What the account list is narrowed to; None means "any"."""

    text: str | None = None
    site_role: SiteRole | None = None
    status: str | None = None
    group_id: int | None = None
    country: str | None = None


def search_accounts(filters: AccountFilters, page: int = 1) -> Pagination:
    """Return one page of accounts matching the filters, with organisations and groups loaded.

    The text matches the Latin or Chinese name, the e-mail address, or the organisation's
    English or Chinese name, anywhere and ignoring case.
    """
    query = sa.select(User).outerjoin(Organisation, User.organisation_id == Organisation.id)
    if filters.text:
        query = query.where(
            sa.or_(
                *(
                    _contains(column, filters.text)
                    for column in (
                        User.name,
                        User.name_zh,
                        User.email,
                        Organisation.name_en,
                        Organisation.name_zh,
                    )
                )
            )
        )
    if filters.site_role is not None:
        query = query.where(User.site_role == filters.site_role)
    if filters.status == AccountStatus.ACTIVE:
        query = query.where(User.is_active_account.is_(True))
    elif filters.status == AccountStatus.DEACTIVATED:
        query = query.where(User.is_active_account.is_(False))
    if filters.group_id is not None:
        query = query.where(User.memberships.any(Membership.group_id == filters.group_id))
    if filters.country:
        query = query.where(User.country == filters.country)
    query = query.options(selectinload(User.memberships).joinedload(Membership.group)).order_by(
        User.erased_at.is_not(None), sa.func.lower(User.name), User.id
    )
    return paginate(query, page=page, per_page=USERS_PER_PAGE)


def search_invitations(filters: AccountFilters, page: int = 1) -> Pagination:
    """Return one page of open invitations (neither accepted nor revoked), newest first.

    The text matches the address, the suggested names or the organisation; the country is the
    organisation's.
    """
    query = (
        sa.select(Invitation)
        .outerjoin(Organisation, Invitation.organisation_id == Organisation.id)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
    )
    if filters.text:
        query = query.where(
            sa.or_(
                *(
                    _contains(column, filters.text)
                    for column in (
                        Invitation.email,
                        Invitation.name,
                        Invitation.name_zh,
                        Organisation.name_en,
                        Organisation.name_zh,
                    )
                )
            )
        )
    if filters.site_role is not None:
        query = query.where(Invitation.site_role == filters.site_role)
    if filters.group_id is not None:
        query = query.where(Invitation.groups.any(InvitationGroup.group_id == filters.group_id))
    if filters.country:
        query = query.where(Organisation.country == filters.country)
    query = query.options(
        joinedload(Invitation.invited_by),
        joinedload(Invitation.organisation),
        selectinload(Invitation.groups).joinedload(InvitationGroup.group),
    ).order_by(Invitation.sent_at.desc(), Invitation.id.desc())
    return paginate(query, page=page, per_page=USERS_PER_PAGE)


def filter_groups() -> list[WorkingGroup]:
    """Return every working group, archived ones included, by code (for the group filter)."""
    return list(db.session.scalars(sa.select(WorkingGroup).order_by(WorkingGroup.code)))


def countries_of_accounts() -> list[str]:
    """Return the country codes that at least one account names."""
    query = sa.select(User.country).where(User.country.is_not(None)).distinct()
    return sorted(code for code in db.session.scalars(query) if code)


# One account -------------------------------------------------------------------------------------


def get_account(user_id: int) -> User | None:
    """Return the account with its groups loaded, or None."""
    query = (
        sa.select(User)
        .where(User.id == user_id)
        .options(selectinload(User.memberships).joinedload(Membership.group))
    )
    return db.session.scalars(query).first()


def recent_events_of(user: User, limit: int = RECENT_EVENTS) -> list[AuditEvent]:
    """Return the newest audit events about the account or by it."""
    query = (
        sa.select(AuditEvent)
        .where(
            sa.or_(
                sa.and_(AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id)),
                AuditEvent.actor_id == user.id,
            )
        )
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def get_organisation(organisation_id: str | int | None) -> Organisation | None:
    """Return the organisation with this id (as a form sends it), or None for none."""
    return db.session.get(Organisation, int(organisation_id)) if organisation_id else None


def get_invitation(invitation_id: int) -> Invitation | None:
    """Return the invitation with this id, or None."""
    return db.session.get(Invitation, invitation_id)


def _lock_account_and_active_admins(user: User) -> list[User]:
    """Lock the account and every active administrator, reload them, and return the admins.

    Locking in id order, in one statement, keeps two concurrent actions from deadlocking; a
    request that waited for the lock sees the other's committed change (PostgreSQL re-checks
    the condition of a row it waited for), so it counts the administrators left.
    """
    query = (
        sa.select(User)
        .where(
            sa.or_(
                User.id == user.id,
                sa.and_(User.site_role == SiteRole.ADMIN, User.is_active_account.is_(True)),
            )
        )
        .order_by(User.id)
        .with_for_update(of=User)
        .execution_options(populate_existing=True)
    )
    locked = list(db.session.scalars(query))
    return [u for u in locked if u.site_role == SiteRole.ADMIN and u.is_active_account]


def _refuse_if_last_admin(user: User, active_admins: list[User], message: str) -> None:
    """Raise ServiceError if `user` is the only active administrator left."""
    if user in active_admins and len(active_admins) <= 1:
        raise ServiceError(message)


def _refuse_if_erased(user: User) -> None:
    if user.is_erased:
        raise ServiceError(_("This account has been erased; it cannot be changed."))


def _finish(action: str, *, actor: User, target: User, **details: object) -> None:
    """Write the audit event of the change and commit it with the change."""
    audit.record(action, actor=actor, target=target, **details)
    db.session.commit()


def change_site_role(user: User, site_role: SiteRole, *, actor: User) -> bool:
    """Give the account another site role; return False if it already had it.

    The last active administrator cannot be demoted.
    """
    try:
        admins = _lock_account_and_active_admins(user)
        _refuse_if_erased(user)
        if user.site_role == site_role:
            db.session.rollback()
            return False
        _refuse_if_last_admin(
            user,
            admins,
            _("This is the last active administrator: make someone else one first."),
        )
    except ServiceError:
        db.session.rollback()  # release the locks at once
        raise
    previous = user.site_role
    user.site_role = site_role
    _finish(
        "account.site_role_changed", actor=actor, target=user, old=str(previous), new=str(site_role)
    )
    return True


def send_password_reset_link(user: User, *, actor: User) -> None:
    """E-mail the account a password-reset link (an active account only)."""
    if not user.is_active_account:
        raise ServiceError(
            _("This account is deactivated: reactivate it before sending a reset link.")
        )
    send_reset_link(user, actor=actor)
    db.session.commit()


def deactivate_account(user: User, *, actor: User) -> bool:
    """Deactivate the account and end every session of it; return False if it already was.

    Its memberships, documents and history stay. Nobody deactivates their own account, and
    the last active administrator stays active.
    """
    if user.id == actor.id:
        raise ServiceError(_("You cannot deactivate your own account."))
    try:
        admins = _lock_account_and_active_admins(user)
        if not user.is_active_account:
            db.session.rollback()
            return False
        _refuse_if_last_admin(
            user,
            admins,
            _("This is the last active administrator: it cannot be deactivated."),
        )
    except ServiceError:
        db.session.rollback()  # release the locks at once
        raise
    user.is_active_account = False
    user.session_token = new_session_token()
    _finish("account.deactivated", actor=actor, target=user)
    return True


def reactivate_account(user: User, *, actor: User) -> bool:
    """Let a deactivated account sign in again; return False if it was active.

    An erased account stays deactivated for good.
    """
    try:
        _lock_account_and_active_admins(user)
        _refuse_if_erased(user)
    except ServiceError:
        db.session.rollback()  # release the locks at once
        raise
    if user.is_active_account:
        db.session.rollback()
        return False
    user.is_active_account = True
    _finish("account.reactivated", actor=actor, target=user)
    return True


def erased_email(user: User) -> str:
    """Return the unique address an erased account keeps; no mail can ever reach it."""
    return f"erased-{user.id}@invalid"


def erase_account(user: User, *, actor: User) -> None:
    """Erase a departed member's personal data; their documents and history stay.

    The account keeps its id (so every record it left is still attributed, and shown as
    "Former member"), but loses its name, contact details, profile, password, sessions and
    groups; it is deactivated for good. Open invitations of the address are revoked and every
    invitation of it forgets the address and the suggested names; e-mails to the address are
    deleted from the outbox. The audit event names the account by id only. Earlier audit
    events stay as they are: the log is the security record of who did what, kept as evidence.
    """
    if user.id == actor.id:
        raise ServiceError(_("You cannot erase your own account."))
    try:
        admins = _lock_account_and_active_admins(user)
        if user.is_erased:
            raise ServiceError(_("This account has already been erased."))
        _refuse_if_last_admin(
            user,
            admins,
            _("This is the last active administrator: it cannot be erased."),
        )
    except ServiceError:
        db.session.rollback()  # release the locks at once
        raise
    old_email = user.email
    now = utcnow()
    for invitation in db.session.scalars(
        sa.select(Invitation).where(Invitation.email == old_email)
    ):
        if invitation.accepted_at is None and invitation.revoked_at is None:
            invitation.revoked_at = now
        invitation.email = erased_email(user)
        invitation.name = None
        invitation.name_zh = None
    throttle.clear(throttle.email_key(old_email))
    # Messages to the person carried their name and address in the body.
    db.session.execute(sa.delete(OutboxEmail).where(OutboxEmail.recipient == old_email))
    user.name = ""
    for column in ("name_zh", "position", "expertise", "country", "organisation", "locale"):
        setattr(user, column, None)
    user.email = erased_email(user)
    # Not an argon2 hash at all: no password can ever match it.
    user.password_hash = "!erased:" + secrets.token_hex(32)
    user.session_token = new_session_token()
    user.is_active_account = False
    user.last_login_at = None
    user.erased_at = now
    user.memberships.clear()
    _finish("account.erased", actor=actor, target=user)


# The audit log -----------------------------------------------------------------------------------

#: The audit page counts matching events up to this many; past it, it says "more than".
MAX_COUNTED_EVENTS = 10_000


class BoundedPagination(SelectPagination):
    """A page of a query whose total is counted only up to `MAX_COUNTED_EVENTS`.

    Counting every matching row of a log of millions would cost more than the page itself;
    nobody pages that far, so the count stops at the bound (and `is_total_bounded` says so).
    """

    def _query_count(self) -> int:
        select = self._query_args["select"]
        capped = select.order_by(None).limit(MAX_COUNTED_EVENTS).subquery()
        return db.session.execute(sa.select(sa.func.count()).select_from(capped)).scalar()

    @property
    def is_total_bounded(self) -> bool:
        return self.total is not None and self.total >= MAX_COUNTED_EVENTS


@dataclass(frozen=True)
class AuditFilters:
    """What the audit log is narrowed to; None means "any". Times are UTC."""

    #: A code of `audit.ACTIONS`.
    action: str | None = None
    actor: str | None = None
    #: A code of `audit.OBJECT_TYPES`.
    object_type: str | None = None
    since: datetime | None = None
    before: datetime | None = None
    address: str | None = None


def search_audit_events(filters: AuditFilters, page: int = 1) -> Pagination:
    """Return one page of audit events matching the filters, newest first.

    Each filter has an index that also gives the order; the total is counted up to a bound.
    """
    query = sa.select(AuditEvent)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor:
        actors = sa.select(User.id).where(
            sa.or_(*(_contains(c, filters.actor) for c in (User.email, User.name, User.name_zh)))
        )
        query = query.where(AuditEvent.actor_id.in_(actors))
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.since is not None:
        query = query.where(AuditEvent.occurred_at >= filters.since)
    if filters.before is not None:
        query = query.where(AuditEvent.occurred_at < filters.before)
    if filters.address:
        query = query.where(AuditEvent.ip_address.startswith(filters.address, autoescape=True))
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    last_page = -(-MAX_COUNTED_EVENTS // EVENTS_PER_PAGE)
    return BoundedPagination(
        select=query,
        session=db.session(),
        page=min(clamp_page(page), last_page),
        per_page=EVENTS_PER_PAGE,
        error_out=False,
        count=True,
    )

