"""Account use cases: sign-in, password reset and change, profile, first administrator."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from app.auth import throttle
from app.auth.models import SiteRole, User, new_session_token, normalise_email
from app.auth.passwords import burn_dummy_verification, hash_password, verify_password
from app.core import audit
from app.core.database import utcnow
from app.core.errors import ServiceError
from app.core.mail import enqueue, external_url
from app.extensions import db


class SignInOutcome(Enum):
    SUCCESS = "success"
    FAILED = "failed"
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    user: User | None = None


def find_user_by_email(email: str) -> User | None:
    """Return the account with this e-mail address (any spelling of it), or None."""
    return db.session.scalars(sa.select(User).where(User.email == normalise_email(email))).first()


def authenticate(email: str, password: str, address: str | None) -> SignInResult:
    """Check a sign-in attempt, count failures, write the audit event, and commit.

    An unknown e-mail, a wrong password and a deactivated account give the same outcome
    and cost the same work, so the answer never tells which addresses have accounts.
    """
    email = normalise_email(email)
    keys = (throttle.email_key(email), throttle.address_key(address))
    if throttle.is_locked(*keys):
        audit.record("sign_in.refused", email=email)
        db.session.commit()
        return SignInResult(SignInOutcome.LOCKED)

    user = find_user_by_email(email)
    if user is None:
        burn_dummy_verification(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.is_active_account

    if not ok:
        throttle.register_failure(*keys)
        audit.record("sign_in.failed", actor=user, email=email)
        db.session.commit()
        return SignInResult(SignInOutcome.FAILED)

    throttle.clear(keys[0])
    user.last_login_at = utcnow()
    audit.record("sign_in.succeeded", actor=user, target=user)
    db.session.commit()
    return SignInResult(SignInOutcome.SUCCESS, user)


def record_logout(user: User) -> None:
    """Write the sign-out to the audit log."""
    audit.record("sign_out.succeeded", actor=user, target=user)
    db.session.commit()


def set_password(user: User, password: str) -> None:
    """Store a new password and end every other session of the account (no commit)."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()


# Password reset ------------------------------------------------------------------------

RESET_SALT = "password-reset"
RESET_SUBJECT = _l("Reset your IC2PerMed portal password")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # The token names the current hash: once the password changes, the token is dead.
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:20]


def make_reset_token(user: User) -> str:
    """Return a signed, expiring token that works until the password next changes."""
    return _serializer().dumps({"uid": user.id, "fp": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """Return the account a valid, unexpired, unused token belongs to, else None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    user = db.session.get(User, data["uid"])
    if user is None or not user.is_active_account or data.get("fp") != _password_fingerprint(user):
        return None
    return user


def request_password_reset(email: str, locale: str) -> None:
    """E-mail a reset link if an active account has this address; say nothing otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.is_active_account:
        audit.record("password.reset_requested", email=normalise_email(email), known=False)
        db.session.commit()
        return
    send_reset_link(user, actor=user)
    db.session.commit()


def send_reset_link(user: User, *, actor: User) -> None:
    """Enqueue the reset e-mail in the account's language (the caller commits)."""
    locale = user.locale or "en"
    enqueue(
        user.email,
        locale,
        "password_reset",
        RESET_SUBJECT,
        user=user,
        link=external_url("auth.reset_password", token=make_reset_token(user)),
        hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
    )
    audit.record("password.reset_requested", actor=actor, target=user, known=True)


def reset_password(user: User, password: str) -> None:
    """Set the new password from a reset link; the link dies with the old password."""
    set_password(user, password)
    throttle.clear(throttle.email_key(user.email))
    audit.record("password.reset", actor=user, target=user)
    db.session.commit()


def change_password(user: User, password: str) -> None:
    """Change the signed-in user's password (the form checked the current one)."""
    set_password(user, password)
    audit.record("password.changed", actor=user, target=user)
    db.session.commit()


# Profile ---------------------------------------------------------------------------------

PROFILE_FIELDS = (
    "name",
    "name_zh",
    "organisation_id",
    "country",
    "position",
    "expertise",
    "locale",
    "timezone",
)


def update_profile(user: User, **values: str | None) -> None:
    """Save the editable profile fields; blank optional fields are stored as None."""
    changed = []
    for field in PROFILE_FIELDS:
        if field not in values:
            continue
        value = values[field]
        if isinstance(value, str):
            value = value.strip() or None
        if field == "organisation_id" and value is not None:
            value = int(value)
        if field in ("name", "timezone") and not value:
            continue
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        audit.record("profile.updated", actor=user, target=user, fields=changed)
    db.session.commit()


def set_language(user: User, code: str) -> None:
    """Remember the interface language in the user's profile."""
    if user.locale != code:
        user.locale = code
        db.session.commit()


# Accounts from the command line -------------------------------------------------------------


class AccountExists(Exception):
    """An account with this e-mail address already exists."""


def create_user(
    email: str,
    password: str,
    *,
    name: str,
    site_role: SiteRole = SiteRole.MEMBER,
    actor: User | None = None,
    **profile: str | None,
) -> User:
    """Create an active account (no commit); raise AccountExists for a taken address."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountExists(email)
    user = User(email=email, name=name, site_role=site_role, **profile)
    set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record("account.created", actor=actor, target=user, site_role=str(site_role))
    return user


def create_admin(email: str, password: str) -> User:
    """Create the first administrator account and commit."""
    user = create_user(email, password, name=email.split("@", 1)[0], site_role=SiteRole.ADMIN)
    db.session.commit()
    return user


# E-mail change ------------------------------------------------------------------------------
#
# The member asks for the change from the profile (their password is checked there); a signed
# link goes to the NEW address, and the address changes only when that link is opened. The
# token names the account, the address it had when the change was asked for and the new
# address: once the account's address is no longer the old one (the link was used, or another
# change happened meanwhile) the token is dead. Opening the link needs no session: the token
# is the proof, so it works signed out, and signed in as someone else it changes the account
# it names, not the signed-in one. The old address is then told about the change.

EMAIL_CHANGE_SALT = "email-change"
#: How long the confirmation link works, in seconds; the EMAIL_CHANGE_MAX_AGE setting overrides.
EMAIL_CHANGE_MAX_AGE = 48 * 60 * 60
EMAIL_CHANGE_SUBJECT = _l("Confirm the new e-mail address of your IC2PerMed portal account")
EMAIL_CHANGED_SUBJECT = _l("The e-mail address of your IC2PerMed portal account has changed")
EMAIL_TAKEN = _l("Another account already uses this address.")
EMAIL_UNCHANGED = _l("This is already the address of your account.")


@dataclass(frozen=True)
class EmailChange:
    """A change of address a valid link asks for."""

    user: User
    old_email: str
    new_email: str


def email_change_max_age() -> int:
    return int(current_app.config.get("EMAIL_CHANGE_MAX_AGE", EMAIL_CHANGE_MAX_AGE))


def _email_change_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=EMAIL_CHANGE_SALT)


def make_email_change_token(user: User, new_email: str) -> str:
    """Return a signed, expiring token for moving `user` from their address to `new_email`."""
    return _email_change_serializer().dumps(
        {"uid": user.id, "old": user.email, "new": normalise_email(new_email)}
    )


def email_change_from_token(token: str) -> EmailChange | None:
    """Return the change a valid, unexpired, unused token asks for, else None."""
    try:
        data = _email_change_serializer().loads(token, max_age=email_change_max_age())
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    uid, old, new = data.get("uid"), data.get("old"), data.get("new")
    if not isinstance(uid, int) or not isinstance(old, str) or not isinstance(new, str):
        return None
    user = db.session.get(User, uid)
    if user is None or not user.is_active_account or user.is_erased or user.email != old:
        return None
    return EmailChange(user=user, old_email=old, new_email=new)


def _address_taken(email: str, user: User) -> bool:
    other = find_user_by_email(email)
    return other is not None and other.id != user.id


def request_email_change(user: User, new_email: str, *, locale: str) -> str:
    """E-mail a confirmation link to the new address (the caller checked the password).

    Raise ServiceError for the account's own address or one another account uses.
    Return the new address, normalised.
    """
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise ServiceError(EMAIL_UNCHANGED)
    if _address_taken(new_email, user):
        raise ServiceError(EMAIL_TAKEN)
    enqueue(
        new_email,
        locale,
        "email_change",
        EMAIL_CHANGE_SUBJECT,
        user=user,
        new_email=new_email,
        link=external_url(
            "auth.confirm_email_change", token=make_email_change_token(user, new_email)
        ),
        hours=email_change_max_age() // 3600,
    )
    audit.record("email.change_requested", actor=user, target=user, new_email=new_email)
    db.session.commit()
    return new_email


def confirm_email_change(change: EmailChange, *, locale: str) -> None:
    """Give the account its new address, tell the old address, and write the audit event.

    Raise ServiceError if another account took the address since the link was sent.
    """
    user = change.user
    if _address_taken(change.new_email, user):
        raise ServiceError(EMAIL_TAKEN)
    user.email = change.new_email
    enqueue(
        change.old_email,
        locale,
        "email_changed",
        EMAIL_CHANGED_SUBJECT,
        user=user,
        old_email=change.old_email,
        new_email=change.new_email,
    )
    audit.record(
        "email.changed",
        actor=user,
        target=user,
        old_email=change.old_email,
        new_email=change.new_email,
    )
    try:
        db.session.commit()
    except IntegrityError as exc:  # another account took the address at the same moment
        db.session.rollback()
        raise ServiceError(EMAIL_TAKEN) from exc
