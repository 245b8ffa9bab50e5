"""The public portal: drill-down from the nation to one TPS, server-rendered (no JavaScript
needed to read), built from the same rendered documents the API serves."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from suara.api.access import PUBLIC, access
from suara.domain.percent import format_id
from suara.domain.rules import RULES
from suara.publish import routes
from suara.publish.publisher import Publisher
from suara.web.routes import templates

router = APIRouter(include_in_schema=False)
CONTEST = Path(pattern=r"^[a-z0-9-]{1,32}$")
KODE = Path(pattern=r"^(0|\d{2}|\d{4}|\d{6}|\d{10})$")
CHILD_HEADINGS = {0: "Provinsi", 1: "Kabupaten/kota", 2: "Kecamatan", 3: "Kelurahan/desa", 4: "TPS"}


def _doc(request: Request, key: str, builder: routes.Builder) -> dict[str, Any]:
    publisher: Publisher = request.app.state.publisher
    return orjson.loads(publisher.document(key, builder).body)  # type: ignore[no-any-return]


def _pct(text: str | None) -> str:
    return format_id(Decimal(text)) if text is not None else "-"


def progress_text(reported: int, total: int, persen: str) -> str:
    """'540.771 dari 813.350 TPS (66,48688%)', as the 2019 publication showed it."""
    return f"{format_id(reported)} dari {format_id(total)} TPS ({format_id(Decimal(persen))}%)"


def _sirekap_path(contest: dict[str, Any], kode: str) -> str:
    chain = "/".join(kode[:n] for n in (2, 4, 6, 10) if len(kode) >= n)
    if contest["kind"] == "ppwp":
        return "/sirekap/pemilu/hhcw/ppwp" + (f"/{chain}" if chain else "") + ".json"
    return f"/sirekap/pilkada/hhcw/{contest['kind']}/{chain}.json"


@router.get("/", openapi_extra=access(PUBLIC))
def home() -> Response:
    return RedirectResponse("/wilayah/ppwp/0", status_code=303)


@router.get("/wilayah/{contest}/{kode}", openapi_extra=access(PUBLIC))
def region_page(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE]) -> HTMLResponse:
    reference = request.app.state.reference
    doc = _doc(request, f"api/v1/results/{contest}/{kode}", routes.results(reference, contest, kode))
    totals, region = doc["totals"], doc["region"]
    candidates = []
    for c in doc["contest"]["candidates"]:
        nomor = str(c["nomor_urut"])
        persen = totals["persen"][nomor]
        candidates.append({**c, "votes_text": format_id(totals["votes"][nomor]), "persen_text": _pct(persen),
                           "width": f"{float(persen or 0) * 4:.1f}"})
    rows = [{"nama": row["nama"], "href": (f"/tps/{contest}/{row['kode']}" if row["tingkat"] == 5
                                           else f"/wilayah/{contest}/{row['kode']}"),
             "votes": [format_id(row["votes"][str(c["nomor_urut"])]) for c in doc["contest"]["candidates"]],
             "progress": f"{format_id(row['tps_reported'])}/{format_id(row['tps_total'])}",
             "flagged": format_id(row["tps_flagged"])} for row in doc["children"]]
    # the races of the region being viewed: the presidency, and its governor and bupati/walikota
    switch = [{"key": other.key, "nama": other.nama, "href": f"/wilayah/{other.key}/{kode}"}
              for other in reference.contests.values() if other.covers(kode)]
    flags = [{"rule": rule, "judul": RULES[rule].judul, "count": format_id(count)}
             for rule, count in totals["flag_counts"].items()]
    return templates.TemplateResponse(request, "region.html", {
        "contest": doc["contest"], "region": region, "crumbs": doc["breadcrumbs"], "contests": switch,
        "progress": progress_text(totals["tps_reported"], totals["tps_total"], totals["progress_persen"]),
        "as_of": doc["as_of"]["time_wib"], "tally_seq": doc["as_of"]["tally_seq"], "candidates": candidates,
        "totals": {"sah": format_id(totals["suara_sah"]), "tidak_sah": format_id(totals["suara_tidak_sah"]),
                   "flagged": format_id(totals["tps_flagged"])},
        "flags": flags, "rows": rows, "child_heading": CHILD_HEADINGS[region["tingkat"]],
        "sirekap": _sirekap_path(doc["contest"], kode)}, headers={"Cache-Control": "public, max-age=5"})


@router.get("/tps/{contest}/{tps}", openapi_extra=access(PUBLIC))
def tps_page(request: Request, contest: Annotated[str, CONTEST],
             tps: Annotated[str, Path(pattern=r"^\d{13}$")]) -> HTMLResponse:
    reference = request.app.state.reference
    doc = _doc(request, f"api/v1/tps/{contest}/{tps}", routes.tps_record(reference, contest, tps))
    current = doc["current"]
    names = {str(c["nomor_urut"]): c["nama"] for c in doc["contest"]["candidates"]}
    return templates.TemplateResponse(request, "tps_page.html", {
        "doc": doc, "current": current, "names": names, "contest": doc["contest"], "tps": doc["tps"],
        "csrf": request.cookies.get("suara_csrf", ""), "as_of": doc["as_of"]["time_wib"],
    }, headers={"Cache-Control": "public, max-age=30"})


@router.get("/cari", openapi_extra=access(PUBLIC))
def search_page(request: Request, q: str = "") -> HTMLResponse:
    query = q.strip()[:64]
    if len(query) < 2:
        return templates.TemplateResponse(request, "search.html", {"q": query, "hits": [],
                                                                    "error": "ketik paling sedikit 2 huruf"}, 422)
    publisher: Publisher = request.app.state.publisher
    hits = [{**h, "href": f"/tps/ppwp/{h['kode']}" if h["tingkat"] == 5 else f"/wilayah/ppwp/{h['kode']}"}
            for h in publisher.search(query, 50)]
    return templates.TemplateResponse(request, "search.html", {"q": query, "hits": hits, "error": None})
