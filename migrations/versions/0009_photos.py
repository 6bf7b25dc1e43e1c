"""Photos of equipment checks and of handovers (dokumentasi penyerahan), kept in the database: `photos`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_check_id', sa.Integer(), nullable=True),
    sa.Column('grant_id', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(asset_check_id IS NULL) <> (grant_id IS NULL)', name=op.f('ck_photos_one_subject')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_photos_sha256_length')),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png')", name=op.f('ck_photos_content_type_known')),
    sa.CheckConstraint('width > 0 AND height > 0', name=op.f('ck_photos_size_positive')),
    sa.CheckConstraint('byte_size > 0', name=op.f('ck_photos_byte_size_positive')),
    sa.ForeignKeyConstraint(['asset_check_id'], ['asset_checks.id'], name=op.f('fk_photos_asset_check_id_asset_checks')),
    sa.ForeignKeyConstraint(['grant_id'], ['grants.id'], name=op.f('fk_photos_grant_id_grants')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_photos_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos'))
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photos_asset_check_id'), ['asset_check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photos_grant_id'), ['grant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photos_grant_id'))
        batch_op.drop_index(batch_op.f('ix_photos_asset_check_id'))

    op.drop_table('photos')
