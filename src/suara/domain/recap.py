"""The official result: the tiered recapitulation (rekapitulasi berjenjang) and its D Hasil records.

At each tier the plenary of a region records one figure per child region: the kecamatan (PPK)
per desa, the kab/kota per kecamatan, the province per kab/kota, KPU RI per province. Overseas,
each PPLN records its stations (TPSLN, KSK, POS) and KPU RI then records the overseas branch
(`99`) as a whole. A tier may be recorded only when the tiers of its children are closed
(locked) by their own plenaries; the top tier of a contest, once locked, certifies its result.

Figures are kept in the same key space as the tally's rollups (domain/tally.py): candidate
numbers (or party totals), `P<n>` for a party's own votes and `<dapil>.<party>.<nomor>` for a
party-list candidate, so that a record compares key by key with the sum of the TPS forms.
Pure: the region tree and ballots come in, records and differences come out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from suara.domain.contests import Contest, Shape
from suara.domain.elections import ContestScope
from suara.domain.form import MAX_NUMBER, NUMBER_KEYS
from suara.domain.regions import CODE_LENGTHS, NATIONAL, OVERSEAS, level_of
from suara.domain.tally import PARTY_ONLY, candidate_key, split_candidate_key, vote_key_order

MAX_ROWS = 2_000  # the largest tier: a PPLN's stations (Kuala Lumpur has 672) or a kecamatan's desa


class Tingkat(str, Enum):
    """A tier of the recapitulation, named as in the import file."""

    KECAMATAN = "kecamatan"  # PPK: D Hasil Kecamatan, one row per desa
    KABKOTA = "kabkota"  # KPU kab/kota: one row per kecamatan
    PROVINSI = "provinsi"  # KPU provinsi: one row per kab/kota
    NASIONAL = "nasional"  # KPU RI: one row per province (and one for the overseas branch)
    PPLN = "ppln"  # an overseas election committee: one row per station


TIER_LEVEL = {Tingkat.NASIONAL: 0, Tingkat.PROVINSI: 1, Tingkat.KABKOTA: 2, Tingkat.PPLN: 2, Tingkat.KECAMATAN: 3}
TIER_NAMES = {Tingkat.KECAMATAN: "D Hasil Kecamatan", Tingkat.KABKOTA: "D Hasil Kabupaten/Kota",
              Tingkat.PROVINSI: "D Hasil Provinsi", Tingkat.NASIONAL: "D Hasil Nasional",
              Tingkat.PPLN: "D Hasil PPLN"}
# The level whose locked tiers certify a contest: KPU RI for the national offices and DPD, the
# province for its DPRD and governor, the kab/kota for its DPRD and regent or mayor.
CERTIFY_LEVEL = {"ppwp": 0, "pdpr": 0, "pdpd": 0, "pdprdp": 1, "pkwkp": 1, "pdprdk": 2, "pkwkk": 2}


class RecapRefused(ValueError):
    """A record that cannot be taken: the status and code say why (the service turns it into a 4xx)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def is_overseas(kode: str) -> bool:
    return kode.startswith(OVERSEAS)


def tier_of(kode: str) -> Tingkat:
    """The tier recorded at a region; RecapRefused for a region no plenary sits at (a desa, a
    TPS, the overseas branch's inner levels)."""
    try:
        level = level_of(kode)
    except LookupError:
        raise RecapRefused(404, "unknown_region", f"kode wilayah tidak dikenal: {kode!r}") from None
    if is_overseas(kode):
        if level == 2:
            return Tingkat.PPLN
        raise RecapRefused(422, "no_tier", f"{kode}: rekapitulasi luar negeri dicatat oleh PPLN (kode 99XX) lalu nasional")
    for tingkat, tier_level in TIER_LEVEL.items():
        if tier_level == level and tingkat is not Tingkat.PPLN:
            return tingkat
    raise RecapRefused(422, "no_tier", f"{kode}: tidak ada rapat pleno rekapitulasi di tingkat ini")


def certify_level(contest: Contest) -> int:
    return CERTIFY_LEVEL.get(contest.kind, 0)


def has_tier(scope: ContestScope, kode: str) -> bool:
    """True when the contest's recapitulation sits at this region: from the kecamatan (or PPLN) up
    to the level that certifies the contest, inside the contest's area."""
    try:
        tier_of(kode)
    except RecapRefused:
        return False
    if kode == NATIONAL:
        return certify_level(scope.contest) == 0
    return scope.covers(kode) and level_of(kode) >= certify_level(scope.contest)


def top_tiers(scope: ContestScope) -> list[str]:
    """The regions whose locked tiers certify the contest (the nation, or each province or kab/kota)."""
    level = certify_level(scope.contest)
    found, frontier = [], [scope.contest.region]  # a regional race starts at its own region
    while frontier:
        kode = frontier.pop()
        if has_tier(scope, kode) and level_of(kode) == level:
            found.append(kode)
        elif kode == NATIONAL or level_of(kode) < level:
            frontier.extend(child.kode for child in scope.children(kode))
    return sorted(found)


def rows_of(scope: ContestScope, kode: str) -> list[str]:
    """The children a tier records, one row each: desa, kecamatan, kab/kota, provinces (with the
    overseas branch as one row), or a PPLN's stations."""
    tier = tier_of(kode)
    if tier is Tingkat.PPLN:
        return sorted(scope.tps_of(kode))
    return [child.kode for child in scope.children(kode)]


def prerequisites(scope: ContestScope, kode: str, row: str) -> list[str]:
    """The tiers whose locked records must stand before a row of kode can be recorded: the row's
    own tier, or for the overseas branch every PPLN. None below a kecamatan or PPLN."""
    tier = tier_of(kode)
    if tier in (Tingkat.KECAMATAN, Tingkat.PPLN):
        return []
    if row == OVERSEAS:
        return [child.kode for child in scope.children(OVERSEAS) if has_tier(scope, child.kode)]
    return [row]


def parent_tier(scope: ContestScope, kode: str) -> str | None:
    """The tier that records this one's region as a row (None for a top tier)."""
    if kode == NATIONAL or level_of(kode) <= certify_level(scope.contest):
        return None
    if is_overseas(kode):
        return NATIONAL if certify_level(scope.contest) == 0 else None
    return kode[: CODE_LENGTHS[level_of(kode) - 1]] if level_of(kode) > 1 else NATIONAL


# --- the figures of one row ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowFigures:
    """What a tier records for one child: votes (rollup keys), valid, invalid, and voters."""

    votes: Mapping[str, int]
    suara_sah: int
    suara_tidak_sah: int
    pengguna_total_j: int

    def as_dict(self) -> dict[str, Any]:
        return {"votes": dict(sorted(self.votes.items(), key=lambda kv: vote_key_order(kv[0]))),
                "suara_sah": self.suara_sah, "suara_tidak_sah": self.suara_tidak_sah,
                "pengguna_total_j": self.pengguna_total_j}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> RowFigures:
        return cls(dict(doc["votes"]), int(doc["suara_sah"]), int(doc["suara_tidak_sah"]),
                   int(doc["pengguna_total_j"]))


ROW_KEYS = frozenset({"suara", "partai", "suara_sah", "suara_tidak_sah", "pengguna_total_j"})
PARTY_BLOCK_KEYS = frozenset({"suara_partai", "caleg", "jumlah"})


def _number(value: object, field_name: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_NUMBER * 1000:  # a national figure is large
        raise RecapRefused(422, "bad_number", f"{field_name}: harus bilangan bulat 0..{MAX_NUMBER * 1000}, "
                                              f"bukan {value!r}")
    return value


def _object(value: object, field_name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecapRefused(422, "malformed", f"{field_name}: harus objek")
    return value


@dataclass(frozen=True)
class CandidateLookup:
    """What parsing a party-list row needs of the ballots: a candidate by id, as (dapil, party,
    number), and whether that dapil reaches into a region."""

    caleg: Callable[[str], tuple[str, int | None, int] | None]
    dapil_reaches: Callable[[str, str], bool]
    candidate_level: int = 0


def parse_row(contest: Contest, child: str, doc: object, allowed: frozenset[str],
              lookup: CandidateLookup | None) -> RowFigures:
    """One row of a D Hasil as given (see docs/rekapitulasi.md), checked against its own sums.

    Paslon contests: {"suara": {"1": n, ...}, "suara_sah", "suara_tidak_sah", "pengguna_total_j"};
    party-list: {"partai": {"1": {"suara_partai": n, "caleg": {"<caleg id>": n}, "jumlah": n}}, ...}.
    """
    where = f"rows.{child}"
    row = _object(doc, where)
    unknown = set(row) - ROW_KEYS
    if unknown:
        raise RecapRefused(422, "malformed", f"{where}: kunci tidak dikenal: {', '.join(sorted(map(str, unknown)))}")
    for key in ("suara_sah", "suara_tidak_sah", "pengguna_total_j"):
        if key not in row:
            raise RecapRefused(422, "malformed", f"{where}: kunci wajib tidak ada: {key}")
    votes: dict[str, int] = {}
    if contest.shape is Shape.PARTAI:
        if "suara" in row or "partai" not in row:
            raise RecapRefused(422, "malformed", f"{where}: pemilihan {contest.key} dicatat per partai ('partai')")
        for party, block in _object(row["partai"], f"{where}.partai").items():
            _party_block(contest, child, where, party, block, allowed, lookup, votes)
    else:
        if "partai" in row or "suara" not in row:
            raise RecapRefused(422, "malformed", f"{where}: pemilihan {contest.key} dicatat per calon ('suara')")
        for nomor, value in _object(row["suara"], f"{where}.suara").items():
            if nomor not in allowed:
                raise RecapRefused(422, "unknown_candidate", f"{where}.suara: nomor urut {nomor!r} tidak ada di {contest.key}")
            votes[nomor] = _number(value, f"{where}.suara.{nomor}")
    figures = RowFigures({k: v for k, v in votes.items() if v}, _number(row["suara_sah"], f"{where}.suara_sah"),
                         _number(row["suara_tidak_sah"], f"{where}.suara_tidak_sah"),
                         _number(row["pengguna_total_j"], f"{where}.pengguna_total_j"))
    totals = sum(v for k, v in figures.votes.items() if k.isdigit())
    if totals != figures.suara_sah:
        raise RecapRefused(422, "sums", f"{where}: suara sah {figures.suara_sah} tidak sama dengan jumlah suara "
                                        f"{'partai' if contest.shape is Shape.PARTAI else 'calon'} {totals}")
    if figures.suara_sah + figures.suara_tidak_sah > figures.pengguna_total_j:
        raise RecapRefused(422, "sums", f"{where}: suara sah + tidak sah ({figures.suara_sah + figures.suara_tidak_sah}) "
                                        f"melebihi pengguna hak pilih ({figures.pengguna_total_j})")
    return figures


def _party_block(contest: Contest, child: str, where: str, party: object, block: object, allowed: frozenset[str],
                 lookup: CandidateLookup | None, votes: dict[str, int]) -> None:
    if not (isinstance(party, str) and party in NUMBER_KEYS and party in allowed):
        raise RecapRefused(422, "unknown_party", f"{where}.partai: partai {party!r} tidak ikut {contest.key} di sini")
    field_name = f"{where}.partai.{party}"
    doc = _object(block, field_name)
    unknown = set(doc) - PARTY_BLOCK_KEYS
    if unknown or "suara_partai" not in doc or "jumlah" not in doc:
        raise RecapRefused(422, "malformed", f"{field_name}: harus {{suara_partai, caleg, jumlah}}")
    own = _number(doc["suara_partai"], f"{field_name}.suara_partai")
    jumlah = _number(doc["jumlah"], f"{field_name}.jumlah")
    caleg = _object(doc.get("caleg", {}), f"{field_name}.caleg")
    if caleg and (lookup is None or level_of(child) < lookup.candidate_level):
        raise RecapRefused(422, "no_candidates_here", f"{field_name}.caleg: suara caleg {contest.key} tidak "
                                                      f"direkapitulasi pada tingkat ini")
    candidate_sum = 0
    for caleg_id, value in caleg.items():
        found = lookup.caleg(str(caleg_id)) if lookup is not None else None
        if found is None or found[1] != int(party):
            raise RecapRefused(422, "unknown_candidate", f"{field_name}.caleg: caleg {caleg_id!r} bukan calon partai "
                                                         f"{party} dalam {contest.key}")
        dapil, _, nomor = found
        assert lookup is not None
        if not lookup.dapil_reaches(dapil, child):
            raise RecapRefused(422, "other_dapil", f"{field_name}.caleg: caleg {caleg_id} berasal dari dapil {dapil}, "
                                                   f"yang tidak meliputi {child}")
        amount = _number(value, f"{field_name}.caleg.{caleg_id}")
        candidate_sum += amount
        if amount:
            votes[candidate_key(dapil, party, str(nomor))] = amount
    above_candidates = lookup is not None and level_of(child) < lookup.candidate_level
    if above_candidates and own > jumlah:  # candidates are not recapitulated this high: only own <= total holds
        raise RecapRefused(422, "sums", f"{field_name}: suara partai {own} melebihi jumlah {jumlah}")
    if not above_candidates and own + candidate_sum != jumlah:
        raise RecapRefused(422, "sums", f"{field_name}: jumlah {jumlah} tidak sama dengan suara partai {own} + "
                                        f"suara caleg {candidate_sum}")
    votes[party] = jumlah
    votes[PARTY_ONLY + party] = own


def parse_rows(contest: Contest, scope: ContestScope, kode: str, rows: object, allowed: frozenset[str],
               lookup: CandidateLookup | None) -> dict[str, RowFigures]:
    """Every row of a tier's record: exactly the region's children, each checked."""
    doc = _object(rows, "rows")
    if len(doc) > MAX_ROWS:
        raise RecapRefused(422, "too_many_rows", f"rows: paling banyak {MAX_ROWS} baris")
    expected = rows_of(scope, kode)
    outside = sorted(set(doc) - set(expected))
    if outside:
        raise RecapRefused(422, "not_a_child", f"rows: {', '.join(map(str, outside[:5]))} bukan bagian dari {kode} "
                                               f"dalam {contest.key}")
    missing = [c for c in expected if c not in doc]
    if missing:
        raise RecapRefused(422, "rows_missing", f"rows: {len(missing)} wilayah belum dicatat, antara lain "
                                                f"{', '.join(missing[:5])}")
    return {child: parse_row(contest, child, doc[child], allowed, lookup) for child in expected}


def figures_total(rows: Iterable[RowFigures]) -> RowFigures:
    """The sum of rows: what a tier says of its own region as a whole."""
    votes: dict[str, int] = {}
    sah = tidak_sah = pengguna = 0
    for row in rows:
        for key, value in row.votes.items():
            votes[key] = votes.get(key, 0) + value
        sah += row.suara_sah
        tidak_sah += row.suara_tidak_sah
        pengguna += row.pengguna_total_j
    return RowFigures(votes, sah, tidak_sah, pengguna)


def without_candidates(figures: RowFigures) -> RowFigures:
    return RowFigures({k: v for k, v in figures.votes.items() if split_candidate_key(k) is None},
                      figures.suara_sah, figures.suara_tidak_sah, figures.pengguna_total_j)


# --- comparisons ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Difference:
    """A row's figures beside another source's (publication or the tier below), per key."""

    against: str  # "publikasi" (sum of the TPS forms) or "tingkat_bawah" (the child's own D Hasil)
    differences: dict[str, int] = field(default_factory=dict)  # key -> recorded - other; zero keys left out

    @property
    def size(self) -> int:
        return sum(abs(v) for k, v in self.differences.items() if k != "pengguna_total_j")

    def as_dict(self) -> dict[str, Any]:
        return {"terhadap": self.against, "selisih": self.differences, "besar": self.size}


def compare(recorded: RowFigures, other: RowFigures, against: str, include_voters: bool = True) -> Difference:
    """recorded - other for every vote key either has, and for the totals; zero differences left out."""
    diffs: dict[str, int] = {}
    for key in sorted(set(recorded.votes) | set(other.votes), key=vote_key_order):
        delta = recorded.votes.get(key, 0) - other.votes.get(key, 0)
        if delta:
            diffs[key] = delta
    for name in ("suara_sah", "suara_tidak_sah") + (("pengguna_total_j",) if include_voters else ()):
        delta = getattr(recorded, name) - getattr(other, name)
        if delta:
            diffs[name] = delta
    return Difference(against, diffs)


def row_doc(contest: Contest, figures: RowFigures, caleg_id: Callable[[str, str, str], str | None]) -> dict[str, Any]:
    """A row in the shape of the import file (the inverse of parse_row); caleg_id names a
    party-list candidate's id from (dapil, party, list number)."""
    doc: dict[str, Any] = {}
    if contest.shape is Shape.PARTAI:
        partai: dict[str, dict[str, Any]] = {}
        for key, value in sorted(figures.votes.items(), key=lambda kv: vote_key_order(kv[0])):
            if key.isdigit():
                partai.setdefault(key, {"suara_partai": 0, "caleg": {}})["jumlah"] = value
            elif key.startswith(PARTY_ONLY):
                partai.setdefault(key[1:], {"caleg": {}})["suara_partai"] = value
            elif (split := split_candidate_key(key)) is not None:
                found = caleg_id(*split)
                if found is not None:
                    partai.setdefault(split[1], {"suara_partai": 0, "caleg": {}})["caleg"][found] = value
        for block in partai.values():
            block.setdefault("suara_partai", 0)
            block.setdefault("jumlah", block["suara_partai"] + sum(block["caleg"].values()))
        doc["partai"] = {k: {"suara_partai": v["suara_partai"], "caleg": v["caleg"], "jumlah": v["jumlah"]}
                         for k, v in sorted(partai.items(), key=lambda kv: int(kv[0]))}
    else:
        doc["suara"] = {str(c.nomor_urut): figures.votes.get(str(c.nomor_urut), 0) for c in contest.candidates}
    doc["suara_sah"] = figures.suara_sah
    doc["suara_tidak_sah"] = figures.suara_tidak_sah
    doc["pengguna_total_j"] = max(figures.pengguna_total_j, figures.suara_sah + figures.suara_tidak_sah)
    return doc
