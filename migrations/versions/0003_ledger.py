"""Budgets, grants, the append-only double-entry ledger, equipment register, idempotency keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


#: The database refuses to change or remove posted ledger rows, whatever client connects.
APPEND_ONLY_TABLES = ("journal_entries", "journal_lines")


def _create_append_only_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION kube_ledger_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'ledger table % is append-only', TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
        """)
        for table in APPEND_ONLY_TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION kube_ledger_append_only()")
    else:
        for table in APPEND_ONLY_TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only'); END")


def _drop_append_only_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS kube_ledger_append_only()")
    else:
        for table in APPEND_ONLY_TABLES:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


def upgrade():
    op.create_table('budgets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("program IN ('KUBE', 'UEP')", name=op.f('ck_budgets_program_known')),
    sa.CheckConstraint("source IN ('APBD', 'APBN', 'lainnya')", name=op.f('ck_budgets_source_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_budgets_amount_positive')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_budgets_year_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_budgets_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budgets')),
    sa.UniqueConstraint('program', 'year', name=op.f('uq_budgets_program_year'))
    )
    op.create_table('idempotency_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_records_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_records_user_id_key'))
    )
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('appropriation', 'available', 'committed', 'equipment', 'cash')", name=op.f('ck_accounts_kind_known')),
    sa.ForeignKeyConstraint(['budget_id'], ['budgets.id'], name=op.f('fk_accounts_budget_id_budgets')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_accounts_group_id_groups')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_accounts_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('code', name=op.f('uq_accounts_code'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_budget_id'), ['budget_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_member_id'), ['member_id'], unique=False)

    op.create_table('grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program', sa.String(length=8), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handover_date', sa.Date(), nullable=True),
    sa.Column('handed_over_by_id', sa.Integer(), nullable=True),
    sa.Column('received_by_member_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('letter_number', sa.String(length=80), nullable=True),
    sa.CheckConstraint("(program = 'UEP') = (member_id IS NOT NULL)", name=op.f('ck_grants_uep_has_member')),
    sa.CheckConstraint("program IN ('KUBE', 'UEP')", name=op.f('ck_grants_program_known')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'handed_over', 'cancelled')", name=op.f('ck_grants_status_known')),
    sa.CheckConstraint('approved_by_id IS NULL OR approved_by_id <> recorded_by_id', name=op.f('ck_grants_maker_checker')),
    sa.CheckConstraint('total >= 0', name=op.f('ck_grants_total_not_negative')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_grants_approved_by_id_users')),
    sa.ForeignKeyConstraint(['budget_id'], ['budgets.id'], name=op.f('fk_grants_budget_id_budgets')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_grants_group_id_groups')),
    sa.ForeignKeyConstraint(['handed_over_by_id'], ['users.id'], name=op.f('fk_grants_handed_over_by_id_users')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_grants_member_id_members')),
    sa.ForeignKeyConstraint(['received_by_member_id'], ['members.id'], name=op.f('fk_grants_received_by_member_id_members')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_grants_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants'))
    )
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_budget_id'), ['budget_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grants_status'), ['status'], unique=False)
        batch_op.create_index('uq_grants_letter_number', ['letter_number'], unique=True, sqlite_where=sa.text('letter_number IS NOT NULL'), postgresql_where=sa.text('letter_number IS NOT NULL'))

    op.create_table('grant_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('item', sa.String(length=120), nullable=False),
    sa.Column('specification', sa.String(length=255), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('unit_value', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind = 'equipment' OR quantity = 1", name=op.f('ck_grant_lines_cash_is_one_line')),
    sa.CheckConstraint("kind IN ('equipment', 'cash')", name=op.f('ck_grant_lines_kind_known')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_grant_lines_quantity_positive')),
    sa.CheckConstraint('total = quantity * unit_value', name=op.f('ck_grant_lines_total_is_product')),
    sa.CheckConstraint('unit_value > 0', name=op.f('ck_grant_lines_unit_value_positive')),
    sa.ForeignKeyConstraint(['grant_id'], ['grants.id'], name=op.f('fk_grant_lines_grant_id_grants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_lines'))
    )
    with op.batch_alter_table('grant_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_lines_grant_id'), ['grant_id'], unique=False)

    op.create_table('journal_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('budget_id', sa.Integer(), nullable=True),
    sa.Column('grant_id', sa.Integer(), nullable=True),
    sa.Column('reverses_entry_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('appropriation', 'commitment', 'disbursement', 'release', 'reversal')", name=op.f('ck_journal_entries_kind_known')),
    sa.ForeignKeyConstraint(['budget_id'], ['budgets.id'], name=op.f('fk_journal_entries_budget_id_budgets')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_journal_entries_created_by_id_users')),
    sa.ForeignKeyConstraint(['grant_id'], ['grants.id'], name=op.f('fk_journal_entries_grant_id_grants')),
    sa.ForeignKeyConstraint(['reverses_entry_id'], ['journal_entries.id'], name=op.f('fk_journal_entries_reverses_entry_id_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entries')),
    sa.UniqueConstraint('reverses_entry_id', name=op.f('uq_journal_entries_reverses_entry_id'))
    )
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entries_budget_id'), ['budget_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_entries_grant_id'), ['grant_id'], unique=False)

    op.create_table('assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('grant_line_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=120), nullable=False),
    sa.Column('specification', sa.String(length=255), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_assets_quantity_positive')),
    sa.CheckConstraint('value >= 0', name=op.f('ck_assets_value_not_negative')),
    sa.ForeignKeyConstraint(['grant_id'], ['grants.id'], name=op.f('fk_assets_grant_id_grants')),
    sa.ForeignKeyConstraint(['grant_line_id'], ['grant_lines.id'], name=op.f('fk_assets_grant_line_id_grant_lines')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_assets_group_id_groups')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_assets_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets')),
    sa.UniqueConstraint('grant_line_id', name=op.f('uq_assets_grant_line_id'))
    )
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assets_grant_id'), ['grant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_group_id'), ['group_id'], unique=False)

    op.create_table('journal_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('(debit = 0) <> (credit = 0)', name=op.f('ck_journal_lines_one_side')),
    sa.CheckConstraint('debit >= 0 AND credit >= 0', name=op.f('ck_journal_lines_not_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_journal_lines_account_id_accounts')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_journal_lines_entry_id_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_lines'))
    )
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_lines_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_lines_entry_id'), ['entry_id'], unique=False)

    op.create_table('asset_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('condition', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("condition IN ('baik', 'rusak', 'hilang', 'dijual')", name=op.f('ck_asset_checks_condition_known')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_asset_checks_asset_id_assets')),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('fk_asset_checks_officer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_checks'))
    )
    with op.batch_alter_table('asset_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_checks_asset_id'), ['asset_id'], unique=False)

    _create_append_only_triggers()


def downgrade():
    _drop_append_only_triggers()
    with op.batch_alter_table('asset_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_checks_asset_id'))

    op.drop_table('asset_checks')
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_lines_entry_id'))
        batch_op.drop_index(batch_op.f('ix_journal_lines_account_id'))

    op.drop_table('journal_lines')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assets_group_id'))
        batch_op.drop_index(batch_op.f('ix_assets_grant_id'))

    op.drop_table('assets')
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_entries_grant_id'))
        batch_op.drop_index(batch_op.f('ix_journal_entries_budget_id'))

    op.drop_table('journal_entries')
    with op.batch_alter_table('grant_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_lines_grant_id'))

    op.drop_table('grant_lines')
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.drop_index('uq_grants_letter_number', sqlite_where=sa.text('letter_number IS NOT NULL'), postgresql_where=sa.text('letter_number IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_grants_status'))
        batch_op.drop_index(batch_op.f('ix_grants_member_id'))
        batch_op.drop_index(batch_op.f('ix_grants_group_id'))
        batch_op.drop_index(batch_op.f('ix_grants_budget_id'))

    op.drop_table('grants')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_member_id'))
        batch_op.drop_index(batch_op.f('ix_accounts_group_id'))
        batch_op.drop_index(batch_op.f('ix_accounts_budget_id'))

    op.drop_table('accounts')
    op.drop_table('idempotency_records')
    op.drop_table('budgets')
