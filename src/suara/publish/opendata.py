"""Open data as CSV: every TPS of a region with every form field and flag ids, and one row per
child region with the figures the results pages show."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from suara.domain.contests import Contest
from suara.domain.form import ADMINISTRASI_KEYS
from suara.domain.localtime import utc_text
from suara.domain.percent import percent
from suara.domain.regions import Region, RegionTree
from suara.domain.tally import Totals
from suara.tally.queries import CurrentVersion


def _csv(header: Sequence[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def tps_csv(contest: Contest, tree: RegionTree, kode: str, versions: Mapping[str, CurrentVersion]) -> bytes:
    """One row per TPS of the region, with data or not, every field of its current form."""
    numbers = [str(c.nomor_urut) for c in contest.candidates]
    header = (["kode_tps", "nama_tps", "kode_desa", "nama_desa", "kode_kecamatan", "kode_kabkota", "kode_provinsi",
               "pemilihan", "ada_data", "versi", "waktu_kirim_utc"] + [f"suara_paslon_{n}" for n in numbers]
              + ["suara_sah", "suara_tidak_sah", "suara_total", *ADMINISTRASI_KEYS, "catatan_aturan"])
    rows: list[list[object]] = []
    for tps in tree.tps_of(kode):
        desa = tree.get(tps[:10])
        base: list[object] = [tps, f"TPS {tps[10:]}", desa.kode, desa.nama, tps[:6], tps[:4], tps[:2], contest.key]
        version = versions.get(tps)
        if version is None:
            rows.append(base + [0, "", ""] + [""] * (len(header) - len(base) - 3))
            continue
        form = version.form
        adm = form.get("administrasi") or {}
        rows.append(base + [1, version.version_no, utc_text(version.submitted_at)]
                    + [form["suara"].get(n, "") for n in numbers]
                    + [form["suara_sah"], form["suara_tidak_sah"], form["suara_total"]]
                    + [adm.get(k, "") for k in ADMINISTRASI_KEYS]
                    + [";".join(sorted({f["rule"] for f in version.flags}, key=lambda r: int(r[1:])))])
    return _csv(header, rows)


def children_csv(contest: Contest, children: Sequence[Region], totals: Mapping[str, Totals]) -> bytes:
    """One row per child region: votes and shares, progress, flagged TPS, turnout."""
    numbers = [str(c.nomor_urut) for c in contest.candidates]
    header = (["kode", "nama", "tingkat", "pemilihan"] + [f"suara_paslon_{n}" for n in numbers]
              + [f"persen_paslon_{n}" for n in numbers]
              + ["suara_sah", "suara_tidak_sah", "suara_total", "tps_masuk", "tps_total", "persen_tps_masuk",
                 "tps_bercatatan", "pemilih_dpt_tps_lengkap", "pengguna_total_tps_lengkap"])
    rows: list[list[object]] = []
    for region in children:
        t = totals[region.kode]
        counted = sum(t.votes.get(n, 0) for n in numbers)
        rows.append([region.kode, region.nama, region.tingkat, contest.key]
                    + [t.votes.get(n, 0) for n in numbers]
                    + [percent(t.votes.get(n, 0), counted, 2) if counted else "" for n in numbers]
                    + [t.suara_sah, t.suara_tidak_sah, t.suara_total, t.tps_reported, region.tps_total,
                       percent(t.tps_reported, region.tps_total, 5), t.tps_flagged, t.pemilih_dpt, t.pengguna_total])
    return _csv(header, rows)
