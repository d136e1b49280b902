"""organisations, invitations, erased accounts

Revision ID: 0002_organisations_invitations
Revises: 0001_initial
Create Date: 2026-11-21 23:23:03.125168

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_organisations_invitations'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: organisations become a table of their own; free-text organisations of
    # existing accounts are carried over into it, so no one loses theirs.
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.Enum('funder', 'ministry', 'university', 'hospital', 'company', 'patient_organisation', 'other', name='organisation_kind', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('name_en', name=op.f('uq_organisations_name_en'))
    )
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('site_role', sa.Enum('admin', 'coordinator', 'member', name='invitation_site_role', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=True),
    sa.Column('name_zh', sa.String(length=120), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_invitations_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invitations_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_email'), ['email'], unique=False)

    op.create_table('invitation_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('lead', 'member', 'observer', name='invitation_group_role', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_invitation_groups_group_id_working_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], name=op.f('fk_invitation_groups_invitation_id_invitations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_groups')),
    sa.UniqueConstraint('invitation_id', 'group_id', name=op.f('uq_invitation_groups_invitation_id'))
    )
    with op.batch_alter_table('invitation_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_groups_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_groups_invitation_id'), ['invitation_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_organisation_id_organisations'), 'organisations', ['organisation_id'], ['id'], ondelete='SET NULL')

    _carry_organisations_over()

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('organisation')


def _carry_organisations_over():
    """Make an organisation of each distinct free-text one and point its people at it."""
    conn = op.get_bind()
    users = sa.table("users", sa.column("id"), sa.column("organisation"), sa.column("country"),
                     sa.column("organisation_id"))
    organisations = sa.table("organisations", sa.column("id"), sa.column("name_en"),
                             sa.column("country"), sa.column("kind"), sa.column("created_at"))
    rows = conn.execute(sa.select(users.c.id, users.c.organisation, users.c.country)
                        .where(users.c.organisation.is_not(None))).all()
    ids = {}
    for user_id, name, country in rows:
        name = name.strip()
        if not name:
            continue
        if name not in ids:
            conn.execute(organisations.insert().values(
                name_en=name, country=(country or "ZZ"), kind="other",
                created_at=sa.func.current_timestamp()))
            ids[name] = conn.execute(sa.select(organisations.c.id)
                                     .where(organisations.c.name_en == name)).scalar_one()
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(organisation_id=ids[name]))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation', sa.VARCHAR(length=200), nullable=True))
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE users SET organisation = (SELECT name_en FROM organisations "
        "WHERE organisations.id = users.organisation_id)"))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_organisation_id'))
        batch_op.drop_column('erased_at')
        batch_op.drop_column('organisation_id')

    with op.batch_alter_table('invitation_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_groups_invitation_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_groups_group_id'))

    op.drop_table('invitation_groups')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_email'))

    op.drop_table('invitations')
    op.drop_table('organisations')
