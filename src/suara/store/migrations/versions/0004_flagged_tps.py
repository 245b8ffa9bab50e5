"""flagged tps

Revision ID: 0004
Revises: 0003

Creates the flagged-TPS index and fills it from the versions the rollups already count: for
each (contest, TPS) the newest version with id <= tally_state.last_version_id, one row per
distinct rule in its flags. Done in Python over one ordered pass, so it runs the same on SQLite
and PostgreSQL. The tables are described here rather than imported, so this migration keeps
meaning what it meant when the schema moves on.
"""

from collections.abc import Iterator
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

CHUNK = 5000

form_versions = sa.table('form_versions', sa.column('id', sa.BigInteger()), sa.column('contest', sa.String()),
                         sa.column('tps', sa.String()), sa.column('version_no', sa.Integer()),
                         sa.column('flags', sa.Text()))
tally_state = sa.table('tally_state', sa.column('id', sa.SmallInteger()), sa.column('last_version_id', sa.BigInteger()))
flagged_tps = sa.table('flagged_tps', sa.column('contest', sa.String()), sa.column('rule', sa.String()),
                       sa.column('tps', sa.String()))


def upgrade() -> None:

    op.create_table('flagged_tps',
    sa.Column('contest', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.String(length=8), nullable=False),
    sa.Column('tps', sa.String(length=13), nullable=False),
    sa.PrimaryKeyConstraint('contest', 'rule', 'tps')
    )
    backfill(op.get_bind())


def downgrade() -> None:

    op.drop_table('flagged_tps')


def backfill(conn: sa.Connection) -> int:
    """Insert the rules of every counted version; returns how many rows it wrote."""
    written = 0
    batch: list[dict[str, str]] = []
    for contest, tps, flags in _counted(conn):
        if flags == '[]':
            continue
        batch.extend({'contest': contest, 'rule': rule, 'tps': tps}
                     for rule in sorted({f['rule'] for f in orjson.loads(flags)}))
        if len(batch) >= CHUNK:
            conn.execute(flagged_tps.insert(), batch)
            written, batch = written + len(batch), []
    if batch:
        conn.execute(flagged_tps.insert(), batch)
    return written + len(batch)


def _counted(conn: sa.Connection) -> Iterator[tuple[str, str, str]]:
    """(contest, tps, flags) of the newest version of each TPS at or below the tally cursor."""
    cursor = conn.execute(sa.select(tally_state.c.last_version_id).where(tally_state.c.id == 1)).scalar()
    if not cursor:  # nothing folded yet (or a database still being created): nothing counted
        return
    # Ordered as the (tps, contest, version_no) index, so the last row of each TPS is its newest.
    stmt = (sa.select(form_versions.c.contest, form_versions.c.tps, form_versions.c.flags)
            .where(form_versions.c.id <= cursor)
            .order_by(form_versions.c.tps, form_versions.c.contest, form_versions.c.version_no)
            .execution_options(yield_per=CHUNK))  # on the statement: the inserts must not stream
    last: Any = None
    for row in conn.execute(stmt):
        if last is not None and (last.contest, last.tps) != (row.contest, row.tps):
            yield last.contest, last.tps, last.flags
        last = row
    if last is not None:
        yield last.contest, last.tps, last.flags
