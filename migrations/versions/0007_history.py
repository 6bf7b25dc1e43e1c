"""History before go-live: the installation day, historical grants, scanned letters, imported income reports.

- `installation`: one row with the day this database started, the default go-live day. A database
  that already holds users or audit records started on the earliest of them (in office time,
  Asia/Jakarta); a new one today.
- `grants.historical`, `grants.letter_year`, `grants.letter_seq`: a grant recorded from the archive,
  and the (year, seq) its paper letter's number took when it follows the number pattern.
- `letters.scanned`, `letters.seq` nullable: a scan of a paper letter is kept as a letter; its number
  may not follow the pattern, so it may have no place in a sequence.
- `income_reports.historical`: a report imported from the office's records of the months before go-live.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

#: The office's time zone (kube.core.clock's; a revision imports no application code).
OFFICE_TIMEZONE = ZoneInfo("Asia/Jakarta")


def _office_date(moment):
    if moment.tzinfo is None:  # SQLite hands back the stored UTC moment without its zone
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(OFFICE_TIMEZONE).date()


def _installation_day(connection):
    """The office's date of the earliest user or audit record, or today's for an empty database."""
    users = sa.table("users", sa.column("created_at", sa.DateTime(timezone=True)))
    audit = sa.table("audit_log", sa.column("at", sa.DateTime(timezone=True)))
    moments = [connection.execute(sa.select(sa.func.min(users.c.created_at))).scalar(),
               connection.execute(sa.select(sa.func.min(audit.c.at))).scalar()]
    days = [_office_date(moment) for moment in moments if moment is not None]
    return min(days) if days else datetime.now(OFFICE_TIMEZONE).date()


def upgrade():
    installation = op.create_table('installation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_installation_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_installation'))
    )
    op.bulk_insert(installation, [{"id": 1, "created_on": _installation_day(op.get_bind())}])

    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('historical', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('letter_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('letter_seq', sa.Integer(), nullable=True))
        batch_op.create_index('uq_grants_letter_year_letter_seq', ['letter_year', 'letter_seq'], unique=True)

    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scanned', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_letters_issued_has_seq'), 'scanned OR seq IS NOT NULL')

    with op.batch_alter_table('income_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('historical', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    letters = sa.table("letters", sa.column("seq", sa.Integer()))
    unnumbered = op.get_bind().execute(
        sa.select(sa.func.count()).select_from(letters).where(letters.c.seq.is_(None))).scalar()
    if unnumbered:
        # Scans are the office's only copy of those letters; dropping them silently would lose them.
        raise RuntimeError(f"{unnumbered} scanned letters have numbers outside the pattern (no seq): "
                           "export them (flask letters export) and remove them before downgrading below 0007")

    with op.batch_alter_table('income_reports', schema=None) as batch_op:
        batch_op.drop_column('historical')

    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_letters_issued_has_seq'), type_='check')
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('scanned')

    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.drop_index('uq_grants_letter_year_letter_seq')
        batch_op.drop_column('letter_seq')
        batch_op.drop_column('letter_year')
        batch_op.drop_column('historical')

    op.drop_table('installation')
