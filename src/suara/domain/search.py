"""Finding a region or a TPS from what a reader types: a code, a name, or "TPS 5 Gambir"."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from suara.domain.regions import LEVEL_NAMES, Region, RegionTree

SEARCH_LIMIT = 20  # hits shown by the portal's search and given by the API unless asked otherwise
# Matches are counted up to this many: past it a search is too broad to be worth counting exactly
# (two letters match a third of the nation's 90,000 names), and the count stops early.
COUNT_LIMIT = 1000

# "TPS 5", "tps005", "TPS 012": the number printed on the polling station's banner
TPS_NUMBER = re.compile(r"\bTPS\s*0*(\d{1,3})\b")


@dataclass(frozen=True, slots=True)
class Found:
    """The first `limit` hits of a search, and how many there are in all (`total`, exact unless
    more than COUNT_LIMIT match: then `total` is COUNT_LIMIT and `exact` is false)."""

    hits: list[dict[str, object]]
    total: int
    exact: bool = True

    @property
    def truncated(self) -> bool:
        return self.total > len(self.hits)


class RegionSearch:
    """Search over one region tree; the list of names is built on first use and kept.

    A hit carries its level (`tingkat`, `tingkat_nama`), its parent's name (`induk`) and its
    province (`provinsi`, the region itself for a province), so that places of the same name
    can be told apart."""

    def __init__(self, tree: RegionTree) -> None:
        self.tree = tree
        self._names: list[tuple[str, Region]] | None = None
        self._by_name: dict[str, list[Region]] = {}
        self._codes: list[str] | None = None  # every region's code, sorted: a prefix is one run

    def find(self, query: str, limit: int) -> list[dict[str, object]]:
        return self.search(query, limit).hits

    def search(self, query: str, limit: int) -> Found:
        """TPS first (by code, or by number and desa), then regions: the first `limit`, and all
        of them counted (up to COUNT_LIMIT)."""
        text = " ".join(query.upper().split())
        codes = self._tps_codes(text)
        hits = [self._tps_hit(kode) for kode in islice(codes, limit)]
        total = len(hits) + sum(1 for _ in islice(codes, COUNT_LIMIT + 1 - len(hits)))
        regions = self._regions(text)
        shown = [self._region_hit(region) for region in islice(regions, max(0, limit - len(hits)))]
        total += len(shown)
        if total <= COUNT_LIMIT:
            total += sum(1 for _ in islice(regions, COUNT_LIMIT + 1 - total))
        return Found(hits + shown, min(total, COUNT_LIMIT), total <= COUNT_LIMIT)

    def _names_list(self) -> Sequence[tuple[str, Region]]:
        if self._names is None:
            self._names = [(r.nama, r) for r in self.tree.regions() if r.tingkat]
            for nama, region in self._names:
                self._by_name.setdefault(nama, []).append(region)
        return self._names

    def _named(self, text: str) -> Iterator[Region]:
        """Regions named exactly `text`, then those whose names contain it, lazily."""
        names = self._names_list()
        yield from self._by_name.get(text, ())
        yield from (r for nama, r in names if text in nama and nama != text)

    def _tps_codes(self, text: str) -> Iterator[str]:
        if text.isdigit():
            if self.tree.has_tps(text):
                yield text
            return
        match = TPS_NUMBER.search(text)
        place = " ".join((text[:match.start()] + " " + text[match.end():]).split()) if match else ""
        if not match or len(place) < 2:
            return
        number = f"{int(match.group(1)):03d}"
        for region in self._named(place):
            if region.tingkat == 4 and self.tree.has_tps(region.kode + number):
                yield region.kode + number

    def _regions(self, text: str) -> Iterator[Region]:
        if text.isdigit():
            if len(text) > 10:  # longer than any region's code: a TPS code or nothing
                return iter(())
            return self._prefixed(text)
        if TPS_NUMBER.search(text):
            return iter(())
        return self._named(text)

    def _prefixed(self, prefix: str) -> Iterator[Region]:
        """Regions whose code starts with `prefix`, in code order, found by bisection."""
        if self._codes is None:
            self._codes = sorted(r.kode for r in self.tree.regions() if r.tingkat)
        codes = self._codes
        index = bisect_left(codes, prefix)
        while index < len(codes) and codes[index].startswith(prefix):
            yield self.tree.get(codes[index])
            index += 1

    def _tps_hit(self, kode: str) -> dict[str, object]:
        return {"kode": kode, "nama": f"TPS {kode[10:]}", "tingkat": 5, "tingkat_nama": LEVEL_NAMES[5],
                "induk": self.tree.get(kode[:10]).nama, "provinsi": self._province(kode)}

    def _region_hit(self, region: Region) -> dict[str, object]:
        parent = region.parent
        return {"kode": region.kode, "nama": region.nama, "tingkat": region.tingkat,
                "tingkat_nama": LEVEL_NAMES[region.tingkat],
                "induk": self.tree.get(parent).nama if parent else None, "provinsi": self._province(region.kode)}

    def _province(self, kode: str) -> dict[str, str]:
        return {"kode": kode[:2], "nama": self.tree.get(kode[:2]).nama}
