"""The official recapitulation in the Sirekap-compatible tree (shared/spec/sirekap-api.md,
"Official recapitulation"): /pemilu/hr/ppwp.json, /pemilu/hr/ppwp/{p}.json and
/pemilu/hr/ppwp/{p}/{k}.json; /pilkada/hr/pkwkp/{p}.json (and its kab/kota, /{p}/{k}.json) and
/pilkada/hr/pkwkk/{p}/{k}.json.

    {"ts", "chart", "table", "progress_d", "progress_d_child", "url_formd"}

- `chart`: the region's own tier's total (D Hasil), by paslon id: the nation = KPU RI's national
  tier, a province = its provinsi tier, a kab/kota = its own. Zeros while that tier has not
  recorded, as an hhcw chart with no data.
- `table`: per child, the figures the region's own tier recorded for it; empty until it has.
- `progress_d`: {"da", "db", "dc"}: the kecamatan (da), kab/kota (db) and province (dc) tiers
  inside the region. `jml_wilayah` counts them, `jml_wilayah_publikasi` those whose plenary has
  closed (locked) them, since a recorded tier may still be recorded again; `persen` is the share.
  A region carries the tiers at and below its own level: the nation and a province da, db and
  dc, a kab/kota da and db, a kecamatan da (so children of a province carry da and db only).
  Overseas each PPLN records its stations as the first tier, so PPLN count in da.
- `progress_d_child`: the same per child of the region.
- `url_formd`: absolute URLs of the photos of the D Hasil minutes the chart comes from (one per
  tier; [null] when none was uploaded, as `images` of a TPS without photos), served by
  /api/v1/photos/{digest}.
- `ts`: WIB time of the latest recapitulation change inside the region (of the contest when the
  region has none; of the tally before any recapitulation at all).

Overseas (`99`) has no plenary of its own: its document shows each PPLN's total (its row in
`table` is what that PPLN recorded for its whole area) and its chart their sum; a PPLN's document
(`/pemilu/hr/ppwp/99/9901.json`) is its own tier, one row per station.

These documents change with the recapitulation, not with the tally, so the server does not keep
them in the publisher's tally-invalidated cache but in recap_cache.StampedDocuments, under a stamp
of the contest's recapitulation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.localtime import wib_text
from suara.domain.recap import RowFigures, Tingkat, figures_total, has_tier, is_overseas, tier_of
from suara.domain.regions import CODE_LENGTHS, NATIONAL, OVERSEAS, level_of
from suara.publish import sirekap
from suara.publish.routes import FRESHNESS, Built, NotFound
from suara.publish.sirekap_paths import contest_of, region_path, resolve
from suara.store.recap import LOCKED, RecapRecord, current_record, records_within
from suara.store.reference import Reference
from suara.store.schema import recap_status
from suara.tally.fold import tally_point

PROGRESS_KEY = {Tingkat.KECAMATAN: "da", Tingkat.PPLN: "da", Tingkat.KABKOTA: "db", Tingkat.PROVINSI: "dc"}
KEYS_BY_LEVEL = {0: ("da", "db", "dc"), 1: ("da", "db", "dc"), 2: ("da", "db"), 3: ("da",)}


def photo_url(base_url: str, digest: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/photos/{digest}"


@dataclass(frozen=True)
class RecapBuilder:
    """A Builder (Connection -> Built) of an hr document, with the contest whose recapitulation
    it shows, so the server can cache it by that contest's recap state instead of the tally."""

    contest: str
    kode: str
    build: Callable[[Connection], Built]

    def __call__(self, conn: Connection) -> Built:
        return self.build(conn)


def document(reference: Reference, parts: Sequence[str], base_url: str) -> RecapBuilder:
    """parts: the path's segments without .json, from 'pemilu'/'pilkada' on."""
    match list(parts):
        case ["pemilu", "hr", "ppwp", *codes] if len(codes) <= 2:
            contest = contest_of(reference, "ppwp")
        case ["pilkada", "hr", "pkwkp", p, *codes] if len(codes) <= 1:
            contest, codes = contest_of(reference, f"pkwkp-{p}"), [p, *codes]
        case ["pilkada", "hr", "pkwkk", p, k]:
            contest, codes = contest_of(reference, f"pkwkk-{k}"), [p, k]
        case _:
            raise NotFound("not_found", f"tidak ada dokumen {'/'.join(parts)!r}")
    scope = reference.scope(contest)
    if codes == [NATIONAL]:
        raise NotFound("not_found", f"tidak ada dokumen {'/'.join(parts)!r}")
    kode = resolve(scope, codes) if codes else NATIONAL
    branch = kode == OVERSEAS and has_tier(scope, NATIONAL)
    if not (branch or has_tier(scope, kode)):
        raise NotFound("no_tier", f"{contest.key} tidak direkapitulasi di wilayah {kode}")
    return RecapBuilder(contest.key, kode, lambda conn: _build(conn, scope, kode, base_url))


def paths(reference: Reference, contests: Sequence[Contest]) -> Iterator[str]:
    """Every hr path of the chosen contests, for the static snapshot."""
    for contest in contests:
        scope = reference.scope(contest)
        if contest.kind == "ppwp":
            yield "pemilu/hr/ppwp.json"
            for provinsi in scope.children(NATIONAL):
                yield region_path("pemilu/hr/ppwp", provinsi.kode)
                yield from (region_path("pemilu/hr/ppwp", c.kode) for c in scope.children(provinsi.kode)
                            if has_tier(scope, c.kode))
        elif contest.kind == "pkwkp":
            yield region_path("pilkada/hr/pkwkp", contest.region)
            yield from (region_path("pilkada/hr/pkwkp", c.kode) for c in scope.children(contest.region))
        elif contest.kind == "pkwkk":
            yield region_path("pilkada/hr/pkwkk", contest.region)


# --- building -----------------------------------------------------------------------------------

def _tiers_under(scope: ContestScope, kode: str) -> list[tuple[str, str]]:
    """(code, progress key) of every kecamatan, kab/kota, province and PPLN tier inside a region."""
    found, stack = [], [kode]
    while stack:
        code = stack.pop()
        level = level_of(code)
        if code != NATIONAL and has_tier(scope, code):
            key = PROGRESS_KEY.get(tier_of(code))
            if key is not None:
                found.append((code, key))
        if level < 3 and not (is_overseas(code) and level >= 2):
            stack.extend(child.kode for child in scope.children(code))
    return found


def _progress(counts: Counter[tuple[str, str, bool]], where: str, keys: Sequence[str]) -> dict[str, Any]:
    doc = {}
    for key in keys:
        locked, recorded_or_not = counts[(where, key, True)], counts[(where, key, False)]
        total = locked + recorded_or_not
        doc[key] = {"persen": sirekap.persen(locked, total), "jml_wilayah": total, "jml_wilayah_publikasi": locked}
    return doc


def _states(conn: Connection, contest: str, kode: str) -> dict[str, tuple[str, datetime]]:
    stmt = select(recap_status.c.kode, recap_status.c.status, recap_status.c.updated_at).where(
        recap_status.c.contest == contest)
    return {r.kode: (r.status, r.updated_at) for r in conn.execute(stmt)
            if kode == NATIONAL or r.kode.startswith(kode)}


def _sources(conn: Connection, scope: ContestScope, kode: str) -> tuple[dict[str, RowFigures], list[RecapRecord]]:
    """The table's rows and the records they come from: the region's own tier, or overseas each
    PPLN's total."""
    if kode == OVERSEAS:
        records = [r for r in records_within(conn, scope.contest.key, OVERSEAS) if tier_of(r.kode) is Tingkat.PPLN]
        return {r.kode: figures_total(r.rows.values()) for r in records}, records
    record = current_record(conn, scope.contest.key, kode)
    return (dict(record.rows), [record]) if record is not None else ({}, [])


def _build(conn: Connection, scope: ContestScope, kode: str, base_url: str) -> Built:
    contest = scope.contest
    seq, _, tally_moment = tally_point(conn)
    rows, records = _sources(conn, scope, kode)
    keys = sirekap.paslon_keys(contest)
    total = figures_total(rows.values())
    states = _states(conn, contest.key, kode)
    counts: Counter[tuple[str, str, bool]] = Counter()
    child_length = CODE_LENGTHS[level_of(kode) + 1]
    for code, key in _tiers_under(scope, kode):
        locked = code in states and states[code][0] == LOCKED
        counts[(kode, key, locked)] += 1
        if code != kode:
            counts[(code[:child_length], key, locked)] += 1
    ppln = kode not in (NATIONAL, OVERSEAS) and tier_of(kode) is Tingkat.PPLN
    children = [*scope.tps_of(kode)] if ppln else [c.kode for c in scope.children(kode)]
    child_progress = {c: _progress(counts, c, KEYS_BY_LEVEL[level_of(c)]) for c in sorted(children)
                      if level_of(c) in KEYS_BY_LEVEL}
    photos: list[str | None] = [photo_url(base_url, r.minutes_public_sha256) for r in records
                                if r.minutes_public_sha256]
    doc = {
        "ts": wib_text(_latest(conn, contest.key, states) or tally_moment),
        "chart": {out: total.votes.get(vote, 0) for out, vote in keys},
        "table": {child: {out: rows[child].votes.get(vote, 0) for out, vote in keys} for child in sorted(rows)},
        "progress_d": _progress(counts, kode, KEYS_BY_LEVEL[level_of(kode)]),
        "progress_d_child": child_progress,
        "url_formd": photos or [None],
    }
    return Built(doc, None, FRESHNESS[level_of(kode)], seq)


def _latest(conn: Connection, contest: str, states: dict[str, tuple[str, datetime]]) -> datetime | None:
    if states:
        return max(moment for _, moment in states.values())
    return conn.execute(select(func.max(recap_status.c.updated_at)).where(recap_status.c.contest == contest)).scalar()
