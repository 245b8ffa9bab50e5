"""Every document of the public tree, as (path, bytes), for a static snapshot; and, for an
incremental publication, what each document depends on, so that only those whose data changed
are rendered again.

Region documents come from the same builders the server uses; TPS documents are rendered a
desa at a time from one query, since a national tree has 820,161 TPS per contest. Each contest
is walked on its own election's TPS list (ContestScope). The Sirekap-compatible part is in
sirekap_tree.

The tree is walked as groups: one document, or the TPS documents of one desa (rendered by one
query). Each path carries its dependencies, the (contest, region or TPS) pairs whose rollup or
form it shows, as the server's publisher keys its cache (routes.Built.depends_on):

- STATIC (no dependency): reference documents (regions, contests, candidate lists, region
  lists) that change only with the reference data; the server caches them for an hour.
- ALWAYS: the official recapitulation's documents, which follow the recapitulation rather than
  the tally; they are few (one per province and kab/kota) and rendered on every publication.
- otherwise the pairs: rendered again when any of them changed since the last publication.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from functools import partial

import orjson

from suara.config import Settings
from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.regions import Region
from suara.publish import own, routes, sirekap_tree
from suara.publish.tree_groups import STATIC, Dependencies, Group, Rendered, Source
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


def single(engine: Source, path: str, dependencies: Dependencies, builder: Callable[[], routes.Builder]) -> Group:
    """One document from a route's builder (made only when the document is rendered)."""
    def render(chosen: Collection[str] | None) -> Iterator[Rendered]:
        if chosen is None or path in chosen:
            yield render_built(engine, path, builder())
    listed = ((path, dependencies),)
    return Group(lambda: listed, render)


def groups(engine: Source, reference: Reference, contests: Sequence[Contest],
           base_url: str | None = None) -> Iterator[Group]:
    """The own API's documents of the chosen contests, then the Sirekap-compatible tree's; photo
    links in the latter start with base_url (default: the SUARA_PUBLIC_BASE_URL setting)."""
    yield single(engine, "api/v1/contests", STATIC, lambda: routes.contests(reference))
    for region in reference.tree.regions():
        yield single(engine, f"api/v1/regions/{region.kode}", STATIC, partial(routes.region, reference, region.kode))
    for contest in contests:
        scope = reference.scope(contest)
        for region in _subtree(scope):
            yield single(engine, f"api/v1/results/{contest.key}/{region.kode}", ((contest.key, region.kode),),
                         partial(routes.results, reference, contest.key, region.kode))
            if region.tingkat == 4:
                yield _tps_group(engine, contest, scope, region)
    base = base_url if base_url is not None else Settings.from_env().public_base_url
    yield from sirekap_tree.groups(engine, reference, contests, base,
                                   lambda path, builder: render_built(engine, path, builder))


def documents(engine: Source, reference: Reference, contests: Sequence[Contest],
              base_url: str | None = None) -> Iterator[tuple[str, bytes]]:
    """Every document of the chosen contests' tree, in the order of `groups`."""
    for group in groups(engine, reference, contests, base_url):
        for rendered in group.render(None):
            yield rendered.path, rendered.body


def _tps_group(engine: Source, contest: Contest, scope: ContestScope, desa: Region) -> Group:
    def listing() -> tuple[tuple[str, Dependencies], ...]:
        return tuple((f"api/v1/tps/{contest.key}/{tps}", ((contest.key, tps),)) for tps in scope.tps_of(desa.kode))

    def render(chosen: Collection[str] | None) -> Iterator[Rendered]:
        with engine.connect() as conn:
            seq, _, moment = tally_point(conn)
            history = versions_in(conn, contest.key, desa.kode)
            chain_head = audit.head(conn)
        for tps in scope.tps_of(desa.kode):
            path = f"api/v1/tps/{contest.key}/{tps}"
            if chosen is None or path in chosen:
                doc = own.tps_doc(contest, scope.tree, tps, history.get(tps, []), seq, moment)
                yield Rendered(path, orjson.dumps(own.with_chain_head(doc, *chain_head)), routes.FRESHNESS[5])
    return Group(listing, render, (contest.key, desa.kode))


def render_built(engine: Source, path: str, builder: routes.Builder) -> Rendered:
    with engine.connect() as conn:
        built = builder(conn)
        value = own.with_chain_head(built.value, *audit.head(conn))  # the builder's snapshot, as the server does
    body = value if isinstance(value, bytes) else orjson.dumps(value)
    return Rendered(path, body, built.cache_control, built.media_type)
