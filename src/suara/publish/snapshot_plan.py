"""Before a snapshot is written: which contests have data, and about how many files and bytes it
will take.

A national snapshot of every ballot is millions of files and several gigabytes, written over
tens of minutes; whoever starts one should know that first, and contests with no form stored
yet (a Pilkada before its day) are left out rather than written as trees of empty documents.

The size is an estimate: for each contest kind, documents of one contest with data are rendered
along the path from its top region down to a reported TPS (one region per level, the TPS of one
desa) and their sizes are multiplied by how many regions of each level and how many TPS,
reported or not, each contest of that kind has. It is usually within a few per cent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import Connection, Engine, select

from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.regions import Region
from suara.publish import own, routes, sirekap_routes
from suara.publish.sirekap_paths import region_path
from suara.publish.sirekap_tree import hhcw_base
from suara.store.reference import Reference
from suara.store.schema import rollups
from suara.tally.queries import rollup

LARGE_SNAPSHOT_BYTES = 1_000_000_000  # past 1 GB a snapshot takes long enough to be worth a warning


@dataclass(frozen=True)
class ContestPlan:
    contest: Contest
    tps: int  # on the contest's own list
    tps_reported: int
    regions_by_level: Counter[int]  # regions of its subtree by tingkat (0 = nation ... 4 = desa)

    @property
    def regions(self) -> int:
        return sum(self.regions_by_level.values())


@dataclass(frozen=True)
class SnapshotPlan:
    contests: tuple[ContestPlan, ...]  # those to write: with at least one form
    skipped: tuple[Contest, ...]  # chosen, but no form stored yet
    files: int  # estimated documents
    bytes: int  # estimated total size

    @property
    def large(self) -> bool:
        return self.bytes > LARGE_SNAPSHOT_BYTES


def _levels(scope: ContestScope) -> Counter[int]:
    counts: Counter[int] = Counter()
    stack = [scope.tree.get(scope.contest.region)]
    while stack:
        region = stack.pop()
        counts[region.tingkat] += 1
        stack.extend(scope.children(region.kode))
    return counts


def _size(value: object) -> int:
    return len(value) if isinstance(value, bytes) else len(orjson.dumps(value))


def _reported_desa(conn: Connection, contest: Contest) -> str | None:
    row = conn.execute(select(rollups.c.kode).where(rollups.c.contest == contest.key, rollups.c.tingkat == 4,
                                                    rollups.c.tps_reported > 0).limit(1)).first()
    return str(row.kode) if row else None


@dataclass(frozen=True)
class _KindSizes:
    by_level: dict[int, int]  # an own results document plus a Sirekap region document, by tingkat
    tps_reported: int  # an own TPS record plus a Sirekap TPS document, with a form
    tps_empty: int  # the same without one


def _sample(conn: Connection, reference: Reference, plan: ContestPlan, base_url: str) -> _KindSizes:
    """Render one region per level on the way to a reported desa, and that desa's TPS."""
    contest, scope = plan.contest, reference.scope(plan.contest)
    desa = _reported_desa(conn, contest)
    path: list[Region] = []
    if desa is not None:
        path = [scope.tree.get(desa[:n]) for n in (2, 4, 6, 10) if n > len(contest.region)]  # below the top
    path.insert(0, scope.tree.get(contest.region))
    hhcw = hhcw_base(contest)
    by_level = {}
    for region in path:
        by_level[region.tingkat] = (
            _size(routes.results(reference, contest.key, region.kode)(conn).value)
            + _size(sirekap_routes.sirekap_document(reference, region_path(hhcw, region.kode), base_url)(conn).value))
    reported: list[int] = []
    empty: list[int] = []
    for tps in scope.tps_of(desa) if desa is not None else ():
        record = routes.tps_record(reference, contest.key, tps)(conn).value
        size = _size(record) + _size(sirekap_routes.sirekap_document(reference, region_path(hhcw, tps),
                                                                     base_url)(conn).value)
        (reported if record["current"] is not None else empty).append(size)
    some_tps = next(iter(scope.tps_of(desa)), None) if desa is not None else None
    if not empty and some_tps is not None:
        moment = datetime.now(UTC)
        empty.append(_size(own.tps_doc(contest, scope.tree, some_tps, [], 0, moment))
                     + _size(sirekap_routes.tps_document(reference, contest, some_tps, None, [], moment)))
    mean_reported = sum(reported) // len(reported) if reported else 0
    mean_empty = sum(empty) // len(empty) if empty else mean_reported
    return _KindSizes(by_level, mean_reported, mean_empty)


def contests_with_data(engine: Engine, contests: Sequence[Contest]) -> tuple[list[Contest], list[Contest]]:
    """`contests` split into those with at least one form folded and those with none."""
    with engine.connect() as conn:
        reported = {c.key: rollup(conn, c.key, c.region).tps_reported for c in contests}
    return [c for c in contests if reported[c.key]], [c for c in contests if not reported[c.key]]


def plan_snapshot(engine: Engine, reference: Reference, contests: Sequence[Contest], base_url: str) -> SnapshotPlan:
    """Which of `contests` have data, and the estimated files and bytes of their snapshot."""
    with engine.connect() as conn:
        chosen, skipped = [], []
        for contest in contests:
            reported = rollup(conn, contest.key, contest.region).tps_reported
            if reported == 0:
                skipped.append(contest)
                continue
            scope = reference.scope(contest)
            chosen.append(ContestPlan(contest, scope.tps_total(contest.region), reported, _levels(scope)))
        # one sample per kind, from its contest with the most forms: 545 Pilkada races share two
        samples: dict[str, _KindSizes] = {}
        for plan in sorted(chosen, key=lambda p: -p.tps_reported):
            if plan.contest.kind not in samples:
                samples[plan.contest.kind] = _sample(conn, reference, plan, base_url)
        all_regions: Counter[int] = Counter(r.tingkat for r in reference.tree.regions())
        region_doc = {level: _size(routes.region(reference, kode)(conn).value)
                      for level, kode in _one_per_level(reference).items()}
    files = 1 + all_regions.total()  # api/v1/contests and api/v1/regions/*
    size = sum(region_doc.get(level, 0) * n for level, n in all_regions.items())
    for plan in chosen:
        sizes = samples[plan.contest.kind]
        # own and Sirekap documents of each region and TPS, and about one Sirekap region list a region
        files += 3 * plan.regions + 2 * plan.tps
        largest = max(sizes.by_level.values())
        size += sum(sizes.by_level.get(level, largest) * n for level, n in plan.regions_by_level.items())
        size += plan.tps_reported * sizes.tps_reported + (plan.tps - plan.tps_reported) * sizes.tps_empty
    return SnapshotPlan(tuple(chosen), tuple(skipped), files, size)


def _one_per_level(reference: Reference) -> dict[int, str]:
    found: dict[int, str] = {}
    for region in reference.tree.regions():
        found.setdefault(region.tingkat, region.kode)
        if len(found) == 5:
            break
    return found
