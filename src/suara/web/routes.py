"""The operators' entry screen: log in, key in one TPS's C Hasil with photos, see the failing
rules while typing and the policy's outcome on send. Browser sessions are a cookie holding a
device token; every POST carries a CSRF token matching a second cookie (double submit)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from suara.api.access import access
from suara.api.auth import log_in
from suara.api.body_limits import read_upload, row_id
from suara.api.reading import read_uploaded
from suara.domain import form_labels
from suara.domain.access import Action, may
from suara.domain.contests import Contest, UnknownContest
from suara.domain.form import PERSON_GROUPS, SURAT_SUARA
from suara.domain.form_labels import box_label
from suara.domain.policy import OUTCOME_LABELS, Outcome
from suara.domain.rules import Flag
from suara.publish.own import flag_docs
from suara.publish.routes import photo_url
from suara.services import accounts, complaints
from suara.services.accounts import Principal
from suara.services.errors import ServiceError
from suara.services.photos import PAGE_FIELDS, submit_with_photos
from suara.services.submission import (
    IdempotencyConflict,
    Submission,
    SubmissionResult,
    check,
    flag_dict,
)
from suara.tally.queries import StoredVersion, photos_of, versions_of
from suara.web import correction_pages, forms, home, nav, session
from suara.web import entry as entry_screen
from suara.web.i18n import STATUS_WORDS

router = APIRouter(prefix="/ui", tags=["ui"])
templates, SESSION, CSRF = session.templates, session.SESSION, session.CSRF
TPS_CODE = r"^[0-9A-Z]{13}$"  # codes are text: overseas stations carry letters (99AG010001061)
# A party-list form has a box per candidate: up to 24 parties (Aceh's DPRD) of up to 12 each, beside
# about 30 others. The body's size is capped before it is read (api/body_limits.py).
ENTRY_MAX_FIELDS = 24 * 14 + 40
OPEN = (complaints.RECEIVED, complaints.UNDER_REVIEW)
# The rows of sections I-III under the form's own labels, from the one table every screen and page
# shares (domain/form_labels.py)
GROUPS = [(group, form_labels.GROUPS[group][0]) for group in PERSON_GROUPS]
BALLOTS = [(key, form_labels.BALLOTS[key][0]) for key in SURAT_SUARA]


# The session's helpers under the names the other screens import them by (web/recap_screens.py).
_page, _check_csrf, _who = session.page, session.check_csrf, session.who


def _flags(flags: list[Flag]) -> list[dict[str, Any]]:
    """Flags as the screens show them, each with the entry screen's fields it is about."""
    return [{**f, "fields": [entry_screen.field_of_box(b) for b in f.get("boxes", ())]}
            for f in flag_docs([flag_dict(f) for f in flags])]


def _pointed(reference: Any, contest_key: str, tps: str, flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each flag with the boxes it is about, named by the form's labels and linked to the box on
    the entry screen: the send result points at what to look at, not at rule ids."""
    contest = reference.contests.get(contest_key)
    names = {str(c.nomor_urut): c.nama for c in contest.candidates} if contest is not None else {}
    base = f"/ui/entry?contest={contest_key}&tps={tps}"
    return [{**f, "boxes_shown": [(box_label(b, "id", names), f"{base}#f-{field}")
                                  for b, field in zip(f.get("boxes", ()), f["fields"])]} for f in flags]


@router.get("/login", openapi_extra=access("public"))
def login_page(request: Request) -> HTMLResponse:
    return _page(request, "login.html", {"who": None, "error": None})


@router.post("/login", openapi_extra=access("public, rate limited"))
async def login(request: Request) -> Response:
    form = await request.form()
    _check_csrf(request, forms.text(form, "csrf"))
    try:  # throttled per (username, address) like the API's login; a 429 goes to the error handler
        token, _ = await run_in_threadpool(log_in, request, forms.text(form, "username"), forms.text(form, "password"),
                                           "browser")
    except accounts.AccountError as exc:
        return _page(request, "login.html", {"who": None, "error": exc.message}, 401)
    response = RedirectResponse("/ui", status_code=303)  # each role's home (web/home.py)
    response.set_cookie(SESSION, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


@router.post("/logout", openapi_extra=access("authenticated"))
async def logout(request: Request) -> Response:
    form = await request.form()
    _check_csrf(request, forms.text(form, "csrf"))
    if token := request.cookies.get(SESSION):
        accounts.revoke_token(request.app.state.writer, token)
        request.app.state.token_cache.forget(token)
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION)
    return response


def _chosen_contest(request: Request, contest: str | None, tps: str) -> Contest:
    """The contest asked for, or the first ballot of the TPS; 404 for a contest the TPS does not count."""
    reference = request.app.state.reference
    if contest is None:
        ballots = entry_screen.ballots_of(reference, tps)
        if not ballots:
            raise ServiceError(404, "unknown_tps", f"TPS {tps} tidak ada dalam pemilihan mana pun")
        contest = ballots[0].tabs[0].key
    try:
        chosen: Contest = reference.contest(contest)
    except UnknownContest as exc:
        raise ServiceError(404, "unknown_contest", str(exc)) from None
    if not reference.scope(chosen).has_tps(tps):
        raise ServiceError(404, "unknown_tps", f"TPS {tps} tidak ada dalam {contest}")
    return chosen


def _entry_page(request: Request, who: Principal, chosen: Contest, tps: str, correction: bool) -> HTMLResponse:
    """The C Hasil of one ballot of a TPS, with the switch to the TPS's other ballots."""
    reference = request.app.state.reference
    shown = entry_screen.party_form(reference, chosen, tps) if chosen.is_party_list else None
    if chosen.is_party_list and shown is None:
        raise ServiceError(404, "no_dapil", f"TPS {tps} tidak berada di daerah pemilihan {chosen.key} mana pun")
    values: dict[str, str] = {}
    current: StoredVersion | None = None
    photos: list[tuple[int, str | None]] = []
    if correction:  # an official corrects the form as it stands: the current version, box by box
        current, photos = current_with_photos(request, chosen, tps)
        if current is not None:
            values = entry_screen.fields_of(current.form)
    return _page(request, "entry.html", {
        "current": current, "photos": photos,
        "who": who, "contest": chosen, "tps": tps, "key": "" if correction else uuid.uuid4().hex,
        "desa": reference.tree.get(tps[:10]).nama, "station": entry_screen.station_label(reference, chosen, tps),
        "ballots": entry_screen.ballots_of(reference, tps), "party_form": shown, "values": values,
        "groups": GROUPS, "surat_suara": BALLOTS, "correction": correction,
        "photo_pages": entry_screen.sheet_pages(reference, chosen, tps),
        "action": "/ui/corrections" if correction else "/ui/submit",
        "switch_path": "/ui/correct" if correction else "/ui/entry"})


def current_with_photos(request: Request, contest: Contest, tps: str
                        ) -> tuple[StoredVersion | None, list[tuple[int, str | None]]]:
    """The published version of a TPS's form and the link to each page's photo (None: no photo)."""
    with request.app.state.publisher.engine.connect() as conn:
        versions = versions_of(conn, contest.key, tps)
        current = versions[-1] if versions else None
        digests = photos_of(conn, [current.version_id]).get(current.version_id, {}) if current else {}
    slots = entry_screen.photo_slots(request.app.state.reference, contest, tps, digests)
    return current, [(n, photo_url(digests[n]) if n in digests else None) for n in slots]


@router.get("/entry", openapi_extra=access("role:KPPS, own TPS"))
def entry(request: Request, contest: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{1,32}$")] = None,
          tps: Annotated[str | None, Query(pattern=TPS_CODE)] = None) -> Response:
    who = _who(request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    tps = tps or who.scope
    chosen = _chosen_contest(request, contest, tps)
    if not may(who.role, who.scope, Action.SUBMIT_FORM, tps):
        raise ServiceError(403, "forbidden", f"{who.actor} hanya boleh mengisi formulir TPS {who.scope}")
    return _entry_page(request, who, chosen, tps, correction=False)


@router.post("/check", openapi_extra=access("role:KPPS, own TPS"))
async def check_fields(request: Request) -> Response:
    """The rules on what has been typed so far; nothing is stored. While boxes of the vote section
    are still empty, the rules that can already judge it (administrasi, R11, R14 of the party
    blocks typed in full, R15) and how many boxes are left."""
    _check_csrf(request, request.headers.get("x-csrf-token"))
    who = _who(request)
    if who is None:
        raise ServiceError(401, "unauthenticated", "sesi berakhir; masuk lagi")
    try:
        body = orjson.loads(await request.body())
        fields = {str(k): str(v) for k, v in body["fields"].items()}
        fields.update(contest=str(body["contest"]), tps=str(body["tps"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        raise ServiceError(422, "bad_request", "permintaan pemeriksaan tidak sah") from None
    reference = request.app.state.reference
    doc = entry_screen.form_doc(reference, fields)
    contest = reference.contests.get(fields["contest"])
    if contest is not None and reference.scope(contest).has_tps(fields["tps"]):
        blank = entry_screen.blank_boxes(reference, contest, fields["tps"], fields)
        if blank:
            bad = entry_screen.first_not_a_number(fields)
            error: dict[str, Any] | None = None if bad is None else {
                "code": "malformed", "message": f"{bad}: harus bilangan bulat >= 0, bukan {fields[bad].strip()!r}"}
            flags = entry_screen.partial_flags(reference, contest, fields["tps"], fields) if bad is None else []
            return _check_answer(contest, fields, flags, error, blank=blank)
    outcome = check(reference, doc, request.app.state.policy)
    if isinstance(outcome, SubmissionResult):
        refusal = None if outcome.error_code == "rules_failed" else {"code": outcome.error_code,
                                                                       "message": outcome.message}
        return _check_answer(contest, fields, outcome.flags, refusal)
    return _check_answer(contest, fields, outcome.flags, None, outcome=OUTCOME_LABELS[outcome.outcome])


def _check_answer(contest: Contest | None, fields: dict[str, str], flags: list[Flag], error: dict[str, Any] | None,
                  **extra: Any) -> Response:
    """The check's answer; a party rule's flag names its party block (`partai`) for the screen to mark."""
    pointers = entry_screen.party_of_flags(contest, fields)
    shown = [{**f, "partai": pointers[f["message"]]} if f["message"] in pointers else f for f in _flags(flags)]
    return Response(orjson.dumps({"flags": shown, "error": error, **extra}), media_type="application/json")


@router.post("/read", openapi_extra=access("role:KPPS, own TPS"))
async def read_photos(request: Request, contest: Annotated[str, Query(pattern=r"^[a-z0-9-]{1,32}$")]) -> Response:
    """The entry screen's reading of the page photos chosen (entry.js): numbers to pre-fill, the
    unsure ones marked; nothing is stored (the API's POST /api/v1/read-form, by session)."""
    _check_csrf(request, request.headers.get("x-csrf-token"))
    who = _who(request)
    if who is None:
        raise ServiceError(401, "unauthenticated", "sesi berakhir; masuk lagi")
    if not may(who.role, who.scope, Action.SUBMIT_FORM, who.scope):
        raise ServiceError(403, "forbidden", f"{who.actor}: hanya KPPS yang membaca formulir TPS-nya sendiri")
    answer = await read_uploaded(request, who, contest)
    return Response(orjson.dumps(answer), media_type="application/json")


@router.post("/submit", openapi_extra=access("role:KPPS, own TPS"))
async def submit(request: Request) -> Response:
    form, files = await read_upload(request, max_fields=ENTRY_MAX_FIELDS)  # 400 if cut off: nothing is stored
    _check_csrf(request, forms.text(form, "csrf"))
    who = _who(request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    doc = entry_screen.form_doc(request.app.state.reference, fields)
    if not may(who.role, who.scope, Action.SUBMIT_FORM, doc["tps"]):
        raise ServiceError(403, "forbidden", f"{who.actor} hanya boleh mengisi formulir TPS {who.scope}")
    uploads = {int(f.name[-1]): (f.data, f.content_type) for f in files
               if f.name in PAGE_FIELDS and f.filename}
    state = request.app.state
    submission = Submission(doc, f"{who.username}:ui:{fields.get('key', '')}", who.actor,
                            resend_grace=state.resend_grace)
    try:
        reading = _reading_record(fields.get("reading"))
        store = partial(submit_with_photos, state.blobs, state.writer, state.reference, submission, uploads,
                        state.policy, state.committer, reading)
        # photos to read wait for the process's reader and spend the account's budget (api/reading_gate.py)
        result = (await state.reading_gate.run(request, who.account_id, len(uploads), store)
                  if uploads or reading is not None else await run_in_threadpool(store))
    except ServiceError as exc:  # a photo or the reading's record refused: the form is not stored either
        return _outcome(request, who, doc, Outcome.REFUSED, [], exc.message, None, exc.status)
    if isinstance(result, IdempotencyConflict):
        return _outcome(request, who, doc, Outcome.REFUSED, [], "formulir ini sudah dikirim dengan isi lain", None, 409)
    if result.correction_id is not None:  # sent again after publication: a proposal for KPU RI
        return _outcome(request, who, doc, result.outcome, _flags(result.flags),
                        f"Usulan koreksi #{result.correction_id}: angka yang dipublikasikan tidak berubah sampai "
                        "KPU RI mengesahkannya.", None, 200, status_text=result.status)
    return _outcome(request, who, doc, result.outcome, _flags(result.flags), result.message, result.version_no,
                    422 if result.outcome is Outcome.REFUSED else 200)


def _reading_record(text: str | None) -> Any:
    """The entry screen's record of the numbers it pre-filled from the photos (entry.js fills the
    hidden field `reading`; without script it is empty)."""
    if not text:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ServiceError(422, "bad_reading", "catatan pembacaan foto tidak sah; muat ulang halaman") from None


def _outcome(request: Request, who: Principal, doc: dict[str, Any], outcome: Outcome, flags: list[dict[str, Any]],
             message: str | None, version_no: int | None, status: int, status_text: str | None = None) -> HTMLResponse:
    css = {Outcome.STORED: "stored", Outcome.STORED_WITH_NOTES: "notes", Outcome.REFUSED: "refused"}[outcome]
    proposal = status_text is not None  # a re-send after publication, waiting for KPU RI
    if proposal:
        css = "notes"
    else:
        status_text = OUTCOME_LABELS[outcome]  # the list below points at the boxes; no rule ids up here
    flags = _pointed(request.app.state.reference, doc["contest"], doc["tps"], flags)
    return _page(request, "outcome.html", {"who": who, "status": status_text, "css": css, "flags": flags,
                                           "refused": outcome is Outcome.REFUSED, "message": message,
                                           "version_no": version_no, "tps": doc["tps"], "contest": doc["contest"],
                                           "proposal": proposal},
                 status)


# --- officials: corrections and complaints ------------------------------------------------------


_official = session.signed_in


@router.get("/correct", openapi_extra=access("role:PPK|KPU_KABKOTA|KPU_PROVINSI, in scope"))
def correction_form(request: Request, tps: Annotated[str, Query(pattern=TPS_CODE)],
                    contest: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{1,32}$")] = None) -> Response:
    who = _official(request)
    chosen = _chosen_contest(request, contest, tps)
    if not may(who.role, who.scope, Action.PROPOSE_CORRECTION, tps):
        raise ServiceError(403, "forbidden", f"{who.actor} tidak boleh mengusulkan koreksi untuk TPS {tps}")
    return _entry_page(request, who, chosen, tps, correction=True)


@router.get("/complaints", openapi_extra=access("role:officials and KPU_RI, in scope"))
def complaints_page(request: Request) -> Response:
    who = _who(request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    return _complaints_page(request, who, None)


def _complaints_page(request: Request, who: Principal, notice: str | None) -> HTMLResponse:
    """The region's complaints, open ones first, each with its TPS by name and the way to act on it."""
    reference = request.app.state.reference
    items = complaints.queue(request.app.state.writer, who, None)
    shown = [{**item, "where": correction_pages.where_of(reference, item["contest"], item["tps"]),
              "contest_nama": getattr(reference.contests.get(item["contest"]), "nama", item["contest"]),
              "words": STATUS_WORDS["id"].get(item["status"], item["status"])} for item in items]
    open_first = [c for c in shown if c["status"] in OPEN] + [c for c in reversed(shown) if c["status"] not in OPEN]
    return _page(request, "complaints.html", {
        "who": who, "notice": notice, "items": open_first, "open": sum(1 for c in shown if c["status"] in OPEN),
        "region": nav.scope_name(reference, who.scope),
        "can_propose": may(who.role, who.scope, Action.PROPOSE_CORRECTION, who.scope)})


@router.post("/complaints/{number}/status", openapi_extra=access("role:officials and KPU_RI, in scope"))
async def move_complaint(request: Request, number: str) -> Response:
    form = await request.form(max_fields=6)
    _check_csrf(request, forms.text(form, "csrf"))
    who = _official(request)
    correction = row_id(forms.text(form, "correction_id"), "correction_id")
    moved = await run_in_threadpool(complaints.move, request.app.state.writer, who, number,
                                    forms.text(form, "status"), forms.text(form, "reason") or None,
                                    correction)
    return _complaints_page(request, who, f"Pengaduan {moved['number']}: {STATUS_WORDS['id'][moved['status']]}.")


# the officials' home pages and corrections, in modules of their own
router.add_api_route("", home.home, methods=["GET"], openapi_extra=home.ACCESS)
router.include_router(correction_pages.router)
