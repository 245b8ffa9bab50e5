"""initial schema

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('audit_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('at', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('audit_head',
    sa.Column('id', sa.SmallInteger(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('last_version_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('candidates',
    sa.Column('contest', sa.String(length=32), nullable=False),
    sa.Column('nomor_urut', sa.SmallInteger(), nullable=False),
    sa.Column('id', sa.String(length=16), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('warna', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('contest', 'nomor_urut'),
    sa.UniqueConstraint('id')
    )
    op.create_table('contests',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=10), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('tps_cap', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('form_versions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('contest', sa.String(length=32), nullable=False),
    sa.Column('tps', sa.String(length=13), nullable=False),
    sa.Column('version_no', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('flags', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('idempotency_key', sa.Text(), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('form_versions', schema=None) as batch_op:
        batch_op.create_index('ix_form_versions_tps', ['tps', 'contest', 'version_no'], unique=True)

    op.create_table('regions',
    sa.Column('kode', sa.String(length=10), nullable=False),
    sa.Column('tingkat', sa.SmallInteger(), nullable=False),
    sa.Column('nama', sa.Text(), nullable=False),
    sa.Column('tps', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('kode')
    )
    op.create_table('rollups',
    sa.Column('contest', sa.String(length=32), nullable=False),
    sa.Column('kode', sa.String(length=10), nullable=False),
    sa.Column('tingkat', sa.SmallInteger(), nullable=False),
    sa.Column('tps_reported', sa.Integer(), nullable=False),
    sa.Column('tps_flagged', sa.Integer(), nullable=False),
    sa.Column('suara_sah', sa.BigInteger(), nullable=False),
    sa.Column('suara_tidak_sah', sa.BigInteger(), nullable=False),
    sa.Column('suara_total', sa.BigInteger(), nullable=False),
    sa.Column('tps_turnout', sa.Integer(), nullable=False),
    sa.Column('pemilih_dpt', sa.BigInteger(), nullable=False),
    sa.Column('pengguna_total', sa.BigInteger(), nullable=False),
    sa.Column('votes', sa.Text(), nullable=False),
    sa.Column('flag_counts', sa.Text(), nullable=False),
    sa.Column('tally_seq', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('contest', 'kode')
    )
    with op.batch_alter_table('rollups', schema=None) as batch_op:
        batch_op.create_index('ix_rollups_tally_seq', ['tally_seq'], unique=False)

    op.create_table('tally_state',
    sa.Column('id', sa.SmallInteger(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('last_version_id', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )



def downgrade() -> None:

    op.drop_table('tally_state')
    with op.batch_alter_table('rollups', schema=None) as batch_op:
        batch_op.drop_index('ix_rollups_tally_seq')

    op.drop_table('rollups')
    op.drop_table('regions')
    with op.batch_alter_table('form_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_form_versions_tps')

    op.drop_table('form_versions')
    op.drop_table('contests')
    op.drop_table('candidates')
    op.drop_table('audit_head')
    op.drop_table('audit_events')

