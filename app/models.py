"""Every model module, imported in one place so the metadata knows every table.

Migrations (autogenerate and the schema test) and `db.create_all()` read the metadata;
a model module missing here would be missing there.
"""

from app.auth.models import User
from app.auth.throttle import LoginThrottle
from app.core.audit import AuditEvent
from app.core.mail import OutboxEmail
from app.core.project import Project
from app.deliverables.models import Deliverable, DeliverableEvent, DeliverableReminder, Milestone
from app.documents.models import Document, DocumentVersion, Folder
from app.groups.models import Membership, WorkingGroup
from app.invitations.models import Invitation, InvitationGroup
from app.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    CalendarFeed,
    Decision,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesRescue,
)
from app.organisations.models import Organisation

__all__ = [
    "ActionItem",
    "AgendaItem",
    "Attendance",
    "AuditEvent",
    "CalendarFeed",
    "Decision",
    "Deliverable",
    "DeliverableEvent",
    "DeliverableReminder",
    "Document",
    "DocumentVersion",
    "Folder",
    "Invitation",
    "InvitationGroup",
    "LoginThrottle",
    "Meeting",
    "Membership",
    "Milestone",
    "Minutes",
    "MinutesComment",
    "MinutesRescue",
    "Organisation",
    "OutboxEmail",
    "Project",
    "User",
    "WorkingGroup",
]
