"""agenda items link a document of the group's library

Revision ID: 0006_agenda_documents
Revises: 0005_deliverables
Create Date: 2026-11-22 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_agenda_documents"
down_revision = "0005_deliverables"
branch_labels = None
depends_on = None


def upgrade():
    # One nullable column: a document deleted from the library leaves the item without a link.
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_agenda_items_document_id"), ["document_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_agenda_items_document_id_documents"),
            "documents",
            ["document_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_agenda_items_document_id_documents"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_agenda_items_document_id"))
        batch_op.drop_column("document_id")
