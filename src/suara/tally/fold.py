"""The tally worker: fold new form versions into rollups, exactly once.

Versions are folded in id order from a cursor kept in tally_state. For each TPS touched, the
fold takes the difference between its newest version up to the new cursor and the newest one
up to the old cursor (what the rollups counted so far), and applies it to every region above.
Rollups, the flagged-TPS index and the cursor change in one transaction, so a crash leaves
either all of a fold or none, and running the fold again is harmless.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from suara.domain.tally import Totals, roll_up, rollup_level
from suara.store.dialect import keyed_chunks
from suara.store.schema import form_versions, rollups, tally_state
from suara.tally import flagged
from suara.tally.codec import ROLLUP_NUMBERS, contribution_of_version, row_of_totals, totals_of_row


@dataclass(frozen=True, slots=True)
class FoldResult:
    versions: int
    tps_changed: int
    regions_changed: int
    tally_seq: int


def init_state(conn: Connection) -> None:
    if conn.execute(select(tally_state.c.id)).first() is None:
        conn.execute(tally_state.insert().values(id=1, seq=0, last_version_id=0,
                                                 updated_at=datetime.now(UTC)))


def tally_point(conn: Connection) -> tuple[int, int, datetime]:
    """(tally seq, last folded version id, time of the last fold)."""
    row = conn.execute(select(tally_state).where(tally_state.c.id == 1)).one()
    return int(row.seq), int(row.last_version_id), row.updated_at


def pending(conn: Connection) -> int:
    last = select(tally_state.c.last_version_id).where(tally_state.c.id == 1).scalar_subquery()
    stmt = select(func.count()).select_from(form_versions).where(form_versions.c.id > last)
    return int(conn.execute(stmt).scalar_one())


def fold_once(engine: Engine, limit: int = 5000) -> FoldResult:
    """Fold up to `limit` new versions in a transaction of its own (the tally worker's step)."""
    with engine.begin() as conn:
        return fold_pending(conn, limit)


def fold_pending(conn: Connection, limit: int = 5000) -> FoldResult:
    """Fold up to `limit` new versions inside the caller's transaction; versions == 0 when idle."""
    state = conn.execute(select(tally_state.c.seq, tally_state.c.last_version_id)
                         .where(tally_state.c.id == 1).with_for_update()).one()
    cursor = int(state.last_version_id)
    new = conn.execute(select(form_versions.c.id, form_versions.c.contest, form_versions.c.tps,
                              form_versions.c.version_no, form_versions.c.payload, form_versions.c.flags)
                       .where(form_versions.c.id > cursor).order_by(form_versions.c.id).limit(limit)).all()
    if not new:
        return FoldResult(0, 0, 0, int(state.seq))
    seq = int(state.seq) + 1
    now = datetime.now(UTC)
    per_desa, tps_changed, changes, dapils = _differences(conn, new, cursor)
    regional = roll_up(per_desa, dapils)
    _apply(conn, regional, seq, now)
    flagged.refresh(conn, changes)
    conn.execute(update(tally_state).where(tally_state.c.id == 1)
                 .values(seq=seq, last_version_id=new[-1].id, updated_at=now))
    return FoldResult(len(new), tps_changed, len(regional), seq)


def fold_all(engine: Engine, limit: int = 5000) -> int:
    """Fold until nothing is pending; returns how many versions were folded."""
    total = 0
    while (result := fold_once(engine, limit)).versions:
        total += result.versions
    return total


def _differences(conn: Connection, new: Sequence[Any], cursor: int) -> tuple[
        dict[tuple[str, str], Totals], int, list[flagged.Change], dict[tuple[str, str], str]]:
    """Per desa: the rollup difference of its TPS (new version in, the one it replaces out);
    how many TPS changed; their old and new flags for the flagged-TPS index; and the dapil of a
    desa's party-list forms (whose difference also goes to the dapil's rollup)."""
    newest: dict[tuple[str, str], Any] = {}
    for row in new:  # in id order, so the last one of a TPS wins
        newest[(row.contest, row.tps)] = row
    earlier = sorted({(r.contest, r.tps) for r in new if r.version_no > 1})
    counted = _counted_versions(conn, earlier, cursor)
    per_desa: dict[tuple[str, str], Totals] = defaultdict(Totals)
    changes: list[flagged.Change] = []
    dapils: dict[tuple[str, str], str] = {}
    for pair, row in newest.items():
        desa = per_desa[(pair[0], pair[1][:10])]  # contributions go straight into their desa
        old = counted.get(pair)
        if old is not None:
            desa.apply(contribution_of_version(old.payload, old.flags), -1)
        contribution = contribution_of_version(row.payload, row.flags)
        desa.apply(contribution, 1)
        if contribution.dapil is not None:  # a TPS's dapil never changes between its versions
            dapils[(pair[0], pair[1][:10])] = contribution.dapil
        changes.append((*pair, old.flags if old is not None else None, row.flags))
    return per_desa, len(newest), changes, dapils


def _counted_versions(conn: Connection, pairs: list[tuple[str, str]], cursor: int) -> dict[tuple[str, str], Any]:
    """The newest version of each TPS at or below the cursor: what the rollups count for it now."""
    counted: dict[tuple[str, str], Any] = {}
    for contest, part in keyed_chunks(pairs):
        stmt = (select(form_versions.c.tps, form_versions.c.version_no, form_versions.c.payload,
                       form_versions.c.flags)
                .where(form_versions.c.contest == contest, form_versions.c.tps.in_(part),
                       form_versions.c.id <= cursor))
        for row in conn.execute(stmt):
            known = counted.get((contest, row.tps))
            if known is None or row.version_no > known.version_no:
                counted[(contest, row.tps)] = row
    return counted


def _apply(conn: Connection, regional: dict[tuple[str, str], Totals], seq: int, now: datetime) -> None:
    keys = sorted(regional)
    existing: dict[tuple[str, str], Totals] = {}
    for contest, part in keyed_chunks(keys):
        stmt = select(rollups).where(rollups.c.contest == contest, rollups.c.kode.in_(part))
        existing.update({(r.contest, r.kode): totals_of_row(r) for r in conn.execute(stmt)})
    inserts, updates = [], []
    for key in keys:
        totals = existing.get(key)
        is_new = totals is None
        totals = totals or Totals()
        totals.merge(regional[key])
        row = row_of_totals(totals)
        row.update(tally_seq=seq, updated_at=now)
        if is_new:
            row.update(contest=key[0], kode=key[1], tingkat=rollup_level(key[1]))
            inserts.append(row)
        else:
            row.update(b_contest=key[0], b_kode=key[1])
            updates.append(row)
    if inserts:
        conn.execute(rollups.insert(), inserts)
    if updates:
        values: dict[str, Any] = {c: bindparam(c)
                                  for c in (*ROLLUP_NUMBERS, "votes", "flag_counts", "tally_seq", "updated_at")}
        change = (update(rollups).where(rollups.c.contest == bindparam("b_contest"))
                  .where(rollups.c.kode == bindparam("b_kode")).values(values))
        conn.execute(change, updates)
