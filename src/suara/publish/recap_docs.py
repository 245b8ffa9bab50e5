"""The recapitulation beside the publication: each tier's D Hasil, what the TPS forms add up to
for the same regions, what the tier below recorded, and the differences, largest first.

Read-only: built from the stored records and the tally's rollups in one read transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.recap import (
    TIER_NAMES,
    Difference,
    RecapRefused,
    RowFigures,
    Tingkat,
    compare,
    figures_total,
    has_tier,
    prerequisites,
    row_doc,
    rows_of,
    tier_of,
    top_tiers,
)
from suara.domain.regions import NATIONAL, UnknownRegion, parent_of
from suara.domain.tally import PARTY_ONLY, Totals, split_candidate_key, vote_key_order
from suara.publish import own
from suara.store import recap
from suara.store.reference import Reference
from suara.tally.fold import tally_point
from suara.tally.queries import current_versions, rollups_of

NOT_RECORDED, PARTLY = "belum_dicatat", "sebagian"
RECAP_NOTE = {
    "id": "Rekapitulasi berjenjang (D Hasil) sebagaimana dicatat rapat pleno tiap tingkat, di samping jumlah "
          "formulir C Hasil yang dipublikasikan. Selisih = rekapitulasi dikurangi pembanding.",
    "en": "The tiered recapitulation (D Hasil) as recorded by each tier's plenary, beside the sums of the "
          "published C Hasil forms. Difference = recapitulation minus the figure compared with.",
}


def figures_of_totals(totals: Totals) -> RowFigures:
    return RowFigures(dict(totals.votes), totals.suara_sah, totals.suara_tidak_sah, totals.pengguna_total)


def publication_figures(conn: Connection, scope: ContestScope, kode: str, children: list[str]) -> dict[str, RowFigures]:
    """What the published TPS forms add up to for each row of a tier: the rollups of the child
    regions, or for a PPLN's stations each station's counted form."""
    contest = scope.contest
    if tier_of(kode) is Tingkat.PPLN:
        forms = current_versions(conn, contest.key, kode)
        found = {}
        for tps in children:
            totals = Totals()
            if tps in forms:
                totals.apply(forms[tps].contribution)
            found[tps] = figures_of_totals(totals)
        return found
    return {child: figures_of_totals(totals) for child, totals in rollups_of(conn, contest.key, children).items()}


def lower_figures(scope: ContestScope, kode: str, child: str,
                  records: dict[str, recap.RecapRecord]) -> RowFigures | None:
    """What the tier(s) below recorded for a row's region as a whole; None while any is missing."""
    needed = prerequisites(scope, kode, child)
    if not needed or any(code not in records for code in needed):
        return None
    return figures_total(row for code in needed for row in records[code].rows.values())


@dataclass(frozen=True)
class RowComparison:
    child: str
    recorded: RowFigures
    publication: RowFigures
    against_publication: Difference
    lower: RowFigures | None
    against_lower: Difference | None


def compare_tier(conn: Connection, scope: ContestScope, record: recap.RecapRecord,
                 records: dict[str, recap.RecapRecord]) -> list[RowComparison]:
    children = list(record.rows)
    published = publication_figures(conn, scope, record.kode, children)
    found = []
    for child in children:
        recorded = record.rows[child]
        published_row = published[child]
        lower = lower_figures(scope, record.kode, child, records)
        found.append(RowComparison(
            child, recorded, published_row,
            compare(recorded, published_row, "publikasi", include_voters=False),
            lower, None if lower is None else compare(recorded, lower, "tingkat_bawah")))
    return found


def _figures_doc(figures: RowFigures | None) -> dict[str, Any] | None:
    return None if figures is None else figures.as_dict()


def _name(scope: ContestScope, kode: str) -> str:
    if len(kode) == 13:
        return scope.station(kode).nama
    try:
        return scope.tree.get(kode).nama
    except UnknownRegion:
        return kode


def vote_labels(reference: Reference, contest: Contest, keys: Iterable[str]) -> dict[str, str]:
    """Names of vote keys: a candidate pair's or party's name, 'suara partai X', a caleg's name."""
    names = {str(c.nomor_urut): c.nama for c in contest.candidates}
    book = reference.book
    labels = {}
    for key in keys:
        if key in names:
            labels[key] = names[key]
        elif key.startswith(PARTY_ONLY) and key[1:] in names:
            labels[key] = f"suara partai {names[key[1:]]}"
        elif (split := split_candidate_key(key)) is not None and book is not None:
            caleg = book.candidate(contest.kind, *split)
            labels[key] = caleg.nama if caleg is not None else key
    return labels


def certified(conn: Connection, scope: ContestScope) -> bool:
    """A contest's result is certified when every one of its top tiers is locked."""
    statuses = recap.statuses(conn, scope.contest.key)
    tops = top_tiers(scope)
    return bool(tops) and all(statuses.get(kode) == recap.LOCKED for kode in tops)


def _all_records(conn: Connection, contest: str, prefix: str) -> dict[str, recap.RecapRecord]:
    return {r.kode: r for r in recap.records_within(conn, contest, prefix)}


def recap_document(conn: Connection, reference: Reference, contest_key: str, kode: str) -> dict[str, Any]:
    """One tier: where it stands, its rows beside the publication and the tier below, its history."""
    contest, scope = recap.contest_scope(reference, contest_key, kode)
    tally_seq, _, moment = tally_point(conn)
    records = _all_records(conn, contest.key, kode)
    current = records.get(kode)
    tier = tier_of(kode)
    body: dict[str, Any] = {
        "contest": own.contest_doc(contest), "kode": kode, "nama": _name(scope, kode), "tingkat": tier.value,
        "formulir": TIER_NAMES[tier], "keterangan": RECAP_NOTE,
        "status": current.status if current else NOT_RECORDED,
        "sah_hasil_resmi": kode in top_tiers(scope) and current is not None and current.locked,
        "hasil_ditetapkan": certified(conn, scope),
        "record": current.summary() if current else None,
        "riwayat": recap.history(conn, contest.key, kode),
    }
    expected = rows_of(scope, kode)
    statuses = recap.statuses(conn, contest.key)
    if current is None:
        body["rows"] = [{"kode": child, "nama": _name(scope, child),
                         "status_tingkat_bawah": _lower_status(scope, kode, child, statuses)} for child in expected]
        body["total"] = None
    else:
        comparisons = compare_tier(conn, scope, current, records)
        keys = {k for c in comparisons for k in (*c.recorded.votes, *c.publication.votes)}
        body["label_suara"] = dict(sorted(vote_labels(reference, contest, keys).items(),
                                          key=lambda kv: vote_key_order(kv[0])))
        body["rows"] = [{
            "kode": c.child, "nama": _name(scope, c.child), "rekapitulasi": c.recorded.as_dict(),
            "publikasi": c.publication.as_dict(), "selisih_publikasi": c.against_publication.as_dict(),
            "tingkat_bawah": _figures_doc(c.lower),
            "selisih_tingkat_bawah": c.against_lower.as_dict() if c.against_lower else None,
            "status_tingkat_bawah": _lower_status(scope, kode, c.child, statuses)} for c in comparisons]
        body["total"] = figures_total(current.rows.values()).as_dict()
    return own.envelope(tally_seq, moment, **body)


def _lower_status(scope: ContestScope, kode: str, child: str, statuses: dict[str, str]) -> str | None:
    needed = prerequisites(scope, kode, child)
    if not needed:
        return None
    found = [statuses.get(code, NOT_RECORDED) for code in needed]
    if all(s == recap.LOCKED for s in found):
        return recap.LOCKED
    if all(s == NOT_RECORDED for s in found):
        return NOT_RECORDED
    return recap.RECORDED if NOT_RECORDED not in found else PARTLY  # overseas: some PPLN still to come


@dataclass(frozen=True)
class Discrepancy:
    contest: str
    tingkat: str
    kode: str  # the tier that recorded it
    child: str  # the row
    difference: Difference

    def as_dict(self, scope: ContestScope) -> dict[str, Any]:
        return {"tingkat": self.tingkat, "kode": self.kode, "nama": _name(scope, self.kode), "baris": self.child,
                "nama_baris": _name(scope, self.child), **self.difference.as_dict()}


def discrepancies(conn: Connection, reference: Reference, contest_key: str, kode: str) -> list[Discrepancy]:
    """Every row of every tier inside a region whose figures differ from the publication's or the
    tier below's, largest first (by the sum of absolute vote differences). A region no plenary
    sits at (a desa, a station, the overseas branch) also has the rows about it of the tier that
    records it: a desa's are its kecamatan's rows about the desa."""
    contest, scope = _contest_scope_any(reference, contest_key, kode)
    records = _all_records(conn, contest.key, kode)
    compared = list(records.values())
    enclosing = _enclosing_tier(scope, kode)
    above = recap.current_record(conn, contest.key, enclosing) if enclosing != kode else None
    if above is not None:  # the tiers its rows about kode rest on lie inside kode (a PPLN under 99)
        compared.append(above)
    found = []
    for record in compared:
        for comparison in compare_tier(conn, scope, record, records):
            if record.kode == enclosing != kode and not comparison.child.startswith(kode):
                continue
            for difference in (comparison.against_publication, comparison.against_lower):
                if difference is not None and difference.differences:
                    found.append(Discrepancy(contest.key, record.tingkat, record.kode, comparison.child, difference))
    found.sort(key=lambda d: (-d.difference.size, d.kode, d.child, d.difference.against))
    return found


def _enclosing_tier(scope: ContestScope, kode: str) -> str:
    """The region whose tier records kode's figures: kode itself where a plenary sits, else the
    nearest region above with one (the nation for the overseas branch)."""
    code = kode
    while code != NATIONAL and not has_tier(scope, code):
        code = parent_of(code)
    return code


def _contest_scope_any(reference: Reference, contest_key: str, kode: str) -> tuple[Contest, ContestScope]:
    """A contest and a region it covers, with or without a tier of its own (a desa's discrepancies
    are those of its kecamatan's rows about it)."""
    try:
        contest = reference.contest(contest_key)
    except LookupError as exc:
        raise RecapRefused(404, "unknown_contest", str(exc)) from None
    scope = reference.scope(contest)
    if kode != NATIONAL and not scope.covers(kode):
        raise RecapRefused(404, "unknown_region", f"wilayah {kode} tidak ada dalam {contest.key}")
    return contest, scope


def discrepancy_document(conn: Connection, reference: Reference, contest_key: str, kode: str, limit: int,
                         offset: int) -> dict[str, Any]:
    contest, scope = _contest_scope_any(reference, contest_key, kode)
    tally_seq, _, moment = tally_point(conn)
    found = discrepancies(conn, reference, contest_key, kode)
    keys = {k for d in found[offset:offset + limit] for k in d.difference.differences}
    return own.envelope(tally_seq, moment, contest=contest.key, kode=kode, nama=_name(scope, kode) if kode != NATIONAL
                        else "Nasional", keterangan=RECAP_NOTE, jumlah=len(found), offset=offset, limit=limit,
                        hasil_ditetapkan=certified(conn, scope),
                        label_suara=vote_labels(reference, contest, keys),
                        selisih=[d.as_dict(scope) for d in found[offset:offset + limit]])


CSV_COLUMNS = ("tingkat", "kode", "nama", "baris", "nama_baris", "terhadap", "besar", "kunci", "selisih")


def discrepancy_csv(conn: Connection, reference: Reference, contest_key: str, kode: str) -> bytes:
    """The same report as CSV: one line per differing figure."""
    _, scope = _contest_scope_any(reference, contest_key, kode)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for d in discrepancies(conn, reference, contest_key, kode):
        doc = d.as_dict(scope)
        for key, value in d.difference.differences.items():
            writer.writerow((doc["tingkat"], doc["kode"], doc["nama"], doc["baris"], doc["nama_baris"], doc["terhadap"],
                             doc["besar"], key, value))
    return out.getvalue().encode()


def tier_exists(reference: Reference, contest: Contest, kode: str) -> bool:
    return has_tier(reference.scope(contest), kode)


def publication_record(conn: Connection, reference: Reference, contest_key: str, kode: str) -> dict[str, Any]:
    """A D Hasil line (the import file's shape) whose rows are what the published forms add up to:
    what a plenary that found nothing to change would record. Used by `suara synth --recap` and the
    demo's night, and by tests."""
    contest, scope = recap.contest_scope(reference, contest_key, kode)
    children = rows_of(scope, kode)
    published = publication_figures(conn, scope, kode, children)
    book = reference.book

    def caleg_id(dapil: str, party: str, nomor: str) -> str | None:
        found = book.candidate(contest.kind, dapil, party, nomor) if book is not None else None
        return None if found is None else found.id

    return {"contest": contest.key, "tingkat": tier_of(kode).value, "kode": kode,
            "rows": {child: row_doc(contest, published[child], caleg_id) for child in children}}
