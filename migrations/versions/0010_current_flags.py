"""The current month's flags kept in the database (`current_flags`) and their last full refresh (`flag_refreshes`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('current_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('opened', sa.Date(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('severity', sa.Double(), nullable=False),
    sa.CheckConstraint("kind IN ('not_improving', 'no_gain_after_grant', 'missing_reports', 'below_extreme_poverty')", name=op.f('ck_current_flags_kind_known')),
    sa.CheckConstraint('opened <= as_of', name=op.f('ck_current_flags_opened_by_as_of')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_current_flags_group_id_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_current_flags')),
    sa.UniqueConstraint('group_id', 'kind', name=op.f('uq_current_flags_group_id_kind'))
    )
    op.create_table('flag_refreshes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('overdue_through', sa.Date(), nullable=False),
    sa.Column('settings_key', sa.String(length=64), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_flag_refreshes_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag_refreshes'))
    )


def downgrade():
    op.drop_table('flag_refreshes')
    op.drop_table('current_flags')
