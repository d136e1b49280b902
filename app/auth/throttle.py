"""Sign-in throttling, shared by every worker through the database.

Failures are counted per e-mail address typed (whether or not an account has it, so the
answer never reveals which addresses exist) and per client address. After a few free
failures each further one locks the key for a doubling time (30 s, 1 min, 2 min …, at most
15 min): the attacker is slowed down, then refused for a while. A successful sign-in clears
the e-mail's counter; an address's counter expires an hour after its last failure.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import UTCDateTime, utcnow
from app.extensions import db


class LoginThrottle(db.Model):
    """Failure counter of one e-mail address or one client address."""

    __tablename__ = "login_throttles"

    #: "email:<sha256 of the normalised address>" or "ip:<address>".
    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


def email_key(email: str) -> str:
    return "email:" + hashlib.sha256(email.encode("utf-8")).hexdigest()


def address_key(address: str | None) -> str:
    return f"ip:{address or 'unknown'}"[:100]


def _free_failures(key: str) -> int:
    config = current_app.config
    if key.startswith("ip:"):
        return config["LOGIN_ADDRESS_FREE_FAILURES"]
    return config["LOGIN_ACCOUNT_FREE_FAILURES"]


def is_locked(*keys: str) -> bool:
    """Return True if any of the keys is locked right now."""
    now = utcnow()
    rows = db.session.scalars(sa.select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    return any(row.locked_until is not None and row.locked_until > now for row in rows)


def register_failure(*keys: str) -> None:
    """Count one failure against each key and lock those past their free failures."""
    config = current_app.config
    now = utcnow()
    window = timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"])
    for key in keys:
        row = db.session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            try:
                with db.session.begin_nested():
                    row = LoginThrottle(key=key, failures=0, last_failure_at=now)
                    db.session.add(row)
            except IntegrityError:  # another worker counted the first failure just now
                row = db.session.get(
                    LoginThrottle, key, with_for_update=True, populate_existing=True
                )
        elif now - row.last_failure_at > window:
            row.failures = 0
            row.locked_until = None
        row.failures += 1
        row.last_failure_at = now
        beyond = row.failures - _free_failures(key)
        if beyond >= 0:
            seconds = min(
                config["LOGIN_FIRST_LOCK_SECONDS"] * (2**beyond), config["LOGIN_MAX_LOCK_SECONDS"]
            )
            row.locked_until = now + timedelta(seconds=seconds)


def clear(key: str) -> None:
    """Forget the failures of one key (after a successful sign-in)."""
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == key))
