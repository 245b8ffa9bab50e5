"""A request id, the request's metrics and its one access-log line, for every answer.

Observed wraps every layer below the fast path, so that it sees writes shed by admission,
oversized bodies refused and routed requests alike; the fast path (api/fast_path.py), outermost,
records the documents it answers itself through the same Observer. Routes are labelled by their template (`/api/v1/results/{contest}/{kode}`), never by the
raw path, which anyone can vary without end; a path no route knows is one label, `unmatched`.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, compile_path

from suara.api.admission import ASGIApp, Receive, Scope, Send
from suara.api.metrics import KNOWN_METHODS, OTHER_METHOD, Metrics
from suara.logs import request_id

ACCESS_LOGGER = "suara.access"
access_log = logging.getLogger(ACCESS_LOGGER)
REQUEST_ID_HEADER = b"x-request-id"
# a caller's id is kept when it looks like an id (a UUID, a trace id, a ULID): at most 64
# characters, letters, digits and . _ : - ; anything else (a log-injection attempt, a novel) is
# replaced by one of ours
VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
UNMATCHED = "unmatched"
CONVERTOR = re.compile(r"{(\w+):\w+}")
TEMPLATE_CACHE_SIZE = 4096  # raw path -> template for requests that skip routing (the fast path)
ACCESS_LOG_ENV = "SUARA_ACCESS_LOG"
# all: a line for every request; writes: every request except successful reads (GET/HEAD under
# 400), which are the bulk of election night and are logged by the CDN or proxy in front anyway
ACCESS_LOG_CHOICES = ("all", "writes")
READS = frozenset({"GET", "HEAD"})


def access_log_choice() -> str:
    choice = os.environ.get(ACCESS_LOG_ENV, "all")
    if choice not in ACCESS_LOG_CHOICES:
        raise ValueError(f"{ACCESS_LOG_ENV} must be one of {', '.join(ACCESS_LOG_CHOICES)}, not {choice!r}")
    return choice


class _MadeIds:
    """Request ids made here: this process's random prefix and a counter, 16 hex digits, unique
    across processes without a system call for randomness on every request. A forked worker
    draws a prefix of its own."""

    def __init__(self) -> None:
        self.draw()

    def draw(self) -> None:
        self.prefix = f"{secrets.randbits(32):08x}"
        self.counter = itertools.count(secrets.randbits(16))

    def next(self) -> str:
        return f"{self.prefix}{next(self.counter) & 0xFFFFFFFF:08x}"


_made = _MadeIds()
os.register_at_fork(after_in_child=_made.draw)
new_request_id = _made.next


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            return value.decode("ascii") if VALID_REQUEST_ID.match(value) else None
    return None


class RouteTemplates:
    """The route template a request was (or would be) routed to.

    A routed request carries its route in the scope; the fast path answers before routing, so its
    path is matched against the routes' patterns here, in the app's order, with a bounded cache."""

    def __init__(self, app: FastAPI) -> None:
        self.by_route: dict[int, str] = {}
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        for context in iter_route_contexts(app.routes):
            route = context.original_route
            if isinstance(route, Mount):
                template = f"{route.path}/{{path}}"
                self.patterns.append((re.compile("^" + re.escape(route.path) + "/"), template))
            elif context.path:
                template = CONVERTOR.sub(r"{\1}", context.path)  # /sirekap/{path:path} -> /sirekap/{path}
                self.patterns.append((compile_path(context.path)[0], template))
            else:
                continue
            self.by_route[id(route)] = template
        self.cache: dict[str, str] = {}

    def of(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is not None and (template := self.by_route.get(id(route))) is not None:
            return template
        path: str = scope["path"]
        template = self.cache.get(path)
        if template is None:
            template = next((t for pattern, t in self.patterns if pattern.match(path)), UNMATCHED)
            if len(self.cache) >= TEMPLATE_CACHE_SIZE:
                self.cache.clear()
            self.cache[path] = template
        return template


class Observer:
    """What every answer is recorded with: its request id, its metrics and its access-log line.
    Shared by Observed (every request the application sees) and the fast path
    (api/fast_path.py RenderedDocuments), which answers most reads before any other layer."""

    def __init__(self, metrics: Metrics, routed_app: Callable[[], FastAPI], log_reads: bool = True) -> None:
        self.metrics = metrics
        self.routed_app = routed_app
        self._templates: RouteTemplates | None = None
        self.log_reads = log_reads

    def templates(self) -> RouteTemplates:
        if self._templates is None:  # built on the first request: every route is included by then
            self._templates = RouteTemplates(self.routed_app())
        return self._templates

    @staticmethod
    def request_id(scope: Scope) -> str:
        return incoming_request_id(scope["headers"]) or new_request_id()

    def record(self, scope: Scope, rid: str, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in KNOWN_METHODS else OTHER_METHOD
        route = self.templates().of(scope)
        self.metrics.observe_request(method, route, status, seconds)
        if (self.log_reads or status >= 400 or method not in READS) and access_log.isEnabledFor(logging.INFO):
            client = scope.get("client")
            ms = seconds * 1000
            # made and handled directly (Logger.info would also walk the stack for the caller),
            # its fields in one dict that the JSON formatter takes as it is
            access_log.handle(access_log.makeRecord(
                ACCESS_LOGGER, logging.INFO, "", 0, f"{method} {route} {status} {ms:.1f} ms", (), None,
                extra={"request_id": rid, "fields": {
                    "method": method, "route": route, "status": status, "duration_ms": round(ms, 3),
                    "client": client[0] if client else None}}))


class Observed:
    """ASGI middleware: X-Request-Id in and out, the metrics of every answer, one log line each."""

    def __init__(self, app: ASGIApp, observer: Observer) -> None:
        self.app = app
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = self.observer.request_id(scope)
        echoed = (REQUEST_ID_HEADER, rid.encode())
        token = request_id.set(rid)
        status = 500  # what the server answers when the app fails before it starts a response

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), echoed]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.observer.record(scope, rid, status, time.perf_counter() - started)
            request_id.reset(token)
