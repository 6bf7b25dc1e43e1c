"""A second grant within a year needs a reason: `grants.override_reason`, kept with the approval.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("grants") as batch:
        batch.add_column(sa.Column("override_reason", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("grants") as batch:
        batch.drop_column("override_reason")
