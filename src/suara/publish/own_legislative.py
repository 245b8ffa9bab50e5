"""Suara's own documents for the party-list contests (DPR, DPRD provinsi, DPRD kab/kota):
party totals with each party's candidates, results by dapil, and the seat projection.

A candidate's votes are kept in the rollups under "dapil.party.nomor", so a region's rollup
holds the candidates of every dapil it touches. Which levels list candidates:

- DPR: every level, the nation included (9,917 candidates over 84 dapil);
- DPRD provinsi: from the province down (a province holds its own dapil only);
- DPRD kab/kota: from the kab/kota down.

Above those levels a document lists party totals only (and links the dapil documents).
"""

from __future__ import annotations

import bisect
import dataclasses
import threading
import weakref
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from suara.domain import seats
from suara.domain.ballots import BallotBook
from suara.domain.contests import Contest
from suara.domain.dapil import Caleg, Dapil
from suara.domain.elections import ContestScope
from suara.domain.percent import percent
from suara.domain.regions import LEVEL_NAMES, NATIONAL
from suara.domain.tally import Totals, candidate_key, dapil_rollup_code, party_only_key
from suara.publish.own import contest_doc, envelope, figures

# The region level (tingkat) from which a party-list document lists each party's candidates.
CANDIDATE_LEVEL = {"pdpr": 0, "pdprdp": 1, "pdprdk": 2}
CANDIDATE_RULE = {
    "id": "Perolehan suara calon dicantumkan untuk DPR di semua tingkat (termasuk nasional), untuk DPRD "
          "provinsi dari provinsi ke bawah, dan untuk DPRD kabupaten/kota dari kabupaten/kota ke bawah; "
          "di atasnya hanya jumlah suara partai (lihat dokumen dapil).",
    "en": "Candidate votes are listed for the DPR at every level (the nation included), for the DPRD "
          "provinsi from the province down, and for the DPRD kabupaten/kota from the kabupaten/kota down; "
          "above that only party totals (see the dapil documents).",
}
METHOD = {
    "id": "Ambang batas parlemen 4% dari suara sah nasional (DPR saja), lalu Sainte-Laguë (pembagi 1, 3, 5, "
          "...) per dapil atas kursi dapil itu; kursi partai diberikan kepada calon dengan suara terbanyak.",
    "en": "The 4% national threshold (DPR only), then Sainte-Laguë (divisors 1, 3, 5, ...) per dapil on that "
          "dapil's seats; a party's seats go to its candidates with the most votes.",
}


class LegislativeIndex:
    """What the documents ask of the dapil over and over, worked out once per ballot book:
    which dapil a region touches, and how many TPS of a contest lie in a dapil."""

    def __init__(self, book: BallotBook) -> None:
        self.book = book
        self._members: dict[str, tuple[list[str], list[str]]] = {}
        self._tps: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def _member_list(self, kind: str) -> tuple[list[str], list[str]]:
        """The membership codes of every dapil of kind, sorted, and the dapil of each."""
        found = self._members.get(kind)
        if found is None:
            pairs = sorted((member, d.kode) for d in self.book.dapil_map.dapils(kind)
                           for member in self.book.dapil_map.regions_of(kind, d.kode))
            found = ([m for m, _ in pairs], [d for _, d in pairs])
            self._members[kind] = found
        return found

    def dapils_in(self, kind: str, kode: str) -> list[Dapil]:
        """The dapil a region lies in or touches, in code order (every dapil for the nation)."""
        dapil_map = self.book.dapil_map
        if kode == NATIONAL:
            return sorted(dapil_map.dapils(kind), key=lambda d: d.kode)
        codes: set[str] = set()
        holder = dapil_map.dapil_of(kind, kode)
        if holder is not None:
            codes.add(holder.kode)
        members, dapils = self._member_list(kind)
        at = bisect.bisect_left(members, kode)
        while at < len(members) and members[at].startswith(kode):
            codes.add(dapils[at])
            at += 1
        return [dapil_map.get(kind, c) for c in sorted(codes)]

    def dapil_tps_total(self, scope: ContestScope, kode_dapil: str) -> int:
        """TPS of the contest's election list inside a dapil (its progress denominator)."""
        key = (scope.contest.key, kode_dapil)
        total = self._tps.get(key)
        if total is None:
            total = self._count(scope, kode_dapil)
            with self._lock:
                self._tps[key] = total
        return total

    def _count(self, scope: ContestScope, kode_dapil: str) -> int:
        kind = scope.contest.kind
        members, _ = self._member_list(kind)
        total = 0
        for member in self.book.dapil_map.regions_of(kind, kode_dapil):
            at = bisect.bisect_right(members, member)
            nested = at < len(members) and members[at].startswith(member)
            if not nested:  # the whole member lies in this dapil: the tree's count is exact
                total += scope.tps_total(member)
                continue
            # another dapil claims part of it: count TPS by TPS (rare; then cached)
            for tps in scope.tps_of(member) if scope.covers(member) else ():
                holder = self.book.dapil_map.dapil_of(kind, tps)
                total += holder is not None and holder.kode == kode_dapil
        return total


_INDEXES: weakref.WeakKeyDictionary[BallotBook, LegislativeIndex] = weakref.WeakKeyDictionary()
_INDEX_LOCK = threading.Lock()


def index_of(book: BallotBook) -> LegislativeIndex:
    with _INDEX_LOCK:
        found = _INDEXES.get(book)
        if found is None:
            found = _INDEXES[book] = LegislativeIndex(book)
        return found


def dapil_ref(dapil: Dapil) -> dict[str, Any]:
    return {"kode": dapil.kode, "nama": dapil.nama, "kursi": dapil.kursi, "kursi_inferred": dapil.kursi_inferred,
            "provinsi": dapil.provinsi, "kabkota": dapil.kabkota}


def caleg_ref(caleg: Caleg, votes: int) -> dict[str, Any]:
    return {"dapil": caleg.kode_dapil, "nomor_urut": caleg.nomor_urut, "id": caleg.id, "nama": caleg.nama,
            "jenis_kelamin": caleg.jenis_kelamin, "suara": votes}


def lists_with_candidates(contest: Contest, tingkat: int) -> bool:
    return tingkat >= CANDIDATE_LEVEL.get(contest.kind, 0)


def party_sections(contest: Contest, book: BallotBook, dapils: Sequence[Dapil], totals: Totals,
                   with_candidates: bool) -> list[dict[str, Any]]:
    """Per party of the contest: its total with percentage, its own votes and, when asked, its
    candidates in the given dapil with their votes (zero where none came in yet)."""
    votes = totals.votes
    listed: dict[str, list[dict[str, Any]]] = {}
    if with_candidates:
        for dapil in dapils:
            for number, caleg in book.standing(contest.kind, dapil.kode).items():
                listed.setdefault(number, []).extend(
                    caleg_ref(c, votes.get(candidate_key(dapil.kode, number, str(c.nomor_urut)), 0)) for c in caleg)
    counted = sum(votes.get(p, 0) for p in contest.nomor_keys)
    sections = []
    for party in contest.candidates:
        nomor = str(party.nomor_urut)
        section: dict[str, Any] = {
            "nomor_urut": party.nomor_urut, "id": party.id, "nama": party.nama, "warna": party.warna,
            "suara": votes.get(nomor, 0), "suara_partai": votes.get(party_only_key(nomor), 0),
            "persen": str(percent(votes.get(nomor, 0), counted, 2)) if counted else None}
        if with_candidates:
            section["caleg"] = listed.get(nomor, [])
        sections.append(section)
    return sections


def region_sections(contest: Contest, book: BallotBook, kode: str, tingkat: int, totals: Totals) -> dict[str, Any]:
    """What a party-list contest's region document adds to the results of a region."""
    dapils = index_of(book).dapils_in(contest.kind, kode)
    with_candidates = lists_with_candidates(contest, tingkat)
    return {"partai": party_sections(contest, book, dapils, totals, with_candidates),
            "caleg_tercantum": with_candidates, "caleg_aturan": CANDIDATE_RULE,
            "dapil": [] if kode == NATIONAL else [dapil_ref(d) for d in dapils]}


def _standing_contest(contest: Contest, book: BallotBook, kode_dapil: str) -> Contest:
    """The contest with only the parties standing in one dapil (figures count those)."""
    standing = book.standing(contest.kind, kode_dapil)
    return dataclasses.replace(contest, candidates=tuple(c for c in contest.candidates
                                                         if str(c.nomor_urut) in standing))


def progress(reported: int, total: int) -> dict[str, Any]:
    return {"tps_reported": reported, "tps_total": total, "progress_persen": str(percent(reported, total, 5))}


def dapil_list_doc(contest: Contest, scope: ContestScope, book: BallotBook, rollups: Mapping[str, Totals],
                   tally_seq: int, moment: datetime) -> dict[str, Any]:
    """Every dapil of a contest with its seats and progress."""
    index = index_of(book)
    rows = []
    for dapil in index.dapils_in(contest.kind, NATIONAL):
        reported = rollups.get(dapil_rollup_code(dapil.kode), Totals()).tps_reported
        rows.append({**dapil_ref(dapil), **progress(reported, index.dapil_tps_total(scope, dapil.kode))})
    return envelope(tally_seq, moment, contest={"key": contest.key, "kind": contest.kind, "nama": contest.nama},
                    dapil=rows)


def member_refs(scope: ContestScope, book: BallotBook, kind: str, kode_dapil: str) -> list[dict[str, Any]]:
    refs = []
    for member in book.dapil_map.regions_of(kind, kode_dapil):
        nama = scope.tree.get(member).nama if member in scope.tree else member
        tingkat = _tingkat(member)
        refs.append({"kode": member, "nama": nama, "tingkat": tingkat, "tingkat_nama": LEVEL_NAMES[tingkat]})
    return refs


def _tingkat(kode: str) -> int:
    return {2: 1, 4: 2, 6: 3, 10: 4}.get(len(kode), 0)


def national_votes(contest: Contest, nation: Totals) -> dict[int, int]:
    return {c.nomor_urut: nation.votes.get(str(c.nomor_urut), 0) for c in contest.candidates}


def projection_doc(contest: Contest, book: BallotBook, dapil: Dapil, totals: Totals,
                   nation: Mapping[int, int] | None) -> dict[str, Any]:
    """The seat projection of one dapil (DPR: with the national threshold over `nation`)."""
    standing = book.standing(contest.kind, dapil.kode)
    names = {str(c.nomor_urut): c.nama for c in contest.candidates}
    parties = [seats.PartyVotes(int(party), totals.votes.get(party, 0), tuple(
        seats.CandidateVotes(c.id, c.nomor_urut, totals.votes.get(candidate_key(dapil.kode, party, str(c.nomor_urut)), 0))
        for c in caleg)) for party, caleg in standing.items()]
    base: dict[str, Any] = {"label": _bilingual(seats.PROJECTION_LABEL), "tie_rule": _bilingual(seats.TIE_RULE),
                            "seats": dapil.kursi, "seats_inferred": dapil.kursi_inferred}
    try:
        outcome = seats.project_dapil(dapil.kursi, parties, nation)
    except ValueError as exc:
        # forms stored as written (policy as-is) can break the party sums; say so instead of guessing
        return {**base, "error": str(exc), "parties": []}
    caleg_names = {c.id: c.nama for caleg in standing.values() for c in caleg}
    return {**base, "unallocated_seats": outcome.unallocated_seats, "tie_decided": outcome.tie_decided,
            "parties": [{"nomor_urut": p.party_number, "nama": names.get(str(p.party_number), ""), "votes": p.votes,
                         "eligible": p.eligible, "seats": p.seats, "unfilled_seats": p.unfilled_seats,
                         "elected": [{"id": c.candidate_id, "nomor_urut": c.list_number, "votes": c.votes,
                                      "nama": caleg_names.get(c.candidate_id, "")} for c in p.elected]}
                        for p in outcome.parties]}


def _bilingual(text: seats.BilingualText) -> dict[str, str]:
    return {"id": text.id, "en": text.en}


def threshold_doc(contest: Contest, nation: Mapping[int, int]) -> dict[str, Any]:
    outcome = seats.national_threshold(nation)
    return {"threshold_persen": str(percent(outcome.threshold.numerator, outcome.threshold.denominator, 2)),
            "total_votes": outcome.total_votes,
            "parties": [{"nomor_urut": c.nomor_urut, "nama": c.nama, "votes": nation.get(c.nomor_urut, 0),
                         "persen": str(percent(nation.get(c.nomor_urut, 0), outcome.total_votes, 2)),
                         "passed": c.nomor_urut in outcome.passed} for c in contest.candidates]}


def uses_threshold(contest: Contest) -> bool:
    return contest.kind == "pdpr"


def dapil_doc(contest: Contest, scope: ContestScope, book: BallotBook, dapil: Dapil, totals: Totals,
              nation: Totals, tally_seq: int, moment: datetime) -> dict[str, Any]:
    """Results of one dapil: parties and candidates, progress over the dapil's TPS, projection."""
    standing = _standing_contest(contest, book, dapil.kode)
    tps_total = index_of(book).dapil_tps_total(scope, dapil.kode)
    national = national_votes(contest, nation) if uses_threshold(contest) else None
    return envelope(tally_seq, moment, contest=contest_doc(standing),
                    dapil={**dapil_ref(dapil), "wilayah": member_refs(scope, book, contest.kind, dapil.kode)},
                    totals=figures(standing, totals, tps_total),
                    partai=party_sections(standing, book, [dapil], totals, True),
                    seat_projection=projection_doc(contest, book, dapil, totals, national))


def seats_doc(contest: Contest, scope: ContestScope, book: BallotBook, nation: Totals,
              rollups: Mapping[str, Totals], tally_seq: int, moment: datetime) -> dict[str, Any]:
    """The seat projection of every dapil of a contest, with the seats per party summed."""
    index = index_of(book)
    national = national_votes(contest, nation) if uses_threshold(contest) else None
    by_party: dict[int, int] = {c.nomor_urut: 0 for c in contest.candidates}
    rows = []
    for dapil in index.dapils_in(contest.kind, NATIONAL):
        totals = rollups.get(dapil_rollup_code(dapil.kode), Totals())
        projected = projection_doc(contest, book, dapil, totals, national)
        for party in projected["parties"]:
            by_party[party["nomor_urut"]] = by_party.get(party["nomor_urut"], 0) + party["seats"]
        rows.append({**dapil_ref(dapil), **progress(totals.tps_reported, index.dapil_tps_total(scope, dapil.kode)),
                     "unallocated_seats": projected.get("unallocated_seats", dapil.kursi),
                     "tie_decided": projected.get("tie_decided", False), "error": projected.get("error"),
                     # parties without a seat are left out: the DPRD kab/kota has 2,325 dapil
                     "parties": [p for p in projected["parties"] if p["seats"]]})
    names = {c.nomor_urut: c.nama for c in contest.candidates}
    return envelope(tally_seq, moment, contest={"key": contest.key, "kind": contest.kind, "nama": contest.nama},
                    label=_bilingual(seats.PROJECTION_LABEL), tie_rule=_bilingual(seats.TIE_RULE), method=METHOD,
                    threshold=threshold_doc(contest, national) if national is not None else None,
                    seats_total=sum(d.kursi for d in index.dapils_in(contest.kind, NATIONAL)),
                    totals=progress(nation.tps_reported, scope.tps_total(NATIONAL)),
                    parties=[{"nomor_urut": n, "nama": names[n], "seats": s} for n, s in by_party.items()],
                    dapil=rows)


def tps_ballot(contest: Contest, book: BallotBook, tps: str) -> dict[str, Any] | None:
    """The dapil of a TPS and the lists standing there, so its record can name every number."""
    dapil = book.dapil_of(contest.kind, tps)
    if dapil is None:
        return None
    parties = {str(c.nomor_urut): c for c in contest.candidates}
    lists = []
    for party, caleg in book.standing(contest.kind, dapil.kode).items():
        known = parties.get(party)
        lists.append({"nomor_urut": int(party), "nama": known.nama if known else party,
                      "warna": known.warna if known else "",
                      "caleg": [{"nomor_urut": c.nomor_urut, "id": c.id, "nama": c.nama} for c in caleg]})
    return {"dapil": dapil_ref(dapil), "daftar_calon": lists}
