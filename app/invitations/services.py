"""Inviting people: create, resend, revoke and accept invitations.

An invitation is a single-use link valid for `INVITATION_VALID_DAYS` (7) days, e-mailed in
the language the inviter chose for the invitee. Only the SHA-256 of its token is stored.
Accepting it creates the account with the invitation's site role and puts the new member in
every group the invitation names (archived groups excepted).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.auth.models import SiteRole, User, normalise_email
from app.auth.services import AccountExists, create_user, find_user_by_email
from app.core import audit
from app.core.database import utcnow
from app.core.mail import enqueue, external_url
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup
from app.invitations.models import Invitation, InvitationGroup
from app.organisations.models import Organisation

INVITATION_SUBJECT = _l("You are invited to the IC2PerMed working-group portal")


class InvitationError(Exception):
    """The invitation cannot be made; `message` says why, translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _valid_for() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_VALID_DAYS"])


def pending_invitation_for(email: str) -> Invitation | None:
    """Return the usable invitation of this address, if there is one."""
    query = (
        sa.select(Invitation)
        .where(
            Invitation.email == normalise_email(email),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.id.desc())
    )
    return db.session.scalars(query).first()


def _send(invitation: Invitation) -> None:
    """Give the invitation a fresh token and expiry and e-mail the link (no commit)."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.sent_at = utcnow()
    invitation.expires_at = invitation.sent_at + _valid_for()
    enqueue(
        invitation.email,
        invitation.locale,
        "invitation",
        INVITATION_SUBJECT,
        invitation=invitation,
        inviter=invitation.invited_by,
        groups=[item.group for item in invitation.groups],
        link=external_url("invitations.accept", token=token),
        days=current_app.config["INVITATION_VALID_DAYS"],
    )


def invite(
    email: str,
    *,
    inviter: User,
    locale: str = "en",
    site_role: SiteRole = SiteRole.MEMBER,
    groups: Iterable[tuple[WorkingGroup, GroupRole]] = (),
    name: str | None = None,
    name_zh: str | None = None,
    organisation: Organisation | None = None,
    commit: bool = True,
) -> Invitation:
    """Invite a person by e-mail, or add groups to their pending invitation and resend it.

    Raises InvitationError if an account already uses the address.
    """
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise InvitationError(
            _("An account with the address %(email)s already exists.", email=email)
        )
    invitation = pending_invitation_for(email)
    if invitation is None:
        invitation = Invitation(
            email=email,
            token_hash=_hash(secrets.token_urlsafe(32)),
            expires_at=utcnow(),
            invited_by=inviter,
        )
        db.session.add(invitation)
    invitation.locale = locale
    if site_role != SiteRole.MEMBER:
        invitation.site_role = site_role
    invitation.name = name or invitation.name
    invitation.name_zh = name_zh or invitation.name_zh
    invitation.organisation = organisation or invitation.organisation
    named = {item.group_id: item for item in invitation.groups}
    for group, role in groups:
        if group.id in named:
            named[group.id].role = role
        else:
            invitation.groups.append(InvitationGroup(group=group, role=role))
    db.session.flush()
    _send(invitation)
    audit.record(
        "invitation.sent",
        actor=inviter,
        target=invitation,
        email=email,
        site_role=str(invitation.site_role),
        groups=[item.group.code for item in invitation.groups],
    )
    if commit:
        db.session.commit()
    return invitation


def resend(invitation: Invitation, *, actor: User) -> None:
    """Send a pending or expired invitation again, with a new link valid for 7 more days."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationError(_("This invitation can no longer be sent."))
    _send(invitation)
    audit.record("invitation.resent", actor=actor, target=invitation, email=invitation.email)
    db.session.commit()


def revoke(invitation: Invitation, *, actor: User) -> None:
    """Withdraw an invitation: its link stops working at once."""
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation has already been accepted."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record("invitation.revoked", actor=actor, target=invitation, email=invitation.email)
    db.session.commit()


def find_by_token(token: str) -> Invitation | None:
    """Return the usable invitation a link's token belongs to, else None."""
    if not token or len(token) > 200:
        return None
    invitation = db.session.scalars(
        sa.select(Invitation).where(Invitation.token_hash == _hash(token))
    ).first()
    if invitation is None or not invitation.is_usable:
        return None
    return invitation


def accept(
    invitation: Invitation,
    *,
    name: str,
    name_zh: str | None,
    password: str,
    locale: str | None,
    timezone: str,
) -> User:
    """Create the invitee's account from the invitation and put them in its groups."""
    try:
        user = create_user(
            invitation.email,
            password,
            name=name,
            site_role=invitation.site_role,
            name_zh=name_zh or None,
            locale=locale or invitation.locale,
            timezone=timezone,
            organisation=invitation.organisation,
        )
    except AccountExists as exc:
        db.session.rollback()
        raise InvitationError(
            _("An account with the address %(email)s already exists.", email=str(exc))
        ) from exc
    for item in invitation.groups:
        if not item.group.is_archived:
            db.session.add(Membership(user=user, group=item.group, role=item.role))
    invitation.accepted_at = utcnow()
    invitation.user_id = user.id
    audit.record(
        "invitation.accepted",
        actor=user,
        target=invitation,
        groups=[item.group.code for item in invitation.groups],
    )
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same link accepted twice at the same moment
        db.session.rollback()
        raise InvitationError(_("This invitation has already been accepted.")) from exc
    return user
