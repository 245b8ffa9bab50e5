"""Contests (races), the elections they belong to, and their candidates.

An election (Pemilu, Pilkada) is data: its own TPS list and contests. A contest's kind says
which ballot it is and therefore which form shape it takes: candidate pairs and individuals
(PPWP, DPD, Pilkada) vote per candidate number; the party-list ballots (DPR, DPRD provinsi,
DPRD kab/kota) vote per party and per candidate of the party's list in the TPS's dapil.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from suara.domain.regions import NATIONAL


class Shape(str, Enum):
    """How the vote section of a contest's form is laid out."""

    PASLON = "paslon"  # one number per candidate (pair): PPWP, DPD, Pilkada
    PARTAI = "partai"  # per party: its own votes, its candidates' votes, the party total


@dataclass(frozen=True, slots=True)
class Kind:
    key: str
    nama: str
    election_kind: str  # "pemilu" or "pilkada": the TPS list it is counted on
    shape: Shape
    national: bool  # one contest for the whole election (key = kind) or one per region
    pages: int  # pages of the C Hasil form (photos)
    # the highest region level whose totals still list party-list candidates: a DPRD kab/kota
    # candidate means nothing summed over a province, and 214,783 of them would bloat the nation
    candidate_level: int = 0


KIND_LIST = (
    Kind("ppwp", "Pemilihan Presiden dan Wakil Presiden", "pemilu", Shape.PASLON, True, 3),
    Kind("pdpr", "Pemilihan Anggota DPR", "pemilu", Shape.PARTAI, True, 5),
    Kind("pdpd", "Pemilihan Anggota DPD", "pemilu", Shape.PASLON, False, 5),
    Kind("pdprdp", "Pemilihan Anggota DPRD Provinsi", "pemilu", Shape.PARTAI, True, 5, 1),
    Kind("pdprdk", "Pemilihan Anggota DPRD Kabupaten/Kota", "pemilu", Shape.PARTAI, True, 5, 2),
    Kind("pkwkp", "Pemilihan Gubernur dan Wakil Gubernur", "pilkada", Shape.PASLON, False, 3),
    Kind("pkwkk", "Pemilihan Bupati/Walikota dan Wakil Bupati/Walikota", "pilkada", Shape.PASLON, False, 3),
)
KIND_INFO = {k.key: k for k in KIND_LIST}
KINDS = {k.key: k.nama for k in KIND_LIST}
KIND_ORDER = {k.key: i for i, k in enumerate(KIND_LIST)}
DEFAULT_ELECTIONS = {"pemilu": "pemilu-2024", "pilkada": "pilkada-2024"}


class UnknownContest(LookupError):
    """A contest key that is not defined."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate pair (paslon), an individual (DPD) or, on party-list ballots, a party."""

    nomor_urut: int
    id: str
    nama: str
    warna: str


@dataclass(frozen=True, slots=True)
class Contest:
    key: str
    kind: str
    region: str
    nama: str
    tps_cap: int
    candidates: tuple[Candidate, ...]
    election: str = ""
    # region prefixes inside `region` that this contest does not cover (DPRD kab/kota: DKI
    # Jakarta, which has no DPRD of its own, and overseas voting, which counts PPWP and DPR only)
    excludes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.election and self.kind in KIND_INFO:
            object.__setattr__(self, "election", DEFAULT_ELECTIONS[KIND_INFO[self.kind].election_kind])

    @property
    def info(self) -> Kind:
        return KIND_INFO[self.kind]

    @property
    def shape(self) -> Shape:
        return self.info.shape

    @property
    def is_party_list(self) -> bool:
        return self.info.shape is Shape.PARTAI

    @property
    def nomor_keys(self) -> tuple[str, ...]:
        """Ballot numbers as the form writes them: '1', '2', ..."""
        return tuple(str(c.nomor_urut) for c in self.candidates)

    def covers(self, kode: str) -> bool:
        """True when a region or TPS lies inside this contest's scope."""
        if not (self.region == NATIONAL or kode.startswith(self.region)):
            return False
        return not any(kode.startswith(prefix) for prefix in self.excludes)


def kind_of_key(key: str) -> str:
    return key.split("-", 1)[0]


def contest_key(kind: str, region: str) -> str:
    info = KIND_INFO.get(kind)
    if info is not None and info.national:
        return kind
    return f"{kind}-{region}"


def validate_contest(contest: Contest) -> None:
    """Raise ValueError when a contest definition is inconsistent."""
    if contest.kind not in KINDS:
        raise ValueError(f"jenis pemilihan tidak dikenal: {contest.kind!r}")
    if contest.key != contest_key(contest.kind, contest.region):
        raise ValueError(f"kunci {contest.key!r} tidak cocok dengan jenis dan wilayahnya")
    if contest.info.national and contest.region != NATIONAL:
        raise ValueError(f"{contest.key}: pemilihan ini berlaku nasional (wilayah 0)")
    if contest.tps_cap <= 0:
        raise ValueError(f"{contest.key}: kapasitas TPS harus positif")
    numbers = [c.nomor_urut for c in contest.candidates]
    if not numbers or len(set(numbers)) != len(numbers) or min(numbers) < 1:
        raise ValueError(f"{contest.key}: nomor urut harus unik dan mulai dari 1")
    if not contest.is_party_list and sorted(numbers) != list(range(1, len(numbers) + 1)):
        # party numbers have gaps in a region (Aceh's local parties stand only in Aceh)
        raise ValueError(f"{contest.key}: nomor urut harus 1..n tanpa celah")
    ids = [c.id for c in contest.candidates]
    if len(set(ids)) != len(ids) or not all(i.isdigit() for i in ids):
        raise ValueError(f"{contest.key}: id paslon harus angka dan unik")
