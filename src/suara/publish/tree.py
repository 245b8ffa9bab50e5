"""Every document of the public tree, as (path, bytes), for a static snapshot.

Region documents come from the same builders the server uses; TPS documents are rendered a
desa at a time from one query, since a national tree has 820,161 TPS per contest. Each contest
is walked on its own election's TPS list (ContestScope). The Sirekap-compatible part is in
sirekap_tree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import orjson
from sqlalchemy import Engine

from suara.config import Settings
from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.regions import Region
from suara.publish import own, routes, sirekap_tree
from suara.store import audit
from suara.store.reference import Reference
from suara.tally.fold import tally_point
from suara.tally.queries import versions_in


def _subtree(scope: ContestScope) -> Iterator[Region]:
    stack = [scope.tree.get(scope.contest.region)]
    while stack:
        region = stack.pop()
        yield region
        stack.extend(reversed(scope.children(region.kode)))


def documents(engine: Engine, reference: Reference, contests: Sequence[Contest],
              base_url: str | None = None) -> Iterator[tuple[str, bytes]]:
    """The own API's documents of the chosen contests, then the Sirekap-compatible tree's; photo
    links in the latter start with base_url (default: the SUARA_PUBLIC_BASE_URL setting)."""
    yield "api/v1/contests", _render(engine, routes.contests(reference))
    for region in reference.tree.regions():
        yield f"api/v1/regions/{region.kode}", _render(engine, routes.region(reference, region.kode))
    for contest in contests:
        scope = reference.scope(contest)
        for region in _subtree(scope):
            yield f"api/v1/results/{contest.key}/{region.kode}", _render(
                engine, routes.results(reference, contest.key, region.kode))
            if region.tingkat == 4:
                yield from _tps_documents(engine, contest, scope, region)
    base = base_url if base_url is not None else Settings.from_env().public_base_url
    yield from sirekap_tree.documents(engine, reference, contests, base, lambda b: _render(engine, b))


def _tps_documents(engine: Engine, contest: Contest, scope: ContestScope, desa: Region) -> Iterator[tuple[str, bytes]]:
    with engine.connect() as conn:
        seq, _, moment = tally_point(conn)
        history = versions_in(conn, contest.key, desa.kode)
        chain_head = audit.head(conn)
    for tps in scope.tps_of(desa.kode):
        yield (f"api/v1/tps/{contest.key}/{tps}",
               orjson.dumps(own.with_chain_head(own.tps_doc(contest, scope.tree, tps, history.get(tps, []), seq,
                                                            moment), *chain_head)))


def _render(engine: Engine, builder: routes.Builder) -> bytes:
    with engine.connect() as conn:
        built = builder(conn)
        value = own.with_chain_head(built.value, *audit.head(conn))  # the builder's snapshot, as the server does
    return value if isinstance(value, bytes) else orjson.dumps(value)
