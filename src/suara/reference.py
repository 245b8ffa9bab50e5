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

from suara.domain.contests import Candidate, Contest, validate_contest
from suara.domain.regions import RegionRow, RegionTree

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
    tree: RegionTree, contests_csv: Path | None = None, candidates_csv: Path | None = None
) -> list[Contest]:
    """Contest definitions, checked against the region tree; raises ValueError on any mistake."""
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
                contest = Contest(
                    key=row["key"], kind=row["kind"], region=row["region"], nama=row["nama"],
                    tps_cap=int(row["tps_cap"]),
                    candidates=tuple(sorted(by_contest.pop(row["key"], []), key=lambda c: c.nomor_urut)),
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
