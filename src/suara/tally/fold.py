"""The tally worker: fold queued versions into rollups, exactly once.

For each queued TPS the fold makes what the rollups count for it (tally_counted) equal its
current version, applying only the difference to every region above it. The queue rows it
read, the counted rows and the rollups change in one transaction, so a crash at any point
leaves either all of a fold or none of it, and running the fold again is harmless.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, select, tuple_, update

from suara.domain.regions import ancestors, level_of
from suara.domain.tally import Totals
from suara.store.dialect import chunks, upsert
from suara.store.schema import current_versions, form_versions, rollups, tally_counted, tally_queue, tally_state
from suara.tally.codec import (
    ROLLUP_NUMBERS,
    contribution_of_version,
    dump_contribution,
    load_contribution,
    row_of_totals,
    totals_of_row,
)


@dataclass(frozen=True, slots=True)
class FoldResult:
    versions: int
    tps_changed: int
    regions_changed: int
    tally_seq: int


def init_state(conn: Connection) -> None:
    if conn.execute(select(tally_state.c.id)).first() is None:
        conn.execute(tally_state.insert().values(id=1, seq=0, updated_at=datetime.now(timezone.utc)))


def tally_point(conn: Connection) -> tuple[int, datetime]:
    row = conn.execute(select(tally_state.c.seq, tally_state.c.updated_at).where(tally_state.c.id == 1)).one()
    return int(row.seq), row.updated_at


def fold_once(engine: Engine, limit: int = 5000) -> FoldResult:
    """Fold up to `limit` queued versions; returns what changed (versions == 0 when idle)."""
    with engine.begin() as conn:
        state = conn.execute(select(tally_state.c.seq).where(tally_state.c.id == 1).with_for_update()).one()
        queued = conn.execute(select(tally_queue.c.version_id, tally_queue.c.contest, tally_queue.c.tps)
                              .order_by(tally_queue.c.version_id).limit(limit)).all()
        if not queued:
            return FoldResult(0, 0, 0, int(state.seq))
        seq = int(state.seq) + 1
        now = datetime.now(timezone.utc)
        pairs = sorted({(r.contest, r.tps) for r in queued})
        diffs, counted_rows = _differences(conn, pairs)
        regional = _propagate(diffs)
        _apply(conn, regional, seq, now)
        upsert(conn, tally_counted, counted_rows, ("contest", "tps"))
        for part in chunks([r.version_id for r in queued]):
            conn.execute(delete(tally_queue).where(tally_queue.c.version_id.in_(part)))
        conn.execute(update(tally_state).where(tally_state.c.id == 1).values(seq=seq, updated_at=now))
        return FoldResult(len(queued), len(diffs), len(regional), seq)


def fold_all(engine: Engine, limit: int = 5000) -> int:
    """Fold until the queue is empty; returns how many versions were folded."""
    total = 0
    while (result := fold_once(engine, limit)).versions:
        total += result.versions
    return total


def _differences(conn: Connection, pairs: list[tuple[str, str]]) -> tuple[dict[tuple[str, str], Totals], list[dict[str, Any]]]:
    current: dict[tuple[str, str], Any] = {}
    counted: dict[tuple[str, str], Any] = {}
    for part in chunks(pairs):
        stmt = (select(current_versions.c.contest, current_versions.c.tps, current_versions.c.version_id,
                       form_versions.c.payload, form_versions.c.flags)
                .join(form_versions, form_versions.c.id == current_versions.c.version_id)
                .where(tuple_(current_versions.c.contest, current_versions.c.tps).in_(part)))
        current.update({(r.contest, r.tps): r for r in conn.execute(stmt)})
        stmt2 = select(tally_counted).where(tuple_(tally_counted.c.contest, tally_counted.c.tps).in_(part))
        counted.update({(r.contest, r.tps): r for r in conn.execute(stmt2)})
    diffs: dict[tuple[str, str], Totals] = {}
    counted_rows: list[dict[str, Any]] = []
    for pair in pairs:
        new, old = current.get(pair), counted.get(pair)
        if new is None or (old is not None and old.version_id == new.version_id):
            continue
        contribution = contribution_of_version(new.payload, new.flags)
        diff = Totals()
        if old is not None:
            diff.apply(load_contribution(old.contribution), -1)
        diff.apply(contribution, 1)
        diffs[pair] = diff
        counted_rows.append({"contest": pair[0], "tps": pair[1], "version_id": new.version_id,
                             "contribution": dump_contribution(contribution)})
    return diffs, counted_rows


def _propagate(diffs: dict[tuple[str, str], Totals]) -> dict[tuple[str, str], Totals]:
    """Sum TPS differences into their desa, then each level into the one above."""
    regional: dict[tuple[str, str], Totals] = defaultdict(Totals)
    for (contest, tps), diff in diffs.items():
        regional[(contest, tps[:10])].merge(diff)
    for length in (10, 6, 4, 2):
        for (contest, kode), total in [(k, v) for k, v in regional.items() if len(k[1]) == length]:
            parent = ancestors(kode)[-1]
            regional[(contest, parent)].merge(total)
    return regional


def _apply(conn: Connection, regional: dict[tuple[str, str], Totals], seq: int, now: datetime) -> None:
    keys = sorted(regional)
    existing: dict[tuple[str, str], Totals] = {}
    for part in chunks(keys):
        stmt = select(rollups).where(tuple_(rollups.c.contest, rollups.c.kode).in_(part))
        existing.update({(r.contest, r.kode): totals_of_row(r) for r in conn.execute(stmt)})
    inserts, updates = [], []
    for key in keys:
        totals = existing.get(key)
        target = inserts if totals is None else updates
        totals = totals or Totals()
        totals.merge(regional[key])
        row = row_of_totals(totals)
        row.update(tally_seq=seq, updated_at=now)
        if target is inserts:
            row.update(contest=key[0], kode=key[1], tingkat=level_of(key[1]))
        else:
            row.update(b_contest=key[0], b_kode=key[1])
        target.append(row)
    if inserts:
        conn.execute(rollups.insert(), inserts)
    if updates:
        values = {c: bindparam(c) for c in (*ROLLUP_NUMBERS, "votes", "flag_counts", "tally_seq", "updated_at")}
        stmt = (update(rollups).where(rollups.c.contest == bindparam("b_contest"))
                .where(rollups.c.kode == bindparam("b_kode")).values(values))
        conn.execute(stmt, updates)
