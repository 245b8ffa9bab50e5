"""The Sirekap-compatible part of a static snapshot: every path the server answers for the
chosen contests, rendered by the same builders, as (path, bytes) under `sirekap/`.

Region, dapil and list documents come from sirekap_routes, and so do those of the official
recapitulation (/pemilu/hr/..., /pilkada/hr/...) as it stands when the snapshot is written; TPS
documents (legislative ones included, so a national snapshot of all five ballots holds about 4.1
million of them) are rendered a desa at a time from one query.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from functools import partial

import orjson

from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.regions import NATIONAL, OVERSEAS, Region, RegionTree
from suara.domain.tally import dapil_rollup_code
from suara.publish import sirekap_recap, sirekap_routes
from suara.publish.routes import FRESHNESS, Builder
from suara.publish.sirekap_paths import chain, contest_of, region_path
from suara.publish.tree_groups import ALWAYS, STATIC, Dependencies, Group, Rendered, Source
from suara.store.reference import Reference
from suara.tally.fold import tally_point
from suara.tally.queries import CurrentVersion, photos_of, versions_in

Render = Callable[[str, Builder], Rendered]
PARTY_KINDS = ("pdpr", "pdprdp", "pdprdk")


def hhcw_base(contest: Contest) -> str:
    return f"{contest.info.election_kind}/hhcw/{contest.kind}"


def _walk(children: Callable[[str], Sequence[Region]], top: Region) -> Iterator[Region]:
    stack = [top]
    while stack:
        region = stack.pop()
        yield region
        stack.extend(reversed(children(region.kode)))


def _pilkada_children(tree: RegionTree, kode: str) -> list[Region]:
    """The regions under `kode` a Pilkada list shows: at home, with TPS (or a desa)."""
    return [c for c in tree.children(kode) if not c.kode.startswith(OVERSEAS) and (c.tps_total > 0 or c.tingkat == 4)]


def _list_paths(reference: Reference, contests: Sequence[Contest]) -> Iterator[str]:
    """The region (and dapil) lists of the chosen contests' kinds; the dispatcher decides what
    each path holds (under pdprdp/{p} and pdprdk/{p}/{k}: the dapil)."""
    kinds = {c.kind for c in contests}
    for kind in sorted(kinds):
        group = "pilkada" if kind in sirekap_routes.PILKADA_KINDS else "pemilu"
        if group == "pilkada":
            tree: RegionTree = reference.tree_of(next(c for c in contests if c.kind == kind))
            regions = _walk(partial(_pilkada_children, tree), tree.get(NATIONAL))
        elif kind == "pdpd":
            yield f"wilayah/pemilu/pdpd/{NATIONAL}.json"
            regions = (r for c in contests if c.kind == "pdpd" for r in _walk(reference.scope(c).children,
                                                                                 reference.tree.get(c.region)))
        else:
            scope = reference.scope(reference.contests[kind])
            regions = _walk(scope.children, scope.tree.get(NATIONAL))
        for region in regions:
            segments = chain(region.kode) or [NATIONAL]
            yield f"wilayah/{group}/{kind}/{'/'.join(segments)}.json"
        if kind == "pdprdk" and reference.book is not None:
            for dapil in reference.book.dapil_map.dapils(kind):
                if dapil.kabkota:
                    yield f"wilayah/pemilu/pdprdk/{dapil.provinsi}/{dapil.kabkota}/{dapil.kode}.json"


def _ballot_paths(reference: Reference, contests: Sequence[Contest]) -> Iterator[str]:
    kinds = {c.kind for c in contests}
    if "ppwp" in kinds:
        yield "pemilu/ppwp.json"
    for kind in sirekap_routes.PILKADA_KINDS:
        if any(c.kind == kind for c in reference.contests.values()):
            yield f"pilkada/paslon/{kind}.json"
    book = reference.book
    if book is None:
        return
    if kinds & set(PARTY_KINDS):
        yield "pemilu/partai.json"
    if "pdpr" in kinds:
        yield "wilayah/pemilu/pdpr/dapil_dpr.json"
    for kind in PARTY_KINDS:
        if kind in kinds:
            yield from (f"pemilu/caleg/partai/{d.kode}.json" for d in book.dapil_map.dapils(kind))
    yield from (f"pemilu/caleg/dpd/{c.region}.json" for c in contests if c.kind == "pdpd")


def _dapil_paths(reference: Reference, contests: Sequence[Contest]) -> Iterator[str]:
    if reference.book is None:
        return
    dapil_map = reference.book.dapil_map
    kinds = {c.kind for c in contests}
    if "pdpr" in kinds:
        yield "pemilu/hhcd/pdpr/0.json"
        yield from (f"pemilu/hhcd/pdpr/{d.kode}.json" for d in dapil_map.dapils("pdpr"))
    if "pdprdp" in kinds:
        for provinsi in sorted({d.provinsi for d in dapil_map.dapils("pdprdp")}):
            yield f"pemilu/hhcd/pdprdp/{provinsi}.json"
        yield from (f"pemilu/hhcd/pdprdp/{d.provinsi}/{d.kode}.json" for d in dapil_map.dapils("pdprdp"))
    if "pdprdk" in kinds:
        for provinsi, kabkota in sorted({(d.provinsi, d.kabkota) for d in dapil_map.dapils("pdprdk") if d.kabkota}):
            yield f"pemilu/hhcd/pdprdk/{provinsi}/{kabkota}.json"
        yield from (f"pemilu/hhcd/pdprdk/{d.provinsi}/{d.kabkota}/{d.kode}.json"
                    for d in dapil_map.dapils("pdprdk") if d.kabkota)


def dependencies(reference: Reference, path: str) -> Dependencies:
    """What a document of the tree outside hhcw shows (path without `sirekap/`): nothing that
    moves for candidate and region lists, the recapitulation for hr documents (ALWAYS), a dapil
    or a region's rollup for hhcd documents, as their builders declare in Built.depends_on."""
    parts = path[: -len(".json")].split("/")
    match parts:
        case ["pemilu" | "pilkada", "hr", *_]:
            return ALWAYS
        case ["pemilu", "hhcd", kind, *rest]:
            key = contest_of(reference, kind).key
            match kind, rest:
                case ("pdpr", ["0"]) | ("pdprdp", [_]) | ("pdprdk", [_, _]):
                    return ((key, rest[-1]),)
                case _:
                    return ((key, dapil_rollup_code(rest[-1])),)
        case ["pilkada", "hhcw", "pkwkk", provinsi]:
            return tuple((c.key, c.region) for c in reference.contests.values()
                         if c.kind == "pkwkk" and c.region[:2] == provinsi)
    return STATIC


def groups(engine: Source, reference: Reference, contests: Sequence[Contest], base_url: str,
           render: Render) -> Iterator[Group]:
    """Every Sirekap document of the chosen contests, paths relative to the snapshot's root."""
    seen: set[str] = set()

    def once(path: str, depends: Dependencies | None = None) -> Iterator[Group]:
        if path not in seen:
            seen.add(path)
            yield _single(f"sirekap/{path}", dependencies(reference, path) if depends is None else depends,
                          lambda: render(f"sirekap/{path}", sirekap_routes.sirekap_document(reference, path, base_url)))

    for path in (*_ballot_paths(reference, contests), *_list_paths(reference, contests),
                 *_dapil_paths(reference, contests), *sirekap_recap.paths(reference, contests)):
        yield from once(path)
    for provinsi in sorted({c.region[:2] for c in contests if c.kind == "pkwkk"}):
        yield from once(f"pilkada/hhcw/pkwkk/{provinsi}.json")
    for contest in contests:
        scope = reference.scope(contest)
        for region in _walk(scope.children, scope.tree.get(contest.region)):
            yield from once(region_path(hhcw_base(contest), region.kode), ((contest.key, region.kode),))
            if region.tingkat == 4:
                yield _tps_group(engine, reference, contest, scope, region, base_url)


def _single(path: str, depends: Dependencies, rendered: Callable[[], Rendered]) -> Group:
    def render(chosen: Collection[str] | None) -> Iterator[Rendered]:
        if chosen is None or path in chosen:
            yield rendered()
    listed = ((path, depends),)
    return Group(lambda: listed, render)


def _tps_group(engine: Source, reference: Reference, contest: Contest, scope: ContestScope, desa: Region,
               base_url: str) -> Group:
    def path_of(tps: str) -> str:
        return f"sirekap/{region_path(hhcw_base(contest), tps)}"

    def render(chosen: Collection[str] | None) -> Iterator[Rendered]:
        with engine.connect() as conn:
            _, _, moment = tally_point(conn)
            history = versions_in(conn, contest.key, desa.kode)
            current = {}
            for tps, versions in history.items():
                v = versions[-1]
                current[tps] = CurrentVersion(contest.key, tps, v.version_id, v.version_no, v.submitted_at, v.form,
                                              v.flags)
            photos = photos_of(conn, [v.version_id for v in current.values()])
        for tps in scope.tps_of(desa.kode):
            path = path_of(tps)
            if chosen is not None and path not in chosen:
                continue
            version = current.get(tps)
            images = sirekap_routes.images_of(contest, version, photos, base_url)
            doc = sirekap_routes.tps_document(reference, contest, tps, version, images, moment)
            yield Rendered(path, orjson.dumps(doc), FRESHNESS[5])
    def listing() -> tuple[tuple[str, Dependencies], ...]:
        return tuple((path_of(tps), ((contest.key, tps),)) for tps in scope.tps_of(desa.kode))
    return Group(listing, render, (contest.key, desa.kode))
