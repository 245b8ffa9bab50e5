"""The pieces a publication walks: documents grouped as they are rendered (one document, or the
TPS documents of one desa), each path with what it depends on (see tree.py)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

Dependency = tuple[str, str]  # (contest key, region code or TPS code)
Dependencies = tuple[Dependency, ...]
STATIC: Dependencies = ()
ALWAYS: Dependencies = (("*", "*"),)


@dataclass(frozen=True, slots=True)
class Rendered:
    path: str
    body: bytes
    cache_control: str  # as the server sends it for this path
    media_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Group:
    """Documents rendered together: `paths` with their dependencies, and `render(chosen)` that
    renders the chosen ones among them (all of them when `chosen` is None)."""

    paths: tuple[tuple[str, Dependencies], ...]
    render: Callable[[Collection[str] | None], Iterator[Rendered]]


def needs_render(dependencies: Dependencies, changed: Collection[Dependency]) -> bool:
    return dependencies == ALWAYS or any(d in changed for d in dependencies)
