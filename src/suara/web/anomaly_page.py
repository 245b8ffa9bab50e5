"""The portal's anomaly page of a region, /anomali/{contest}/{kode}: the screens with their
explanations, every queued TPS page by page (each linked to its record), the region screens,
the turnout fingerprint as an image, and the monitor's view beside the counted totals. Built from
the same document the API serves (/api/v1/anomalies/...)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from suara.api.access import PUBLIC, access
from suara.domain.percent import format_id
from suara.publish.anomalies import anomalies, document_key
from suara.publish.publisher import Document, Publisher
from suara.web import i18n
from suara.web.portal import CONTEST, KODE, render
from suara.web.portal_views import station_label

router = APIRouter(tags=["portal"])
PER_PAGE = 100  # the API's default, so the first page is the document the API keeps


@router.get("/anomali/{contest}/{kode}", openapi_extra=access(PUBLIC))
async def anomaly_page(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE],
                       halaman: Annotated[int, Query(ge=1, le=100_000)] = 1,
                       layar: Annotated[str | None, Query(pattern=r"^A[1-6]$")] = None) -> Response:
    publisher: Publisher = request.app.state.publisher
    builder = anomalies(publisher.reference, request.app.state.anomalies, contest, kode, halaman, PER_PAGE, layar)
    key = document_key(contest, kode, halaman, PER_PAGE, layar)
    document: Document | None = publisher.cached(key) if "?" not in key else None
    if document is None:
        render_one = publisher.uncached if "?" in key else (lambda b: publisher.document(key, b))
        document = await run_in_threadpool(render_one, builder)
    lang = i18n.language(request)
    return render(request, "anomali.html", lambda: page_context(orjson.loads(document.body), lang, layar),
                  version=document.etag)


def _number(value: float, lang: str, places: int = 1) -> str:
    shown = format_id(value) if isinstance(value, int) else f"{value:.{places}f}".replace(".", ",")
    return shown.translate(str.maketrans(".,", ",.")) if lang == "en" else shown


def _percent(fraction: float, lang: str) -> str:
    return _number(100 * fraction, lang) + "%"


def hit_text(screen: str, values: Mapping[str, Any], lang: str) -> str:
    """One screen's statistics on one TPS, in words."""
    en = lang == "en"
    if screen == "A1":
        return ", ".join(values["aturan"])
    if screen == "A2":
        text = ("turnout " if en else "partisipasi ") + _percent(values["partisipasi"], lang)
        if values["satu_calon"]:
            text += ", every valid vote for one candidate" if en else ", semua suara sah untuk satu calon"
        return text
    if screen == "A3":
        parts = []
        for name, label in (("partisipasi", "turnout" if en else "partisipasi"),
                            ("perolehan", "share of no. " if en else "perolehan no. ")):
            stat = values.get(name)
            if stat is None:
                continue
            what = label + stat["nomor"] if name == "perolehan" else label
            parts.append(f"{what} {_percent(stat['nilai'], lang)} (median {_percent(stat['median_kecamatan'], lang)}, "
                         f"z {_number(stat['z_kecamatan'], lang)})")
        return "; ".join(parts)
    if screen == "A4":
        twins = values["mirip_dengan"]
        more = values["jumlah_mirip"] - len(twins)
        same = ("equal to " if en else "sama dengan ") if values["jarak_l1"] == 0 else (
            f"{values['jarak_l1']} votes from " if en else f"selisih {values['jarak_l1']} suara dari ")
        return same + ", ".join(twins) + (f" (+{more})" if more > 0 else "")
    return ""


def page_context(doc: Mapping[str, Any], lang: str, layar: str | None) -> dict[str, Any]:
    contest, region = doc["contest"], doc["region"]
    names = {s["id"]: s["nama"][lang] for s in doc["screens"]}
    queue = doc["flagged_tps"]
    base = f"/anomali/{contest['key']}/{region['kode']}"

    def page_href(number: int) -> str:
        query = [f"halaman={number}"] if number > 1 else []
        return base + ("?" + "&".join(query + ([f"layar={layar}"] if layar else [])) if query or layar else "")
    rows = [{"href": f"/tps/{contest['key']}/{item['kode']}", "nama": station_label(item, lang), "kode": item["kode"],
             "desa": item["desa"]["nama"],
             "screens": [{"id": s["id"], "nama": names[s["id"]], "text": hit_text(s["id"], s["values"], lang)}
                         for s in item["screens"]]} for item in queue["items"]]
    candidates = [(str(c["nomor_urut"]), c["nama"]) for c in contest["candidates"]]
    counted, monitor = doc["counted"], doc["monitor_view"]
    leader = doc["fingerprint"]["leader"]
    return {
        "contest": contest, "region": region, "crumbs": doc["breadcrumbs"], "as_of": doc["as_of"],
        "label": doc["label"][lang], "layar": layar, "base": base, "api": "/api/v1/anomalies/"
        + f"{contest['key']}/{region['kode']}" + (f"?screen={layar}" if layar else ""),
        "screens": [{**s, "nama_text": s["nama"][lang], "penjelasan_text": s["penjelasan"][lang],
                     "count_text": i18n.number(s["count"], lang), "href": base + f"?layar={s['id']}"}
                    for s in doc["screens"]],
        "rows": rows, "total": i18n.number(queue["total"], lang), "page": queue["page"], "pages": queue["pages"],
        "previous": page_href(queue["page"] - 1) if queue["page"] > 1 else None,
        "next": page_href(queue["page"] + 1) if queue["page"] < queue["pages"] else None,
        "regions": [region_row(r, contest["key"], lang) for r in doc["regions"]],
        "views": {"label": monitor["label"][lang], "counted_label": counted["label"][lang],
                  "excluded": i18n.number(monitor["excluded_tps"], lang),
                  "rows": [{"nomor": n, "nama": nama,
                            "counted": i18n.number(counted["votes"][n], lang),
                            "counted_persen": i18n.number(counted["persen"][n], lang) if counted["persen"][n] else "-",
                            "monitor": i18n.number(monitor["votes"][n], lang),
                            "monitor_persen": i18n.number(monitor["persen"][n], lang) if monitor["persen"][n] else "-"}
                           for n, nama in candidates],
                  "counted_tps": i18n.number(counted["tps"], lang), "monitor_tps": i18n.number(monitor["tps"], lang)},
        "fingerprint": fingerprint_svg(doc["fingerprint"]["counts"], leader, dict(candidates).get(leader or "", ""),
                                       lang),
    }


def region_row(test: Mapping[str, Any], contest: str, lang: str) -> dict[str, Any]:
    def digits(result: Mapping[str, Any]) -> str:
        if result["rata_rata"] is None:
            return ("not tested" if lang == "en" else "tidak diuji") + f" (n {i18n.number(result['n'], lang)})"
        low, high = result["selang"]
        return (f"{_number(result['rata_rata'], lang, 2)} [{_number(low, lang, 2)}-{_number(high, lang, 2)}], "
                f"n {i18n.number(result['n'], lang)}")
    corner = test["fingerprint_corner"]
    return {"href": f"/anomali/{contest}/{test['kode']}", "nama": test["nama"], "screens": test["screens"],
            "last": digits(test["digit_tests"][0]), "second": digits(test["digit_tests"][1]),
            "corner": (_number(corner["persen_di_pojok"], lang) + "%" if corner["diuji"] else
                       ("not tested" if lang == "en" else "tidak diuji")) + f" ({i18n.number(corner['tps_dihitung'], lang)} TPS)"}


CELL = 6
LEFT, TOP = 44, 8
PALETTE = ((247, 251, 255), (8, 48, 107))  # light to dark blue: more TPS, darker


def fingerprint_svg(counts: Sequence[Sequence[int]], leader: str | None, leader_name: str, lang: str) -> Markup:
    """The fingerprint as inline SVG: turnout across, the leader's share up, darker cells holding
    more TPS (on a log scale, so a few TPS still show beside thousands)."""
    en = lang == "en"
    bins = len(counts)
    size = bins * CELL
    peak = max((max(row) for row in counts), default=0)
    cells = []
    for share_bin, row in enumerate(counts):
        for turnout_bin, count in enumerate(row):
            if not count:
                continue
            weight = math.log1p(count) / math.log1p(peak)
            r, g, b = (round(lo + (hi - lo) * (0.25 + 0.75 * weight)) for lo, hi in zip(*PALETTE, strict=True))
            cells.append(f'<rect x="{LEFT + turnout_bin * CELL}" y="{TOP + (bins - 1 - share_bin) * CELL}" '
                         f'width="{CELL}" height="{CELL}" fill="#{r:02x}{g:02x}{b:02x}"/>')
    x_label = "Turnout (% of DPT)" if en else "Partisipasi (% DPT)"
    y_label = (f"Share of no. {leader}" if en else f"Perolehan no. {leader}") if leader else ""
    title = "Turnout fingerprint" if en else "Sidik jari partisipasi"
    total = sum(map(sum, counts))
    desc = (f"Two-dimensional histogram of {total} TPS: turnout across, the share of {leader_name} up; "
            "darker cells hold more TPS. Stuffing piles TPS into the upper right corner." if en else
            f"Histogram dua dimensi {total} TPS: partisipasi mendatar, perolehan {leader_name} tegak; sel lebih "
            "gelap berisi lebih banyak TPS. Penggelembungan menumpuk TPS di pojok kanan atas.")
    ticks = "".join(f'<text x="{LEFT + size * p // 100}" y="{TOP + size + 14}" text-anchor="middle">{p}</text>'
                    f'<text x="{LEFT - 4}" y="{TOP + size - size * p // 100 + 4}" text-anchor="end">{p}</text>'
                    for p in (0, 50, 100))
    return Markup(
        f'<svg class="fingerprint" viewBox="0 0 {LEFT + size + 10} {TOP + size + 34}" role="img" '
        f'aria-labelledby="sidik-judul sidik-uraian" font-size="10" fill="#1a1a1a">'
        f'<title id="sidik-judul">{escape(title)}</title><desc id="sidik-uraian">{escape(desc)}</desc>'
        f'<rect x="{LEFT}" y="{TOP}" width="{size}" height="{size}" fill="#fff" stroke="#767676"/>'
        + "".join(cells) + ticks
        + f'<text x="{LEFT + size // 2}" y="{TOP + size + 28}" text-anchor="middle">{escape(x_label)}</text>'
        f'<text transform="translate(10 {TOP + size // 2}) rotate(-90)" text-anchor="middle">{escape(y_label)}</text>'
        "</svg>")
