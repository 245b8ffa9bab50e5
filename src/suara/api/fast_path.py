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
        if document is not None:
            headers = [(b"etag", document.etag.encode()), (b"cache-control", document.cache_control.encode()),
                       (b"vary", b"Accept-Encoding"), (b"x-suara-tally-seq", str(document.tally_seq).encode()),
                       (b"x-suara-disclaimer", DISCLAIMER_BYTES)]
            if document.chain_head:
                headers.append((b"x-suara-chain-head", document.chain_head.encode()))
        else:
            pages = self.pages()
            document = pages.current(scope["path"], _language(scope)) if pages is not None else None
            if document is None:
                await self.app(scope, receive, send)
                return
            # as the portal's own answer (web/portal.py render): the page differs by language cookie
            headers = [(b"etag", document.etag.encode()), (b"cache-control", document.cache_control.encode()),
                       (b"vary", b"Accept-Encoding, Cookie")]
        rid = self.observer.request_id(scope)
        headers += [*security_headers(scope["path"]), (REQUEST_ID_HEADER, rid.encode())]
        status = await _answer(scope, send, document, headers)
        self.observer.record(scope, rid, status, time.perf_counter() - started)


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
                  headers: list[tuple[bytes, bytes]]) -> int:
    """The document as the request asks for it: 304 for the reader's own version, gzip if taken."""
    if_none_match = accept_encoding = b""
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            if_none_match = value
        elif name == b"accept-encoding":
            accept_encoding = value
    etag = document.etag.encode()
    if if_none_match and (if_none_match.strip() == b"*" or etag in
                          {t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")}):
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return 304
    body = document.body
    if b"gzip" in accept_encoding and (compressed := document.gzipped()) is not None:
        body = compressed
        headers.append((b"content-encoding", b"gzip"))
    headers += [(b"content-type", document.media_type.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
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
    csp = (DATA_CSP if path.startswith(("/api/", "/sirekap/")) else DOCS_CSP if path.startswith(DATA_IMAGES)
           else PAGE_CSP)
    return [*SECURITY_HEADERS, csp]
