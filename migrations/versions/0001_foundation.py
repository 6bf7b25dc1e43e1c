"""Accounts, API tokens, audit log and the regions of Kota Serang (with their rows).

Revision ID: 0001
Revises:
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

#: Kota Serang's 6 kecamatan and 67 kelurahan (Kemendagri codes) as they were when this revision was written.
#: Literal on purpose: a migration is history, so editing the shipped CSV later must never change it.
REGIONS = [
    ('36.73.01', 'Serang', 'kecamatan', '36.73'),
    ('36.73.01.1001', 'Serang', 'kelurahan', '36.73.01'),
    ('36.73.01.1002', 'Cipare', 'kelurahan', '36.73.01'),
    ('36.73.01.1003', 'Sumur Pecung', 'kelurahan', '36.73.01'),
    ('36.73.01.1004', 'Kota Baru', 'kelurahan', '36.73.01'),
    ('36.73.01.1005', 'Lopang', 'kelurahan', '36.73.01'),
    ('36.73.01.1006', 'Cimuncang', 'kelurahan', '36.73.01'),
    ('36.73.01.1007', 'Unyur', 'kelurahan', '36.73.01'),
    ('36.73.01.1008', 'Sukawana', 'kelurahan', '36.73.01'),
    ('36.73.01.1009', 'Lontarbaru', 'kelurahan', '36.73.01'),
    ('36.73.01.1010', 'Kaligandu', 'kelurahan', '36.73.01'),
    ('36.73.01.1011', 'Terondol', 'kelurahan', '36.73.01'),
    ('36.73.01.1012', 'Kagungan', 'kelurahan', '36.73.01'),
    ('36.73.02', 'Kasemen', 'kecamatan', '36.73'),
    ('36.73.02.1001', 'Kasemen', 'kelurahan', '36.73.02'),
    ('36.73.02.1002', 'Mesjid Priyayi', 'kelurahan', '36.73.02'),
    ('36.73.02.1003', 'Terumbu', 'kelurahan', '36.73.02'),
    ('36.73.02.1004', 'Warung Jaud', 'kelurahan', '36.73.02'),
    ('36.73.02.1006', 'Bendung', 'kelurahan', '36.73.02'),
    ('36.73.02.1007', 'Banten', 'kelurahan', '36.73.02'),
    ('36.73.02.1008', 'Sawah Luhur', 'kelurahan', '36.73.02'),
    ('36.73.02.1009', 'Kilasah', 'kelurahan', '36.73.02'),
    ('36.73.02.1010', 'Kasunyatan', 'kelurahan', '36.73.02'),
    ('36.73.02.1011', 'Margaluyu', 'kelurahan', '36.73.02'),
    ('36.73.03', 'Walantaka', 'kecamatan', '36.73'),
    ('36.73.03.1001', 'Walantaka', 'kelurahan', '36.73.03'),
    ('36.73.03.1002', 'Cigoong', 'kelurahan', '36.73.03'),
    ('36.73.03.1003', 'Nyapah', 'kelurahan', '36.73.03'),
    ('36.73.03.1004', 'Pangampelan', 'kelurahan', '36.73.03'),
    ('36.73.03.1006', 'Kiara', 'kelurahan', '36.73.03'),
    ('36.73.03.1007', 'Pager Agung', 'kelurahan', '36.73.03'),
    ('36.73.03.1008', 'Kalodran', 'kelurahan', '36.73.03'),
    ('36.73.03.1009', 'Kapuren', 'kelurahan', '36.73.03'),
    ('36.73.03.1010', 'Teritih', 'kelurahan', '36.73.03'),
    ('36.73.03.1011', 'Pabuaran', 'kelurahan', '36.73.03'),
    ('36.73.03.1012', 'Pasuluhan', 'kelurahan', '36.73.03'),
    ('36.73.03.1013', 'Tegalsari', 'kelurahan', '36.73.03'),
    ('36.73.03.1014', 'Pipitan', 'kelurahan', '36.73.03'),
    ('36.73.03.1016', 'Lebakwangi', 'kelurahan', '36.73.03'),
    ('36.73.04', 'Curug', 'kecamatan', '36.73'),
    ('36.73.04.1001', 'Curug', 'kelurahan', '36.73.04'),
    ('36.73.04.1002', 'Tinggar', 'kelurahan', '36.73.04'),
    ('36.73.04.1003', 'Kemanisan', 'kelurahan', '36.73.04'),
    ('36.73.04.1004', 'Cipete', 'kelurahan', '36.73.04'),
    ('36.73.04.1005', 'Cilaku', 'kelurahan', '36.73.04'),
    ('36.73.04.1006', 'Pancalaksana', 'kelurahan', '36.73.04'),
    ('36.73.04.1007', 'Sukawana', 'kelurahan', '36.73.04'),
    ('36.73.04.1008', 'Sukalaksana', 'kelurahan', '36.73.04'),
    ('36.73.04.1009', 'Curug Manis', 'kelurahan', '36.73.04'),
    ('36.73.04.1010', 'Sukajaya', 'kelurahan', '36.73.04'),
    ('36.73.05', 'Cipocok Jaya', 'kecamatan', '36.73'),
    ('36.73.05.1001', 'Cipocok Jaya', 'kelurahan', '36.73.05'),
    ('36.73.05.1002', 'Karundang', 'kelurahan', '36.73.05'),
    ('36.73.05.1003', 'Panancangan', 'kelurahan', '36.73.05'),
    ('36.73.05.1004', 'Banjar Agung', 'kelurahan', '36.73.05'),
    ('36.73.05.1005', 'Banjarsari', 'kelurahan', '36.73.05'),
    ('36.73.05.1006', 'Tembong', 'kelurahan', '36.73.05'),
    ('36.73.05.1007', 'Dalung', 'kelurahan', '36.73.05'),
    ('36.73.05.1008', 'Gelam', 'kelurahan', '36.73.05'),
    ('36.73.06', 'Taktakan', 'kecamatan', '36.73'),
    ('36.73.06.1001', 'Taktakan', 'kelurahan', '36.73.06'),
    ('36.73.06.1002', 'Sayar', 'kelurahan', '36.73.06'),
    ('36.73.06.1003', 'Pancur', 'kelurahan', '36.73.06'),
    ('36.73.06.1004', 'Kuranji', 'kelurahan', '36.73.06'),
    ('36.73.06.1005', 'Kalanganyar', 'kelurahan', '36.73.06'),
    ('36.73.06.1006', 'Cilowong', 'kelurahan', '36.73.06'),
    ('36.73.06.1007', 'Panggungjati', 'kelurahan', '36.73.06'),
    ('36.73.06.1008', 'Drangong', 'kelurahan', '36.73.06'),
    ('36.73.06.1009', 'Umbul Tengah', 'kelurahan', '36.73.06'),
    ('36.73.06.1010', 'Sepang', 'kelurahan', '36.73.06'),
    ('36.73.06.1011', 'Lialang', 'kelurahan', '36.73.06'),
    ('36.73.06.1012', 'Taman Baru', 'kelurahan', '36.73.06'),
    ('36.73.06.1013', 'Cibendung', 'kelurahan', '36.73.06'),
]


def upgrade():
    op.create_table('regions',
    sa.Column('code', sa.String(length=13), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('parent_code', sa.String(length=13), nullable=False),
    sa.CheckConstraint("level IN ('kecamatan', 'kelurahan')", name=op.f('ck_regions_level_known')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regions_parent_code'), ['parent_code'], unique=False)
    regions = sa.table('regions', sa.column('code'), sa.column('name'), sa.column('level'), sa.column('parent_code'))
    op.bulk_insert(regions, [dict(zip(("code", "name", "level", "parent_code"), row)) for row in REGIONS])

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('nip', sa.String(length=32), nullable=True),
    sa.Column('position', sa.String(length=120), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("locale IN ('id', 'en')", name=op.f('ck_users_locale_known')),
    sa.CheckConstraint("role IN ('admin', 'officer', 'leader', 'viewer')", name=op.f('ck_users_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_log_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_object_type'), ['object_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_object_type'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regions_parent_code'))

    op.drop_table('regions')
