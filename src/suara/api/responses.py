"""Responses for rendered documents (ETag, 304, Cache-Control, gzip) and the one error shape."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request, Response

from suara.publish.own import DISCLAIMER
from suara.publish.publisher import Document


def error(status: int, code: str, message: str, details: Any = None) -> Response:
    body = orjson.dumps({"error": {"code": code, "message": message, "details": details}})
    return Response(body, status_code=status, media_type="application/json",
                    headers={"Cache-Control": "no-store"})


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in candidates


# Sirekap-shaped documents cannot carry it in their bodies (tools sum every key of a chart), so
# every published response carries the disclaimer in a header as well.
DISCLAIMER_HEADER = DISCLAIMER["id"]


def serve(request: Request, document: Document, disclaimer: str = DISCLAIMER_HEADER) -> Response:
    """A rendered document; disclaimer: what it is (by default the preliminary publication's words;
    the recapitulation's documents say their own)."""
    return conditional(request, document, {
        "ETag": document.etag, "Cache-Control": document.cache_control, "Vary": "Accept-Encoding",
        "X-Suara-Tally-Seq": str(document.tally_seq), "X-Suara-Disclaimer": disclaimer,
        **({"X-Suara-Chain-Head": document.chain_head} if document.chain_head else {})})


def conditional(request: Request, document: Document, headers: dict[str, str], status: int = 200) -> Response:
    """The document as the request asks for it: a 304 when the reader has this version, gzipped
    when the reader takes it."""
    if status == 200 and _matches(request.headers.get("if-none-match"), document.etag):
        return Response(status_code=304, headers=headers)
    body = document.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        compressed = document.gzipped()
        if compressed is not None:
            body = compressed
            headers = {**headers, "Content-Encoding": "gzip"}
    return Response(body, status_code=status, media_type=document.media_type, headers=headers)
