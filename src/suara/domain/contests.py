"""Contests (races) and their candidate pairs (paslon)."""

from __future__ import annotations

from dataclasses import dataclass

from suara.domain.regions import NATIONAL

KINDS = {
    "ppwp": "Pemilihan Presiden dan Wakil Presiden",
    "pkwkp": "Pemilihan Gubernur dan Wakil Gubernur",
    "pkwkk": "Pemilihan Bupati/Walikota dan Wakil Bupati/Walikota",
}


class UnknownContest(LookupError):
    """A contest key that is not defined."""


@dataclass(frozen=True, slots=True)
class Candidate:
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

    @property
    def nomor_keys(self) -> tuple[str, ...]:
        """Ballot numbers as the form writes them: '1', '2', ..."""
        return tuple(str(c.nomor_urut) for c in self.candidates)

    def covers(self, kode: str) -> bool:
        """True when a region or TPS lies inside this contest's scope."""
        return self.region == NATIONAL or kode.startswith(self.region)


def contest_key(kind: str, region: str) -> str:
    if kind == "ppwp":
        return "ppwp"
    return f"{kind}-{region}"


def validate_contest(contest: Contest) -> None:
    """Raise ValueError when a contest definition is inconsistent."""
    if contest.kind not in KINDS:
        raise ValueError(f"jenis pemilihan tidak dikenal: {contest.kind!r}")
    if contest.key != contest_key(contest.kind, contest.region):
        raise ValueError(f"kunci {contest.key!r} tidak cocok dengan jenis dan wilayahnya")
    if contest.tps_cap <= 0:
        raise ValueError(f"{contest.key}: kapasitas TPS harus positif")
    numbers = [c.nomor_urut for c in contest.candidates]
    if not numbers or sorted(numbers) != list(range(1, len(numbers) + 1)):
        raise ValueError(f"{contest.key}: nomor urut harus 1..n tanpa celah")
    ids = [c.id for c in contest.candidates]
    if len(set(ids)) != len(ids) or not all(i.isdigit() for i in ids):
        raise ValueError(f"{contest.key}: id paslon harus angka dan unik")
