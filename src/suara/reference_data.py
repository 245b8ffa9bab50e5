"""Readers of the 2024 reference data beyond the domestic region tree: parties, dapil and their
regions, legislative candidates, the overseas branch and its stations, the Pilkada pairs and
Pilkada TPS counts. The packaged files are written by scripts/build_reference_data.py.

Every reader takes an optional path to a commission's own file (plain CSV or .csv.gz) in the
same columns, so that another election needs new files, not new code. Lines starting with `#`
before the header are notes and are skipped. Bad rows raise ValueError naming the line.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import IO

from suara.domain.dapil import JENIS_CALEG, JENIS_DAPIL, Caleg, Dapil, Partai
from suara.domain.regions import RegionRow, format_tps_ranges

DATA = resources.files("suara") / "data"
PARTAI = "partai-2024.csv"
DAPIL = "dapil-2024.csv"
DAPIL_WILAYAH = "dapil-wilayah-2024.csv.gz"
CALEG = "caleg-2024.csv.gz"
WILAYAH_LUAR_NEGERI = "wilayah-luar-negeri-2024.csv"
TPS_LUAR_NEGERI = "tps-luar-negeri-2024.csv"
PASLON_PILKADA = "paslon-pilkada-2024.csv"
TPS_PILKADA = "tps-pilkada-2024.csv"
METODE_LUAR_NEGERI = ("TPSLN", "KSK", "POS")


@dataclass(frozen=True, slots=True)
class OverseasStation:
    """A TPSLN, KSK (mobile box) or POS (postal vote) of a PPLN; sintetis: generated, not KPU's."""

    kode: str
    nama: str
    metode: str
    sintetis: bool


@dataclass(frozen=True, slots=True)
class PilkadaPaslon:
    contest: str
    kpu_id: str
    nomor_urut: int
    nama: str
    warna: str


def _open_text(path: Path | None, packaged: str) -> IO[str]:
    """A commission's own file when given, else the packaged one; .gz files are decompressed."""
    if path is not None:
        if str(path).endswith(".gz"):
            return gzip.open(path, "rt", encoding="utf-8", newline="")
        return open(path, encoding="utf-8", newline="")
    resource = DATA / packaged
    if packaged.endswith(".gz"):
        return gzip.open(resource.open("rb"), "rt", encoding="utf-8", newline="")
    return io.TextIOWrapper(resource.open("rb"), encoding="utf-8", newline="")


def _rows(
    path: Path | None, packaged: str, columns: Iterable[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file, after any `#` note lines; checks the header."""
    with _open_text(path, packaged) as f:
        lines = iter(f)
        notes = 0
        header = next(lines, "")
        while header.startswith("#"):
            notes += 1
            header = next(lines, "")
        reader = csv.DictReader(chain([header], lines))
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path or packaged}: kolom tidak ada: {', '.join(missing)}")
        yield from enumerate(reader, start=notes + 2)


def _fail(source: str, line: int, exc: Exception) -> ValueError:
    return ValueError(f"{source} baris {line}: {exc}")


def _code(text: str, what: str) -> str:
    code = text.strip()
    if not code or not code.isascii() or not code.isalnum():
        raise ValueError(f"{what} tidak sah: {text!r}")
    return code


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ValueError(f"nilai harus true atau false: {text!r}")
    return value == "true"


def read_parties(path: Path | None = None) -> list[Partai]:
    """The parties in ballot order."""
    parties = []
    columns = (
        "nomor_urut",
        "id_partai",
        "nama",
        "nama_lengkap",
        "singkatan",
        "warna",
        "aceh_local",
    )
    for line, row in _rows(path, PARTAI, columns):
        try:
            parties.append(
                Partai(
                    nomor_urut=int(row["nomor_urut"]),
                    id_partai=_code(row["id_partai"], "id_partai"),
                    nama=row["nama"].strip(),
                    nama_lengkap=row["nama_lengkap"].strip(),
                    singkatan=row["singkatan"].strip(),
                    warna=row["warna"].strip(),
                    aceh_local=_flag(row["aceh_local"]),
                )
            )
        except ValueError as exc:
            raise _fail(str(path or PARTAI), line, exc) from None
    numbers = [p.nomor_urut for p in parties]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"{path or PARTAI}: nomor urut partai ganda")
    return sorted(parties, key=lambda p: p.nomor_urut)


def read_dapil(path: Path | None = None) -> list[Dapil]:
    dapils = []
    columns = ("jenis", "kode_dapil", "nama", "provinsi", "kabkota", "kursi", "kursi_sumber")
    for line, row in _rows(path, DAPIL, columns):
        try:
            jenis = row["jenis"].strip()
            if jenis not in JENIS_DAPIL:
                raise ValueError(f"jenis dapil tidak dikenal: {jenis!r}")
            kursi = int(row["kursi"])
            if kursi < 1:
                raise ValueError(f"kursi harus positif: {kursi}")
            sumber = row["kursi_sumber"].strip()
            if sumber not in ("stated", "inferred"):
                raise ValueError(f"kursi_sumber harus stated atau inferred: {sumber!r}")
            kabkota = row["kabkota"].strip()
            dapils.append(
                Dapil(
                    jenis=jenis,
                    kode=_code(row["kode_dapil"], "kode_dapil"),
                    nama=row["nama"].strip(),
                    kursi=kursi,
                    kursi_inferred=sumber == "inferred",
                    provinsi=_code(row["provinsi"], "provinsi"),
                    kabkota=_code(kabkota, "kabkota") if kabkota else None,
                )
            )
        except ValueError as exc:
            raise _fail(str(path or DAPIL), line, exc) from None
    return dapils


def read_dapil_members(path: Path | None = None) -> list[tuple[str, str, str]]:
    """(jenis, kode_dapil, region code) rows; suara.domain.dapil.DapilMap checks them."""
    members = []
    for line, row in _rows(path, DAPIL_WILAYAH, ("jenis", "kode_dapil", "kode")):
        try:
            members.append(
                (
                    row["jenis"].strip(),
                    _code(row["kode_dapil"], "kode_dapil"),
                    _code(row["kode"], "kode"),
                )
            )
        except ValueError as exc:
            raise _fail(str(path or DAPIL_WILAYAH), line, exc) from None
    return members


def read_caleg(path: Path | None = None) -> Iterator[Caleg]:
    """Every legislative candidate, in file order (DPR, DPRD provinsi, DPRD kab/kota, DPD)."""
    columns = ("jenis", "kode_dapil", "partai", "nomor_urut", "id", "nama", "jenis_kelamin")
    for line, row in _rows(path, CALEG, columns):
        try:
            jenis = row["jenis"].strip()
            if jenis not in JENIS_CALEG:
                raise ValueError(f"jenis tidak dikenal: {jenis!r}")
            partai_text = row["partai"].strip()
            if (jenis == "pdpd") != (partai_text == ""):
                raise ValueError("calon DPD tanpa partai; calon DPR/DPRD harus punya partai")
            jenis_kelamin = row["jenis_kelamin"].strip()
            if jenis_kelamin not in ("L", "P"):
                raise ValueError(f"jenis_kelamin harus L atau P: {jenis_kelamin!r}")
            yield Caleg(
                jenis=jenis,
                kode_dapil=_code(row["kode_dapil"], "kode_dapil"),
                partai=int(partai_text) if partai_text else None,
                nomor_urut=int(row["nomor_urut"]),
                id=_code(row["id"], "id"),
                nama=row["nama"],
                jenis_kelamin=jenis_kelamin,
            )
        except ValueError as exc:
            raise _fail(str(path or CALEG), line, exc) from None


def overseas_stations(path: Path | None = None) -> Iterator[OverseasStation]:
    """The TPSLN/KSK/POS of every PPLN; codes are 13 characters and may contain letters."""
    for line, row in _rows(path, TPS_LUAR_NEGERI, ("kode", "nama", "metode", "sintetis")):
        try:
            kode = _code(row["kode"], "kode TPS luar negeri")
            if len(kode) != 13 or not kode[10:].isdigit():
                raise ValueError(
                    f"kode TPS luar negeri harus 13 karakter berakhir 3 angka: {kode!r}"
                )
            metode = row["metode"].strip()
            if metode not in METODE_LUAR_NEGERI:
                raise ValueError(f"metode harus TPSLN, KSK atau POS: {metode!r}")
            yield OverseasStation(kode, row["nama"].strip(), metode, _flag(row["sintetis"]))
        except ValueError as exc:
            raise _fail(str(path or TPS_LUAR_NEGERI), line, exc) from None


def overseas_region_rows(
    path: Path | None = None, stations_path: Path | None = None
) -> Iterator[RegionRow]:
    """The overseas tree (99, PPLN, ...) as region rows, parents first.

    A level-4 row's tps is the range text of its stations' code numbers, taken from the
    stations file; where the region file states it too, the two must agree.
    """
    numbers: dict[str, list[int]] = defaultdict(list)
    for station in overseas_stations(stations_path):
        numbers[station.kode[:10]].append(int(station.kode[10:]))
    seen = set()
    for line, row in _rows(path, WILAYAH_LUAR_NEGERI, ("kode", "tingkat", "nama", "tps")):
        try:
            kode, tingkat, stated = (
                _code(row["kode"], "kode"),
                int(row["tingkat"]),
                row["tps"].strip(),
            )
            tps = ""
            if tingkat == 4:
                tps = format_tps_ranges(_ranges(sorted(numbers.get(kode, ()))))
                if stated and stated != tps:
                    raise ValueError(f"TPS {kode} {stated!r} berbeda dengan daftar TPS ({tps!r})")
            seen.add(kode)
            yield RegionRow(kode, tingkat, row["nama"].strip(), tps)
        except ValueError as exc:
            raise _fail(str(path or WILAYAH_LUAR_NEGERI), line, exc) from None
    orphans = sorted(set(numbers) - seen)
    if orphans:
        raise ValueError(f"TPS luar negeri tanpa wilayah: {', '.join(orphans[:10])}")


def _ranges(numbers: list[int]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for n in numbers:
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], n)
        else:
            ranges.append((n, n))
    return ranges


def pilkada_paslon(path: Path | None = None) -> list[PilkadaPaslon]:
    """The real Pilkada 2024 pairs with KPU's ids, governor races first."""
    pairs = []
    for line, row in _rows(
        path, PASLON_PILKADA, ("contest", "kpu_id", "nomor_urut", "nama", "warna")
    ):
        try:
            pairs.append(
                PilkadaPaslon(
                    row["contest"].strip(),
                    _code(row["kpu_id"], "kpu_id"),
                    int(row["nomor_urut"]),
                    row["nama"],
                    row["warna"].strip(),
                )
            )
        except ValueError as exc:
            raise _fail(str(path or PASLON_PILKADA), line, exc) from None
    return pairs


def pilkada_tps_counts(path: Path | None = None) -> dict[str, int]:
    """Pilkada TPS per kecamatan (6-digit code)."""
    counts: dict[str, int] = {}
    for line, row in _rows(path, TPS_PILKADA, ("kode_kecamatan", "tps_pilkada")):
        try:
            kode, count = _code(row["kode_kecamatan"], "kode_kecamatan"), int(row["tps_pilkada"])
            if len(kode) != 6 or count < 0:
                raise ValueError(f"kecamatan {kode!r} dengan {count} TPS tidak sah")
            if kode in counts:
                raise ValueError(f"kecamatan {kode} ganda")
            counts[kode] = count
        except ValueError as exc:
            raise _fail(str(path or TPS_PILKADA), line, exc) from None
    return counts
