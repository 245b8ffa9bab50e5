"""The public portal: drill-down from the nation to one TPS, server-rendered (no JavaScript
needed to read), built from the same rendered documents the API serves. A small script makes
the pages follow the count live; the complaint form works as a plain HTML form."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from suara.api.access import PUBLIC, access
from suara.api.auth import client_address, limit
from suara.api.limits import COMPLAINT_PER_ADDRESS, SEARCH_PER_ADDRESS
from suara.api.responses import conditional
from suara.domain.contests import KIND_ORDER
from suara.domain.localtime import local_text, zone_name, zone_of
from suara.domain.search import SEARCH_LIMIT
from suara.publish import routes
from suara.publish.publisher import Document, Publisher
from suara.services import complaints
from suara.services.errors import ServiceError
from suara.store.reference import Reference
from suara.web import entry as entry_screen
from suara.web import forms, i18n
from suara.web.page_cache import CurrentPage, PageCache
from suara.web.portal_views import (
    CHILD_HEADINGS,
    Order,
    administrasi_view,
    ballot_view,
    candidates_view,
    children_view,
    flags_view,
    history_view,
    parties_view,
    projection_view,
    record_flags_view,
    search_hits_view,
    station_label,
    totals_view,
)
from suara.web.recap_views import STATUS_PHRASES
from suara.web.recap_watch import region_recap, watch_of
from suara.web.routes import templates

router = APIRouter(tags=["portal"])
CONTEST = Path(pattern=r"^[a-z0-9-]{1,32}$")
# Codes are text: overseas codes carry letters (99AG, 99AG010001061).
KODE = Path(pattern=r"^(0|[0-9A-Z]{2}|[0-9A-Z]{4}|[0-9A-Z]{6}|[0-9A-Z]{10})$")
TPS = Path(pattern=r"^[0-9A-Z]{10}[0-9]{3}$")
DAPIL = Path(pattern=r"^[0-9]{4,6}$")
NUMBER = r"^PGD-[A-Z0-9]{8}$"
HTML = "text/html; charset=utf-8"
PAGE_PARAMETERS = ("urut", "arah", "q", "nomor", "baru", "hal", "r", "halaman", "layar")  # what the language switch carries over


def render(request: Request, name: str, context: dict[str, Any] | Callable[[], dict[str, Any]], status: int = 200,
           max_age: int = 5, version: str | None = None, still_current: Callable[[], bool] | None = None) -> Response:
    """A portal page in the reader's language; `?lang=` is remembered in a cookie. A page given
    the `version` of the data it shows is rendered once per version, language and query (its
    context may then be a function, only called to render). A page given `still_current` (that
    version is still the data of now) is also kept for the fast path when asked with no query."""
    lang = i18n.language(request)
    other = "en" if lang == "id" else "id"
    query = {k: v for k, v in request.query_params.items() if k in PAGE_PARAMETERS}
    cache_control = f"public, max-age={max_age}" if status < 400 else "no-store"

    def page() -> Document:
        html = templates.get_template(name).render({
            **(context() if callable(context) else context), "request": request, "lang": lang, "_": i18n.translator(lang),
            "status_words": i18n.STATUS_WORDS[lang], "other_lang": other,
            "other_lang_href": "?" + urlencode({**query, "lang": other})})
        return Document.of(html.encode(), cache_control, 0, HTML)

    if version is None or status != 200:
        document = page()
    else:
        pages: PageCache = request.app.state.pages
        document = pages.get((name, request.url.path, tuple(sorted(query.items())), lang, version), page)
        if still_current is not None and not request.url.query:
            pages.remember_current(request.url.path, lang, CurrentPage(document, still_current))
    response = conditional(request, document, {"Cache-Control": cache_control, "Vary": "Accept-Encoding, Cookie",
                                               "ETag": document.etag}, status)
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


def _document(request: Request, key: str, builder: routes.Builder) -> Document:
    publisher: Publisher = request.app.state.publisher
    return publisher.document(key, builder)


def _live(poll: str, document: Document, kode: str) -> dict[str, Any]:
    """What the live script needs: the cheap document to poll, the version this page shows, and
    the region's zone, in which it shows the server's time of a check (never the reader's clock)."""
    zone = zone_of(kode)
    offset = zone.utcoffset(None)
    return {"poll": poll, "etag": document.etag, "zone": zone_name(zone),
            "offset": int(offset.total_seconds() // 60) if offset is not None else 0}


def local_moment(iso: str, kode: str) -> dict[str, str]:
    """A moment of a document (ISO 8601 UTC) as the region's readers tell time: its text in the
    region's zone, the zone's name, and the instant for a <time> element."""
    zone = zone_of(kode)
    return {"text": local_text(datetime.fromisoformat(iso), zone), "zone": zone_name(zone), "iso": iso}


def _as_of(as_of: dict[str, Any], kode: str) -> dict[str, Any]:
    return {**local_moment(as_of["time"], kode), "seq": as_of["tally_seq"]}


@router.get("/", openapi_extra=access(PUBLIC))
def home() -> Response:
    return RedirectResponse("/wilayah/ppwp/0", status_code=303)


@router.get("/wilayah/{contest}/{kode}", openapi_extra=access(PUBLIC))
async def region_page(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE],
                      urut: Annotated[str | None, Query(max_length=16)] = None,
                      arah: Annotated[str | None, Query(max_length=8)] = None) -> Response:
    # async, so that the usual case (document and page both cached) skips the threadpool hop
    reference = request.app.state.reference
    key = f"api/v1/results/{contest}/{kode}"
    document = request.app.state.publisher.cached(key)
    if document is None:
        document = await run_in_threadpool(_document, request, key, routes.results(reference, contest, kode))
    lang = i18n.language(request)
    recap_box = await region_recap(request, contest, kode)  # the official count's state here

    def context() -> dict[str, Any]:
        doc = orjson.loads(document.body)
        totals, region = doc["totals"], doc["region"]
        order = Order.parse(urut, arah, [str(c["nomor_urut"]) for c in doc["contest"]["candidates"]])
        return {
            "contest": doc["contest"], "region": region, "crumbs": doc["breadcrumbs"],
            "contests": _races(reference, "/wilayah", kode),
            "party_list": "partai" in doc, "parties": parties_view(doc, lang),
            # candidates by name where the region lies in one dapil; above, the dapil pages have them
            "show_caleg": doc.get("caleg_tercantum", False) and len(doc.get("dapil", [])) == 1,
            "dapil": [{"href": f"/dapil/{contest}/{d['kode']}", "nama": d["nama"]} for d in doc.get("dapil", [])],
            "progress": {"reported": i18n.number(totals["tps_reported"], lang),
                         "total": i18n.number(totals["tps_total"], lang),
                         "persen": i18n.number(totals["progress_persen"], lang)},
            "as_of": _as_of(doc["as_of"], kode), "candidates": candidates_view(doc, lang, _abbreviations(reference, doc)),
            "totals": {"sah": i18n.number(totals["suara_sah"], lang),
                       "tidak_sah": i18n.number(totals["suara_tidak_sah"], lang),
                       "flagged": i18n.number(totals["tps_flagged"], lang)},
            "flags": flags_view(doc, lang), "rows": children_view(doc, order, lang), "order": order,
            "child_heading": CHILD_HEADINGS[region["tingkat"]], "live": _live("/" + key, document, kode),
            "sirekap": _sirekap_path(doc["contest"], kode), "recap": recap_box,
            "recap_count": i18n.number(recap_box.discrepancies, lang),
            "recap_status": STATUS_PHRASES.get(recap_box.status or "", "")}
    publisher, watch = request.app.state.publisher, watch_of(request)

    def still_current() -> bool:  # the same results document and recapitulation box as now
        stamp = watch.fresh_stamp()
        box = watch.cached_box(contest, kode, stamp, publisher.as_of[0]) if stamp is not None else None
        return box is not None and box.version == recap_box.version and publisher.cached(key) is document

    return render(request, "region.html", context, version=f"{document.etag}|{recap_box.version}",
                  still_current=still_current)


@router.get("/tps/{contest}/{tps}", openapi_extra=access(PUBLIC))
def tps_page(request: Request, contest: Annotated[str, CONTEST], tps: Annotated[str, TPS]) -> Response:
    return _tps_page(request, contest, tps, {}, 200)


def _tps_page(request: Request, contest: str, tps: str, complaint: dict[str, str], status: int) -> Response:
    reference = request.app.state.reference
    key = f"api/v1/tps/{contest}/{tps}"
    document = _document(request, key, routes.tps_record(reference, contest, tps))
    doc = orjson.loads(document.body)
    current = doc["current"]
    lang = i18n.language(request)
    filed = complaints.of_tps(request.app.state.publisher.engine, contest, tps)
    names = {str(c["nomor_urut"]): c["nama"] for c in doc["contest"]["candidates"]}
    return render(request, "tps_page.html", {
        "doc": doc, "current": current, "contest": doc["contest"], "tps": doc["tps"], "as_of": _as_of(doc["as_of"], tps),
        "station": station_label(doc["tps"], lang),
        "pages": [str(n) for n in entry_screen.photo_slots(reference, reference.contest(contest), tps,
                                                            [int(page) for page in current["photos"]] if current else [])],
        "ballot": ballot_view(current["form"], doc["tps"]) if current and "partai" in current["form"] else None,
        "names": names,
        "administrasi": administrasi_view(current["form"].get("administrasi") if current else None, lang),
        "totals": totals_view(current["form"], lang) if current else [],
        "flags": record_flags_view(current["flags"], lang) if current else [],
        "history": [{**v, "submitted_local": local_moment(v["submitted_at"], tps)["text"]}
                    for v in history_view(doc["versions"], names, lang)],
        "zone": zone_name(zone_of(tps)),
        "complaints": filed, "complaint": complaint, "live": _live("/" + key, document, tps),
        "contests": _races(reference, "/tps", tps),
        "sirekap": _sirekap_path(doc["contest"], tps),
    }, status, max_age=0)  # shows complaints too: one just filed must be there when the reader comes back


@router.post("/tps/{contest}/{tps}/pengaduan", openapi_extra=access("public, rate limited"))
async def file_complaint(request: Request, contest: Annotated[str, CONTEST], tps: Annotated[str, TPS]) -> Response:
    _same_origin(request)
    form = await request.form()
    text = forms.text(form, "uraian")
    try:
        limit(request, f"complaint:{client_address(request)}", COMPLAINT_PER_ADDRESS)
        filed = await run_in_threadpool(complaints.file, request.app.state.writer, request.app.state.reference,
                                        contest, tps, text)
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return _tps_page(request, contest, tps, {"text": text[:2000], "error": exc.message}, exc.status)
    return RedirectResponse(f"/pengaduan/{filed['number']}?baru=1", status_code=303)


def _same_origin(request: Request) -> None:
    """The complaint form needs no login, so no session to protect; refusing posts made from
    other sites still keeps third-party pages from filing in a visitor's name."""
    origin = request.headers.get("origin")
    if request.headers.get("sec-fetch-site") == "cross-site" or (
            origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc):
        raise ServiceError(403, "cross_site", "pengaduan hanya dapat dikirim dari halaman TPS di situs ini")


@router.get("/pengaduan", openapi_extra=access(PUBLIC))
def complaint_lookup(request: Request, nomor: Annotated[str, Query(max_length=32)] = "") -> Response:
    number = nomor.strip().upper()
    if number:
        return RedirectResponse(f"/pengaduan/{number}", status_code=303)
    return render(request, "complaint.html", {"item": None})


@router.get("/pengaduan/{number}", openapi_extra=access(PUBLIC))
def complaint_page(request: Request, number: str, baru: Annotated[int, Query(ge=0, le=1)] = 0) -> Response:
    if not re.fullmatch(NUMBER, number):
        raise ServiceError(404, "unknown_complaint", f"pengaduan {number!r} tidak ada")
    item = complaints.status(request.app.state.publisher.engine, number)
    for moment in ("created_at", "updated_at"):  # in the TPS's own zone
        shown = local_moment(item[moment], item["tps"])
        item[moment] = f"{shown['text']} {shown['zone']}"
    return render(request, "complaint.html", {"item": item, "new": bool(baru)}, max_age=0)


@router.get("/cari", openapi_extra=access(PUBLIC))
def search_page(request: Request, q: str = "") -> Response:
    query = q.strip()
    if not 2 <= len(query) <= 64:
        error = "ketik paling sedikit 2 huruf" if len(query) < 2 else "ketik paling banyak 64 huruf"
        return render(request, "search.html", {"q": query[:64], "hits": [], "error": error}, 422)
    limit(request, f"search:{client_address(request)}", SEARCH_PER_ADDRESS)
    publisher: Publisher = request.app.state.publisher
    lang = i18n.language(request)
    found = publisher.search(query, SEARCH_LIMIT)  # as /api/v1/search answers by default
    return render(request, "search.html", {"q": query, "hits": search_hits_view(found.hits, lang), "error": None,
                                           "shown": i18n.number(len(found.hits), lang),
                                           "total": i18n.number(found.total, lang), "exact": found.exact,
                                           "truncated": found.truncated})


def _abbreviations(reference: Reference, doc: dict[str, Any]) -> dict[int, str] | None:
    """The parties' abbreviations (PKB, Gerindra) where a party-list contest's columns are headed by them."""
    if "partai" not in doc or reference.book is None:
        return None
    return {p.nomor_urut: p.singkatan for p in reference.book.parties.values() if p.singkatan}


def _races(reference: Reference, page: str, kode: str) -> list[dict[str, str]]:
    """The races of the place being viewed, each on its own election's TPS list: the five Pemilu
    ballots (president, DPR, DPD, DPRD provinsi, DPRD kab/kota), then governor and bupati/walikota."""
    def held_here(contest: Any) -> bool:
        scope = reference.scope(contest)
        return scope.has_tps(kode) if len(kode) == 13 else scope.covers(kode) and scope.tps_total(kode) > 0
    races = sorted((c for c in reference.contests.values() if held_here(c)),
                   key=lambda c: (KIND_ORDER.get(c.kind, 99), c.key))
    return [{"key": other.key, "nama": other.nama, "href": f"{page}/{other.key}/{kode}"} for other in races]


def _sirekap_path(contest: dict[str, Any], kode: str) -> str:
    chain = "/".join(kode[:n] for n in (2, 4, 6, 10, 13) if len(kode) >= n)
    if not contest["kind"].startswith("pkwk"):  # the Pemilu's ballots: ppwp's paths with the kind swapped
        return f"/sirekap/pemilu/hhcw/{contest['kind']}" + (f"/{chain}" if chain else "") + ".json"
    return f"/sirekap/pilkada/hhcw/{contest['kind']}/{chain}.json"


@router.get("/dapil/{contest}/{kode_dapil}", openapi_extra=access(PUBLIC))
async def dapil_page(request: Request, contest: Annotated[str, CONTEST],
                     kode_dapil: Annotated[str, DAPIL]) -> Response:
    """One dapil of a party-list contest: parties, their candidates, progress over the dapil's
    TPS, and the seat projection (labelled as a projection, not a result)."""
    reference = request.app.state.reference
    key = f"api/v1/dapil/{contest}/{kode_dapil}"
    document = request.app.state.publisher.cached(key)
    if document is None:
        document = await run_in_threadpool(_document, request, key,
                                           routes.dapil_results(reference, contest, kode_dapil))
    lang = i18n.language(request)

    def context() -> dict[str, Any]:
        doc = orjson.loads(document.body)
        totals = doc["totals"]
        return {
            "contest": doc["contest"], "dapil": doc["dapil"], "as_of": _as_of(doc["as_of"], kode_dapil),
            "members": [{"href": f"/wilayah/{contest}/{m['kode']}", "nama": m["nama"]} for m in doc["dapil"]["wilayah"]],
            "progress": {"reported": i18n.number(totals["tps_reported"], lang),
                         "total": i18n.number(totals["tps_total"], lang),
                         "persen": i18n.number(totals["progress_persen"], lang)},
            "candidates": candidates_view(doc, lang), "parties": parties_view(doc, lang),
            "totals": {"sah": i18n.number(totals["suara_sah"], lang),
                       "tidak_sah": i18n.number(totals["suara_tidak_sah"], lang),
                       "flagged": i18n.number(totals["tps_flagged"], lang)},
            "projection": projection_view(doc["seat_projection"], lang),
            "live": _live("/" + key, document, kode_dapil)}
    return render(request, "dapil.html", context, version=document.etag)


# What is not the portal: the APIs (JSON), the officials' screens and the KPPS app (their own
# pages), the receipt check, the docs, static files and the operators' probes. Everything else,
# an unknown path included, is the portal, where a refusal is a page a reader can go on from.
NOT_PORTAL = ("/api/", "/sirekap/", "/static/", "/ui", "/docs", "/app", "/kwitansi", "/metrics", "/healthz",
              "/readyz", "/openapi.json")


def is_portal(path: str) -> bool:
    return not path.startswith(NOT_PORTAL) and path not in ("/api", "/sirekap", "/static")


def error_page(request: Request, status: int, message: str) -> Response:
    """A refusal on a portal page, as a page a reader can go on from rather than JSON. A path
    that no page answers says so in words, not as the framework's "Not Found"."""
    unknown = status == 404 and message == "Not Found"
    return render(request, "error.html", {"status": status, "message": None if unknown else message,
                                          "path": request.url.path}, status)
