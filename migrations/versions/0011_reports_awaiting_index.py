"""Indexes for the inbox's counts: reports awaiting verification (partial), and a month's reports by group.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # (period, group_id) replaces the index on period alone: a month's reports by group, read from the index.
    op.drop_index("ix_income_reports_period", table_name="income_reports")
    op.create_index("ix_income_reports_period_group_id", "income_reports", ["period", "group_id"])
    op.create_index("ix_income_reports_awaiting_verification", "income_reports", ["group_id"],
                    sqlite_where=sa.text("verified_at IS NULL"), postgresql_where=sa.text("verified_at IS NULL"))


def downgrade():
    op.drop_index("ix_income_reports_awaiting_verification", table_name="income_reports")
    op.drop_index("ix_income_reports_period_group_id", table_name="income_reports")
    op.create_index("ix_income_reports_period", "income_reports", ["period"])
