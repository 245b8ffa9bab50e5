"""Finding a region or a TPS from what a reader types: a code, a name, or "TPS 5 Gambir"."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import islice

from suara.domain.regions import Region, RegionTree

# "TPS 5", "tps005", "TPS 012": the number printed on the polling station's banner
TPS_NUMBER = re.compile(r"\bTPS\s*0*(\d{1,3})\b")


class RegionSearch:
    """Search over one region tree; the list of names is built on first use and kept."""

    def __init__(self, tree: RegionTree) -> None:
        self.tree = tree
        self._names: list[tuple[str, Region]] | None = None
        self._by_name: dict[str, list[Region]] = {}

    def find(self, query: str, limit: int) -> list[dict[str, object]]:
        text = " ".join(query.upper().split())
        hits = [self._tps_hit(kode) for kode in islice(self._tps_codes(text), limit)]
        for region in self._regions(text):
            if len(hits) >= limit:
                break
            hits.append(self._region_hit(region))
        return hits

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
            return (r for r in self.tree.regions() if r.tingkat and r.kode.startswith(text))
        if TPS_NUMBER.search(text):
            return iter(())
        return self._named(text)

    def _tps_hit(self, kode: str) -> dict[str, object]:
        return {"kode": kode, "nama": f"TPS {kode[10:]}", "tingkat": 5, "induk": self.tree.get(kode[:10]).nama}

    def _region_hit(self, region: Region) -> dict[str, object]:
        parent = region.parent
        return {"kode": region.kode, "nama": region.nama, "tingkat": region.tingkat,
                "induk": self.tree.get(parent).nama if parent else None}
