"""The party-list contests of the Sirekap-compatible tree (DPR, DPRD provinsi, DPRD kab/kota):
parties, candidate lists, dapil lists, the party TPS document and the documents by dapil.

Everything is keyed by the party's ballot number ("1".."24"), never by id_partai, and a
candidate by KPU's candidate id; the rollups keep a candidate as "dapil.party.nomor", which the
ballot book turns back into the id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from suara.domain.ballots import BallotBook
from suara.domain.contests import Contest
from suara.domain.dapil import Caleg, Dapil, Partai
from suara.domain.localtime import wib_text
from suara.domain.regions import NATIONAL
from suara.domain.tally import Totals, candidate_key, party_only_key
from suara.publish.sirekap import administrasi, pages, persen
from suara.tally.queries import CurrentVersion

ACEH = "11"
DPR_DAPIL_ID_BASE = 5000  # KPU numbered the 84 DPR dapil from 5001 (ACEH I) in code order


def parties_doc(book: BallotBook, moment: datetime) -> dict[str, Any]:
    ts = wib_text(moment)
    return {str(p.nomor_urut): {"ts": ts, "id_partai": int(p.id_partai), "id_pilihan": p.nomor_urut,
                                "is_aceh": p.aceh_local, "nama": p.nama, "nama_lengkap": p.nama_lengkap,
                                "nomor_urut": p.nomor_urut, "warna": p.warna}
            for p in sorted(book.parties.values(), key=lambda p: p.nomor_urut)}


def _person(c: Caleg) -> dict[str, Any]:
    # The candidate files carry no residence; tools that read tempat_tinggal get null.
    return {"nama": c.nama, "nomor_urut": c.nomor_urut, "jenis_kelamin": c.jenis_kelamin, "tempat_tinggal": None}


def caleg_doc(book: BallotBook, standing: Mapping[str, Sequence[Caleg]]) -> dict[str, Any]:
    """Every party by number: its list in the dapil keyed by candidate id, or null where it has none."""
    return {str(n): ({c.id: _person(c) for c in standing[str(n)]} if str(n) in standing else None)
            for n in sorted(book.parties)}


def dpd_caleg_doc(candidates: Sequence[Caleg]) -> dict[str, Any]:
    return {c.id: _person(c) for c in candidates}


def dapil_dpr_doc(dapils: Sequence[Dapil]) -> list[dict[str, Any]]:
    return [{"nama": d.nama, "id": DPR_DAPIL_ID_BASE + i, "kode": d.kode}
            for i, d in enumerate(sorted(dapils, key=lambda d: d.kode), start=1)]


def dapil_list_doc(dapils: Sequence[Dapil]) -> list[dict[str, Any]]:
    """DPRD dapil of a province or kab/kota (KPU's shape inferred: id_dapil is the code as a number)."""
    return [{"id_dapil": int(d.kode), "kode_dapil": d.kode, "nama_dapil": d.nama}
            for d in sorted(dapils, key=lambda d: d.kode)]


def region_parties(book: BallotBook, contest: Contest, kode: str) -> list[tuple[str, str]]:
    """The parties a region's chart shows: the contest's, with Aceh's local parties only in Aceh
    (and in the nation's total of a DPRD contest, which includes Aceh)."""
    keys = []
    for c in contest.candidates:
        party: Partai | None = book.parties.get(c.nomor_urut)
        if party is not None and party.aceh_local and not (kode == NATIONAL or kode.startswith(ACEH)):
            continue
        keys.append((str(c.nomor_urut), str(c.nomor_urut)))
    return keys


def tps_doc(version: CurrentVersion | None, kode_dapil: str | None, standing: Mapping[str, Sequence[Caleg]],
            images: Sequence[str | None], page_count: int, moment: datetime) -> dict[str, Any]:
    """One TPS of a party-list contest: per party its total and party-only votes, per candidate
    (by id) its votes. No `mode` key: tools that reject unknown keys accept this shape without it."""
    chart: dict[str, Any] | None = None
    caleg: dict[str, Any] | None = None
    adm = None
    ts = wib_text(moment)
    if version is not None:
        partai = version.form.get("partai", {})
        order = list(standing) + [p for p in sorted(partai, key=int) if p not in standing]
        chart, caleg = {}, {}
        for party in order:
            block = partai.get(party, {})
            chart[party] = {"jml_suara_total": block.get("jumlah"), "jml_suara_partai": block.get("suara_partai")}
            votes = block.get("caleg", {})
            caleg[party] = {c.id: votes.get(str(c.nomor_urut)) for c in standing.get(party, ())}
        adm = administrasi(version.form)
        ts = wib_text(version.submitted_at)
        kode_dapil = version.form.get("dapil", kode_dapil)
    return {"chart": chart, "kode_dapil": kode_dapil, "caleg": caleg, "images": pages(images, page_count),
            "administrasi": adm, "psu": None, "ts": ts, "status_suara": chart is not None,
            "status_adm": adm is not None}


# One dapil beside its siblings: (dapil code, parties standing there, its rollup, its TPS).
DapilRow = tuple[str, Sequence[str], Totals, int]


def dapils_doc(parties: Sequence[str], own: Totals, tps_total: int, rows: Sequence[DapilRow],
               moment: datetime) -> dict[str, Any]:
    """The dapil of a region side by side (/pemilu/hhcd/pdpr/0.json): the region's party totals
    (no persen), one row per dapil with its standing parties and its progress; null for a dapil
    with no data yet (tools accept a null row)."""
    table: dict[str, Any] = {}
    for kode, standing, totals, total in sorted(rows, key=lambda r: r[0]):
        table[kode] = ({**{p: totals.votes.get(p, 0) for p in standing},
                        "persen": persen(totals.tps_reported, total)} if totals.tps_reported else None)
    return {"ts": wib_text(moment), "mode": "hhcw", "chart": {p: own.votes.get(p, 0) for p in parties},
            "table": table, "progres": {"total": tps_total, "progres": own.tps_reported}}


def dapil_doc(kode_dapil: str, standing: Mapping[str, Sequence[Caleg]], own: Totals, tps_total: int,
              moment: datetime) -> dict[str, Any]:
    """One dapil by party and candidate: only the parties standing there; a party without
    candidates has only its two totals. chart[party] == table[party].jml_suara_total."""
    chart: dict[str, Any] = {}
    table: dict[str, Any] = {}
    for party, caleg in standing.items():
        total = own.votes.get(party, 0)
        chart[party] = total
        table[party] = {**{c.id: own.votes.get(candidate_key(kode_dapil, party, str(c.nomor_urut)), 0)
                           for c in caleg},
                        "jml_suara_total": total, "jml_suara_partai": own.votes.get(party_only_key(party), 0)}
    chart["persen"] = persen(own.tps_reported, tps_total)
    return {"ts": wib_text(moment), "mode": "hhcw", "chart": chart, "table": table,
            "progres": {"total": tps_total, "progres": own.tps_reported}}
