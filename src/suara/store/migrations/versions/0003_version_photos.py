"""version photos

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('version_photos',
    sa.Column('version_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('page', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('public_sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=16), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('version_id', 'page')
    )
    with op.batch_alter_table('version_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_photos_public_sha256'), ['public_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_version_photos_sha256'), ['sha256'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('version_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_photos_sha256'))
        batch_op.drop_index(batch_op.f('ix_version_photos_public_sha256'))

    op.drop_table('version_photos')

