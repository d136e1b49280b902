"""every meeting has its minutes: create the empty drafts older meetings lack

Revision ID: 0008_minutes_for_every_meeting
Revises: 0007_audit_action_names
Create Date: 2026-12-01 23:00:00.000000

Minutes used to be created the first time someone opened a meeting's page (a GET that
wrote). They are now created with the meeting; this gives every meeting that has none empty
draft minutes, dated when the meeting was created, so the pages only ever read.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_minutes_for_every_meeting"
down_revision = "0007_audit_action_names"
branch_labels = None
depends_on = None


def upgrade():
    meetings = sa.table("meetings", sa.column("id"), sa.column("created_at"))
    minutes = sa.table(
        "minutes",
        sa.column("meeting_id"),
        sa.column("text"),
        sa.column("state"),
        sa.column("version"),
        sa.column("updated_at"),
    )
    without_minutes = sa.select(
        meetings.c.id,
        sa.literal(""),
        sa.literal("draft"),
        sa.literal(1),
        meetings.c.created_at,
    ).where(~sa.exists().where(minutes.c.meeting_id == meetings.c.id))
    op.execute(
        minutes.insert().from_select(
            ["meeting_id", "text", "state", "version", "updated_at"], without_minutes
        )
    )


def downgrade():
    # The drafts are ordinary minutes now (someone may have written in them): they stay.
    pass
