"""elections, their TPS lists, overseas stations, parties, dapil and candidate lists

Revision ID: 0007
Revises: 0005

Each election gets its own TPS list (election_tps; a Pemilu uses the base list in regions),
contests name their election and the region prefixes they leave out, and the party-list ballots
get their parties, dapil with their regions, and candidate lists. The parties of a party-list
contest are its candidates; they are kept once in `parties`, not per contest.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contests') as batch:
        batch.add_column(sa.Column('election', sa.String(length=32), nullable=False, server_default=''))
        batch.add_column(sa.Column('excludes', sa.Text(), nullable=False, server_default=''))
    op.create_table('elections',
                    sa.Column('key', sa.String(length=32), primary_key=True),
                    sa.Column('nama', sa.Text(), nullable=False),
                    sa.Column('own_tps_list', sa.Boolean(), nullable=False))
    op.create_table('election_tps',
                    sa.Column('election', sa.String(length=32), primary_key=True),
                    sa.Column('kode', sa.String(length=10), primary_key=True),
                    sa.Column('tps', sa.Text(), nullable=False))
    op.create_table('stations',
                    sa.Column('kode', sa.String(length=13), primary_key=True),
                    sa.Column('nama', sa.Text(), nullable=False),
                    sa.Column('metode', sa.String(length=8), nullable=False),
                    sa.Column('sintetis', sa.Boolean(), nullable=False))
    op.create_table('parties',
                    sa.Column('nomor_urut', sa.SmallInteger(), primary_key=True, autoincrement=False),
                    sa.Column('id_partai', sa.String(length=16), nullable=False),
                    sa.Column('nama', sa.Text(), nullable=False),
                    sa.Column('nama_lengkap', sa.Text(), nullable=False),
                    sa.Column('singkatan', sa.Text(), nullable=False),
                    sa.Column('warna', sa.String(length=16), nullable=False),
                    sa.Column('aceh_local', sa.Boolean(), nullable=False))
    op.create_table('dapil',
                    sa.Column('jenis', sa.String(length=8), primary_key=True),
                    sa.Column('kode', sa.String(length=8), primary_key=True),
                    sa.Column('nama', sa.Text(), nullable=False),
                    sa.Column('kursi', sa.SmallInteger(), nullable=False),
                    sa.Column('kursi_inferred', sa.Boolean(), nullable=False),
                    sa.Column('provinsi', sa.String(length=2), nullable=False),
                    sa.Column('kabkota', sa.String(length=4), nullable=True))
    op.create_table('dapil_members',
                    sa.Column('jenis', sa.String(length=8), primary_key=True),
                    sa.Column('kode', sa.String(length=10), primary_key=True),
                    sa.Column('kode_dapil', sa.String(length=8), nullable=False))
    op.create_table('caleg',
                    sa.Column('id', sa.String(length=8), primary_key=True),
                    sa.Column('jenis', sa.String(length=8), nullable=False),
                    sa.Column('kode_dapil', sa.String(length=8), nullable=False),
                    sa.Column('partai', sa.SmallInteger(), nullable=True),
                    sa.Column('nomor_urut', sa.SmallInteger(), nullable=False),
                    sa.Column('nama', sa.Text(), nullable=False),
                    sa.Column('jenis_kelamin', sa.String(length=1), nullable=False))


def downgrade() -> None:
    for table in ('caleg', 'dapil_members', 'dapil', 'parties', 'stations', 'election_tps', 'elections'):
        op.drop_table(table)
    with op.batch_alter_table('contests') as batch:
        batch.drop_column('excludes')
        batch.drop_column('election')
