"""Every document of the public tree, as (path, bytes), for a static snapshot.

Region documents come from the same builders the server uses; TPS documents are rendered a
desa at a time from one query, since a national tree has 820,161 TPS per contest.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import orjson
from sqlalchemy import Engine

from suara.domain.contests import Contest
from suara.domain.regions import Region
from suara.publish import own, routes, sirekap
from suara.store import audit
from suara.store.reference import Reference
from suara.tally.fold import tally_point
from suara.tally.queries import CurrentVersion, versions_in


def _region_paths(contest: Contest, region: Region) -> list[str]:
    """Where a region's documents live: own API and Sirekap-compatible tree."""
    chain = [region.kode[:n] for n in (2, 4, 6, 10) if len(region.kode) >= n]
    base = "pemilu/hhcw/ppwp" if contest.kind == "ppwp" else f"pilkada/hhcw/{contest.kind}"
    hhcw = f"sirekap/{base}.json" if not chain else f"sirekap/{base}/{'/'.join(chain)}.json"
    return [f"api/v1/results/{contest.key}/{region.kode}", hhcw]


def _subtree(reference: Reference, contest: Contest) -> Iterator[Region]:
    stack = [reference.tree.get(contest.region)]
    while stack:
        region = stack.pop()
        yield region
        stack.extend(reversed(reference.tree.children(region.kode)))


def documents(engine: Engine, reference: Reference, contests: Sequence[Contest]) -> Iterator[tuple[str, bytes]]:
    tree = reference.tree
    yield "api/v1/contests", _render(engine, routes.contests(reference))
    yield "sirekap/pemilu/ppwp.json", _render(engine, routes.sirekap_document(reference, "pemilu/ppwp.json"))
    for kind in routes.PILKADA_KINDS:
        yield f"sirekap/pilkada/paslon/{kind}.json", _render(
            engine, routes.sirekap_document(reference, f"pilkada/paslon/{kind}.json"))
    for region in tree.regions():
        yield f"api/v1/regions/{region.kode}", _render(engine, routes.region(reference, region.kode))
    for kind in ("ppwp", *routes.PILKADA_KINDS):
        group = "pemilu" if kind == "ppwp" else "pilkada"
        for region in tree.regions():
            if region.tingkat == 4 or not tree.children(region.kode):
                continue
            chain = [region.kode[:n] for n in (2, 4, 6, 10) if len(region.kode) >= n] or ["0"]
            path = f"wilayah/{group}/{kind}/{'/'.join(chain)}.json"
            yield f"sirekap/{path}", _render(engine, routes.sirekap_document(reference, path))
        for desa in tree.regions(4):
            chain = [desa.kode[:n] for n in (2, 4, 6, 10)]
            path = f"wilayah/{group}/{kind}/{'/'.join(chain)}.json"
            yield f"sirekap/{path}", _render(engine, routes.sirekap_document(reference, path))
    for contest in contests:
        for region in _subtree(reference, contest):
            for path in _region_paths(contest, region):
                builder = (routes.results(reference, contest.key, region.kode) if path.startswith("api/")
                           else routes.sirekap_document(reference, path.removeprefix("sirekap/")))
                yield path, _render(engine, builder)
            if region.tingkat == 4:
                yield from _tps_documents(engine, reference, contest, region)


def _tps_documents(engine: Engine, reference: Reference, contest: Contest, desa: Region) -> Iterator[tuple[str, bytes]]:
    with engine.connect() as conn:
        seq, _, moment = tally_point(conn)
        history = versions_in(conn, contest.key, desa.kode)
        chain_head = audit.head(conn)
    chain = "/".join(desa.kode[:n] for n in (2, 4, 6, 10))
    base = "pemilu/hhcw/ppwp" if contest.kind == "ppwp" else f"pilkada/hhcw/{contest.kind}"
    for tps in reference.tree.tps_of(desa.kode):
        versions = history.get(tps, [])
        yield (f"api/v1/tps/{contest.key}/{tps}",
               orjson.dumps(own.with_chain_head(own.tps_doc(contest, reference.tree, tps, versions, seq, moment),
                                                *chain_head)))
        current = None
        if versions:
            v = versions[-1]
            current = CurrentVersion(contest.key, tps, v.version_id, v.version_no, v.submitted_at, v.form, v.flags)
        yield f"sirekap/{base}/{chain}/{tps}.json", orjson.dumps(sirekap.tps_doc(contest, current, [], moment))


def _render(engine: Engine, builder: routes.Builder) -> bytes:
    with engine.connect() as conn:
        built = builder(conn)
        value = own.with_chain_head(built.value, *audit.head(conn))  # the builder's snapshot, as the server does
    return value if isinstance(value, bytes) else orjson.dumps(value)
