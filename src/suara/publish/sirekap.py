"""The Sirekap-compatible tree (shared/spec/sirekap-api.md): KPU's shapes, exactly.

Scrapers and dashboards written against KPU's publication read these documents unchanged;
only the host differs. This module holds the shapes shared by every contest (region lists,
candidates) and those of the candidate-pair contests: PPWP and DPD (Pemilu shape) and the
Pilkada races (votes nested under `tungsura`). Party-list shapes are in sirekap_legislative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from suara.domain.contests import Contest
from suara.domain.localtime import wib_text
from suara.domain.percent import percent
from suara.domain.tally import Totals
from suara.tally.queries import CurrentVersion

ADMINISTRASI_FIELDS = ("suara_sah", "suara_total") + tuple(
    f"{group}_{sex}" for group in ("pemilih_dpt", "pengguna_dpt", "pengguna_dptb") for sex in ("j", "l", "p")) + (
    "suara_tidak_sah",) + tuple(f"{group}_{sex}" for group in ("pengguna_total", "pengguna_non_dpt")
                                for sex in ("j", "l", "p"))
SUMS = ("suara_sah", "suara_total", "suara_tidak_sah")
PSU = "Reguler"  # the vote was held as planned: no re-vote (Pemungutan Suara Ulang) anywhere yet

# One row of a region's table: the child's code, its totals and its TPS on the contest's list.
Row = tuple[str, Totals, int]
# (key as published, key in the rollup's votes): ('100025', '1') for PPWP, ('1', '1') for a party.
Keys = Sequence[tuple[str, str]]


def persen(part: int, whole: int) -> float:
    """Progress as KPU shows it: progres / total * 100, two decimals."""
    return float(percent(part, whole, 2))


def sort_by_nama(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """KPU sorts region lists by name in byte order: 'LAMPUNG' < 'Luar Negeri' < 'MALUKU',
    'KSK 001' < 'POS 001' < 'TPS 001'; the code breaks a tie so the order is stable."""
    return sorted(entries, key=lambda e: (e["nama"].encode(), e["kode"]))


def region_entry(nama: str, region_id: int, kode: str, tingkat: int) -> dict[str, Any]:
    return {"nama": nama, "id": region_id, "kode": kode, "tingkat": tingkat}


def candidates_doc(contest: Contest, moment: datetime) -> dict[str, Any]:
    ts = wib_text(moment)
    return {c.id: {"ts": ts, "nama": c.nama, "warna": c.warna, "nomor_urut": c.nomor_urut} for c in contest.candidates}


def pilkada_candidates_doc(contests: Sequence[Contest], moment: datetime) -> dict[str, Any]:
    return {c.region: candidates_doc(c, moment) for c in sorted(contests, key=lambda c: c.region)}


def paslon_keys(contest: Contest) -> list[tuple[str, str]]:
    return [(c.id, str(c.nomor_urut)) for c in contest.candidates]


def chart_of(keys: Keys, totals: Totals) -> dict[str, int]:
    return {out: totals.votes.get(vote, 0) for out, vote in keys}


def region_doc(keys: Keys, own: Totals, tps_total: int, rows: Sequence[Row], moment: datetime,
               chart_persen: bool = True) -> dict[str, Any]:
    """A region of the Pemilu tree (PPWP, DPD; parties with chart_persen False, since one tool
    looks every chart key up in partai.json). Rows come in code order."""
    table: dict[str, dict[str, Any]] = {}
    for kode, totals, child_total in sorted(rows, key=lambda r: r[0]):
        if totals.tps_reported:
            table[kode] = {"psu": PSU, **chart_of(keys, totals), "persen": persen(totals.tps_reported, child_total),
                           "status_progress": True}
        else:
            table[kode] = {"psu": PSU, "persen": 0.0, "status_progress": False}
    chart: dict[str, Any] = chart_of(keys, own)
    if chart_persen:
        chart["persen"] = persen(own.tps_reported, tps_total)
    return {"ts": wib_text(moment), "psu": PSU, "mode": "hhcw", "chart": chart, "table": table,
            "progres": {"total": tps_total, "progres": own.tps_reported}}


def progres(reported: int, total: int) -> dict[str, Any]:
    return {"total": total, "persen": persen(reported, total), "progres": reported}


def pilkada_row(keys: Keys, totals: Totals, tps_total: int) -> dict[str, Any]:
    row: dict[str, Any] = {"psu": PSU}
    if totals.tps_reported:
        row.update(chart_of(keys, totals))
    row.update(progres=progres(totals.tps_reported, tps_total), status_progress=bool(totals.tps_reported))
    return row


def pilkada_doc(chart: dict[str, Any], table: dict[str, Any], reported: int, tps_total: int,
                moment: datetime) -> dict[str, Any]:
    return {"mode": "hhcw", "tungsura": {"chart": {**chart, "progres": progres(reported, tps_total)}, "table": table},
            "psu": PSU, "progres": {"total": tps_total, "progres": reported}, "ts": wib_text(moment)}


def pilkada_region_doc(contest: Contest, own: Totals, tps_total: int, rows: Sequence[Row],
                       moment: datetime) -> dict[str, Any]:
    keys = paslon_keys(contest)
    table = {kode: pilkada_row(keys, totals, total) for kode, totals, total in sorted(rows, key=lambda r: r[0])}
    return pilkada_doc(chart_of(keys, own), table, own.tps_reported, tps_total, moment)


def pilkada_races_doc(races: Sequence[tuple[Contest, Totals, int]], moment: datetime) -> dict[str, Any]:
    """A province's bupati/walikota races side by side: a row per race with its own paslon; the
    chart holds only progress, since the races have different candidates."""
    table = {c.region: pilkada_row(paslon_keys(c), totals, total) for c, totals, total in races}
    reported = sum(t.tps_reported for _, t, _ in races)
    return pilkada_doc({}, table, reported, sum(total for _, _, total in races), moment)


def administrasi(form: Mapping[str, Any]) -> dict[str, int | None] | None:
    """Section I-II and the sums as KPU keys them; None when the form has no section I-II."""
    adm = form.get("administrasi")
    if not adm:
        return None
    return {k: form.get(k) if k in SUMS else adm.get(k) for k in ADMINISTRASI_FIELDS}


def pages(images: Sequence[str | None], count: int) -> list[str | None]:
    return (list(images) + [None] * count)[:count]


def tps_doc(contest: Contest, version: CurrentVersion | None, images: Sequence[str | None],
            moment: datetime) -> dict[str, Any]:
    """One TPS of a candidate-pair contest. A form with no photos still counts as reported:
    status_suara says the votes are there, whatever the images."""
    chart: dict[str, Any] | None = None
    adm = None
    ts = wib_text(moment)
    if version is not None:
        votes = version.form["suara"]
        chart = {c.id: votes.get(str(c.nomor_urut)) for c in contest.candidates}
        adm = administrasi(version.form)
        ts = wib_text(version.submitted_at)
    photos = pages(images, contest.info.pages)
    if contest.info.election_kind == "pilkada":
        return {"mode": "hhcw", "tungsura": {"chart": chart, "administrasi": adm}, "psu": PSU,
                "status_suara": chart is not None, "status_adm": adm is not None, "images": photos, "ts": ts}
    # KPU's chart starts with "null": null; tools skip that key, and some expect it
    return {"mode": "hhcw", "chart": None if chart is None else {"null": None, **chart}, "images": photos,
            "administrasi": adm, "psu": None, "ts": ts, "status_suara": chart is not None,
            "status_adm": adm is not None}
