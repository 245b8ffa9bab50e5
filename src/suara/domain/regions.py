"""The region tree: provinsi, kab/kota, kecamatan, desa, and the TPS numbered inside each desa.

TPS are not stored one by one: a desa carries its TPS numbers as ranges, which keeps the whole
nation (820,161 TPS) small in memory while still answering "does this TPS exist?" exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise

NATIONAL = "0"
OVERSEAS = "99"
OVERSEAS_ID_BASE = 200_000  # KPU numbers the overseas branch from 200001 ("Luar Negeri")
OVERSEAS_TPS_ID_BASE = 91_900_000
LEVEL_NAMES = {0: "nasional", 1: "provinsi", 2: "kabupaten/kota", 3: "kecamatan", 4: "desa", 5: "tps"}
CODE_LENGTHS = {1: 2, 2: 4, 3: 6, 4: 10, 5: 13}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTHS.items()}


class UnknownRegion(LookupError):
    """A region or TPS code that is not in the tree."""


def is_code_text(kode: str) -> bool:
    """Codes are text: digits, and upper-case letters in overseas codes (99AG, 99AG010001061)."""
    return kode.isascii() and kode.isalnum() and kode == kode.upper()


def level_of(kode: str) -> int:
    """Level of a code by its length (0 national, 5 TPS); raises UnknownRegion on a bad shape."""
    if kode == NATIONAL:
        return 0
    level = LEVEL_BY_LENGTH.get(len(kode))
    if level is None or not is_code_text(kode):
        raise UnknownRegion(f"kode wilayah tidak dikenal: {kode!r}")
    return level


def parent_of(kode: str) -> str:
    level = level_of(kode)
    if level == 0:
        raise UnknownRegion("wilayah nasional tidak memiliki induk")
    if level == 1:
        return NATIONAL
    return kode[: CODE_LENGTHS[level - 1]]


def ancestors(kode: str) -> list[str]:
    """Codes from the nation down to (not including) kode: ['0', '31', '3101', ...]."""
    level = level_of(kode)
    if level == 0:
        return []
    return [NATIONAL] + [kode[: CODE_LENGTHS[lv]] for lv in range(1, level)]


def tps_code(desa: str, nomor: int) -> str:
    return f"{desa}{nomor:03d}"


def parse_tps_ranges(text: str) -> tuple[tuple[int, int], ...]:
    """'1-16;901-902' -> ((1, 16), (901, 902))."""
    ranges: list[tuple[int, int]] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        lo, dash, hi = part.partition("-")
        if dash and not hi:
            raise ValueError(f"rentang TPS terpotong: {part!r}")
        first, last = int(lo), int(hi or lo)
        if first < 1 or last < first or last > 999:
            raise ValueError(f"rentang TPS tidak sah: {part!r}")
        ranges.append((first, last))
    ranges.sort()
    for (_, previous_last), (first, _) in pairwise(ranges):
        if first <= previous_last:
            raise ValueError(f"rentang TPS bertumpuk: {text!r}")
    return tuple(ranges)


def format_tps_ranges(ranges: Iterable[tuple[int, int]]) -> str:
    return ";".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges)


@dataclass(frozen=True, slots=True)
class Station:
    """How a TPS is named and how its voters vote: at a TPS at home, abroad at a TPSLN, by a
    mobile box (KSK) or by post (POS)."""

    nama: str
    metode: str
    sintetis: bool = False


METODE_NAMES = {"TPS": "TPS", "TPSLN": "TPS Luar Negeri", "KSK": "Kotak Suara Keliling", "POS": "Pos"}


@dataclass(slots=True)
class Region:
    kode: str
    nama: str
    tingkat: int
    tps_ranges: tuple[tuple[int, int], ...] = ()
    children: list[str] = field(default_factory=list)
    tps_total: int = 0

    @property
    def parent(self) -> str | None:
        return None if self.tingkat == 0 else parent_of(self.kode)

    def tps_numbers(self) -> Iterator[int]:
        for first, last in self.tps_ranges:
            yield from range(first, last + 1)


@dataclass(frozen=True, slots=True)
class RegionRow:
    """One row of the region table as stored and shipped (wilayah-2024.csv)."""

    kode: str
    tingkat: int
    nama: str
    tps: str


class RegionTree:
    """The whole tree in memory, built from rows sorted so that parents come first."""

    def __init__(self, rows: Iterable[RegionRow], stations: dict[str, Station] | None = None) -> None:
        self._stations = stations or {}
        self._overseas_ids: dict[str, int] | None = None
        self._regions: dict[str, Region] = {NATIONAL: Region(NATIONAL, "INDONESIA", 0)}
        for row in rows:
            try:
                level = level_of(row.kode)
            except UnknownRegion as exc:
                raise ValueError(str(exc)) from None
            if level != row.tingkat or row.tingkat > 4:
                raise ValueError(f"tingkat {row.tingkat} tidak cocok dengan kode {row.kode}")
            if row.kode in self._regions:
                raise ValueError(f"kode wilayah ganda: {row.kode}")
            parent = self._regions.get(parent_of(row.kode))
            if parent is None:
                raise ValueError(f"induk dari {row.kode} belum ada (baris harus terurut)")
            ranges = parse_tps_ranges(row.tps) if row.tingkat == 4 else ()
            self._regions[row.kode] = Region(row.kode, row.nama, row.tingkat, ranges)
            parent.children.append(row.kode)
        for region in sorted(self._regions.values(), key=lambda r: -r.tingkat):
            if region.tingkat == 4:
                region.tps_total = sum(b - a + 1 for a, b in region.tps_ranges)
            if region.tingkat > 0:
                self._regions[parent_of(region.kode)].tps_total += region.tps_total

    def station(self, tps: str) -> Station:
        """The name and voting method of a TPS; overseas stations are named in the data."""
        station = self._stations.get(tps)
        if station is not None:
            return station
        if tps.startswith(OVERSEAS):
            return Station(f"TPS {tps[10:]}", "TPSLN")
        return Station(f"TPS {tps[10:]}", "TPS")

    @property
    def stations(self) -> dict[str, Station]:
        return self._stations

    def region_id(self, kode: str) -> int:
        """KPU's integer id of a region or TPS: the code itself, except in the overseas branch,
        whose codes carry letters and are numbered in code order."""
        if not kode.startswith(OVERSEAS):
            return int(kode)
        if self._overseas_ids is None:
            codes = sorted(k for k in self._regions if k.startswith(OVERSEAS))
            self._overseas_ids = {k: OVERSEAS_ID_BASE + 1 + i for i, k in enumerate(codes)}
        known = self._overseas_ids.get(kode)
        if known is not None:
            return known
        position = sum(1 for _ in self.tps_of(kode[:10]) if _ < kode)
        return OVERSEAS_TPS_ID_BASE + 1000 * self.region_id(kode[:10]) % 1_000_000 + position

    def __contains__(self, kode: object) -> bool:
        return isinstance(kode, str) and kode in self._regions

    def __len__(self) -> int:
        return len(self._regions)

    def get(self, kode: str) -> Region:
        try:
            return self._regions[kode]
        except KeyError:
            raise UnknownRegion(f"kode wilayah tidak dikenal: {kode!r}") from None

    def regions(self, tingkat: int | None = None) -> Iterator[Region]:
        for region in self._regions.values():
            if tingkat is None or region.tingkat == tingkat:
                yield region

    def has_tps(self, kode: str) -> bool:
        if len(kode) != 13 or not kode[10:].isdigit() or not kode.isascii():
            return False
        desa = self._regions.get(kode[:10])
        if desa is None:
            return False
        nomor = int(kode[10:])
        for first, last in desa.tps_ranges:
            if first <= nomor <= last:
                return True
        return False

    def tps_of(self, kode: str) -> Iterator[str]:
        """Every TPS code inside a region, in code order."""
        region = self.get(kode)
        if region.tingkat == 4:
            for nomor in region.tps_numbers():
                yield tps_code(region.kode, nomor)
            return
        for child in region.children:
            yield from self.tps_of(child)

    def children(self, kode: str) -> list[Region]:
        return [self._regions[c] for c in self.get(kode).children]

    def is_within(self, kode: str, scope: str) -> bool:
        """True when kode (a region or TPS) lies inside scope (or is scope)."""
        return scope == NATIONAL or kode.startswith(scope)

    def counts(self) -> dict[str, int]:
        """Regions per level and TPS at home; the overseas branch (PPLN and their stations) apart."""
        totals = {name: 0 for name in ("provinsi", "kabupaten/kota", "kecamatan", "desa")}
        ppln = 0
        for region in self._regions.values():
            if region.kode.startswith(OVERSEAS):
                ppln += region.tingkat == 2
            elif 1 <= region.tingkat <= 4:
                totals[LEVEL_NAMES[region.tingkat]] += 1
        abroad = self._regions[OVERSEAS].tps_total if OVERSEAS in self._regions else 0
        totals["tps"] = self._regions[NATIONAL].tps_total - abroad
        if OVERSEAS in self._regions:
            totals["ppln"] = ppln
            totals["tps luar negeri"] = abroad
        return totals
