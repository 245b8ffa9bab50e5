"""NIST SP 1500-100 v2 (Election Results Common Data Format) export, precinct level.

One report covers one contest over one region subtree: a ReportingUnit for every region and
every TPS of the subtree (with data or not, so a reader sees what is still missing), the paslon
as party-less Candidates, and VoteCounts for every TPS with data and every region with data.

Mapping of the Indonesian tree onto the schema's ReportingUnitType enum (the enum is US-shaped):
    nasional   -> country
    provinsi   -> state
    kab/kota   -> county      (the level below the province; "city" would fit only the kota)
    kecamatan  -> other, OtherType "kecamatan" (no US equivalent: "township" means something else)
    desa/kel.  -> village     (the enum has it; BPS translates desa/kelurahan as village)
    TPS        -> precinct    (the unit a C Hasil form reports, as a US precinct return)

Region VoteCounts are the rollups, so a consumer summing every VoteCounts of a selection counts
each vote once per level: sum only the GpUnits of one Type (e.g. precinct), or read the region's
own entry.

Status: while the contest's result is not certified, `unofficial-partial` or `-complete` by the
TPS forms, and every count is the preliminary publication's (C Hasil). Once the tiered
recapitulation has certified it (its top tiers locked), Status is `certified` and every count is
the recapitulation's instead (publish/recap_figures.py): each region as the tier above recorded
it, the top as its own tier's total, stations abroad as their PPLN recorded them. A domestic TPS
then carries no count, since the recapitulation starts from the desa, and units carry the voters
the recapitulation recorded (VotersParticipated), not the forms'; progress (CountStatus,
SubUnits...) stays that of the forms. The status never says certified over preliminary counts. The schema checks shapes only; referential integrity (every ...Id names an @id) is
held by construction here and checked in the tests.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

import suara
from suara.domain.ballots import BallotBook
from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.localtime import utc_text
from suara.domain.recap import RowFigures
from suara.domain.regions import NATIONAL, Region, RegionTree
from suara.domain.tally import DAPIL_ROLLUP, Totals, dapil_rollup_code, votes_of_doc
from suara.publish import nist_legislative, recap_docs
from suara.publish.recap_figures import certified_figures
from suara.store.reference import Reference
from suara.tally.fold import tally_point
from suara.tally.queries import current_versions, rollups_of

DISCLAIMER = ("Publikasi awal formulir C Hasil, bukan hasil resmi; hasil resmi ditetapkan melalui "
              "rekapitulasi berjenjang.")
CERTIFIED_NOTE = ("Hasil resmi: angka rekapitulasi berjenjang (D Hasil) yang telah ditetapkan. Angka tiap wilayah "
                  "adalah yang dicatat rapat pleno tingkat di atasnya (wilayah teratas: jumlah tingkatnya sendiri); "
                  "TPS dalam negeri tanpa angka karena rekapitulasi dimulai dari desa; TPS luar negeri sebagaimana "
                  "dicatat PPLN.")
# Election days are fixed by KPU regulation, not stored with the contest.
ELECTION_DAY = {"ppwp": "2024-02-14", "pdpr": "2024-02-14", "pdpd": "2024-02-14", "pdprdp": "2024-02-14",
                "pdprdk": "2024-02-14", "pkwkp": "2024-11-27", "pkwkk": "2024-11-27"}
KIND_EN = {"ppwp": "Presidential and Vice-Presidential Election",
           "pdpr": "House of Representatives (DPR) Election", "pdpd": "Regional Representative Council (DPD) Election",
           "pdprdp": "Provincial Legislature (DPRD Provinsi) Election",
           "pdprdk": "Regency/City Legislature (DPRD Kabupaten/Kota) Election",
           "pkwkp": "Gubernatorial Election", "pkwkk": "Regent/Mayoral Election"}
# (Type, OtherType) by tingkat; TPS (tingkat 5) are precincts.
UNIT_TYPES: dict[int, tuple[str, str | None]] = {
    0: ("country", None), 1: ("state", None), 2: ("county", None),
    3: ("other", "kecamatan"), 4: ("village", None), 5: ("precinct", None),
}
STATUSES = frozenset({"certified", "correction", "pre-election", "recount",
                      "unofficial-complete", "unofficial-partial"})


class VersionLike(Protocol):
    """What the export needs of a TPS's current version (tally.queries.CurrentVersion)."""

    @property
    def form(self) -> dict[str, Any]: ...


# --- @id values: XML NCNames cannot start with a digit, so every code gets a prefix ---

def unit_id(kode: str) -> str:
    return f"ru-{kode}"


def candidate_id(contest: Contest, nomor_urut: int) -> str:
    return f"can-{contest.key}-{nomor_urut}"


def selection_id(contest: Contest, nomor_urut: int) -> str:
    return f"cs-{contest.key}-{nomor_urut}"


def _text(content: str, english: str | None = None) -> dict[str, Any]:
    """InternationalizedText: Indonesian first, English where we have it."""
    strings = [{"@type": "ElectionResults.LanguageString", "Content": content, "Language": "id"}]
    if english:
        strings.append({"@type": "ElectionResults.LanguageString", "Content": english, "Language": "en"})
    return {"@type": "ElectionResults.InternationalizedText", "Text": strings}


def _kode_ident(kode: str) -> list[dict[str, Any]]:
    # The KPU/Kemendagri code is the identifier every other Indonesian data set joins on.
    return [{"@type": "ElectionResults.ExternalIdentifier", "Type": "national-level",
             "Value": kode, "Label": "kode"}]


def _count_status(reported: int, total: int) -> list[dict[str, Any]]:
    status = "completed" if reported >= total else "in-process" if reported else "not-processed"
    return [{"@type": "ElectionResults.CountStatus", "Status": status, "Type": "total"}]


def _unit(kode: str, tingkat: int, name: str) -> dict[str, Any]:
    unit_type, other = UNIT_TYPES[tingkat]
    unit: dict[str, Any] = {"@type": "ElectionResults.ReportingUnit", "@id": unit_id(kode), "Type": unit_type}
    if other:
        unit["OtherType"] = other
    unit["Name"] = _text(name)
    unit["ExternalIdentifier"] = _kode_ident(kode)
    return unit


def _subtree(tree: RegionTree, scope: str, contest: Contest | None = None) -> Iterator[Region]:
    """Regions of the subtree in pre-order (parents before children), TPS not included; with a
    contest, only the regions it covers (DPRD kab/kota: no DKI Jakarta, no overseas)."""
    stack = [tree.get(scope)]
    while stack:
        region = stack.pop()
        yield region
        stack.extend(reversed([c for c in tree.children(region.kode) if contest is None or contest.covers(c.kode)]))


def check_scope(contest: Contest, tree: RegionTree, scope_kode: str) -> Region:
    """The scope region, or ValueError when it lies outside the contest (an ancestor of a Pilkada
    region is outside too: its rollup would only repeat the contest region's)."""
    if not contest.covers(scope_kode):
        raise ValueError(f"wilayah {scope_kode} di luar wilayah pemilihan {contest.key}")
    return tree.get(scope_kode)  # UnknownRegion (a LookupError) for a code not in the tree


def election_report(contest: Contest, tree: RegionTree, scope_kode: str,
                    region_totals: Mapping[str, Totals], tps_versions: Mapping[str, VersionLike],
                    generated_at: datetime, sequence: int, status: str | None = None,
                    contest_scope: ContestScope | None = None, book: BallotBook | None = None,
                    certified: Mapping[str, RowFigures] | None = None) -> dict[str, Any]:
    """The ElectionResults.ElectionReport of one contest over the subtree of scope_kode.

    contest_scope: the contest over its election's own TPS list (Pilkada has its own; DPRD kab/kota
    leaves out DKI Jakarta and overseas); book: the party lists, for a party-list contest;
    certified: the certified figures by region (recap_figures), when the result is certified:
    the counts are then those, and the status `certified`."""
    if contest_scope is not None:
        tree = contest_scope.tree
    scope = check_scope(contest, tree, scope_kode)

    def tps_total(region: Region) -> int:
        return contest_scope.tps_total(region.kode) if contest_scope is not None else region.tps_total
    if generated_at.tzinfo is None:
        raise ValueError("generated_at harus memiliki zona waktu")
    if status is not None and status not in STATUSES:
        raise ValueError(f"status NIST tidak dikenal: {status!r}")
    numbers = [(c.nomor_urut, str(c.nomor_urut)) for c in contest.candidates]
    empty = Totals()
    units: list[dict[str, Any]] = []
    counts: dict[int, list[dict[str, Any]]] = {n: [] for n, _ in numbers}
    party_list = contest.is_party_list and book is not None
    counted: list[tuple[str, Mapping[str, int]]] = []  # party-list: the units with data, for afterwards
    precincts: list[str] = []

    def add_counts(kode: str, votes: Mapping[str, int]) -> None:
        if party_list:
            counted.append((kode, votes))
            return
        for nomor, key in numbers:
            counts[nomor].append({"@type": "ElectionResults.VoteCounts", "Count": int(votes.get(key, 0)),
                                  "GpUnitId": unit_id(kode), "Type": "total"})

    tps_seen = tps_with_data = 0
    for region in _subtree(tree, scope.kode, contest):
        totals = region_totals.get(region.kode, empty)
        unit = _unit(region.kode, region.tingkat, region.nama)
        if region.tingkat == 4:
            tps_codes = list(tree.tps_of(region.kode))
            unit["ComposingGpUnitIds"] = [unit_id(t) for t in tps_codes]
            precincts.extend(tps_codes)
        else:
            tps_codes = []
            unit["ComposingGpUnitIds"] = [unit_id(c) for c in region.children if contest.covers(c)]
        if not unit["ComposingGpUnitIds"]:
            del unit["ComposingGpUnitIds"]  # a region without TPS yet: say nothing rather than []
        unit["CountStatus"] = _count_status(totals.tps_reported, tps_total(region))
        # SubUnits are the TPS of the region, as the progress bars count them.
        unit["SubUnitsReported"] = totals.tps_reported
        unit["TotalSubUnits"] = tps_total(region)
        official = certified.get(region.kode) if certified is not None else None
        if official is not None:
            unit["VotersParticipated"] = official.pengguna_total_j
        elif certified is None and totals.tps_turnout > 0:
            # Only TPS that filled in the administrasi section add to these (Totals.tps_turnout).
            unit["VotersRegistered"] = totals.pemilih_dpt
            unit["VotersParticipated"] = totals.pengguna_total
        if region.tingkat == 0:  # only a national contest can have the nation as its scope
            unit["ElectionAdministration"] = {"@type": "ElectionResults.ElectionAdministration",
                                              "Name": "Komisi Pemilihan Umum"}
        units.append(unit)
        if official is not None:
            add_counts(region.kode, official.votes)
        elif certified is None and totals.tps_reported > 0:
            add_counts(region.kode, totals.votes)
        for tps in tps_codes:
            tps_seen += 1
            tps_unit = _unit(tps, 5, tree.station(tps).nama)  # "KSK 001" abroad: the method shows
            tps_unit["Number"] = tps[10:]
            version = tps_versions.get(tps)
            tps_unit["CountStatus"] = _count_status(int(version is not None), 1)
            station = certified.get(tps) if certified is not None else None
            if station is not None:  # abroad: as the PPLN recorded it
                tps_unit["VotersParticipated"] = station.pengguna_total_j
                add_counts(tps, station.votes)
            if version is not None:
                tps_with_data += 1
            if version is not None and certified is None:
                # Read the stored form directly: building a Contribution per TPS re-serialises
                # it, which costs seconds over the nation's 820k TPS.
                adm = version.form.get("administrasi") or {}
                if adm.get("pemilih_dpt_j") is not None:
                    tps_unit["VotersRegistered"] = adm["pemilih_dpt_j"]
                if adm.get("pengguna_total_j") is not None:
                    tps_unit["VotersParticipated"] = adm["pengguna_total_j"]
                add_counts(tps, version.form["suara"] if "suara" in version.form else votes_of_doc(version.form))
            units.append(tps_unit)

    if status is None and certified is not None:
        status = "certified"
    elif status is None:
        # Never "certified" over the forms' counts: only the tiered recapitulation certifies.
        status = "unofficial-complete" if tps_with_data == tps_seen else "unofficial-partial"
    scope_totals = region_totals.get(scope.kode, empty)
    candidates = [{"@type": "ElectionResults.Candidate", "@id": candidate_id(contest, c.nomor_urut),
                   "BallotName": _text(c.nama),
                   "ExternalIdentifier": [{"@type": "ElectionResults.ExternalIdentifier",
                                           "Type": "national-level", "Value": c.id, "Label": "id_paslon"}]}
                  for c in contest.candidates]
    selections = [{"@type": "ElectionResults.CandidateSelection", "@id": selection_id(contest, nomor),
                   "CandidateIds": [candidate_id(contest, nomor)], "SequenceOrder": nomor,
                   "VoteCounts": counts[nomor]} for nomor, _ in numbers]
    contest_doc = {
        "@type": "ElectionResults.CandidateContest", "@id": f"cc-{contest.key}",
        "Name": contest.nama, "Abbreviation": contest.key,
        # The district of this report: the scope (a sub-scope report covers part of the contest).
        "ElectionDistrictId": unit_id(scope.kode),
        # No VoteVariation: the presidential rule (over 50% plus 20% in half the provinces) and
        # Jakarta's majority rule fit none of the enum's words, and a wrong one misleads.
        "VotesAllowed": 1, "NumberElected": 1,
        "SubUnitsReported": scope_totals.tps_reported, "TotalSubUnits": tps_total(scope),
        "ContestSelection": selections,
    }
    contest_docs = [contest_doc]
    parties: list[dict[str, Any]] = []
    if party_list and book is not None:
        if certified is not None:
            dapil_votes = {code: figures.votes for code, figures in certified.items() if code.startswith(DAPIL_ROLLUP)}
        else:
            dapil_votes = {code: t.votes for code, t in region_totals.items() if code.startswith(DAPIL_ROLLUP) and t.tps_reported}
        contest_docs, candidates, dapil_units = nist_legislative.contests_and_units(
            contest, book, scope.kode, counted, dapil_votes, precincts, unit_id(scope.kode),
            scope_totals.tps_reported, tps_total(scope))
        units.extend(dapil_units)
        parties = nist_legislative.parties(contest, book)
    day = ELECTION_DAY[contest.kind]
    english = f"{KIND_EN[contest.kind]} {day[:4]}"
    if contest.region != NATIONAL:
        english += f", {tree.get(contest.region).nama}"
    election = {
        "@type": "ElectionResults.Election", "Name": _text(contest.nama, english),
        # Pilkada serentak is the regular scheduled election of those offices, so "general" too;
        # "special" in the schema means an election to fill a vacancy.
        "Type": "general", "StartDate": day, "EndDate": day,
        "ElectionScopeId": unit_id(scope.kode),
        "Candidate": candidates, "Contest": contest_docs,
    }
    report: dict[str, Any] = {
        "@type": "ElectionResults.ElectionReport",
        "Format": "precinct-level",
        "GeneratedDate": utc_text(generated_at),  # UTC "Z", no fractions, as the pattern wants
        "Issuer": "Suara", "IssuerAbbreviation": "SUARA",
        "VendorApplicationId": f"suara-{suara.__version__}",
        "SequenceStart": sequence, "SequenceEnd": sequence,
        "Status": status,
        "Notes": CERTIFIED_NOTE if certified is not None else DISCLAIMER,
        "Election": [election],
        "GpUnit": units,
    }
    if parties:
        report["Party"] = parties
    return report


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic collector: a national report is ~7 million small dicts and no cycles, and
    the collector's repeated passes over them took two thirds of the build (17 s against 6 s)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_report(conn: Connection, reference: Reference, contest_key: str, scope_kode: str,
                 now: datetime) -> dict[str, Any]:
    """Load the rollups and current forms of a subtree and build its report.

    Run inside one transaction of a read-only engine (a snapshot) so that the rollups, the forms
    and the tally seq (the report's sequence number) describe the same moment.
    """
    contest = reference.contest(contest_key)
    contest_scope = reference.scope(contest)
    scope = check_scope(contest, contest_scope.tree, scope_kode)
    seq, _, _ = tally_point(conn)
    kodes = [r.kode for r in _subtree(contest_scope.tree, scope.kode, contest)]
    book = reference.book if contest.is_party_list else None
    if book is not None:  # the dapil's own rollups, for the dapil that lie wholly in the scope
        kodes += [dapil_rollup_code(d.kode) for d in book.dapil_map.dapils(contest.kind)]
    totals = rollups_of(conn, contest.key, kodes)
    versions = current_versions(conn, contest.key, scope.kode)
    official = (certified_figures(conn, contest_scope, book) if recap_docs.certified(conn, contest_scope)
                else None)
    with _no_cyclic_gc():
        return election_report(contest, contest_scope.tree, scope.kode, totals, versions, now, seq,
                               contest_scope=contest_scope, book=book, certified=official)
