"""The reference data shipped with Suara: the 2024 region tree and the contest definitions.

Contests and candidates are CSV files so that an election commission can edit them in any
spreadsheet; `suara init --contests FILE --candidates FILE` loads edited copies.
"""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from suara import reference_data
from suara.domain.ballots import BallotBook
from suara.domain.contests import (
    DEFAULT_ELECTIONS,
    KIND_INFO,
    Candidate,
    Contest,
    Shape,
    validate_contest,
)
from suara.domain.dapil import DapilMap
from suara.domain.elections import Election
from suara.domain.regions import OVERSEAS, RegionRow, RegionTree, Station
from suara.domain.tps_lists import pilkada_tps_ranges
from suara.store.reference import Reference, election_tree

DATA = resources.files("suara") / "data"


def _open_text(path: Path | None, packaged: str):  # type: ignore[no-untyped-def]
    if path is not None:
        return gzip.open(path, "rt", encoding="utf-8") if str(path).endswith(".gz") else open(path, encoding="utf-8")
    resource = DATA / packaged
    if packaged.endswith(".gz"):
        return gzip.open(resource.open("rb"), "rt", encoding="utf-8")
    return resource.open("r", encoding="utf-8")


def region_rows(path: Path | None = None) -> Iterator[RegionRow]:
    with _open_text(path, "wilayah-2024.csv.gz") as f:
        for row in csv.DictReader(f):
            yield RegionRow(row["kode"], int(row["tingkat"]), row["nama"], row["tps"] or "")


def read_contests(
    tree: RegionTree, contests_csv: Path | None = None, candidates_csv: Path | None = None,
    book: BallotBook | None = None,
) -> list[Contest]:
    """Contest definitions, checked against the region tree; raises ValueError on any mistake.

    The columns `election` (default: the kind's 2024 election) and `excludes` (region prefixes
    the contest leaves out, ';'-separated) are optional. A party-list contest's candidates are
    the parties of the ballot book.
    """
    by_contest: dict[str, list[Candidate]] = defaultdict(list)
    with _open_text(candidates_csv, "candidates-2024.csv") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                by_contest[row["contest"]].append(
                    Candidate(int(row["nomor_urut"]), row["id"].strip(), row["nama"].strip(), row["warna"].strip())
                )
            except (KeyError, ValueError, AttributeError) as exc:
                raise ValueError(f"candidates baris {line}: {exc}") from exc
    contests = []
    with _open_text(contests_csv, "contests-2024.csv") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                listed = tuple(sorted(by_contest.pop(row["key"], []), key=lambda c: c.nomor_urut))
                info = KIND_INFO.get(row["kind"])
                if info is not None and info.shape is Shape.PARTAI:
                    if listed:
                        raise ValueError(f"{row['key']}: partai diambil dari daftar partai, bukan dari file paslon")
                    if book is None:
                        raise ValueError(f"{row['key']}: daftar partai dan dapil belum dimuat")
                    listed = book.party_candidates(row["kind"])
                contest = Contest(
                    key=row["key"], kind=row["kind"], region=row["region"], nama=row["nama"],
                    tps_cap=int(row["tps_cap"]), candidates=listed,
                    election=(row.get("election") or "").strip(),
                    excludes=tuple(filter(None, (row.get("excludes") or "").split(";"))),
                )
                validate_contest(contest)
            except (KeyError, ValueError) as exc:
                raise ValueError(f"contests baris {line}: {exc}") from exc
            if contest.region not in tree:
                raise ValueError(f"contests baris {line}: wilayah {contest.region} tidak ada")
            contests.append(contest)
    if by_contest:
        raise ValueError(f"paslon untuk pemilihan yang tidak ada: {', '.join(sorted(by_contest))}")
    return contests


def pilkada_list(tree: RegionTree, per_kecamatan: dict[str, int]) -> dict[str, str]:
    """Per desa, its TPS of an election counted per kecamatan, spread in proportion to the
    desa's TPS on the base (Pemilu) list."""
    domestic = {r.kode: r.tps_total for r in tree.regions(4) if not r.kode.startswith(OVERSEAS)}
    return pilkada_tps_ranges(per_kecamatan, domestic)


def packaged_reference() -> Reference:
    """The whole shipped 2024 reference (both elections, overseas, the legislative ballots) in
    memory, without a database: what `suara init` loads, for synthesis and tests."""
    rows = list(region_rows()) + list(reference_data.overseas_region_rows())
    stations = {s.kode: Station(s.nama, s.metode, s.sintetis) for s in reference_data.overseas_stations()}
    tree = RegionTree(rows, stations)
    book = BallotBook(reference_data.read_parties(),
                      DapilMap(reference_data.read_dapil(), reference_data.read_dapil_members()),
                      reference_data.read_caleg())
    contests = {c.key: c for c in read_contests(tree, book=book)}
    own = pilkada_list(tree, reference_data.pilkada_tps_counts())
    pilkada = DEFAULT_ELECTIONS["pilkada"]
    elections = {DEFAULT_ELECTIONS["pemilu"]: Election(DEFAULT_ELECTIONS["pemilu"], "Pemilihan Umum 2024", False),
                 pilkada: Election(pilkada, "Pemilihan Kepala Daerah Serentak 2024", True)}
    return Reference(tree, contests, {pilkada: election_tree(rows, own, stations)}, elections, book)
