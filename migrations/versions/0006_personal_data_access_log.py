"""Personal data access log (UU PDP): who was shown full NIKs or No. KKs, when, where, of whom.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('personal_data_accesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('route', sa.String(length=300), nullable=False),
    sa.Column('export', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_personal_data_accesses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_data_accesses'))
    )
    with op.batch_alter_table('personal_data_accesses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_data_accesses_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_personal_data_accesses_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_personal_data_accesses_user_id'), ['user_id'], unique=False)

    op.create_table('personal_data_access_subjects',
    sa.Column('access_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['access_id'], ['personal_data_accesses.id'], name=op.f('fk_personal_data_access_subjects_access_id_personal_data_accesses')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_personal_data_access_subjects_member_id_members')),
    sa.PrimaryKeyConstraint('access_id', 'member_id', name=op.f('pk_personal_data_access_subjects'))
    )
    with op.batch_alter_table('personal_data_access_subjects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_data_access_subjects_member_id'), ['member_id'], unique=False)



def downgrade():
    with op.batch_alter_table('personal_data_access_subjects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_data_access_subjects_member_id'))

    op.drop_table('personal_data_access_subjects')
    with op.batch_alter_table('personal_data_accesses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_data_accesses_user_id'))
        batch_op.drop_index(batch_op.f('ix_personal_data_accesses_kind'))
        batch_op.drop_index(batch_op.f('ix_personal_data_accesses_at'))

    op.drop_table('personal_data_accesses')
