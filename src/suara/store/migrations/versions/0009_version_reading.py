"""form versions keep the machine reading of their photos and the officer's confirmations

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('form_versions', sa.Column('reading', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('form_versions', schema=None) as batch_op:
        batch_op.drop_column('reading')
