"""Regions, contests and candidates in the database, and the in-memory Reference built from them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, select

from suara.domain.contests import Candidate, Contest, UnknownContest
from suara.domain.regions import RegionRow, RegionTree
from suara.store.schema import candidates, contests, regions


@dataclass(frozen=True)
class Reference:
    """What every request needs at hand: the region tree and the contests."""

    tree: RegionTree
    contests: dict[str, Contest]

    def contest(self, key: str) -> Contest:
        try:
            return self.contests[key]
        except KeyError:
            raise UnknownContest(f"pemilihan tidak dikenal: {key!r}") from None


def region_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(regions)).scalar_one())


def save_regions(conn: Connection, rows: Iterable[RegionRow], batch: int = 20_000) -> int:
    count = 0
    pending: list[dict[str, object]] = []
    for row in rows:
        pending.append({"kode": row.kode, "tingkat": row.tingkat, "nama": row.nama, "tps": row.tps})
        if len(pending) >= batch:
            conn.execute(regions.insert(), pending)
            count += len(pending)
            pending = []
    if pending:
        conn.execute(regions.insert(), pending)
        count += len(pending)
    return count


def save_contests(conn: Connection, items: Sequence[Contest]) -> None:
    """Replace the contest definitions (names, numbers and colours an election commission edits)."""
    conn.execute(delete(candidates))
    conn.execute(delete(contests))
    conn.execute(contests.insert(), [
        {"key": c.key, "kind": c.kind, "region": c.region, "nama": c.nama, "tps_cap": c.tps_cap} for c in items
    ])
    conn.execute(candidates.insert(), [
        {"contest": c.key, "nomor_urut": p.nomor_urut, "id": p.id, "nama": p.nama, "warna": p.warna}
        for c in items for p in c.candidates
    ])


def load_tree(conn: Connection) -> RegionTree:
    result = conn.execute(select(regions.c.kode, regions.c.tingkat, regions.c.nama, regions.c.tps)
                          .order_by(regions.c.kode))
    return RegionTree(RegionRow(*row) for row in result)


def load_contests(conn: Connection) -> dict[str, Contest]:
    by_contest: dict[str, list[Candidate]] = defaultdict(list)
    for row in conn.execute(select(candidates).order_by(candidates.c.contest, candidates.c.nomor_urut)):
        by_contest[row.contest].append(Candidate(row.nomor_urut, row.id, row.nama, row.warna))
    return {
        row.key: Contest(row.key, row.kind, row.region, row.nama, row.tps_cap, tuple(by_contest[row.key]))
        for row in conn.execute(select(contests).order_by(contests.c.key))
    }


def load_reference(conn: Connection) -> Reference:
    return Reference(load_tree(conn), load_contests(conn))
