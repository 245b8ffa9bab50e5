"""The Sirekap-compatible tree (shared/spec/sirekap-api.md): KPU's paths and shapes, exactly.

Scrapers and dashboards written against KPU's publication read these documents unchanged;
only the host differs. Pemilu (ppwp) and Pilkada (pkwkp, pkwkk) differ in their shapes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from suara.domain.contests import Contest
from suara.domain.form import PERSON_GROUPS
from suara.domain.localtime import wib_text
from suara.domain.percent import percent
from suara.domain.regions import Region
from suara.domain.tally import Totals
from suara.tally.queries import CurrentVersion

ADMINISTRASI_FIELDS = ("suara_sah", "suara_total", "suara_tidak_sah") + tuple(
    f"{group}_{sex}" for group in PERSON_GROUPS for sex in ("j", "l", "p"))
PSU_PILKADA = "Reguler"


def _persen(part: int, whole: int) -> float:
    return float(percent(part, whole, 5))


def candidates_doc(contest: Contest, moment: datetime) -> dict[str, Any]:
    ts = wib_text(moment)
    return {c.id: {"ts": ts, "nama": c.nama, "warna": c.warna, "nomor_urut": c.nomor_urut} for c in contest.candidates}


def pilkada_candidates_doc(contests: Sequence[Contest], moment: datetime) -> dict[str, Any]:
    return {c.region: candidates_doc(c, moment) for c in contests}


def wilayah_doc(children: Sequence[Region]) -> list[dict[str, Any]]:
    return [{"nama": r.nama, "id": int(r.kode), "kode": r.kode, "tingkat": r.tingkat} for r in children]


def wilayah_tps_doc(tps_codes: Sequence[str]) -> list[dict[str, Any]]:
    return [{"nama": f"TPS {code[10:]}", "id": int(code), "kode": code, "tingkat": 5} for code in tps_codes]


def _chart(contest: Contest, totals: Totals) -> dict[str, int]:
    return {c.id: totals.votes.get(str(c.nomor_urut), 0) for c in contest.candidates}


def _rows(contest: Contest, children: Sequence[tuple[str, Totals, int]]) -> dict[str, dict[str, Any]]:
    """One table row per child: (kode, totals, tps_total)."""
    table: dict[str, dict[str, Any]] = {}
    for kode, totals, tps_total in children:
        if totals.tps_reported:
            table[kode] = {**_chart(contest, totals), "psu": None,
                           "persen": _persen(totals.tps_reported, tps_total), "status_progress": True}
        else:
            table[kode] = {"psu": None, "persen": 0.0, "status_progress": False}
    return table


def hhcw_doc(contest: Contest, own: Totals, tps_total: int, children: Sequence[tuple[str, Totals, int]],
             moment: datetime) -> dict[str, Any]:
    if contest.kind != "ppwp":
        return _pilkada_hhcw(contest, own, tps_total, children, moment)
    return {"mode": "hhcw",
            "chart": {**_chart(contest, own), "persen": _persen(own.tps_reported, tps_total)},
            "progres": {"total": tps_total, "progres": own.tps_reported},
            "table": _rows(contest, children), "psu": None, "ts": wib_text(moment)}


def _progres(totals: Totals, tps_total: int) -> dict[str, Any]:
    return {"total": tps_total, "persen": _persen(totals.tps_reported, tps_total), "progres": totals.tps_reported}


def _pilkada_hhcw(contest: Contest, own: Totals, tps_total: int, children: Sequence[tuple[str, Totals, int]],
                  moment: datetime) -> dict[str, Any]:
    table = {}
    for kode, totals, child_total in children:
        row: dict[str, Any] = {"psu": PSU_PILKADA}
        if totals.tps_reported:
            row.update(_chart(contest, totals))
        row.update(progres=_progres(totals, child_total), status_progress=bool(totals.tps_reported))
        table[kode] = row
    return {"mode": "hhcw",
            "tungsura": {"chart": {**_chart(contest, own), "progres": _progres(own, tps_total)}, "table": table},
            "psu": PSU_PILKADA, "progres": {"total": tps_total, "progres": own.tps_reported}, "ts": wib_text(moment)}


def _administrasi(form: Mapping[str, Any]) -> dict[str, int | None]:
    adm = form.get("administrasi") or {}
    return {k: form[k] if k in ("suara_sah", "suara_total", "suara_tidak_sah") else adm.get(k)
            for k in ADMINISTRASI_FIELDS}


def tps_doc(contest: Contest, version: CurrentVersion | None, images: Sequence[str | None], moment: datetime) -> dict[str, Any]:
    pages = list(images) + [None] * (3 - len(images))
    chart = administrasi = None
    if version is not None:
        chart = {c.id: version.form["suara"].get(str(c.nomor_urut), 0) for c in contest.candidates}
        administrasi = _administrasi(version.form)
        ts = wib_text(version.submitted_at)
    else:
        ts = wib_text(moment)
    status_adm = bool(version is not None and version.form.get("administrasi"))
    if contest.kind == "ppwp":
        return {"mode": "tps", "chart": chart, "images": pages[:3], "administrasi": administrasi, "psu": None,
                "ts": ts, "status_suara": version is not None, "status_adm": status_adm}
    return {"mode": "tps", "tungsura": {"chart": chart, "administrasi": administrasi}, "psu": PSU_PILKADA,
            "status_suara": version is not None, "status_adm": status_adm, "images": pages[:3], "ts": ts}
