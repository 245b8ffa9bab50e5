"""Regions, elections, contests and the legislative ballots in the database, and the in-memory
Reference built from them."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import takewhile

from sqlalchemy import Connection, delete, func, select

from suara.domain.ballots import BallotBook
from suara.domain.contests import KIND_INFO, Candidate, Contest, Shape, UnknownContest
from suara.domain.dapil import Caleg, Dapil, DapilMap, Partai
from suara.domain.elections import ContestScope, Election
from suara.domain.regions import NATIONAL, RegionRow, RegionTree, Station
from suara.domain.rules import Ballot
from suara.store.schema import (
    caleg,
    candidates,
    contests,
    dapil,
    dapil_members,
    election_tps,
    elections,
    parties,
    regions,
    stations,
)


@dataclass(frozen=True)
class Reference:
    """What every request needs at hand: the region trees of the elections, the contests and,
    where there are party-list contests, their ballots."""

    tree: RegionTree  # the base TPS list (the Pemilu's), with every region
    contests: dict[str, Contest]
    trees: dict[str, RegionTree] = field(default_factory=dict)  # elections with their own TPS list
    elections: dict[str, Election] = field(default_factory=dict)
    book: BallotBook | None = None

    def contest(self, key: str) -> Contest:
        try:
            return self.contests[key]
        except KeyError:
            raise UnknownContest(f"pemilihan tidak dikenal: {key!r}") from None

    def tree_of(self, contest: Contest) -> RegionTree:
        return self.trees.get(contest.election, self.tree)

    def scope(self, contest: Contest) -> ContestScope:
        return ContestScope(contest, self.tree_of(contest))

    def contests_in(self, kode: str) -> list[str]:
        """Keys of the contests with a TPS in region kode, in the contests' order. Only a contest
        whose area contains the region (a prefix of its code) or lies inside it can have one, so
        only those are counted: a publication asks this of each of 90,000 regions, and with the
        Pilkada there are some 600 contests."""
        by_area, areas = self._contest_areas
        if kode == NATIONAL:
            near = list(areas)
        else:
            near = [kode[:length] for length in range(1, len(kode) + 1)]
            near.append(NATIONAL)
            start = bisect_left(areas, kode)
            near += takewhile(lambda area: area.startswith(kode), areas[start:])
        found = sorted(entry for area in set(near) for entry in by_area.get(area, ()))
        return [contest.key for _, contest in found if self.scope(contest).tps_total(kode) > 0]

    @cached_property
    def _contest_areas(self) -> tuple[dict[str, list[tuple[int, Contest]]], list[str]]:
        """The contests by the region code of their area, in their order; and those codes sorted."""
        by_area: dict[str, list[tuple[int, Contest]]] = defaultdict(list)
        for order, contest in enumerate(self.contests.values()):
            by_area[contest.region].append((order, contest))
        return dict(by_area), sorted(by_area)

    def ballot(self, contest: Contest, tps: str) -> Ballot | None:
        """The party-list ballot of a TPS (None for other contests or outside every dapil)."""
        if self.book is None or contest.shape is not Shape.PARTAI:
            return None
        return self.book.ballot(contest.kind, tps)


def region_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(regions)).scalar_one())


def _insert_batches(conn: Connection, table: object, rows: Iterable[dict[str, object]], batch: int = 20_000) -> int:
    count = 0
    pending: list[dict[str, object]] = []
    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            conn.execute(table.insert(), pending)  # type: ignore[attr-defined]
            count += len(pending)
            pending = []
    if pending:
        conn.execute(table.insert(), pending)  # type: ignore[attr-defined]
        count += len(pending)
    return count


def save_regions(conn: Connection, rows: Iterable[RegionRow], batch: int = 20_000) -> int:
    return _insert_batches(conn, regions, ({"kode": row.kode, "tingkat": row.tingkat, "nama": row.nama,
                                            "tps": row.tps} for row in rows), batch)


def save_stations(conn: Connection, items: Iterable[tuple[str, Station]]) -> int:
    conn.execute(delete(stations))
    return _insert_batches(conn, stations, ({"kode": kode, "nama": s.nama, "metode": s.metode,
                                             "sintetis": s.sintetis} for kode, s in items))


def save_election(conn: Connection, election: Election, tps_by_desa: dict[str, str] | None = None) -> None:
    """Define (or redefine) an election; with tps_by_desa it has a TPS list of its own."""
    conn.execute(delete(elections).where(elections.c.key == election.key))
    conn.execute(delete(election_tps).where(election_tps.c.election == election.key))
    conn.execute(elections.insert().values(key=election.key, nama=election.nama,
                                           own_tps_list=tps_by_desa is not None))
    if tps_by_desa is not None:
        _insert_batches(conn, election_tps, ({"election": election.key, "kode": k, "tps": v}
                                             for k, v in sorted(tps_by_desa.items())))


def save_ballots(conn: Connection, party_rows: Sequence[Partai], dapils: Sequence[Dapil],
                 members: Sequence[tuple[str, str, str]], caleg_rows: Iterable[Caleg]) -> int:
    """Replace the parties, dapil and candidate lists of the legislative contests."""
    for table in (caleg, dapil_members, dapil, parties):
        conn.execute(delete(table))
    _insert_batches(conn, parties, ({"nomor_urut": p.nomor_urut, "id_partai": p.id_partai, "nama": p.nama,
                                     "nama_lengkap": p.nama_lengkap, "singkatan": p.singkatan, "warna": p.warna,
                                     "aceh_local": p.aceh_local} for p in party_rows))
    _insert_batches(conn, dapil, ({"jenis": d.jenis, "kode": d.kode, "nama": d.nama, "kursi": d.kursi,
                                   "kursi_inferred": d.kursi_inferred, "provinsi": d.provinsi,
                                   "kabkota": d.kabkota} for d in dapils))
    _insert_batches(conn, dapil_members, ({"jenis": j, "kode_dapil": d, "kode": k} for j, d, k in members))
    return _insert_batches(conn, caleg, ({"id": c.id, "jenis": c.jenis, "kode_dapil": c.kode_dapil,
                                          "partai": c.partai, "nomor_urut": c.nomor_urut, "nama": c.nama,
                                          "jenis_kelamin": c.jenis_kelamin} for c in caleg_rows))


def save_contests(conn: Connection, items: Sequence[Contest]) -> None:
    """Replace the contest definitions (names, numbers and colours an election commission edits)."""
    conn.execute(delete(candidates))
    conn.execute(delete(contests))
    conn.execute(contests.insert(), [
        {"key": c.key, "kind": c.kind, "region": c.region, "nama": c.nama, "tps_cap": c.tps_cap,
         "election": c.election, "excludes": ";".join(c.excludes)} for c in items
    ])
    rows = [{"contest": c.key, "nomor_urut": p.nomor_urut, "id": p.id, "nama": p.nama, "warna": p.warna}
            for c in items if c.shape is not Shape.PARTAI for p in c.candidates]
    if rows:
        conn.execute(candidates.insert(), rows)


def _region_rows(conn: Connection) -> list[RegionRow]:
    result = conn.execute(select(regions.c.kode, regions.c.tingkat, regions.c.nama, regions.c.tps)
                          .order_by(regions.c.kode))
    return [RegionRow(*row) for row in result]


def load_stations(conn: Connection) -> dict[str, Station]:
    return {r.kode: Station(r.nama, r.metode, bool(r.sintetis)) for r in conn.execute(select(stations))}


def load_tree(conn: Connection, rows: list[RegionRow] | None = None,
              station_map: dict[str, Station] | None = None) -> RegionTree:
    rows = _region_rows(conn) if rows is None else rows
    return RegionTree(rows, load_stations(conn) if station_map is None else station_map)


def load_elections(conn: Connection) -> dict[str, Election]:
    return {r.key: Election(r.key, r.nama, bool(r.own_tps_list))
            for r in conn.execute(select(elections).order_by(elections.c.key))}


def election_tree(rows: list[RegionRow], own: dict[str, str], station_map: dict[str, Station]) -> RegionTree:
    """The tree of an election with its own TPS list: the same regions, each desa with the
    election's TPS, and only the provinces where the election has TPS."""
    with_tps = {kode[:2] for kode, tps in own.items() if tps}
    return RegionTree((RegionRow(r.kode, r.tingkat, r.nama, own.get(r.kode, "") if r.tingkat == 4 else "")
                       for r in rows if r.kode[:2] in with_tps),
                      {k: s for k, s in station_map.items() if k[:2] in with_tps})


def load_book(conn: Connection) -> BallotBook | None:
    party_rows = [Partai(r.nomor_urut, r.id_partai, r.nama, r.nama_lengkap, r.singkatan, r.warna, bool(r.aceh_local))
                  for r in conn.execute(select(parties).order_by(parties.c.nomor_urut))]
    if not party_rows:
        return None
    dapils = [Dapil(r.jenis, r.kode, r.nama, r.kursi, bool(r.kursi_inferred), r.provinsi, r.kabkota)
              for r in conn.execute(select(dapil).order_by(dapil.c.jenis, dapil.c.kode))]
    members = [(r.jenis, r.kode_dapil, r.kode) for r in conn.execute(select(dapil_members))]
    caleg_rows = (Caleg(r.jenis, r.kode_dapil, r.partai, r.nomor_urut, r.id, r.nama, r.jenis_kelamin)
                  for r in conn.execute(select(caleg)))
    return BallotBook(party_rows, DapilMap(dapils, members), caleg_rows)


def load_contests(conn: Connection, book: BallotBook | None = None) -> dict[str, Contest]:
    by_contest: dict[str, list[Candidate]] = defaultdict(list)
    for row in conn.execute(select(candidates).order_by(candidates.c.contest, candidates.c.nomor_urut)):
        by_contest[row.contest].append(Candidate(row.nomor_urut, row.id, row.nama, row.warna))
    loaded = {}
    for row in conn.execute(select(contests).order_by(contests.c.key)):
        listed = tuple(by_contest[row.key])
        info = KIND_INFO.get(row.kind)
        if info is not None and info.shape is Shape.PARTAI and book is not None:
            listed = book.party_candidates(row.kind)
        loaded[row.key] = Contest(row.key, row.kind, row.region, row.nama, row.tps_cap, listed,
                                  row.election or "", tuple(filter(None, (row.excludes or "").split(";"))))
    return loaded


def load_reference(conn: Connection) -> Reference:
    rows = _region_rows(conn)
    station_map = load_stations(conn)
    base = RegionTree(rows, station_map)
    known = load_elections(conn)
    own_lists: dict[str, dict[str, str]] = defaultdict(dict)
    for r in conn.execute(select(election_tps)):
        own_lists[r.election][r.kode] = r.tps
    trees = {key: election_tree(rows, own_lists[key], station_map) for key, e in known.items() if e.own_tps_list}
    book = load_book(conn)
    return Reference(base, load_contests(conn, book), trees, known, book)


__all__ = ["NATIONAL", "Reference", "load_reference"]
