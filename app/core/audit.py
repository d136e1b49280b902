"""The audit log: who did what, to which object, when, and from which address."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.database import UTCDateTime, utcnow
from app.extensions import db


class AuditEvent(db.Model):
    """One recorded action. Rows are only ever added, never changed."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Who acted; None for anonymous attempts and for the system itself.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: A dotted verb such as "auth.login" or "auth.login_failed".
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    #: The kind and id of the object acted on, e.g. ("user", "12").
    object_type: Mapped[str | None] = mapped_column(sa.String(64))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: The client address the request came from.
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    #: Extra facts (never secrets): e.g. the e-mail tried in a failed sign-in.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


def record(
    action: str,
    *,
    actor: Any = None,
    target: Any = None,
    object_type: str | None = None,
    object_id: object = None,
    session: Session | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session; the caller's transaction commits it.

    `session` is the request's session unless a bookkeeping write passes its own.
    """
    if target is not None:
        object_type = object_type or target.__tablename__.removesuffix("s")
        object_id = target.id
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        ip_address=request.remote_addr if has_request_context() else None,
        details=details,
    )
    (session or db.session).add(event)
    return event
