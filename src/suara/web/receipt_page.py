"""/kwitansi: anyone opens or pastes a receipt and sees whether it checks out against this
deployment's record; /kwitansi/qr.svg: the QR code of a receipt's check link, drawn here (segno)
so that no page loads a script or an image from elsewhere."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from suara.api.access import access
from suara.api.auth import client_address, limit
from suara.api.limits import SEARCH_PER_ADDRESS
from suara.api.openapi import HTML, JSON, OPERATIONS, Operation, _answers
from suara.api.receipts import check_here, check_url, keys
from suara.domain.localtime import wib_text
from suara.domain.receipts import MAX_TEXT, Receipt, ReceiptError, parse_receipt
from suara.services.errors import ServiceError
from suara.web import i18n
from suara.web.portal import render

router = APIRouter(tags=["portal"])
SVG = "image/svg+xml"
OPERATIONS.update({
    ("get", "/kwitansi"): Operation(_answers({200: HTML}, (422, 429), HTML), errors_as=HTML),
    ("get", "/kwitansi/qr.svg"): Operation(_answers({200: SVG}, (422,), JSON)),
})
# The page's phrases in English (the portal's table, web/i18n.py, falls back to Indonesian).
i18n.ENGLISH.update({
    "Periksa kwitansi": "Check a receipt",
    "Kwitansi diberikan kepada KPPS saat formulir C Hasil tersimpan. Kwitansi ditandatangani penyelenggara dan "
    "menyebut versi yang tersimpan, hash isinya, dan posisinya di rantai audit. Pindai kode QR kwitansi atau tempel "
    "kwitansi di sini untuk memeriksanya.":
        "A KPPS gets a receipt when its C Hasil form is stored. The receipt is signed by the deployment and names the "
        "stored version, the hash of its content and its position in the audit chain. Scan the receipt's QR code or "
        "paste the receipt here to check it.",
    "Kwitansi (JSON, bentuk ringkas SK1… atau tautan)": "Receipt (JSON, compact SK1… form or link)",
    "Periksa": "Check",
    "Kwitansi sah": "The receipt checks out",
    "Kwitansi tidak sah": "The receipt does not check out",
    "Kwitansi asli; versi ini belum tampil di catatan publik TPS. Periksa lagi sebentar lagi.":
        "The receipt is genuine; this version is not on the TPS's public record yet. Check again shortly.",
    "Tanda tangan sah, dan rantai audit serta catatan TPS memuat versi ini dengan isi yang sama.":
        "The signature is valid, and the audit chain and the TPS's record hold this version with the same content.",
    "Isi kwitansi": "What the receipt says",
    "Pemilihan": "Contest",
    "Versi": "Version",
    "Hash isi formulir": "Content hash of the form",
    "Posisi di rantai audit": "Position in the audit chain",
    "Hash peristiwa": "Event hash",
    "Disimpan": "Stored",
    "Kunci penanda tangan": "Signing key",
    "Versi terkini TPS ini: {n}. Versi yang lebih baru adalah koreksi atau pengiriman ulang; riwayatnya ada di "
    "halaman TPS.": "The current version of this TPS: {n}. Later versions are corrections or resubmissions; their "
                    "history is on the TPS's page.",
    "Kode QR untuk saksi: membuka halaman ini dengan kwitansi yang sama.":
        "QR code for witnesses: opens this page with the same receipt.",
    "Periksa sendiri, tanpa mempercayai server ini": "Check it yourself, without trusting this server",
    "Kunci publik penyelenggara (Ed25519):": "The deployment's public key (Ed25519):",
    "Halaman TPS": "The TPS's page",
})


def stored_wib(receipt: Receipt) -> str:
    try:
        return wib_text(datetime.fromisoformat(receipt.stored_at)) + " WIB"
    except ValueError:
        return receipt.stored_at


def qr_svg(text: str, title: str) -> str:
    """An SVG QR code (error correction M: readable from a phone screen with some glare)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="svg", scale=1, border=4, xmldecl=False, svgns=True,
                                                  omitsize=True, title=title, svgclass="qr", dark="#000",
                                                  light="#fff")
    return out.getvalue().decode("utf-8")


@router.get("/kwitansi", openapi_extra=access("public, rate limited"))
async def receipt_page(request: Request,
                       r: Annotated[str, Query(description="a receipt, as on /api/v1/receipts/check (a longer text "
                                                           "than a receipt is refused on the page)")] = "") -> Response:
    context: dict[str, Any] = {"text": r, "result": None, "error": None, "public_key": None}
    status = 200
    if r.strip():
        limit(request, f"receipt:{client_address(request)}", SEARCH_PER_ADDRESS)
        try:
            receipt = parse_receipt(r)
        except ReceiptError as exc:
            context["error"], status = str(exc), 422
        else:
            result = await run_in_threadpool(check_here, request, receipt)
            context.update(result=result, receipt=receipt, stored=stored_wib(receipt),
                           qr=qr_svg(check_url(receipt), i18n.translator(i18n.language(request))(
                               "Kode QR untuk saksi: membuka halaman ini dengan kwitansi yang sama.")))
    context["public_key"] = (await run_in_threadpool(keys(request.app.state).published))["public_key"]
    return render(request, "kwitansi.html", context, status)


@router.get("/kwitansi/qr.svg", openapi_extra=access("public"))
def receipt_qr(r: Annotated[str, Query(min_length=1, max_length=MAX_TEXT)]) -> Response:
    """The QR code of a receipt's check link. Only a receipt is drawn (this is no QR service)."""
    try:
        receipt = parse_receipt(r)
    except ReceiptError as exc:
        raise ServiceError(422, "not_a_receipt", str(exc)) from None
    return Response(qr_svg(check_url(receipt), f"Kwitansi TPS {receipt.tps} versi {receipt.version_no}"),
                    media_type=SVG, headers={"Cache-Control": "public, max-age=31536000, immutable"})
