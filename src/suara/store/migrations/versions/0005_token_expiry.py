"""token expiry

Revision ID: 0005
Revises: 0004

Device tokens get an expiry (api_tokens.expires_at). Tokens issued before this revision had
none and were meant to last until revoked; they are given the default lifetime counted from
now rather than from their issue, so no device in the field is logged out by the upgrade itself.
The table is described here rather than imported, so this migration keeps meaning what it meant
when the schema moves on.
"""

import os
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

DEFAULT_TTL_HOURS = 72  # as suara.services.accounts, written out so the migration stays fixed

api_tokens = sa.table('api_tokens', sa.column('expires_at', sa.DateTime(timezone=True)))


def upgrade() -> None:

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    hours = float(os.environ.get('SUARA_TOKEN_TTL_HOURS', DEFAULT_TTL_HOURS))
    op.get_bind().execute(api_tokens.update().where(api_tokens.c.expires_at.is_(None))
                          .values(expires_at=datetime.now(UTC) + timedelta(hours=hours)))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
