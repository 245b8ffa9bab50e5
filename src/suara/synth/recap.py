"""Synthetic D Hasil records for a counted election, tier by tier, with discrepancies planted on
purpose so that the comparisons have something to find.

A kecamatan (or PPLN) records what its TPS forms add up to; every tier above records the sums
of the records below it, as a plenary that reads the D Hasil of its children does. A planted
discrepancy moves votes between two candidates (or parties) of one row, or adds invalid votes,
at a chosen tier: the tier above carries it up, so it shows against the publication all the
way up and against the tier below only where it was planted.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from suara.domain.contests import Contest, Shape
from suara.domain.elections import ContestScope
from suara.domain.recap import (
    RowFigures,
    figures_total,
    has_tier,
    prerequisites,
    row_doc,
    rows_of,
    tier_of,
)
from suara.domain.regions import NATIONAL, level_of
from suara.domain.tally import PARTY_ONLY
from suara.publish.recap_docs import publication_figures
from suara.store.reference import Reference


@dataclass(frozen=True)
class Planted:
    contest: str
    kode: str  # the tier that recorded it
    row: str
    change: dict[str, int]  # key -> amount added

    def as_dict(self) -> dict[str, Any]:
        return {"contest": self.contest, "kode": self.kode, "baris": self.row, "selisih": self.change}


def tiers_bottom_up(scope: ContestScope, within: str = NATIONAL) -> list[str]:
    """Every tier of a contest (inside a region), kecamatan and PPLN first, the top last."""
    found: list[str] = []
    frontier = [scope.contest.region]  # a regional race starts at its own region
    while frontier:
        kode = frontier.pop()
        if not (within == NATIONAL or kode.startswith(within) or (within.startswith(kode) or kode == NATIONAL)):
            continue
        if has_tier(scope, kode) and (within == NATIONAL or kode.startswith(within)):
            found.append(kode)
        if kode == NATIONAL or level_of(kode) < 3:
            frontier.extend(child.kode for child in scope.children(kode))
    return sorted(found, key=lambda k: (-level_of(k), k))  # a PPLN (level 2) needs no tier below it


def _plant(rng: random.Random, contest: Contest, figures: RowFigures) -> tuple[RowFigures, dict[str, int]] | None:
    """Move some votes between two candidates (parties' own votes on a party-list ballot), or add
    invalid votes; None when the row has nothing to move."""
    votes = dict(figures.votes)
    if contest.shape is Shape.PARTAI:
        keys = sorted(k for k in votes if k.startswith(PARTY_ONLY) and votes[k] > 0)
    else:
        keys = sorted(k for k in votes if k.isdigit() and votes[k] > 0)
    if rng.random() < 0.25 or not keys:
        added = rng.randint(3, 30)
        return (RowFigures(votes, figures.suara_sah, figures.suara_tidak_sah + added,
                           figures.pengguna_total_j + added), {"suara_tidak_sah": added, "pengguna_total_j": added})
    source = rng.choice(keys)
    targets = [k for k in (sorted(k for k in votes if k.startswith(PARTY_ONLY)) if contest.shape is Shape.PARTAI
                           else [str(c.nomor_urut) for c in contest.candidates]) if k != source]
    if not targets:
        return None
    target = rng.choice(targets)
    moved = rng.randint(1, max(1, min(votes[source], 50)))
    change = {source: -moved, target: moved}
    if contest.shape is Shape.PARTAI:  # a party's own votes move with its total
        change.update({source[1:]: -moved, target[1:]: moved})
    for key, delta in change.items():
        votes[key] = votes.get(key, 0) + delta
    return RowFigures({k: v for k, v in votes.items() if v}, figures.suara_sah, figures.suara_tidak_sah,
                      figures.pengguna_total_j), change


Published = Callable[[ContestScope, str, list[str]], dict[str, RowFigures]]


def reading(conn: Connection) -> Published:
    """What the published forms add up to, read on one connection."""
    return lambda scope, kode, children: publication_figures(conn, scope, kode, children)


def records(published: Published, reference: Reference, contest: Contest, plant: int = 0,
            seed: int = 1, planted: list[Planted] | None = None, within: str = NATIONAL) -> Iterator[dict[str, Any]]:
    """The D Hasil lines of every tier of a contest (inside a region), bottom-up, in the import
    file's shape; `plant` rows (chosen with `seed`) carry a discrepancy, each added to `planted`.
    `published` reads what the forms add up to for a kecamatan's or PPLN's rows."""
    scope = reference.scope(contest)
    tiers = tiers_bottom_up(scope, within)
    rng = random.Random(f"{seed}:{contest.key}")
    chosen = set(rng.sample(range(len(tiers)), min(plant, len(tiers))))
    book = reference.book

    def caleg_id(dapil: str, party: str, nomor: str) -> str | None:
        found = book.candidate(contest.kind, dapil, party, nomor) if book is not None else None
        return None if found is None else found.id

    totals: dict[str, RowFigures] = {}  # what each tier recorded for its region as a whole
    for index, kode in enumerate(tiers):
        children = rows_of(scope, kode)
        lower = [prerequisites(scope, kode, child) for child in children]
        if any(lower):
            rows = {child: figures_total(totals[code] for code in needed)
                    for child, needed in zip(children, lower, strict=True)}
        else:
            rows = published(scope, kode, children)
        if index in chosen and rows:
            row = rng.choice(sorted(rows))
            changed = _plant(rng, contest, rows[row])
            if changed is not None:
                rows[row], change = changed
                if planted is not None:
                    planted.append(Planted(contest.key, kode, row, change))
        totals[kode] = figures_total(rows.values())
        yield {"contest": contest.key, "tingkat": tier_of(kode).value, "kode": kode,
               "rows": {child: row_doc(contest, figures, caleg_id) for child, figures in rows.items()}}
