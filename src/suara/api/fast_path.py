"""Serve already-rendered documents straight from the publisher, before any other layer.

On election night nearly every request is for a document that is already rendered; answering
it here (ETag, 304, gzip, Cache-Control as everywhere else) skips the middleware stack, routing,
validation and the thread pool. The answer still carries the security headers and a request id
and is counted in the metrics and the access log like any other (the same Observer). Anything
not already rendered goes on to the application as usual.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from suara.api.observe import REQUEST_ID_HEADER, Observer
from suara.api.responses import DISCLAIMER_HEADER
from suara.publish.publisher import Document, Publisher
from suara.web.i18n import COOKIE, LANGS
from suara.web.page_cache import PageCache

DISCLAIMER_BYTES = DISCLAIMER_HEADER.encode()
LANGUAGE_COOKIE = COOKIE.encode()
DEFAULT_LANGUAGE = LANGS[0]

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class RenderedDocuments:
    """Documents the publisher has rendered for the current tally point, and portal pages
    (national, province... region pages) whose rendering still shows the data of now."""

    def __init__(self, app: ASGIApp, publisher: Callable[[], Publisher | None], observer: Observer,
                 pages: Callable[[], PageCache | None] = lambda: None) -> None:
        self.app = app
        self.publisher = publisher
        self.pages = pages
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["query_string"]:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        publisher = self.publisher()
        document = publisher.cached(scope["path"][1:]) if publisher is not None else None
        if document is None:
            pages = self.pages()
            document = pages.current(scope["path"], _language(scope)) if pages is not None else None
            if document is None:
                await self.app(scope, receive, send)
                return
            made = _page_headers
        else:
            made = _document_headers
        csp = content_security_policy(scope["path"])
        fixed = document.wire_headers
        if fixed is None or fixed.csp is not csp:
            fixed = document.wire_headers = made(document, csp)  # two requests racing here make the same
        rid = self.observer.request_id(scope)
        status = await _answer(scope, send, document, fixed, (REQUEST_ID_HEADER, rid.encode()))
        self.observer.record(scope, rid, status, time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class WireHeaders:
    """A document's headers, made on its first answer: those of a 304, and those of the whole
    body, plain and gzipped. `csp` is the policy they were made with, which goes by path (a
    document answered under a path of another kind has its headers made again)."""

    csp: tuple[bytes, bytes]
    not_modified: list[tuple[bytes, bytes]]
    plain: list[tuple[bytes, bytes]]
    gzipped: list[tuple[bytes, bytes]] | None


def _document_headers(document: Document, csp: tuple[bytes, bytes]) -> WireHeaders:
    common = [(b"etag", document.etag.encode()), (b"cache-control", document.cache_control.encode()),
              (b"vary", b"Accept-Encoding"), (b"x-suara-tally-seq", str(document.tally_seq).encode()),
              (b"x-suara-disclaimer", DISCLAIMER_BYTES)]
    if document.chain_head:
        common.append((b"x-suara-chain-head", document.chain_head.encode()))
    return _with_body_headers(document, csp, common)


def _page_headers(document: Document, csp: tuple[bytes, bytes]) -> WireHeaders:
    # as the portal's own answer (web/portal.py render): the page differs by language cookie
    common = [(b"etag", document.etag.encode()), (b"cache-control", document.cache_control.encode()),
              (b"vary", b"Accept-Encoding, Cookie")]
    return _with_body_headers(document, csp, common)


def _with_body_headers(document: Document, csp: tuple[bytes, bytes], common: list[tuple[bytes, bytes]]) -> WireHeaders:
    common = [*common, *SECURITY_HEADERS, csp]
    media = (b"content-type", document.media_type.encode())
    plain = [*common, media, (b"content-length", str(len(document.body)).encode())]
    compressed = document.gzipped()
    gzipped = None if compressed is None else [*common, (b"content-encoding", b"gzip"), media,
                                               (b"content-length", str(len(compressed)).encode())]
    return WireHeaders(csp, common, plain, gzipped)


def _language(scope: Scope) -> str:
    """The portal's language as web/i18n.py reads it from the cookie (no query here)."""
    for name, value in scope["headers"]:
        if name == b"cookie":
            for part in value.split(b";"):
                key, _, kept = part.strip().partition(b"=")
                lang = str(kept.decode("latin-1"))
                if key == LANGUAGE_COOKIE and lang in LANGS:
                    return lang
    return DEFAULT_LANGUAGE


async def _answer(scope: Scope, send: Callable[[Any], Awaitable[None]], document: Document,
                  fixed: WireHeaders, request_id: tuple[bytes, bytes]) -> int:
    """The document as the request asks for it: 304 for the reader's own version, gzip if taken."""
    if_none_match = accept_encoding = b""
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            if_none_match = value
        elif name == b"accept-encoding":
            accept_encoding = value
    if if_none_match and (if_none_match.strip() == b"*" or document.etag.encode() in
                          {t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")}):
        await send({"type": "http.response.start", "status": 304, "headers": [*fixed.not_modified, request_id]})
        await send({"type": "http.response.body", "body": b""})
        return 304
    if fixed.gzipped is not None and b"gzip" in accept_encoding:
        body, headers = document.gzipped(), fixed.gzipped
    else:
        body, headers = document.body, fixed.plain
    await send({"type": "http.response.start", "status": 200, "headers": [*headers, request_id]})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
    return 200


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"cross-origin"),
    (b"strict-transport-security", b"max-age=31536000"),
]
DATA_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
# Pages load only their own scripts, styles and images, and post only to themselves; the KPPS
# app also needs its own web app manifest and service worker.
PAGE_CSP = (b"content-security-policy", (b"default-src 'none'; script-src 'self'; style-src 'self'; "
                                        b"img-src 'self'; connect-src 'self'; manifest-src 'self'; "
                                        b"worker-src 'self'; form-action 'self'; "
                                        b"frame-ancestors 'none'; base-uri 'none'"))
# The API docs page (Swagger UI, served from here) is the same, except that its stylesheet draws
# its icons as data: SVG images; the KPPS app and the entry screen show the digit boxes cut out of
# a photo as the reader answers them, data: PNG images. An image cannot run script, so scripts
# stay 'self' only.
DOCS_CSP = (PAGE_CSP[0], PAGE_CSP[1].replace(b"img-src 'self';", b"img-src 'self' data:;"))
DATA_IMAGES = ("/docs", "/app/", "/ui/entry")


class SecurityHeaders:
    """The same protective headers on every response, whichever part of the app made it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        added = security_headers(scope["path"])

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)
        await self.app(scope, receive, with_headers)


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    return [*SECURITY_HEADERS, content_security_policy(path)]


def content_security_policy(path: str) -> tuple[bytes, bytes]:
    return (DATA_CSP if path.startswith(("/api/", "/sirekap/")) else DOCS_CSP if path.startswith(DATA_IMAGES)
            else PAGE_CSP)
