"""The anomaly document of a region (/api/v1/anomalies/{contest}/{kode}): every TPS a screen
queues, page by page, each with all its screens and their statistics; the region screens of the
region and of every flagged region inside it; the fingerprint; the screens' explanations with
the thresholds in force; and, beside the counted totals, the monitor's view without the queued
TPS, labelled as such."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from suara.domain.anomalies import SCREENS, RegionScreening, RegionTest, Target, sums_doc
from suara.domain.anomalies.fingerprint import BINS
from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.regions import LEVEL_NAMES, Region
from suara.publish import own
from suara.publish.routes import FRESHNESS, Builder, Built, NotFound, _contest, _point, _scope
from suara.services.anomalies import AnomalyScreens
from suara.store.reference import Reference

LABEL = {"id": "Layar anomali: antrean TPS dan wilayah untuk diperiksa ulang, bukan putusan kecurangan.",
         "en": "Anomaly screens: a queue of TPS and regions to review, not a finding of fraud."}
MONITOR_LABEL = {"id": "Pandangan pemantau, bukan hasil resmi: jumlah tanpa TPS dalam antrean di atas.",
                 "en": "A monitor's view, not the official result: the totals without the TPS queued above."}
COUNTED_LABEL = {"id": "Hitungan formulir C Hasil (publikasi awal), semua TPS yang sudah masuk.",
                 "en": "Count of the C Hasil forms (preliminary publication), every TPS reported so far."}
MAX_PER_PAGE = 500


def screens_doc(thresholds: Mapping[str, float], counts: Mapping[str, int]) -> list[dict[str, Any]]:
    return [{"id": s.id, "queues": s.target.value, "nama": {"id": s.nama_id, "en": s.nama_en},
             "penjelasan": s.explain(thresholds[s.id]), "threshold": thresholds[s.id], "default_threshold": s.default,
             "unit": {"id": s.satuan_id, "en": s.unit_en}, "sources": list(s.sources), "count": counts.get(s.id, 0)}
            for s in SCREENS.values()]


def _region_test_doc(test: RegionTest, scope: ContestScope, keys: tuple[str, ...]) -> dict[str, Any]:
    region = scope.tree.get(test.kode)
    return {"kode": test.kode, "nama": region.nama, "tingkat": region.tingkat,
            "tingkat_nama": LEVEL_NAMES[region.tingkat], "screens": list(test.screens),
            "leader": keys[test.leader] if test.leader is not None else None,
            "digit_tests": [d.as_dict() for d in test.digits], "fingerprint_corner": test.corner.as_dict()}


def anomalies_doc(contest: Contest, scope: ContestScope, region: Region, screening: RegionScreening,
                  thresholds: Mapping[str, float], page: int, per_page: int, screen: str | None,
                  tally_seq: int, moment: datetime) -> dict[str, Any]:
    keys = screening.keys
    queue = screening.queue(screen) if screen is None or SCREENS[screen].target is Target.TPS else []
    pages = max(1, -(-len(queue) // per_page))
    if page > pages:
        raise NotFound("no_page", f"halaman {page} tidak ada: antrean ini {pages} halaman ({len(queue)} TPS)")
    shown = queue[(page - 1) * per_page: page * per_page]
    items = [{**own.station_ref(scope.tree, f.figures.tps),
              "desa": {"kode": f.figures.desa, "nama": scope.tree.get(f.figures.desa).nama},
              "screens": [{"id": h.screen, "values": dict(h.values)} for h in f.hits],
              "record": f"/api/v1/tps/{contest.key}/{f.figures.tps}"} for f in shown]
    tests = [t for i, t in enumerate(screening.tests)
             if (i == 0 and t.kode == region.kode) or (t.screens and (screen is None or screen in t.screens))]
    leader = screening.leader
    names = {str(c.nomor_urut): c.nama for c in contest.candidates}
    return own.envelope(
        tally_seq, moment, label=LABEL, contest=own.contest_doc(contest),
        region=own.region_ref(region, scope.tps_total(region.kode)),
        breadcrumbs=own.breadcrumbs(scope.tree, region.kode), thresholds=dict(thresholds),
        screens=screens_doc(thresholds, screening.screen_counts()),
        flagged_tps={"total": len(queue), "screen": screen, "page": page, "per_page": per_page, "pages": pages,
                     "items": items},
        regions=[_region_test_doc(t, scope, keys) for t in tests],
        fingerprint={"bins": BINS, "leader": keys[leader] if leader is not None else None,
                     "leader_nama": names.get(keys[leader]) if leader is not None else None,
                     "rows": "perolehan calon teratas (leader's share), 0-100% in bins of 2 points",
                     "columns": "partisipasi (turnout), 0-100% in bins of 2 points; above 100% in the last",
                     "counts": screening.fingerprint.tolist()},
        counted={"label": COUNTED_LABEL, **sums_doc(screening.counted, keys)},
        monitor_view={"label": MONITOR_LABEL, "excluded_tps": len(queue), **sums_doc(screening.without(queue), keys)})


def anomalies(reference: Reference, screens: AnomalyScreens, contest_key: str, kode: str, page: int = 1,
              per_page: int = 100, screen: str | None = None) -> Builder:
    contest = _contest(reference, contest_key)
    scope, region = _scope(reference, contest, kode)
    if screen is not None and screen not in SCREENS:
        raise NotFound("unknown_screen", f"layar anomali tidak dikenal: {screen!r}")
    # a desa's TPS are judged against their kecamatan, so the kecamatan's changes move it
    depends = region.kode[:6] if region.tingkat > 3 else region.kode

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        screening = screens.screening(conn, contest, region.kode, seq)
        doc = anomalies_doc(contest, scope, region, screening, screens.thresholds, page, per_page, screen, seq, moment)
        return Built(doc, (contest.key, depends), FRESHNESS[region.tingkat], seq)
    return build


def document_key(contest: str, kode: str, page: int, per_page: int, screen: str | None) -> str:
    """The publisher's key: the bare path for the first page as it comes without a query (which
    the fast path serves), the query spelt out in one order otherwise."""
    base = f"api/v1/anomalies/{contest}/{kode}"
    if page == 1 and per_page == 100 and screen is None:
        return base
    return f"{base}?page={page}&per_page={per_page}" + (f"&screen={screen}" if screen else "")
