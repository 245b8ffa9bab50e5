"""the official recapitulation: D Hasil records of every tier and where each tier stands

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recap_records',
                    sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
                    sa.Column('contest', sa.String(length=32), nullable=False),
                    sa.Column('kode', sa.String(length=10), nullable=False),
                    sa.Column('revision', sa.Integer(), nullable=False),
                    sa.Column('tingkat', sa.String(length=16), nullable=False),
                    sa.Column('rows', sa.Text(), nullable=False),
                    sa.Column('content_hash', sa.String(length=64), nullable=False),
                    sa.Column('minutes_sha256', sa.String(length=64), nullable=True),
                    sa.Column('minutes_public_sha256', sa.String(length=64), nullable=True),
                    sa.Column('minutes_media_type', sa.String(length=16), nullable=True),
                    sa.Column('recorded_by', sa.Text(), nullable=False),
                    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False))
    op.create_index('ix_recap_records_key', 'recap_records', ['contest', 'kode', 'revision'], unique=True)
    op.create_table('recap_status',
                    sa.Column('contest', sa.String(length=32), primary_key=True),
                    sa.Column('kode', sa.String(length=10), primary_key=True),
                    sa.Column('tingkat', sa.String(length=16), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('revision', sa.Integer(), nullable=False),
                    sa.Column('locked_by', sa.Text(), nullable=True),
                    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
                    sa.Column('reopened_by', sa.Text(), nullable=True),
                    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
                    sa.Column('reopen_reason', sa.Text(), nullable=True),
                    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False))


def downgrade() -> None:
    op.drop_table('recap_status')
    op.drop_index('ix_recap_records_key', 'recap_records')
    op.drop_table('recap_records')
