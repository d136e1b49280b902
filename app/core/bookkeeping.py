"""The few writes a GET may make, each in its own short transaction, never failing the page.

A GET changes no domain data (see docs/writes.md). It may keep books about itself: the
audit event of a download, a refused access, a last-seen or last-visit time, a notification
marked read on opening, a rate-limit counter. Such a write goes through `record_bookkeeping`:
it runs in a session of its own (so it neither commits nor sees what the request's session
holds), commits at once, and a failure is logged and swallowed, so the page is still served.
On SQLite the write waits (up to the busy timeout) if the request's own session holds the
write lock, which a GET that follows the rule never does.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from flask import current_app
from sqlalchemy.orm import Session

from app.extensions import db


class Bookkeeping(enum.StrEnum):
    """The kinds of write a GET may make; docs/writes.md lists each and where it is made."""

    DOWNLOAD_AUDIT = "download audit event"
    REFUSAL_AUDIT = "refused-access audit event"
    LAST_SEEN = "last-seen time"
    LAST_VISIT = "last-visit time"
    NOTIFICATION_READ = "notification marked read"
    RATE_LIMIT = "rate-limit counter"


def record_bookkeeping(kind: Bookkeeping, write: Callable[[Session], object]) -> bool:
    """Run `write(session)` in its own transaction and commit; return False if it failed.

    The failure is logged with its traceback and goes no further: a page is never refused
    because its bookkeeping could not be written.
    """
    try:
        with Session(db.engine) as session, session.begin():
            write(session)
    except Exception:
        current_app.logger.exception("bookkeeping write failed: %s", kind)
        return False
    return True
