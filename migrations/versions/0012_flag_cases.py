"""The flags' cases (`flag_cases`), the groups whose cases the next full refresh rebuilds (`flag_stale_groups`),
and an index walking the stored flags most serious first.

The stored flags are dropped to "never refreshed", so the first full refresh after this builds every
group's cases from its whole history (until then the pages compute flags live).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('flag_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('opened', sa.Date(), nullable=False),
    sa.Column('closed', sa.Date(), nullable=True),
    sa.Column('months_open', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('not_improving', 'no_gain_after_grant', 'missing_reports', 'below_extreme_poverty')", name=op.f('ck_flag_cases_kind_known')),
    sa.CheckConstraint('closed IS NULL OR closed > opened', name=op.f('ck_flag_cases_closed_after_opened')),
    sa.CheckConstraint('(closed IS NULL) = (months_open IS NULL)', name=op.f('ck_flag_cases_months_open_when_closed')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_flag_cases_group_id_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag_cases')),
    sa.UniqueConstraint('group_id', 'kind', 'opened', name=op.f('uq_flag_cases_group_id_kind_opened'))
    )
    op.create_index('ix_flag_cases_closed', 'flag_cases', ['closed'], unique=False)
    # Flags lists walk the stored flags most serious first and stop after their page.
    op.create_index('ix_current_flags_severity', 'current_flags', ['severity'], unique=False)
    op.create_table('flag_stale_groups',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_flag_stale_groups_group_id_groups')),
    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_flag_stale_groups'))
    )
    # No cases exist yet for the stored flags' history: make the next full refresh build them all.
    op.execute("DELETE FROM current_flags")
    op.execute("DELETE FROM flag_refreshes")


def downgrade():
    op.drop_index('ix_current_flags_severity', table_name='current_flags')
    op.drop_table('flag_stale_groups')
    op.drop_index('ix_flag_cases_closed', table_name='flag_cases')
    op.drop_table('flag_cases')
