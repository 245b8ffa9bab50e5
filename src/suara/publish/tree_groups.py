"""The pieces a publication walks: documents grouped as they are rendered (one document, or the
TPS documents of one desa), each path with what it depends on (see tree.py)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

Dependency = tuple[str, str]  # (contest key, region code or TPS code)
Dependencies = tuple[Dependency, ...]
STATIC: Dependencies = ()
ALWAYS: Dependencies = (("*", "*"),)


class Snapshot:
    """One read transaction lent to every rendering of a publication, in place of the engine: its
    documents all show the same tally point and chain head as its record, and two million
    renderings do not each take a connection from the pool, begin and roll back."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        yield self.conn


Source = Engine | Snapshot  # where documents are read from: a connection each, or the one snapshot


@dataclass(frozen=True, slots=True)
class Rendered:
    path: str
    body: bytes
    cache_control: str  # as the server sends it for this path
    media_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Group:
    """Documents rendered together: `listing()` gives their paths with their dependencies, and
    `render(chosen)` renders the chosen ones among them (all of them when `chosen` is None).

    `gate`: a dependency that changes whenever any of the group's do (a desa's rollup, for its
    TPS: the tally folds every new version into it), so that an increment passes over a group
    whose gate did not change without listing its paths."""

    listing: Callable[[], tuple[tuple[str, Dependencies], ...]]
    render: Callable[[Collection[str] | None], Iterator[Rendered]]
    gate: Dependency | None = None

    @property
    def paths(self) -> tuple[tuple[str, Dependencies], ...]:
        return self.listing()


def needs_render(dependencies: Dependencies, changed: Collection[Dependency]) -> bool:
    if len(dependencies) == 1:  # nearly every document: one (contest, region or TPS)
        return dependencies[0] in changed or dependencies == ALWAYS
    return any(d in changed for d in dependencies)
