"""The audit log: who did what, to which object, when, and from which address.

Every action the portal records is named in `ACTIONS`, in one style, `domain.past_tense`
(`document.uploaded`, `minutes.approved`, `sign_in.failed`), with the label a reader sees;
every kind of object an event can be about is named in `OBJECT_TYPES`. `record` refuses an
action or object type that is not listed, so the log never holds a name nobody can read, and
the log's filter menus are these two lists rather than a scan of the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.database import UTCDateTime, utcnow
from app.extensions import db

#: Every action the portal records, by code, with its label; menus list them in this order.
ACTIONS = {
    # Signing in and out
    "sign_in.succeeded": _l("Signed in"),
    "sign_in.failed": _l("Failed sign-in"),
    "sign_in.refused": _l("Sign-in refused (too many attempts)"),
    "sign_out.succeeded": _l("Signed out"),
    # A person's own account
    "password.reset_requested": _l("Password-reset link sent"),
    "password.reset": _l("Password reset"),
    "password.changed": _l("Password changed"),
    "profile.updated": _l("Profile updated"),
    "email.change_requested": _l("E-mail address change requested"),
    "email.changed": _l("E-mail address changed"),
    "personal_data.exported": _l("Personal data exported"),
    "calendar_feed.issued": _l("Calendar feed link issued"),
    "calendar_feed.revoked": _l("Calendar feed link revoked"),
    # Account management
    "account.created": _l("Account created"),
    "account.site_role_changed": _l("Site role changed"),
    "account.deactivated": _l("Account deactivated"),
    "account.reactivated": _l("Account reactivated"),
    "account.erased": _l("Account erased"),
    "invitation.sent": _l("Invitation sent"),
    "invitation.resent": _l("Invitation sent again"),
    "invitation.revoked": _l("Invitation revoked"),
    "invitation.accepted": _l("Invitation accepted"),
    "invitation.imported": _l("Invitations imported from a file"),
    "organisation.created": _l("Organisation added"),
    "organisation.updated": _l("Organisation edited"),
    # Working groups
    "group.created": _l("Working group created"),
    "group.updated": _l("Working group edited"),
    "group.archived": _l("Working group archived"),
    "group.restored": _l("Working group restored"),
    "membership.added": _l("Member added to a group"),
    "membership.role_changed": _l("Group role changed"),
    "membership.removed": _l("Member removed from a group"),
    # Documents
    "document.uploaded": _l("Document uploaded"),
    "document.version_uploaded": _l("New version uploaded"),
    "document.version_restored": _l("Earlier version restored"),
    "document.edited": _l("Document edited"),
    "document.moved": _l("Document moved"),
    "document.previewed": _l("Document previewed"),
    "document.downloaded": _l("Document downloaded"),
    "document.trashed": _l("Document moved to the trash"),
    "document.restored": _l("Document restored from the trash"),
    "document.purged": _l("Document deleted for good"),
    "folder.created": _l("Folder created"),
    "folder.renamed": _l("Folder renamed"),
    "folder.deleted": _l("Folder deleted"),
    # Meetings
    "meeting.scheduled": _l("Meeting scheduled"),
    "meeting.updated": _l("Meeting edited"),
    "meeting.cancelled": _l("Meeting cancelled"),
    "agenda_item.added": _l("Agenda item added"),
    "agenda_item.updated": _l("Agenda item edited"),
    "agenda_item.moved": _l("Agenda item moved"),
    "agenda_item.removed": _l("Agenda item removed"),
    "attendance.recorded": _l("Attendance recorded"),
    "minutes.saved": _l("Minutes saved"),
    "minutes.rescued": _l("Unsaved minutes kept after a conflict"),
    "minutes.rescue_discarded": _l("Kept minutes text discarded"),
    "minutes.circulated": _l("Minutes circulated for comment"),
    "minutes.approved": _l("Minutes approved"),
    "minutes.reopened": _l("Minutes reopened"),
    "minutes_comment.added": _l("Comment on minutes added"),
    "decision.added": _l("Decision added"),
    "decision.removed": _l("Decision removed"),
    "action_item.added": _l("Action item added"),
    "action_item.status_changed": _l("Action item marked done or open"),
    "action_item.removed": _l("Action item removed"),
    # Deliverables
    "deliverable.created": _l("Deliverable created"),
    "deliverable.updated": _l("Deliverable edited"),
    "deliverable.status_changed": _l("Deliverable status changed"),
    "milestone.created": _l("Milestone created"),
    "milestone.updated": _l("Milestone edited"),
}

#: Every kind of object an event can be about, by code, with its label.
OBJECT_TYPES = {
    "user": _l("Account"),
    "invitation": _l("Invitation"),
    "organisation": _l("Organisation"),
    "working_group": _l("Working group"),
    "membership": _l("Membership"),
    "document": _l("Document"),
    "folder": _l("Folder"),
    "meeting": _l("Meeting"),
    "agenda_item": _l("Agenda item"),
    "minutes": _l("Minutes"),
    "minutes_comment": _l("Comment on minutes"),
    "decision": _l("Decision"),
    "action_item": _l("Action item"),
    "deliverable": _l("Deliverable"),
    "milestone": _l("Milestone"),
}


class UnknownAuditName(ValueError):
    """An action or object type that is not in the registry was about to be recorded."""


class AuditEvent(db.Model):
    """One recorded action. Rows are only ever added, never changed."""

    __tablename__ = "audit_events"
    # The log is read newest first, narrowed by action, actor or kind of object, and an
    # account page reads the history of one object: each filter has an index that also
    # gives the order, so a page never sorts the whole table.
    __table_args__ = (
        sa.Index("ix_audit_events_action_occurred_at", "action", "occurred_at"),
        sa.Index("ix_audit_events_actor_id_occurred_at", "actor_id", "occurred_at"),
        sa.Index("ix_audit_events_object_type_occurred_at", "object_type", "occurred_at"),
        sa.Index("ix_audit_events_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Who acted; None for anonymous attempts and for the system itself.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: A code of `ACTIONS`, such as "sign_in.succeeded" or "document.uploaded".
    action: Mapped[str] = mapped_column(sa.String(64))
    #: The kind (a code of `OBJECT_TYPES`) and id of the object acted on, e.g. ("user", "12").
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
    Raise UnknownAuditName for an action or object type missing from the registry.
    """
    if action not in ACTIONS:
        raise UnknownAuditName(f"audit action {action!r} is not in app.core.audit.ACTIONS")
    if target is not None:
        object_type = object_type or target.__tablename__.removesuffix("s")
        object_id = target.id
    if object_type is not None and object_type not in OBJECT_TYPES:
        raise UnknownAuditName(
            f"audit object type {object_type!r} is not in app.core.audit.OBJECT_TYPES"
        )
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


def humanise(code: str) -> str:
    """Return a code such as "due_on" or "x.some_thing" as words: "Due on", "X some thing"."""
    words = code.replace(".", " ").replace("_", " ").split()
    return " ".join(words).capitalize() if words else code


def action_label(action: str) -> str:
    """Return the label of an action; an action no longer in the registry gets its words."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else humanise(action)


def object_type_label(object_type: str | None) -> str:
    """Return the label of a kind of object ("" for none; unknown kinds get their words)."""
    if not object_type:
        return ""
    label = OBJECT_TYPES.get(object_type)
    return str(label) if label is not None else humanise(object_type)
