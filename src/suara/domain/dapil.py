"""Electoral districts (dapil) of the legislative contests, and which region belongs to which.

A dapil is a set of regions: whole kab/kota, kecamatan or desa (and, for DPR DKI Jakarta II,
the whole overseas branch `99`). Membership rows name the most specific unit that lies wholly
in one dapil, so a split kab/kota is listed by its kecamatan and a split kecamatan by its desa.
A TPS or region belongs to the dapil of the longest membership code that is a prefix of its own
code. Codes are text throughout: overseas codes contain letters (`99AG010001061`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

# The legislative contests that have dapil. DPD has none: its constituency is the province.
JENIS_DAPIL = ("pdpr", "pdprdp", "pdprdk")
JENIS_CALEG = ("pdpr", "pdprdp", "pdprdk", "pdpd")
# Lengths of the codes a membership row may name: provinsi, kab/kota, kecamatan, desa.
MEMBER_LENGTHS = (10, 6, 4, 2)


@dataclass(frozen=True, slots=True)
class Dapil:
    jenis: str
    kode: str
    nama: str
    kursi: int
    kursi_inferred: bool
    provinsi: str
    kabkota: str | None


@dataclass(frozen=True, slots=True)
class Partai:
    """A party on the 2024 ballot; id_partai is KPU's key in its published vote tables."""

    nomor_urut: int
    id_partai: str
    nama: str
    nama_lengkap: str
    singkatan: str
    warna: str
    aceh_local: bool


@dataclass(frozen=True, slots=True)
class Caleg:
    """A legislative candidate: on a party list in a dapil, or (DPD, partai None) in a province."""

    jenis: str
    kode_dapil: str
    partai: int | None
    nomor_urut: int
    id: str
    nama: str
    jenis_kelamin: str


class DapilMap:
    """Dapil of every legislative contest and their regions, checked when built.

    Raises ValueError when a membership row names a dapil that is not defined, when one region
    is listed twice in one jenis, or when a code has a length no region has.
    """

    def __init__(self, dapils: Iterable[Dapil], members: Iterable[tuple[str, str, str]]) -> None:
        self._dapils: dict[tuple[str, str], Dapil] = {}
        self._by_jenis: dict[str, list[Dapil]] = defaultdict(list)
        for dapil in dapils:
            key = (dapil.jenis, dapil.kode)
            if key in self._dapils:
                raise ValueError(f"dapil ganda: {dapil.jenis} {dapil.kode}")
            self._dapils[key] = dapil
            self._by_jenis[dapil.jenis].append(dapil)
        # (jenis, region code) -> dapil; one dict per jenis keeps a lookup to a few probes.
        self._member_of: dict[str, dict[str, Dapil]] = defaultdict(dict)
        self._regions: dict[tuple[str, str], list[str]] = defaultdict(list)
        for jenis, kode_dapil, kode in members:
            member_of = self._dapils.get((jenis, kode_dapil))
            if member_of is None:
                raise ValueError(f"wilayah {kode} masuk dapil yang tidak ada: {jenis} {kode_dapil}")
            if len(kode) not in MEMBER_LENGTHS:
                raise ValueError(f"kode wilayah dapil tidak sah: {kode!r} ({jenis} {kode_dapil})")
            table = self._member_of[jenis]
            other = table.get(kode)
            if other is not None:
                raise ValueError(
                    f"wilayah {kode} tercantum dua kali dalam {jenis}: dapil {other.kode} dan {kode_dapil}"
                )
            table[kode] = member_of
            self._regions[(jenis, kode_dapil)].append(kode)

    def dapil_of(self, jenis: str, code: str) -> Dapil | None:
        """The dapil of a TPS (13 characters) or region: the longest membership prefix of code.

        None when no membership covers the code, e.g. a region that is split between dapil, a
        region outside every dapil of the jenis, or an unknown jenis.
        """
        table = self._member_of.get(jenis)
        if table is None:
            return None
        for length in MEMBER_LENGTHS:
            if length <= len(code):
                dapil = table.get(code[:length])
                if dapil is not None:
                    return dapil
        return None

    def dapils(self, jenis: str) -> list[Dapil]:
        return list(self._by_jenis.get(jenis, ()))

    def get(self, jenis: str, kode: str) -> Dapil:
        try:
            return self._dapils[(jenis, kode)]
        except KeyError:
            raise LookupError(f"dapil tidak dikenal: {jenis} {kode}") from None

    def regions_of(self, jenis: str, kode: str) -> list[str]:
        """The membership codes of one dapil, in the order they were given."""
        self.get(jenis, kode)
        return list(self._regions.get((jenis, kode), ()))

    def check_partition(self, jenis: str, desa_codes: Iterable[str]) -> list[str]:
        """Problems with the dapil of jenis as a partition of the given desa (empty: none).

        A desa is a problem when no membership covers it, or when memberships of two different
        dapil cover it (say a kecamatan in one dapil and one of its desa in another).
        """
        table = self._member_of.get(jenis, {})
        problems = []
        for desa in desa_codes:
            found = {
                table[desa[:n]].kode for n in MEMBER_LENGTHS if desa[:n] in table and n <= len(desa)
            }
            if not found:
                problems.append(f"{jenis}: desa {desa} tidak masuk dapil mana pun")
            elif len(found) > 1:
                problems.append(
                    f"{jenis}: desa {desa} masuk lebih dari satu dapil: {', '.join(sorted(found))}"
                )
        return problems
