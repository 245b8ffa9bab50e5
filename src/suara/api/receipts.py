"""Receipts (kwitansi): the deployment's public key, a check of a receipt against this
deployment's record, and the receipt that goes with every accepted submission."""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from suara.api.access import PUBLIC, access
from suara.api.auth import client_address, limit
from suara.api.limits import SEARCH_PER_ADDRESS
from suara.api.openapi import JSON, OPERATIONS, Operation, _answers
from suara.config import Settings
from suara.domain.receipts import MAX_TEXT, Receipt, ReceiptError, parse_receipt
from suara.services import receipts
from suara.services.errors import ServiceError
from suara.services.receipts import ReceiptCheck, ReceiptKeys
from suara.services.submission import SubmissionResult

log = logging.getLogger("suara.api")
router = APIRouter(prefix="/api/v1/receipts", tags=["receipts"])
RECEIPT_TEXT = Query(min_length=1, max_length=MAX_TEXT,
                     description="a receipt: its JSON, its compact form (SK1.…) or a link holding it")

OPERATIONS.update({
    ("get", "/api/v1/receipts/key"): Operation(_answers({200: JSON}, ())),
    ("get", "/api/v1/receipts/check"): Operation(_answers({200: JSON}, (422, 429))),
})


def keys(state: Any) -> ReceiptKeys:
    """The app's signing key holder, made on first use (the key file sits in SUARA_DATA_DIR)."""
    found = getattr(state, "receipt_keys", None)
    if found is None:
        found = state.receipt_keys = ReceiptKeys(receipts.signing_key_path(Settings.from_env().data_dir))
    return found


def check_url(receipt: Receipt, base_url: str | None = None, compact: str | None = None) -> str:
    """The public page that checks a receipt, with the receipt in its address (what the QR code
    holds). `compact`: the receipt's compact form when the caller has made it already."""
    base = Settings.from_env().public_base_url if base_url is None else base_url
    return f"{base}/kwitansi?r={quote(compact or receipt.compact(), safe='')}"


def for_submission(state: Any, result: SubmissionResult) -> dict[str, Any]:
    """The receipt fields of a submission's answer. The version is stored by now, so a failure
    here must not turn its answer into an error: the device gets the receipt on its retry."""
    if result.version_id is None:
        return {}
    try:
        if result.sealed is not None and result.tps is not None and result.contest is not None \
                and result.version_no is not None:  # stored by this request: signed from its own event
            receipt: Receipt | None = receipts.issue_sealed(keys(state).private(), result.tps, result.contest,
                                                            result.version_no, result.sealed)
        else:  # a replay: found in the chain, on the primary (a replica may not have it yet)
            receipt = receipts.issue(state.publisher.engine, keys(state).private(), result.version_id)
    except Exception:
        log.exception("receipt for version %s could not be issued", result.version_id)
        receipt = None
    if receipt is None:
        return {"receipt": None}
    compact = receipt.compact()
    return {"receipt": receipt.as_dict(), "receipt_compact": compact,
            "receipt_url": check_url(receipt, state.public_base_url, compact)}


def parsed(text: str) -> Receipt:
    try:
        return parse_receipt(text)
    except ReceiptError as exc:
        raise ServiceError(422, "not_a_receipt", str(exc)) from None


def check_here(request: Request, receipt: Receipt) -> ReceiptCheck:
    """A receipt against this deployment's own database (blocking: call from a thread)."""
    state = request.app.state
    public = keys(state).private().public_key()
    return receipts.check_local(state.publisher.engine, receipt, public)


@router.get("/key", openapi_extra=access(PUBLIC),
            summary="The deployment's Ed25519 public key that signs receipts and snapshots (base64 of 32 bytes)")
def public_key(request: Request) -> Response:
    return Response(orjson.dumps(keys(request.app.state).published()), media_type="application/json",
                    headers={"Cache-Control": "public, max-age=300"})


@router.get("/check", openapi_extra=access("public, rate limited"),
            summary="Check a receipt against this deployment's record: signature, chain position, stored version")
async def check(request: Request, r: Annotated[str, RECEIPT_TEXT]) -> Response:
    limit(request, f"receipt:{client_address(request)}", SEARCH_PER_ADDRESS)
    receipt = parsed(r)
    result = await run_in_threadpool(check_here, request, receipt)
    return Response(orjson.dumps(result.as_dict()), media_type="application/json",
                    headers={"Cache-Control": "no-store"})
