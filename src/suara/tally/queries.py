"""Reading rollups back: one region, or the children of a region."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from suara.domain.tally import Totals
from suara.store.dialect import chunks
from suara.store.schema import rollups
from suara.tally.codec import totals_of_row


def rollup(conn: Connection, contest: str, kode: str) -> Totals:
    row = conn.execute(select(rollups).where(rollups.c.contest == contest, rollups.c.kode == kode)).first()
    return totals_of_row(row) if row is not None else Totals()


def rollups_of(conn: Connection, contest: str, kodes: Sequence[str]) -> dict[str, Totals]:
    """Rollups of many regions; a region with no data yet gets empty Totals."""
    found: dict[str, Totals] = {}
    for part in chunks(list(kodes)):
        stmt = select(rollups).where(rollups.c.contest == contest, rollups.c.kode.in_(part))
        found.update({row.kode: totals_of_row(row) for row in conn.execute(stmt)})
    return {k: found.get(k, Totals()) for k in kodes}
