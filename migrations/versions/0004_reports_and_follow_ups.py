"""Monthly income reports and follow-ups on flags.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('flag_kind', sa.String(length=24), nullable=False),
    sa.Column('flag_period', sa.Date(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('action_date', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('kunjungan', 'pelatihan', 'pendampingan', 'catatan')", name=op.f('ck_follow_ups_action_known')),
    sa.CheckConstraint("flag_kind IN ('not_improving', 'no_gain_after_grant', 'missing_reports', 'below_extreme_poverty')", name=op.f('ck_follow_ups_flag_kind_known')),
    sa.CheckConstraint("state IN ('open', 'in_progress', 'resolved')", name=op.f('ck_follow_ups_state_known')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_follow_ups_group_id_groups')),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('fk_follow_ups_officer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_group_id'), ['group_id'], unique=False)

    op.create_table('income_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('revenue', sa.BigInteger(), nullable=False),
    sa.Column('expenses', sa.BigInteger(), nullable=False),
    sa.Column('net', sa.BigInteger(), nullable=False),
    sa.Column('active_members', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('confirmed_unusual', sa.Boolean(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_on_behalf', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('active_members >= 0', name=op.f('ck_income_reports_members_not_negative')),
    sa.CheckConstraint('expenses >= 0 AND expenses <= 1000000000', name=op.f('ck_income_reports_expenses_range')),
    sa.CheckConstraint('net = revenue - expenses', name=op.f('ck_income_reports_net_is_difference')),
    sa.CheckConstraint('revenue >= 0 AND revenue <= 1000000000', name=op.f('ck_income_reports_revenue_range')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_income_reports_group_id_groups')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_income_reports_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_income_reports_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_income_reports')),
    sa.UniqueConstraint('group_id', 'period', name=op.f('uq_income_reports_group_id_period'))
    )
    with op.batch_alter_table('income_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_income_reports_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_income_reports_period'), ['period'], unique=False)



def downgrade():
    with op.batch_alter_table('income_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_income_reports_period'))
        batch_op.drop_index(batch_op.f('ix_income_reports_group_id'))

    op.drop_table('income_reports')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_group_id'))

    op.drop_table('follow_ups')
