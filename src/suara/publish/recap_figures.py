"""The certified figures of a contest, region by region, for exports that give the official result
(the NIST report of a certified contest).

A region's certified figure is what the tier above recorded for it as a row: a desa as its
kecamatan recorded it, a kecamatan as its kab/kota did, and so on up; the top of the contest (the
nation, or the province or kab/kota that certifies a regional contest) is its own tier's total.
Abroad each PPLN records its stations, and KPU RI the overseas branch as a whole, so a PPLN's area
is its own tier's total and the levels between it and its stations the sum of their rows. A
domestic TPS has no certified figure: the recapitulation starts from the desa.

For a party-list contest each whole dapil also gets the sum of its member regions (under its
rollup code, as the tally keeps it), when every member has a figure.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection

from suara.domain.ballots import BallotBook
from suara.domain.elections import ContestScope
from suara.domain.recap import RowFigures, Tingkat, figures_total, top_tiers
from suara.domain.regions import CODE_LENGTHS, NATIONAL
from suara.domain.tally import dapil_rollup_code
from suara.store.recap import records_within

BETWEEN_PPLN_AND_STATIONS = (CODE_LENGTHS[3], CODE_LENGTHS[4])


def certified_figures(conn: Connection, scope: ContestScope, book: BallotBook | None = None) -> dict[str, RowFigures]:
    """kode -> figures of every region (and station abroad) the contest's current records give."""
    records = {r.kode: r for r in records_within(conn, scope.contest.key, NATIONAL)}
    found: dict[str, RowFigures] = {}
    for record in records.values():
        found.update(record.rows)
    for top in top_tiers(scope):
        if top in records:
            found[top] = figures_total(records[top].rows.values())
    for record in records.values():
        if record.tingkat != Tingkat.PPLN.value:
            continue
        found.setdefault(record.kode, figures_total(record.rows.values()))
        between: dict[str, list[RowFigures]] = defaultdict(list)
        for station, figures in record.rows.items():
            for length in BETWEEN_PPLN_AND_STATIONS:
                between[station[:length]].append(figures)
        for code, rows in between.items():
            found.setdefault(code, figures_total(rows))
    if book is not None and scope.contest.is_party_list:
        for dapil in book.dapil_map.dapils(scope.contest.kind):
            members = book.dapil_map.regions_of(scope.contest.kind, dapil.kode)
            if members and all(m in found for m in members):
                found[dapil_rollup_code(dapil.kode)] = figures_total(found[m] for m in members)
    return found
