"""How many stored flags of each kind (`flag_counts`), kept with them so flags lists count in constant time.

Empty until the next full refresh fills it; until then the pages compute flags live anyway (the
migration before this one dropped the stored flags' basis).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('flag_counts',
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('not_improving', 'no_gain_after_grant', 'missing_reports', 'below_extreme_poverty')", name=op.f('ck_flag_counts_kind_known')),
    sa.CheckConstraint('count >= 0', name=op.f('ck_flag_counts_count_not_negative')),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_flag_counts'))
    )
    # Counts of flags stored before this table existed are unknown: the next full refresh stores them all again.
    op.execute("DELETE FROM current_flags")
    op.execute("DELETE FROM flag_refreshes")


def downgrade():
    op.drop_table('flag_counts')
