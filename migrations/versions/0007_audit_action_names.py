"""audit actions named domain.past_tense; indexes for the audit log's filters

Revision ID: 0007_audit_action_names
Revises: 0006_agenda_documents
Create Date: 2026-12-02 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_audit_action_names"
down_revision = "0006_agenda_documents"
branch_labels = None
depends_on = None

#: Every action stored under an older name, and its name from now on (kept here, not
#: imported, so the migration means the same thing whatever the code becomes).
RENAMES = {
    "auth.login": "sign_in.succeeded",
    "auth.login_failed": "sign_in.failed",
    "auth.login_refused": "sign_in.refused",
    "auth.logout": "sign_out.succeeded",
    "auth.password_reset_requested": "password.reset_requested",
    "auth.password_reset": "password.reset",
    "auth.password_changed": "password.changed",
    "auth.profile_updated": "profile.updated",
    "auth.email_change_requested": "email.change_requested",
    "auth.email_changed": "email.changed",
    "auth.data_exported": "personal_data.exported",
    "auth.account_created": "account.created",
    "meetings.feed_issued": "calendar_feed.issued",
    "meetings.feed_revoked": "calendar_feed.revoked",
    "admin.site_role_changed": "account.site_role_changed",
    "admin.user_deactivated": "account.deactivated",
    "admin.user_reactivated": "account.reactivated",
    "admin.user_erased": "account.erased",
    "documents.upload": "document.uploaded",
    "documents.version_upload": "document.version_uploaded",
    "documents.version_restore": "document.version_restored",
    "documents.edit": "document.edited",
    "documents.move": "document.moved",
    "documents.preview": "document.previewed",
    "documents.download": "document.downloaded",
    "documents.trash": "document.trashed",
    "documents.restore": "document.restored",
    "documents.purge": "document.purged",
    "documents.folder_create": "folder.created",
    "documents.folder_rename": "folder.renamed",
    "documents.folder_delete": "folder.deleted",
    "meetings.scheduled": "meeting.scheduled",
    "meetings.updated": "meeting.updated",
    "meetings.cancelled": "meeting.cancelled",
    "meetings.agenda_item_added": "agenda_item.added",
    "meetings.agenda_item_updated": "agenda_item.updated",
    "meetings.agenda_item_moved": "agenda_item.moved",
    "meetings.agenda_item_removed": "agenda_item.removed",
    "meetings.attendance_recorded": "attendance.recorded",
    "meetings.minutes_saved": "minutes.saved",
    "meetings.minutes_rescued": "minutes.rescued",
    "meetings.minutes_rescue_discarded": "minutes.rescue_discarded",
    "meetings.minutes_circulated": "minutes.circulated",
    "meetings.minutes_approved": "minutes.approved",
    "meetings.minutes_reopened": "minutes.reopened",
    "meetings.comment_added": "minutes_comment.added",
    "meetings.decision_added": "decision.added",
    "meetings.decision_removed": "decision.removed",
    "meetings.action_item_added": "action_item.added",
    "meetings.action_item_status": "action_item.status_changed",
    "meetings.action_item_removed": "action_item.removed",
}

audit_events = sa.table("audit_events", sa.column("action", sa.String(64)))


def _rename(pairs):
    for old, new in pairs:
        op.execute(audit_events.update().where(audit_events.c.action == old).values(action=new))


def upgrade():
    _rename(RENAMES.items())
    # Each filter of the log (action, actor, kind of object) gets an index that also gives
    # the newest-first order; one object's history (an account page) gets its own. The
    # single-column indexes on action and actor are prefixes of the new ones.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_id"))
        batch_op.create_index(
            "ix_audit_events_action_occurred_at", ["action", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_audit_events_actor_id_occurred_at", ["actor_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_audit_events_object_type_occurred_at",
            ["object_type", "occurred_at"],
            unique=False,
        )
        batch_op.create_index("ix_audit_events_object", ["object_type", "object_id"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_object")
        batch_op.drop_index("ix_audit_events_object_type_occurred_at")
        batch_op.drop_index("ix_audit_events_actor_id_occurred_at")
        batch_op.drop_index("ix_audit_events_action_occurred_at")
        batch_op.create_index(batch_op.f("ix_audit_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
    _rename((new, old) for old, new in RENAMES.items())
