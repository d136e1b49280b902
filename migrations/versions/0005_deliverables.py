"""deliverables, their events and reminders, milestones

Revision ID: 0005_deliverables
Revises: 0004_meetings
Create Date: 2026-11-21 23:38:52.765769

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_deliverables"
down_revision = "0004_meetings"
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: four new tables, nothing else touched. `submitted_version_id` and
    # `document_version_id` refer to the library's document versions (0003_documents) with
    # ON DELETE RESTRICT: a version submitted for a deliverable can never be deleted.
    op.create_table('milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('title_zh', sa.String(length=300), nullable=True),
    sa.Column('due_month', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('verification', sa.Text(), nullable=False),
    sa.Column('achieved_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_milestones_group_id_working_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones')),
    sa.UniqueConstraint('code', name=op.f('uq_milestones_code'))
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestones_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestones_group_id'), ['group_id'], unique=False)

    op.create_table('deliverables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('title_zh', sa.String(length=300), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('work_package', sa.String(length=16), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('lead_organisation_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.Enum('R', 'DEM', 'DEC', 'DATA', 'ETHICS', 'OTHER', name='deliverable_type', native_enum=False, length=20), nullable=False),
    sa.Column('dissemination', sa.Enum('PU', 'SEN', name='deliverable_dissemination', native_enum=False, length=20), nullable=False),
    sa.Column('due_month', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'in_review', 'submitted', 'approved', 'returned', name='deliverable_status', native_enum=False, length=20), nullable=False),
    sa.Column('submitted_version_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_deliverables_group_id_working_groups')),
    sa.ForeignKeyConstraint(['lead_organisation_id'], ['organisations.id'], name=op.f('fk_deliverables_lead_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['responsible_id'], ['users.id'], name=op.f('fk_deliverables_responsible_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_version_id'], ['document_versions.id'], name=op.f('fk_deliverables_submitted_version_id_document_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliverables')),
    sa.UniqueConstraint('code', name=op.f('uq_deliverables_code'))
    )
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliverables_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliverables_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliverables_lead_organisation_id'), ['lead_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliverables_responsible_id'), ['responsible_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliverables_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliverables_submitted_version_id'), ['submitted_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliverables_work_package'), ['work_package'], unique=False)

    op.create_table('deliverable_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deliverable_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('from_status', sa.Enum('planned', 'in_progress', 'in_review', 'submitted', 'approved', 'returned', name='deliverable_event_from', native_enum=False, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('planned', 'in_progress', 'in_review', 'submitted', 'approved', 'returned', name='deliverable_event_to', native_enum=False, length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('document_version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_deliverable_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'], name=op.f('fk_deliverable_events_deliverable_id_deliverables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_version_id'], ['document_versions.id'], name=op.f('fk_deliverable_events_document_version_id_document_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliverable_events'))
    )
    with op.batch_alter_table('deliverable_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliverable_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliverable_events_deliverable_id'), ['deliverable_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliverable_events_document_version_id'), ['document_version_id'], unique=False)

    op.create_table('deliverable_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deliverable_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('30_days', '7_days', '1_day', 'overdue', name='deliverable_reminder_kind', native_enum=False, length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'], name=op.f('fk_deliverable_reminders_deliverable_id_deliverables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_deliverable_reminders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliverable_reminders')),
    sa.UniqueConstraint('deliverable_id', 'user_id', 'kind', 'due_on', name=op.f('uq_deliverable_reminders_deliverable_id'))
    )
    with op.batch_alter_table('deliverable_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliverable_reminders_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('deliverable_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliverable_reminders_user_id'))

    op.drop_table('deliverable_reminders')
    with op.batch_alter_table('deliverable_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliverable_events_document_version_id'))
        batch_op.drop_index(batch_op.f('ix_deliverable_events_deliverable_id'))
        batch_op.drop_index(batch_op.f('ix_deliverable_events_actor_id'))

    op.drop_table('deliverable_events')
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliverables_work_package'))
        batch_op.drop_index(batch_op.f('ix_deliverables_submitted_version_id'))
        batch_op.drop_index(batch_op.f('ix_deliverables_status'))
        batch_op.drop_index(batch_op.f('ix_deliverables_responsible_id'))
        batch_op.drop_index(batch_op.f('ix_deliverables_lead_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_deliverables_group_id'))
        batch_op.drop_index(batch_op.f('ix_deliverables_due_on'))

    op.drop_table('deliverables')
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestones_group_id'))
        batch_op.drop_index(batch_op.f('ix_milestones_due_on'))

    op.drop_table('milestones')
