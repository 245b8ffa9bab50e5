"""The officials' recapitulation screens: each plenary's own tiers (/ui/rekap), and a tier's D Hasil
(/ui/rekap/{contest}/{kode}) to record with the photo of its minutes, to close once the plenary
has decided, and for KPU RI to reopen with a reason. Cookie session and CSRF double submit as
the other screens (web/routes.py); refusals are shown in words beside the form, with the status
of the refusal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from suara.api.access import access
from suara.api.body_limits import read_upload
from suara.api.openapi import HTML, NO_BODY, OPERATIONS, TEXT, Operation, _answers, _form_post
from suara.blobs import BlobStore
from suara.domain.access import Role, may_record_recap
from suara.domain.contests import Contest, Shape
from suara.domain.elections import ContestScope
from suara.domain.recap import (
    TIER_NAMES,
    RecapRefused,
    has_tier,
    prerequisites,
    row_doc,
    rows_of,
    tier_of,
)
from suara.publish import recap_docs
from suara.services import recap
from suara.services.accounts import Principal
from suara.services.errors import ServiceError
from suara.services.photos import check_pages
from suara.store import recap as recap_store
from suara.store.reference import Reference
from suara.web import forms
from suara.web import recap_form as boxes
from suara.web.i18n import number
from suara.web.recap_views import STATUS_PHRASES
from suara.web.recap_watch import watch_of
from suara.web.routes import _check_csrf, _page, _who

router = APIRouter(prefix="/ui", tags=["ui"])
PLENARY = "role: the plenary of that region (PPK kecamatan, KPU_KABKOTA, KPU_PROVINSI, KPU_RI nasional, PPLN overseas)"
CONTEST = PathParam(pattern=r"^[a-z0-9-]{1,32}$")
TIER_KODE = PathParam(pattern=r"^(0|[0-9A-Z]{2}|[0-9A-Z]{4}|[0-9A-Z]{6})$")
# a tier's boxes: a PPLN's 672 stations x 6, or a kecamatan's desa x every DPR candidate standing there
RECORD_MAX_FIELDS = 60_000
QUEUE_LIMIT = 100
CSS = "/static/recap_screens.css"


def _words(status: str) -> str:
    return STATUS_PHRASES.get(status, status)


def _contest_scope(reference: Reference, contest: str, kode: str) -> tuple[Contest, ContestScope]:
    try:
        return recap_store.contest_scope(reference, contest, kode)
    except RecapRefused as exc:
        raise ServiceError(exc.status, exc.code, exc.message) from None


def _name(scope: ContestScope, kode: str) -> str:
    return scope.station(kode).nama if len(kode) == 13 else scope.tree.get(kode).nama


def _refusal(request: Request, who: Principal | None, status: int, message: str) -> HTMLResponse:
    return _page(request, "rekap_refused.html", {"who": who, "message": message, "css": CSS}, status)


# --- the list of one's own tiers ------------------------------------------------------------------


def own_tiers(reference: Reference, who: Principal) -> list[tuple[Contest, ContestScope, str]]:
    """The tiers an official's plenary records: its own region in every contest recapitulated there."""
    found = []
    for contest in sorted(reference.contests.values(), key=lambda c: c.key):
        scope = reference.scope(contest)
        if may_record_recap(who.role, who.scope, who.scope) and has_tier(scope, who.scope):
            found.append((contest, scope, who.scope))
    return found


def _children_state(scope: ContestScope, kode: str, statuses: dict[str, str]) -> list[dict[str, str]]:
    """The tiers below that must be closed before this one is recorded, with those not closed yet."""
    needed = [code for child in rows_of(scope, kode) for code in prerequisites(scope, kode, child)]
    return [{"kode": code, "nama": _name(scope, code), "status": _words(statuses.get(code, recap_docs.NOT_RECORDED))}
            for code in needed if statuses.get(code) != recap_store.LOCKED]


def reopen_queue(engine: Any, reference: Reference) -> list[dict[str, Any]]:
    """Closed tiers whose rows differ from the publication or the tier below, largest first: what
    KPU RI may have to reopen."""
    by_tier: dict[tuple[str, str], dict[str, Any]] = {}
    with engine.connect() as conn:
        for contest in sorted(reference.contests.values(), key=lambda c: c.key):
            statuses = recap_store.statuses(conn, contest.key)
            if recap_store.LOCKED not in statuses.values():
                continue
            scope = reference.scope(contest)
            for found in recap_docs.discrepancies(conn, reference, contest.key, "0"):
                if statuses.get(found.kode) != recap_store.LOCKED:
                    continue
                item = by_tier.setdefault((contest.key, found.kode), {
                    "contest": contest.key, "contest_nama": contest.nama, "kode": found.kode,
                    "nama": _name(scope, found.kode), "formulir": TIER_NAMES[tier_of(found.kode)], "rows": set(),
                    "size": 0})
                item["rows"].add(found.child)
                item["size"] += found.difference.size
    queue = sorted(by_tier.values(), key=lambda item: (-item["size"], item["contest"], item["kode"]))
    return [{**item, "rows": len(item["rows"])} for item in queue[:QUEUE_LIMIT]]


@router.get("/rekap", openapi_extra=access("role:PPK|KPU_KABKOTA|KPU_PROVINSI|KPU_RI|PPLN, their own tiers"))
def recap_list(request: Request, contest: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{1,32}$")] = None,
               kode: Annotated[str | None, Query(pattern=r"^(0|[0-9A-Z]{2}|[0-9A-Z]{4}|[0-9A-Z]{6})$")] = None) -> Response:
    who = _who(request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    if contest and kode:  # KPU RI's "open another tier" form
        return RedirectResponse(f"/ui/rekap/{contest}/{kode}", status_code=303)
    reference: Reference = request.app.state.reference
    tiers = own_tiers(reference, who)
    if not tiers and who.role is not Role.KPU_RI:
        return _refusal(request, who, 403, f"{who.actor} tidak memimpin rapat pleno rekapitulasi mana pun")
    engine = request.app.state.publisher.engine
    shown = []
    with engine.connect() as conn:
        for chosen, scope, code in tiers:
            statuses = recap_store.statuses(conn, chosen.key)
            waiting = _children_state(scope, code, statuses)
            has_children = any(prerequisites(scope, code, child) for child in rows_of(scope, code))
            shown.append({"contest": chosen.key, "nama": chosen.nama, "kode": code, "wilayah": _name(scope, code),
                          "formulir": TIER_NAMES[tier_of(code)],
                          "status": _words(statuses.get(code, recap_docs.NOT_RECORDED)),
                          "status_key": statuses.get(code, recap_docs.NOT_RECORDED),
                          "children": None if not has_children else not waiting, "waiting": len(waiting),
                          "href": f"/ui/rekap/{chosen.key}/{code}"})
    queue = reopen_queue(engine, reference) if who.role is Role.KPU_RI else None
    contests = sorted(reference.contests.values(), key=lambda c: c.key)
    return _page(request, "rekap_list.html", {"who": who, "tiers": shown, "queue": queue, "contests": contests,
                                              "css": CSS})


# --- one tier ---------------------------------------------------------------------------------------


def _caleg_id(reference: Reference, contest: Contest) -> Any:
    book = reference.book

    def caleg_id(dapil: str, party: str, nomor: str) -> str | None:
        found = book.candidate(contest.kind, dapil, party, nomor) if book is not None else None
        return None if found is None else found.id
    return caleg_id


def _tier_page(request: Request, who: Principal, contest_key: str, kode: str, notice: str | None = None,
               error: str | None = None, posted: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    reference: Reference = request.app.state.reference
    contest, scope = _contest_scope(reference, contest_key, kode)
    plenary = may_record_recap(who.role, who.scope, kode)
    if not plenary and who.role is not Role.KPU_RI:
        return _refusal(request, who, 403, f"{who.actor} tidak memimpin rapat pleno rekapitulasi wilayah {kode} "
                                           f"({_name(scope, kode)}); rekapitulasinya dapat dilihat di "
                                           f"/rekap/{contest.key}/{kode}")
    with request.app.state.publisher.engine.connect() as conn:
        current = recap_store.current_record(conn, contest.key, kode)
        statuses = recap_store.statuses(conn, contest.key)
        if posted is not None:
            values, source = posted, "kiriman"
        elif current is not None:
            caleg_id = _caleg_id(reference, contest)
            values = boxes.values_of({child: row_doc(contest, figures, caleg_id) for child, figures in current.rows.items()})
            source = "rekaman"
        else:
            values = boxes.values_of(recap_docs.publication_record(conn, reference, contest.key, kode)["rows"])
            source = "publikasi"
    state = current.status if current else recap_docs.NOT_RECORDED
    rows = boxes.fill(boxes.form_rows(reference, contest, scope, kode), values)
    waiting = _children_state(scope, kode, statuses)
    return _page(request, "rekap_tier.html", {
        "who": who, "css": CSS, "contest": contest, "kode": kode, "nama": _name(scope, kode),
        "formulir": TIER_NAMES[tier_of(kode)], "status": state, "status_words": _words(state), "record": current,
        "rows": rows, "party_list": contest.shape is Shape.PARTAI, "source": source, "waiting": waiting,
        "column_totals": [number(t, "id") for t in boxes.column_totals(rows)] if contest.shape is not Shape.PARTAI else [],
        "can_record": plenary and state != recap_store.LOCKED, "can_lock": plenary and state == recap_store.RECORDED,
        "can_reopen": who.role is Role.KPU_RI and state == recap_store.LOCKED,
        "notice": notice, "error": error, "error_row": boxes.row_in(error) if error else None,
        "action": f"/ui/rekap/{contest.key}/{kode}", "public": f"/rekap/{contest.key}/{kode}"}, status)


def _signed_in(request: Request) -> Principal:
    who = _who(request)
    if who is None:
        raise ServiceError(401, "unauthenticated", "sesi berakhir; masuk lagi di /ui/login")
    return who


@router.get("/rekap/{contest}/{kode}", openapi_extra=access(PLENARY + "; KPU_RI any tier, to reopen it"))
def tier_screen(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, TIER_KODE]) -> Response:
    who = _who(request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    return _tier_page(request, who, contest, kode)


def _record(engine: Any, reference: Reference, blobs: BlobStore, who: Principal, contest: str, kode: str,
            rows: dict[str, Any], photo: tuple[bytes, str | None] | None) -> recap_store.RecapRecord:
    checked = check_pages({1: photo}, pages=1) if photo else None
    stored = recap.record(engine, reference, who, who.actor, contest, kode, None, rows,
                          checked.photos[0] if checked else None)
    if checked is not None:
        checked.keep(blobs)  # written once the record stands, as the API does
    return stored


@router.post("/rekap/{contest}/{kode}", openapi_extra=access(PLENARY))
async def record_tier(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, TIER_KODE]) -> Response:
    form, files = await read_upload(request, max_fields=RECORD_MAX_FIELDS, max_files=1)
    _check_csrf(request, forms.text(form, "csrf"))
    who = _signed_in(request)
    state = request.app.state
    chosen, scope = _contest_scope(state.reference, contest, kode)
    if not may_record_recap(who.role, who.scope, kode):
        return _refusal(request, who, 403, f"{who.actor} tidak memimpin rapat pleno rekapitulasi wilayah {kode} "
                                           f"({_name(scope, kode)})")
    fields = {name: value for name, value in form.items() if isinstance(value, str) and name != "csrf"}
    form_rows = boxes.form_rows(state.reference, chosen, scope, kode)
    try:
        rows = boxes.rows_from_fields(form_rows, fields, chosen.shape is Shape.PARTAI)
        if any(f.name != "minutes" for f in files):
            raise ServiceError(422, "bad_part", "hanya foto berita acara ('minutes') yang dapat dilampirkan")
        photo = next(((f.data, f.content_type) for f in files if f.filename), None)
        stored = await run_in_threadpool(_record, state.writer, state.reference, state.blobs, who, chosen.key, kode,
                                         rows, photo)
    except ServiceError as exc:
        keep = {k: v for k, v in fields.items() if boxes.FIELD.fullmatch(k)}
        # the boxes come back as typed; a chosen file does not, so say so beside the error
        again = " Pilih foto berita acara lagi sebelum mengirim." if any(f.filename for f in files) else ""
        message = boxes.worded(exc.message, form_rows) + again
        return _tier_page(request, who, contest, kode, error=message, posted=keep, status=exc.status)
    watch_of(request).invalidate()
    return _tier_page(request, who, contest, kode, notice=(
        f"Rekapitulasi dicatat sebagai revisi {stored.revision}. Periksa kembali; tetapkan (kunci) setelah rapat "
        "pleno memutuskan."))


@router.post("/rekap/{contest}/{kode}/kunci", openapi_extra=access(PLENARY))
async def lock_tier(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, TIER_KODE]) -> Response:
    form = await request.form(max_fields=5, max_files=0)
    _check_csrf(request, forms.text(form, "csrf"))
    who = _signed_in(request)
    state = request.app.state
    try:
        if forms.text(form, "pleno") != "1":
            raise ServiceError(422, "not_confirmed", "centang pernyataan bahwa rapat pleno telah menetapkan "
                                                     "rekapitulasi ini sebelum menguncinya")
        stored = await run_in_threadpool(recap.lock, state.writer, state.reference, who, who.actor, contest, kode)
    except ServiceError as exc:
        if exc.status in (401, 404):
            raise
        return _tier_page(request, who, contest, kode, error=exc.message, status=exc.status)
    watch_of(request).invalidate()
    return _tier_page(request, who, contest, kode, notice=f"Rekapitulasi revisi {stored.revision} ditetapkan (dikunci).")


@router.post("/rekap/{contest}/{kode}/buka", openapi_extra=access("role:KPU_RI"))
async def reopen_tier(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, TIER_KODE]) -> Response:
    form = await request.form(max_fields=5, max_files=0)
    _check_csrf(request, forms.text(form, "csrf"))
    who = _signed_in(request)
    state = request.app.state
    try:
        await run_in_threadpool(recap.reopen, state.writer, state.reference, who, contest, kode,
                                forms.text(form, "alasan"))
    except ServiceError as exc:
        if exc.status in (401, 404):
            raise
        if exc.status == 403:
            return _refusal(request, who, 403, exc.message)
        return _tier_page(request, who, contest, kode, error=exc.message, status=exc.status)
    watch_of(request).invalidate()
    return _tier_page(request, who, contest, kode, notice="Rekapitulasi dibuka kembali; rapat pleno tingkat ini dapat "
                                                          "mencatat dan menetapkannya lagi.")


# The screens in the API description (merged into api/openapi.OPERATIONS, which every route needs).
BOX_NAMES = {boxes.FIELD_PATTERN: TEXT}
OPERATIONS.update({
    ("get", "/ui/rekap"): Operation(_answers({200: HTML, 303: NO_BODY}, (403, 422), s403=HTML)),
    ("get", "/ui/rekap/{contest}/{kode}"): Operation(_answers({200: HTML, 303: NO_BODY}, (403, 404, 422), s403=HTML)),
    ("post", "/ui/rekap/{contest}/{kode}"): Operation(
        _answers({200: HTML}, (401, 403, 404, 409, 422), s403=(HTML, "application/json"), s409=HTML,
                 s422=(HTML, "application/json")),
        _form_post({"csrf": TEXT, "minutes": {"type": "string", "format": "binary",
                                              "description": "a photo of the plenary's minutes"}}, ["csrf"],
                   kinds=("multipart/form-data",), patterns=BOX_NAMES)),
    ("post", "/ui/rekap/{contest}/{kode}/kunci"): Operation(
        _answers({200: HTML}, (401, 403, 404, 409, 422), s403=(HTML, "application/json"), s409=HTML,
                 s422=(HTML, "application/json")),
        _form_post({"csrf": TEXT, "pleno": {"type": "string", "enum": ["1"]}}, ["csrf"])),
    ("post", "/ui/rekap/{contest}/{kode}/buka"): Operation(
        _answers({200: HTML}, (401, 403, 404, 409, 422), s403=(HTML, "application/json"), s409=HTML,
                 s422=(HTML, "application/json")),
        _form_post({"csrf": TEXT, "alasan": TEXT}, ["csrf"])),
})
