"""The write side: device tokens, form submission, corrections, complaints, accounts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from suara.api import receipts
from suara.api.access import access
from suara.api.auth import bearer, caller, client_address, limit, log_in
from suara.api.body_limits import MAX_ROW_ID, read_upload
from suara.api.limits import COMPLAINT_PER_ADDRESS
from suara.domain.access import Action, Role, may
from suara.domain.policy import Outcome
from suara.services import accounts, complaints, corrections
from suara.services.accounts import AccountError, Principal
from suara.services.errors import ServiceError
from suara.services.photos import MAX_PAGES, PAGE_FIELDS, PreparedSubmission, prepare_photos
from suara.services.submission import IdempotencyConflict, Submission, SubmissionResult

router = APIRouter(prefix="/api/v1", tags=["operator"])
Caller = Annotated[Principal, Depends(caller)]
KEY = Header(alias="Idempotency-Key", min_length=8, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(Strict):
    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    label: str = Field(default="device", max_length=100)


class CorrectionBody(Strict):
    form: dict[str, Any]
    reason: str = Field(min_length=5, max_length=1000)


class DecisionBody(Strict):
    approve: bool
    reason: str = Field(min_length=5, max_length=1000)


class ComplaintBody(Strict):
    contest: str = Field(pattern=r"^[a-z0-9-]{1,32}$")
    tps: str = Field(pattern=r"^\d{13}$")
    text: str = Field(min_length=10, max_length=2000)


class ComplaintMove(Strict):
    status: Literal["under_review", "corrected", "rejected"]
    reason: str | None = Field(default=None, max_length=1000)
    correction_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)


class AccountBody(Strict):
    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=10, max_length=256)
    role: Role
    scope: str = Field(pattern=r"^(0|\d{2}|\d{4}|\d{6}|\d{10}|\d{13})$")


def _json(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status_code=status, media_type="application/json",
                    headers={"Cache-Control": "no-store"})


@router.post("/auth/token", openapi_extra=access("public"), summary="Log in; returns a device token")
def login(request: Request, body: LoginBody) -> Response:
    try:
        secret, who = log_in(request, body.username, body.password, body.label)
    except AccountError as exc:
        raise ServiceError(401, exc.code, exc.message) from None
    return _json(_token_doc(secret, who, accounts.token_expiry(request.app.state.writer, secret)), 201)


def _token_doc(secret: str, who: Principal, expires: Any) -> dict[str, Any]:
    return {"token": secret, "username": who.username, "role": who.role.value, "scope": who.scope,
            "expires_at": expires.isoformat()}


@router.post("/auth/token/rotate", openapi_extra=access("authenticated"),
             summary="Swap this request's token for a new one with a fresh expiry; the old one stops working")
def rotate(request: Request, who: Caller) -> Response:
    try:
        secret, who, expires = accounts.rotate_token(request.app.state.writer, bearer(request))
        request.app.state.token_cache.forget(bearer(request))
    except AccountError as exc:  # revoked by a concurrent request since it was checked
        raise ServiceError(401, exc.code, exc.message) from None
    return _json(_token_doc(secret, who, expires), 201)


@router.delete("/auth/token", openapi_extra=access("authenticated"), summary="Revoke the token of this request")
def logout(request: Request, who: Caller) -> Response:
    accounts.revoke_token(request.app.state.writer, bearer(request))
    request.app.state.token_cache.forget(bearer(request))
    return Response(status_code=204)


REFUSAL_STATUS = {"malformed": 422, "unknown_tps": 404, "unknown_contest": 404, "outside_contest": 422, "other_election": 422,
                  "rules_failed": 422}


async def _submission_parts(request: Request) -> tuple[Any, dict[int, tuple[bytes, str | None]], Any]:
    """The form JSON, page photos and reading record of a submission: JSON alone, or multipart
    with photos page1..page5 and, where the device pre-filled numbers from a reading of them, the
    part `reading` ({"numbers": {path: "machine_read"|"confirmed"|"changed"}})."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        fields, files = await read_upload(request, max_fields=2)  # 400 if cut off: nothing is stored
        raw = fields.get("form")
        if not isinstance(raw, str):
            raise ServiceError(422, "missing_form", "bagian 'form' (JSON formulir) wajib ada")
        if set(fields) - {"form", "reading"}:
            unknown = min(set(fields) - {"form", "reading"})[:40]
            raise ServiceError(422, "bad_part", f"bagian tidak dikenal: {unknown!r} (form, reading, page1..page{MAX_PAGES})")
        uploads: dict[int, tuple[bytes, str | None]] = {}
        for upload in files:
            if upload.name not in PAGE_FIELDS:
                raise ServiceError(422, "bad_part", f"bagian tidak dikenal: {upload.name!r} (form, reading, page1..page{MAX_PAGES})")
            uploads[int(upload.name[-1])] = (upload.data, upload.content_type)
        record = fields.get("reading")
        reading = _json_part(record.encode(), "catatan pembacaan: ") if isinstance(record, str) else None
        return _json_part(raw.encode()), uploads, reading
    return _json_part(await request.body()), {}, None


def _json_part(body: bytes, what: str = "") -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ServiceError(422, "bad_json", f"{what}JSON tidak sah: {exc}") from None


@router.post("/submissions", openapi_extra=access("role:KPPS, own TPS"),
             summary="Submit one TPS's C Hasil form, as JSON or multipart with photos page1..page5 and "
                     "the officer's record of a reading of them (retries with the same Idempotency-Key are harmless)")
async def submit(request: Request, who: Caller, key: Annotated[str, KEY]) -> Response:
    form, uploads, reading = await _submission_parts(request)
    if not isinstance(form, dict):
        raise ServiceError(422, "malformed", f"formulir harus objek JSON, bukan {type(form).__name__}")
    tps = form.get("tps")
    if not isinstance(tps, str) or not may(who.role, who.scope, Action.SUBMIT_FORM, tps):
        raise ServiceError(403, "forbidden", f"{who.actor} hanya boleh mengirim formulir TPS {who.scope}")
    state = request.app.state
    submission = Submission(form, f"{who.username}:{key}", who.actor, resend_grace=state.resend_grace)
    # the photos' checks and reading are CPU work for a thread, bounded (api/reading_gate.py); a form alone goes straight on
    prepared = (await state.reading_gate.run(request, who.account_id, len(uploads), prepare_photos, state.reference,
                                             submission, uploads, reading)
                if uploads or reading is not None else PreparedSubmission(submission))
    # waiting for the group commit holds no thread: the answer comes when the batch is durable
    result = await state.committer.submit_async(prepared.submission, state.policy)
    if prepared.pages.contents:
        await run_in_threadpool(prepared.keep_if_stored, result, state.blobs)
    return _answer(state, result)


def _answer(state: Any, result: SubmissionResult | IdempotencyConflict) -> Response:
    if isinstance(result, IdempotencyConflict):
        raise ServiceError(409, "idempotency_conflict", "Idempotency-Key ini sudah dipakai untuk isi yang lain")
    if result.outcome is Outcome.REFUSED:
        code = result.error_code or "refused"
        raise ServiceError(REFUSAL_STATUS.get(code, 422), code, result.message or result.outcome.label,
                           result.as_dict())
    if result.correction_id is not None:  # sent again after publication: waits for KPU RI (services/resends.py)
        return _json(result.as_dict(), 202)
    # the signed receipt of the stored version; a replay gets the same one (Ed25519 is deterministic)
    return _json({**result.as_dict(), **receipts.for_submission(state, result)},
                 200 if result.replayed else 201)


@router.post("/corrections", openapi_extra=access("role:PPK|KPU_KABKOTA|KPU_PROVINSI, in scope"),
             summary="Propose a correction of a TPS's form, with a reason")
def propose(request: Request, who: Caller, body: CorrectionBody) -> Response:
    state = request.app.state
    return _json(corrections.propose(state.writer, state.reference, who, body.form, body.reason).as_dict(), 201)


@router.get("/corrections", openapi_extra=access("role:officials and KPU_RI, in scope"),
            summary="Corrections in the caller's region")
def list_corrections(request: Request, who: Caller,
                     status: Annotated[Literal["proposed", "approved", "rejected"] | None, Query()] = None) -> Response:
    return _json([c.as_dict() for c in corrections.listing(request.app.state.writer, who, status)])


@router.post("/corrections/{correction_id}/decision", openapi_extra=access("role:KPU_RI"),
             summary="Authorise (apply) or reject a proposed correction")
def decide(request: Request, who: Caller, correction_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)], body: DecisionBody) -> Response:
    state = request.app.state
    return _json(corrections.decide(state.writer, state.reference, who, correction_id, body.approve,
                                    body.reason).as_dict())


@router.post("/complaints", openapi_extra=access("public, rate limited"),
             summary="Report a mismatch between a TPS's photo and its numbers")
def file_complaint(request: Request, body: ComplaintBody) -> Response:
    limit(request, f"complaint:{client_address(request)}", COMPLAINT_PER_ADDRESS)
    state = request.app.state
    return _json(complaints.file(state.writer, state.reference, body.contest, body.tps, body.text), 201)


@router.get("/complaints/{number}", openapi_extra=access("public"), summary="The status of a complaint by its number")
def complaint_status(request: Request, number: Annotated[str, Path(pattern=r"^PGD-[A-Z0-9]{8}$")]) -> Response:
    return _json(complaints.status(request.app.state.writer, number))


@router.get("/complaints", openapi_extra=access("role:officials and KPU_RI, in scope"),
            summary="The complaint queue of the caller's region")
def complaint_queue(request: Request, who: Caller,
                    status: Annotated[Literal["received", "under_review", "corrected", "rejected"] | None,
                                      Query()] = None) -> Response:
    return _json(complaints.queue(request.app.state.writer, who, status))


@router.post("/complaints/{number}/status", openapi_extra=access("role:officials and KPU_RI, in scope"),
             summary="Move a complaint on: under review, corrected (with its correction) or rejected (with a reason)")
def move_complaint(request: Request, who: Caller, number: Annotated[str, Path(pattern=r"^PGD-[A-Z0-9]{8}$")],
                   body: ComplaintMove) -> Response:
    return _json(complaints.move(request.app.state.writer, who, number, body.status, body.reason, body.correction_id))


@router.post("/accounts", openapi_extra=access("role:KPU_RI"), summary="Create an account")
def create_account(request: Request, who: Caller, body: AccountBody) -> Response:
    if not may(who.role, who.scope, Action.MANAGE_ACCOUNTS, body.scope):
        raise ServiceError(403, "forbidden", f"{who.actor} tidak boleh mengelola akun")
    known = body.scope == "0" or body.scope in request.app.state.reference.tree or \
        request.app.state.reference.tree.has_tps(body.scope)
    try:
        account_id = accounts.create_account(request.app.state.writer, body.username, body.password, body.role,
                                             body.scope, who.actor, known_region=known)
    except AccountError as exc:
        raise ServiceError(409 if exc.code == "exists" else 422, exc.code, exc.message) from None
    return _json({"id": account_id, "username": body.username, "role": body.role.value, "scope": body.scope}, 201)


@router.delete("/accounts/{username}", openapi_extra=access("role:KPU_RI"),
               summary="Deactivate an account and revoke its tokens")
def revoke_account(request: Request, who: Caller, username: Annotated[str, Path(max_length=64)]) -> Response:
    if not may(who.role, who.scope, Action.MANAGE_ACCOUNTS, "0"):
        raise ServiceError(403, "forbidden", f"{who.actor} tidak boleh mengelola akun")
    try:
        accounts.revoke_account(request.app.state.writer, username, who.actor)
        request.app.state.token_cache.forget_account(username)
    except AccountError as exc:
        raise ServiceError(404, exc.code, exc.message) from None
    return Response(status_code=204)
