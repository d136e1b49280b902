"""Personal calendar feeds: a secret token per user, and the meetings the feed lists.

Only a hash of the token is stored; the user sees the token once, when it is issued.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.core import audit
from app.core.database import utcnow
from app.extensions import db
from app.meetings.models import CalendarFeed, Meeting
from app.meetings.services import _mine

#: How far back the calendar feed reaches; the future is all there.
FEED_PAST_DAYS = 180
FEED_LIMIT = 1000


# Calendar feeds ---------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    """Return the user's calendar subscription, if they have one."""
    return db.session.scalars(
        sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id)
    ).first()


def issue_feed_token(user: User) -> str:
    """Make a new secret address for the user's feed and return its token.

    Only the token's SHA-256 is stored, so the address is shown once; the previous address
    (if any) stops working at once.
    """
    token = secrets.token_urlsafe(32)
    feed = feed_of(user)
    replaced = feed is not None
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = _hash(token)
    feed.created_at = utcnow()
    db.session.flush()
    audit.record("calendar_feed.issued", actor=user, target=user, replaced=replaced)
    db.session.commit()
    return token


def revoke_feed(user: User) -> bool:
    """Stop the user's feed address from working; return False if there was none."""
    feed = feed_of(user)
    if feed is None:
        db.session.rollback()
        return False
    db.session.delete(feed)
    audit.record("calendar_feed.revoked", actor=user, target=user)
    db.session.commit()
    return True


def user_for_feed_token(token: str) -> User | None:
    """Return the active account whose feed this token opens, else None."""
    if not token or len(token) > 200:
        return None
    feed = db.session.scalars(
        sa.select(CalendarFeed)
        .where(CalendarFeed.token_hash == _hash(token))
        .options(selectinload(CalendarFeed.user))
    ).first()
    if feed is None or not feed.user.is_active_account or feed.user.is_erased:
        return None
    return feed.user


def feed_meetings(user: User) -> list[Meeting]:
    """Return the meetings a person's feed holds: from six months ago on, cancelled included."""
    query = (
        sa.select(Meeting)
        .where(_mine(user), Meeting.ends_at >= utcnow() - timedelta(days=FEED_PAST_DAYS))
        .options(selectinload(Meeting.group))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(FEED_LIMIT)
    )
    return list(db.session.scalars(query))
