"""The dashboard's running totals and the facts each group last added to them (kube.monitoring.tallies).

Empty until the next full refresh builds them; until then the dashboard counts live (this migration
drops the stored flags' basis, as 0012 and 0013 did, so the next refresh is a first one).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_tallies',
    sa.Column('kecamatan_code', sa.String(length=13), nullable=False),
    sa.Column('measure', sa.String(length=12), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('kecamatan_code', 'measure', 'month', 'day', name=op.f('pk_dashboard_tallies'))
    )
    op.create_table('net_tallies',
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'level', 'bucket', name=op.f('pk_net_tallies'))
    )
    op.create_table('tally_groups',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('kecamatan_code', sa.String(length=13), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('formed', sa.Integer(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_tally_groups'))
    )
    op.create_table('tally_reports',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('net', sa.BigInteger(), nullable=False),
    sa.Column('sent_on', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('group_id', 'period', name=op.f('pk_tally_reports'))
    )
    op.create_table('tally_grants',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('group_id', 'grant_id', name=op.f('pk_tally_grants'))
    )
    # The next full refresh must build the totals: make it a first refresh.
    op.execute("DELETE FROM current_flags")
    op.execute("DELETE FROM flag_counts")
    op.execute("DELETE FROM flag_refreshes")


def downgrade():
    op.drop_table('tally_grants')
    op.drop_table('tally_reports')
    op.drop_table('tally_groups')
    op.drop_table('net_tallies')
    op.drop_table('dashboard_tallies')
