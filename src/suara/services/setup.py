"""Creating a database: migrations, the region tree and the contest definitions."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from suara import reference as shipped
from suara import reference_data
from suara.domain.audit import content_hash
from suara.domain.ballots import BallotBook
from suara.domain.contests import DEFAULT_ELECTIONS, KIND_INFO, Contest, Shape
from suara.domain.dapil import DapilMap
from suara.domain.elections import Election
from suara.domain.regions import RegionTree, Station, parse_tps_ranges
from suara.store import audit, migrate
from suara.store.reference import (
    load_book,
    load_contests,
    load_elections,
    load_tree,
    region_count,
    save_ballots,
    save_contests,
    save_election,
    save_regions,
    save_stations,
)
from suara.tally.fold import init_state

ELECTION_NAMES = {"pemilu-2024": "Pemilihan Umum 2024", "pilkada-2024": "Pemilihan Kepala Daerah Serentak 2024"}


@dataclass(frozen=True)
class ReferenceFiles:
    """A commission's own reference files (None: the shipped 2024 file, where one is needed)."""

    stations: Path | None = None  # overseas TPSLN/KSK/POS names (kode, nama, metode, sintetis)
    parties: Path | None = None
    dapil: Path | None = None
    dapil_members: Path | None = None
    caleg: Path | None = None


@dataclass(frozen=True)
class InitSummary:
    regions_loaded: int
    contests: int
    counts: dict[str, int]


def init_database(
    engine: Engine,
    regions_csv: Path | None = None,
    contests_csv: Path | None = None,
    candidates_csv: Path | None = None,
    actor: str = "system",
    files: ReferenceFiles = ReferenceFiles(),
) -> InitSummary:
    """Bring the schema to head and load the reference data once; safe to run again.

    Contest definitions are (re)loaded when given explicitly or when the database has none.
    """
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    packaged = regions_csv is None
    with engine.begin() as conn:
        audit.init_head(conn)
        init_state(conn)
        loaded = 0
        if region_count(conn) == 0:
            rows = list(shipped.region_rows(regions_csv))
            station_map: dict[str, Station] = {}
            if packaged:  # the overseas branch (region 99) ships beside the domestic tree
                rows += list(reference_data.overseas_region_rows())
            if packaged or files.stations is not None:
                station_map = {s.kode: Station(s.nama, s.metode, s.sintetis)
                               for s in reference_data.overseas_stations(files.stations)}
            RegionTree(rows, station_map)  # refuse a broken tree before writing any of it
            loaded = save_regions(conn, rows)
            save_stations(conn, station_map.items())
            audit.append(conn, [audit.AuditEvent("reference.regions", actor, "regions",
                                                 {"rows": loaded, "stations": len(station_map),
                                                  "sha256": content_hash([[r.kode, r.tingkat, r.nama, r.tps] for r in rows])})], now)
        tree = load_tree(conn)
        contests = load_contests(conn, load_book(conn))
        if contests_csv or candidates_csv or not contests:
            book = _ballots_for(conn, contests_csv, files, actor, now)
            items = shipped.read_contests(tree, contests_csv, candidates_csv, book)
            save_contests(conn, items)
            audit.append(conn, [audit.AuditEvent("reference.contests", actor, "contests",
                                                 {"contests": len(items)})], now)
            contests = {c.key: c for c in items}
        _define_elections(conn, contests.values(), tree, packaged, actor, now)
        return InitSummary(loaded, len(contests), tree.counts())


def _ballots_for(conn: Connection, contests_csv: Path | None, files: ReferenceFiles, actor: str,
                 now: datetime) -> BallotBook | None:
    """The parties, dapil and candidate lists, loaded once when the contests need them."""
    book = load_book(conn)
    if book is not None or not _needs_ballots(contests_csv):
        return book
    party_rows = reference_data.read_parties(files.parties)
    dapils = reference_data.read_dapil(files.dapil)
    members = reference_data.read_dapil_members(files.dapil_members)
    DapilMap(dapils, members)  # refuse an inconsistent definition before writing it
    count = save_ballots(conn, party_rows, dapils, members, reference_data.read_caleg(files.caleg))
    audit.append(conn, [audit.AuditEvent("reference.ballots", actor, "ballots", {
        "parties": len(party_rows), "dapil": len(dapils), "members": len(members), "caleg": count})], now)
    return load_book(conn)


def _needs_ballots(contests_csv: Path | None) -> bool:
    with shipped._open_text(contests_csv, "contests-2024.csv") as f:
        return any(row.get("kind") in KIND_INFO and KIND_INFO[row["kind"]].shape is Shape.PARTAI
                   for row in csv.DictReader(f))


def _define_elections(conn: Connection, contests: Iterable[Contest], tree: RegionTree, packaged: bool,
                      actor: str, now: datetime) -> None:
    """Every election named by a contest exists; with the shipped tree, Pilkada 2024 gets its
    own TPS list, built from KPU's TPS count per kecamatan."""
    known = load_elections(conn)
    for key in sorted({c.election for c in contests}):
        if key in known:
            continue
        own = None
        if packaged and key == DEFAULT_ELECTIONS["pilkada"]:
            own = shipped.pilkada_list(tree, reference_data.pilkada_tps_counts())
        election = Election(key, ELECTION_NAMES.get(key, key), own is not None)
        save_election(conn, election, own)
        audit.append(conn, [audit.AuditEvent("reference.election", actor, key, {
            "nama": election.nama, "own_tps_list": own is not None,
            "tps": _count_tps(own) if own is not None else tree.get("0").tps_total})], now)


def _count_tps(ranges: dict[str, str]) -> int:
    return sum(b - a + 1 for text in ranges.values() for a, b in parse_tps_ranges(text))


def load_tps_list(engine: Engine, election: str, nama: str, tps_csv: Path, actor: str = "system") -> int:
    """Give an election its own TPS list: a CSV of (kode, tps) per desa in the wilayah format
    ('1-12;901'), or of (kode_kecamatan, tps) counts spread over each kecamatan's desa. Returns
    how many TPS the list has. Refused (ValueError) once forms of the election are stored."""
    from suara.store.schema import form_versions

    with open(tps_csv, encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(line for line in f if not line.startswith("#"))]
    with engine.begin() as conn:
        tree = load_tree(conn)
        contests = load_contests(conn)
        keys = [c.key for c in contests.values() if c.election == election]
        if keys and conn.execute(select(func.count()).select_from(form_versions)
                                 .where(form_versions.c.contest.in_(keys))).scalar_one():
            raise ValueError(f"{election}: formulir sudah tersimpan; daftar TPS tidak dapat diganti")
        if rows and "kode_kecamatan" in rows[0]:
            own = shipped.pilkada_list(tree, {r["kode_kecamatan"].strip(): int(r.get("tps") or r["tps_pilkada"])
                                                for r in rows})
        else:
            own = {}
            for line, row in enumerate(rows, start=2):
                kode = (row.get("kode") or "").strip()
                if kode not in tree or tree.get(kode).tingkat != 4:
                    raise ValueError(f"{tps_csv} baris {line}: {kode!r} bukan kode desa")
                parse_tps_ranges(row.get("tps") or "")
                own[kode] = (row.get("tps") or "").strip()
        save_election(conn, Election(election, nama, True), own)
        total = _count_tps(own)
        audit.append(conn, [audit.AuditEvent("reference.election", actor, election, {
            "nama": nama, "own_tps_list": True, "tps": total,
            "sha256": content_hash(sorted(own.items()))})], datetime.now(UTC))
    return total
