"""Elections and what a contest sees of them.

An election (Pemilu 2024, Pilkada 2024) has its own TPS list: the same regions, with each desa's
TPS numbered for that election (Pilkada TPS took up to 600 voters, so there are about half as
many). A contest is counted on its election's list and covers part of it; ContestScope answers
every question about TPS and progress ("N dari M TPS") through that pair, so nothing downstream
has to know which election it is looking at.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from suara.domain.contests import Contest
from suara.domain.regions import NATIONAL, Region, RegionTree, Station, UnknownRegion


@dataclass(frozen=True, slots=True)
class Election:
    key: str  # "pemilu-2024"
    nama: str
    own_tps_list: bool  # False: counted on the base TPS list of the region table


class ContestScope:
    """A contest over its election's region tree: TPS, children and progress it covers."""

    __slots__ = ("contest", "tree")

    def __init__(self, contest: Contest, tree: RegionTree) -> None:
        self.contest = contest
        self.tree = tree

    def covers(self, kode: str) -> bool:
        """A region or TPS of this election that the contest covers."""
        if not self.contest.covers(kode):
            return False
        return self.tree.has_tps(kode) if len(kode) == 13 else kode in self.tree

    def region(self, kode: str) -> Region:
        """A region the contest covers; UnknownRegion otherwise."""
        region = self.tree.get(kode)
        if not self.contest.covers(kode):
            raise UnknownRegion(f"wilayah {kode} di luar wilayah pemilihan {self.contest.key}")
        return region

    def has_tps(self, tps: str) -> bool:
        return self.contest.covers(tps) and self.tree.has_tps(tps)

    def tps_total(self, kode: str) -> int:
        """TPS of the contest inside a region (excluded parts such as DKI Jakarta for DPRD kab/kota
        taken out)."""
        if not self.contest.covers(kode):
            if kode == NATIONAL or self.contest.region.startswith(kode):
                return self._covered_total(self.contest.region)
            return 0
        return self._covered_total(kode)

    def _covered_total(self, kode: str) -> int:
        if kode not in self.tree:
            return 0
        total = self.tree.get(kode).tps_total
        for prefix in self.contest.excludes:
            if (kode == NATIONAL or prefix.startswith(kode)) and prefix != kode and prefix in self.tree:
                total -= self.tree.get(prefix).tps_total
        return total

    def children(self, kode: str) -> list[Region]:
        """Children the contest covers (a DPRD kab/kota page of the nation lists no DKI Jakarta)."""
        return [child for child in self.tree.children(kode)
                if self.contest.covers(child.kode) and (child.tps_total or child.tingkat == 4)]

    def tps_of(self, kode: str) -> Iterator[str]:
        if not self.contest.covers(kode) and kode != NATIONAL:
            return
        for tps in self.tree.tps_of(kode):
            if self.contest.covers(tps):
                yield tps

    def station(self, tps: str) -> Station:
        return self.tree.station(tps)


def scope_of(contest: Contest, trees: Mapping[str, RegionTree], base: RegionTree) -> ContestScope:
    return ContestScope(contest, trees.get(contest.election, base))
