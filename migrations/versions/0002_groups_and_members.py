"""Kube groups, their status history and members; leaders linked to their group.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('business_type', sa.String(length=32), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('formed_on', sa.Date(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('bank_name', sa.String(length=60), nullable=True),
    sa.Column('bank_account', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('kube_grant_received_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('proposed', 'active', 'graduated', 'dissolved', 'rejected')", name=op.f('ck_groups_status_known')),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'], name=op.f('fk_groups_kelurahan_code_regions')),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('fk_groups_officer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groups')),
    sa.UniqueConstraint('code', name=op.f('uq_groups_code'))
    )
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_groups_business_type'), ['business_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_groups_kelurahan_code'), ['kelurahan_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_groups_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_groups_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_groups_status'), ['status'], unique=False)

    op.create_table('group_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_group_status_changes_group_id_groups')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_status_changes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_status_changes'))
    )
    with op.batch_alter_table('group_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_status_changes_group_id'), ['group_id'], unique=False)

    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=False),
    sa.Column('kk', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=13), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('household_size', sa.Integer(), nullable=False),
    sa.Column('decile', sa.Integer(), nullable=True),
    sa.Column('decile_as_of', sa.Date(), nullable=True),
    sa.Column('extreme_poor', sa.Boolean(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('prior_kube_override', sa.String(length=500), nullable=True),
    sa.Column('age_confirmed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('ketua', 'sekretaris', 'bendahara', 'anggota')", name=op.f('ck_members_role_known')),
    sa.CheckConstraint("sex = CASE WHEN CAST(substr(nik, 7, 2) AS INTEGER) > 40 THEN 'P' ELSE 'L' END", name=op.f('ck_members_sex_matches_nik')),
    sa.CheckConstraint("sex IN ('L', 'P')", name=op.f('ck_members_sex_known')),
    sa.CheckConstraint('decile IS NULL OR (decile BETWEEN 1 AND 10)', name=op.f('ck_members_decile_range')),
    sa.CheckConstraint('household_size >= 1 AND household_size <= 30', name=op.f('ck_members_household_size_range')),
    sa.CheckConstraint('left_on IS NULL OR left_on >= joined_on', name=op.f('ck_members_left_after_joined')),
    sa.CheckConstraint('length(kk) = 16', name=op.f('ck_members_kk_length')),
    sa.CheckConstraint('length(nik) = 16', name=op.f('ck_members_nik_length')),
    sa.CheckConstraint('prior_kube_override IS NULL OR length(prior_kube_override) > 0', name=op.f('ck_members_override_has_reason')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_members_group_id_groups')),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['regions.code'], name=op.f('fk_members_kelurahan_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_nik'), ['nik'], unique=False)
        batch_op.create_index('uq_members_active_nik', ['nik'], unique=True, sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))
        batch_op.create_index('uq_members_group_active_kk', ['group_id', 'kk'], unique=True, sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))
        batch_op.create_index('uq_members_group_single_role', ['group_id', 'role'], unique=True, sqlite_where=sa.text("left_on IS NULL AND role <> 'anggota'"), postgresql_where=sa.text("left_on IS NULL AND role <> 'anggota'"))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_group_id'), ['group_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_group_id_groups'), 'groups', ['group_id'], ['id'])
        batch_op.create_check_constraint('only_leaders_have_group', "role = 'leader' OR group_id IS NULL")



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_only_leaders_have_group'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_users_group_id_groups'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_group_id'))
        batch_op.drop_column('group_id')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('uq_members_group_single_role', sqlite_where=sa.text("left_on IS NULL AND role <> 'anggota'"), postgresql_where=sa.text("left_on IS NULL AND role <> 'anggota'"))
        batch_op.drop_index('uq_members_group_active_kk', sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))
        batch_op.drop_index('uq_members_active_nik', sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_members_nik'))
        batch_op.drop_index(batch_op.f('ix_members_name'))
        batch_op.drop_index(batch_op.f('ix_members_group_id'))

    op.drop_table('members')
    with op.batch_alter_table('group_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_status_changes_group_id'))

    op.drop_table('group_status_changes')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_groups_status'))
        batch_op.drop_index(batch_op.f('ix_groups_officer_id'))
        batch_op.drop_index(batch_op.f('ix_groups_name'))
        batch_op.drop_index(batch_op.f('ix_groups_kelurahan_code'))
        batch_op.drop_index(batch_op.f('ix_groups_business_type'))

    op.drop_table('groups')
