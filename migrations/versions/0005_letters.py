"""Grant letters (Berita Acara Serah Terima): issued PDFs with hash and token, and per-year number sequences.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('letter_sequences',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_seq >= 0', name=op.f('ck_letter_sequences_last_seq_not_negative')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_letter_sequences'))
    )
    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('letter_date', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('public_facts', sa.JSON(), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_letters_sha256_length')),
    sa.CheckConstraint('replaces_id IS NULL OR replaces_id <> id', name=op.f('ck_letters_not_self_replacing')),
    sa.CheckConstraint('seq > 0', name=op.f('ck_letters_seq_positive')),
    sa.ForeignKeyConstraint(['grant_id'], ['grants.id'], name=op.f('fk_letters_grant_id_grants')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_letters_issued_by_id_users')),
    sa.ForeignKeyConstraint(['replaces_id'], ['letters.id'], name=op.f('fk_letters_replaces_id_letters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letters')),
    sa.UniqueConstraint('number', name=op.f('uq_letters_number')),
    sa.UniqueConstraint('replaces_id', name=op.f('uq_letters_replaces_id')),
    sa.UniqueConstraint('token', name=op.f('uq_letters_token')),
    sa.UniqueConstraint('year', 'seq', name=op.f('uq_letters_year_seq'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_grant_id'), ['grant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_grant_id'))

    op.drop_table('letters')
    op.drop_table('letter_sequences')
