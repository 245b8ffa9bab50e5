"""The party-list contests (DPR, DPRD provinsi, DPRD kab/kota) in a NIST SP 1500-100 v2 report.

An Indonesian open-list ballot is marked either on a party or on one of its candidates, and
both count for the party. The report carries that as:

- one PartyContest over the report's scope, a PartySelection per party whose VoteCounts are the
  party totals (party-only votes plus its candidates'), at every TPS (precinct) and region with
  data;
- per dapil touching the scope, a CandidateContest (NumberElected = the dapil's seats) whose
  selections are a PartySelection per party standing there (its party-only votes) and a
  CandidateSelection per candidate of its list (Candidate.PartyId names the party). Its counts
  are given at the TPS of the dapil, at regions lying wholly in the dapil, and at the dapil's
  own ReportingUnit (Type other, OtherType "dapil") when the whole dapil lies in the scope.

A region split between dapil gets no dapil counts: its rollup adds up party-only votes over
several dapil, which would not belong to any one of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from suara.domain.ballots import BallotBook
from suara.domain.contests import Contest
from suara.domain.dapil import Dapil
from suara.domain.regions import NATIONAL
from suara.domain.tally import candidate_key, dapil_rollup_code, party_only_key
from suara.publish.own_legislative import index_of


def party_id(nomor: int | str) -> str:
    return f"party-{nomor}"


def dapil_unit_id(kode_dapil: str) -> str:
    return f"ru-{dapil_rollup_code(kode_dapil)}"


def _text(content: str) -> dict[str, Any]:
    return {"@type": "ElectionResults.InternationalizedText",
            "Text": [{"@type": "ElectionResults.LanguageString", "Content": content, "Language": "id"}]}


def _ident(value: str, label: str) -> list[dict[str, Any]]:
    return [{"@type": "ElectionResults.ExternalIdentifier", "Type": "national-level", "Value": value, "Label": label}]


def _count(kode_unit: str, count: int) -> dict[str, Any]:
    return {"@type": "ElectionResults.VoteCounts", "Count": int(count), "GpUnitId": kode_unit, "Type": "total"}


def parties(contest: Contest, book: BallotBook) -> list[dict[str, Any]]:
    """ElectionReport.Party: the parties of the contest (Color without '#', as the schema wants)."""
    found = []
    for candidate in contest.candidates:
        party = book.parties.get(candidate.nomor_urut)
        entry: dict[str, Any] = {"@type": "ElectionResults.Party", "@id": party_id(candidate.nomor_urut),
                                 "Name": _text(candidate.nama)}
        if party is not None and party.singkatan:
            entry["Abbreviation"] = _text(party.singkatan)
        color = candidate.warna.lstrip("#").lower()
        if len(color) == 6 and all(ch in "0123456789abcdef" for ch in color):
            entry["Color"] = color
        entry["ExternalIdentifier"] = _ident(candidate.id, "id_partai")
        found.append(entry)
    return found


def dapil_within(book: BallotBook, kind: str, dapil: Dapil, scope_kode: str) -> bool:
    return scope_kode == NATIONAL or all(m.startswith(scope_kode)
                                         for m in book.dapil_map.regions_of(kind, dapil.kode))


def contests_and_units(contest: Contest, book: BallotBook, scope_kode: str,
                       counted: Sequence[tuple[str, Mapping[str, int]]],
                       dapil_votes: Mapping[str, Mapping[str, int]],
                       precincts: Sequence[str], scope_unit: str, scope_reported: int,
                       scope_total: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The Contests, Candidates and dapil ReportingUnits of a party-list contest.

    counted: (unit code, votes by rollup key) of every TPS and region of the scope with data;
    dapil_votes: the votes of each whole dapil with data, by its rollup code.
    precincts: every TPS code of the scope, to say which belong to which dapil.
    """
    kind = contest.kind
    index = index_of(book)
    dapils = index.dapils_in(kind, scope_kode)
    numbers = [str(c.nomor_urut) for c in contest.candidates]
    totals_counts: dict[str, list[dict[str, Any]]] = {n: [] for n in numbers}
    dapil_counts: dict[str, list[dict[str, Any]]] = {}
    standing = {d.kode: book.standing(kind, d.kode) for d in dapils}

    def add_dapil(kode_dapil: str, unit: str, votes: Mapping[str, int]) -> None:
        for party, caleg in standing[kode_dapil].items():
            dapil_counts.setdefault(f"ps-{contest.key}-{kode_dapil}-{party}", []).append(
                _count(unit, votes.get(party_only_key(party), 0)))
            for c in caleg:
                dapil_counts.setdefault(f"cs-{contest.key}-{c.id}", []).append(
                    _count(unit, votes.get(candidate_key(kode_dapil, party, str(c.nomor_urut)), 0)))

    for kode, votes in counted:
        for n in numbers:
            totals_counts[n].append(_count(f"ru-{kode}", votes.get(n, 0)))
        holder = book.dapil_of(kind, kode)
        if holder is not None and holder.kode in standing:
            add_dapil(holder.kode, f"ru-{kode}", votes)

    units: list[dict[str, Any]] = []
    members: dict[str, list[str]] = {d.kode: [] for d in dapils}
    for tps in precincts:
        holder = book.dapil_of(kind, tps)
        if holder is not None and holder.kode in members:
            members[holder.kode].append(f"ru-{tps}")
    election_contests: list[dict[str, Any]] = [{
        "@type": "ElectionResults.PartyContest", "@id": f"pc-{contest.key}", "Name": contest.nama,
        "Abbreviation": contest.key, "ElectionDistrictId": scope_unit,
        "SubUnitsReported": scope_reported, "TotalSubUnits": scope_total,
        "ContestSelection": [{"@type": "ElectionResults.PartySelection", "@id": f"ps-{contest.key}-{n}",
                              "PartyIds": [party_id(n)], "SequenceOrder": int(n),
                              "VoteCounts": totals_counts[n]} for n in numbers]}]
    candidates: list[dict[str, Any]] = []
    for dapil in dapils:
        unit: dict[str, Any] = {"@type": "ElectionResults.ReportingUnit", "@id": dapil_unit_id(dapil.kode),
                                "Type": "other", "OtherType": "dapil", "Name": _text(f"Dapil {dapil.nama}"),
                                "ExternalIdentifier": _ident(dapil.kode, "kode_dapil")}
        if members[dapil.kode]:
            unit["ComposingGpUnitIds"] = members[dapil.kode]
        units.append(unit)
        whole = dapil_votes.get(dapil_rollup_code(dapil.kode))
        if dapil_within(book, kind, dapil, scope_kode) and whole is not None:
            add_dapil(dapil.kode, dapil_unit_id(dapil.kode), whole)
        selections: list[dict[str, Any]] = []
        for party, caleg in standing[dapil.kode].items():
            selections.append({"@type": "ElectionResults.PartySelection",
                               "@id": f"ps-{contest.key}-{dapil.kode}-{party}", "PartyIds": [party_id(party)],
                               "SequenceOrder": int(party) * 1000,
                               "VoteCounts": dapil_counts.get(f"ps-{contest.key}-{dapil.kode}-{party}", [])})
            for c in caleg:
                candidates.append({"@type": "ElectionResults.Candidate", "@id": f"can-{contest.key}-{c.id}",
                                   "BallotName": _text(c.nama), "ExternalIdentifier": _ident(c.id, "id_caleg"),
                                   "PartyId": party_id(party)})
                selections.append({"@type": "ElectionResults.CandidateSelection", "@id": f"cs-{contest.key}-{c.id}",
                                   "CandidateIds": [f"can-{contest.key}-{c.id}"],
                                   "SequenceOrder": int(party) * 1000 + c.nomor_urut,
                                   "VoteCounts": dapil_counts.get(f"cs-{contest.key}-{c.id}", [])})
        election_contests.append({
            "@type": "ElectionResults.CandidateContest", "@id": f"cc-{contest.key}-{dapil.kode}",
            "Name": f"{contest.nama}, Dapil {dapil.nama}", "Abbreviation": f"{contest.key}-{dapil.kode}",
            "ElectionDistrictId": dapil_unit_id(dapil.kode),
            # one mark per ballot (a party or one of its candidates); open-list PR, so no VoteVariation
            "VotesAllowed": 1, "NumberElected": dapil.kursi, "ContestSelection": selections})
    return election_contests, candidates, units
