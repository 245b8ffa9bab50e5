"""Saying no at once when the server cannot take the work: too many writes in flight, or the
database away. Both answer 503 with Retry-After in the one error shape, so a device backs off
and retries instead of waiting behind a queue that only grows.

Writes queue on the database's write lock; past a point every extra writer adds its wait to
everyone's latency (64 concurrent writers gave a p99 of 2.1 s and nothing was shed). Admission
caps the writes this process works on at once (SUARA_MAX_WRITES_IN_FLIGHT) and refuses the rest
before their bodies are read. Reads are not counted: they are served from the publisher's cache.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Writes serialise on the audit-chain head, so more in flight only queue; on 2 cores with SQLite
# (bench/write_overload.py) 8 per worker gave more accepted writes and a lower p99 than 16 or 64.
DEFAULT_MAX_WRITES_IN_FLIGHT = 8
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WRITE_PREFIXES = ("/api/v1/", "/ui/")
OVERLOAD_RETRY_SECONDS = 1
OUTAGE_RETRY_SECONDS = 5
OVERLOADED = "server sedang penuh; coba lagi sebentar lagi"
UNAVAILABLE = "basis data sedang tidak tersedia; coba lagi sebentar lagi"


# A write that has been in the works this long says the process is already behind: the ones
# that arrive now would wait at least as long, so they are turned away at once instead (shedding
# on time in the queue, as CoDel does, rather than on its length alone). A write's clock runs
# from when its whole body is in, and stops while it does work of its own (its photos read, see
# off_the_clock): a phone sending on a slow network, or a sender trickling its body on purpose,
# and a long reading say nothing about the write path, and must not turn everyone else away.
DEFAULT_SHED_AFTER_MS = 400
CLOCK = "suara.write_clock"  # in an admitted write's scope: (the admission's record, its key)


def shed_after_seconds() -> float:
    value = int(os.environ.get("SUARA_WRITE_SHED_AFTER_MS", DEFAULT_SHED_AFTER_MS))
    if value < 1:
        raise ValueError("SUARA_WRITE_SHED_AFTER_MS must be at least 1")
    return value / 1000


def max_writes_in_flight() -> int:
    bound = int(os.environ.get("SUARA_MAX_WRITES_IN_FLIGHT", DEFAULT_MAX_WRITES_IN_FLIGHT))
    if bound < 1:
        raise ValueError("SUARA_MAX_WRITES_IN_FLIGHT must be at least 1")
    return bound


def unavailable_body(message: str, retry_after: int) -> bytes:
    return orjson.dumps({"error": {"code": "unavailable", "message": message,
                                   "details": {"retry_after": retry_after}}})


class WriteAdmission:
    """ASGI middleware: at most `bound` write requests in this process at once, and none while the
    oldest write in the works is older than `shed_after` seconds; the rest get 503 at once.

    The count is kept on the event loop (one per worker process), which runs this code without
    preemption between the check and the increment, so no lock is needed.
    """

    def __init__(self, app: ASGIApp, bound: int | None = None, shed_after: float | None = None,
                 on_shed: Callable[[], None] | None = None) -> None:
        self.app = app
        self.on_shed = on_shed  # counts for /metrics
        self.bound = bound if bound is not None else max_writes_in_flight()
        self.shed_after = shed_after if shed_after is not None else shed_after_seconds()
        # in-flight writes -> since when each has waited on the write path (None: its body is still
        # coming, or it is at work of its own); at most `bound` of them, so min() is cheap
        self.started: dict[int, float | None] = {}
        self.shed = 0

    @property
    def in_flight(self) -> int:
        return len(self.started)

    def behind(self, now: float) -> bool:
        waiting = [since for since in self.started.values() if since is not None]
        return bool(waiting) and now - min(waiting) > self.shed_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS or \
                not scope["path"].startswith(WRITE_PREFIXES):
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        if self.in_flight >= self.bound or self.behind(now):
            self.shed += 1
            if self.on_shed is not None:
                self.on_shed()
            await _refuse(send, OVERLOADED, OVERLOAD_RETRY_SECONDS)
            return
        key = id(scope)
        started = self.started
        # a write without a body is on the clock at once: its route may never ask for a body
        started[key] = None if _has_body(scope) else now
        scope[CLOCK] = (started, key)

        async def receive_body() -> Any:
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False) and key in started:
                started[key] = time.monotonic()  # the whole body is in: on the clock
            return message
        try:
            await self.app(scope, receive_body, send)
        finally:
            del started[key]


def _has_body(scope: Scope) -> bool:
    """Whether a body is to come: a Content-Length above 0, or a chunked one."""
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False


@contextmanager
def off_the_clock(scope: Scope) -> Iterator[None]:
    """While an admitted write does work of its own (its photos read, or waiting for the reader),
    its time says nothing about the write path: admission leaves it out of the oldest write's
    age, and its clock starts again after."""
    clock = scope.get(CLOCK)
    if clock is None:  # not a write admission counts (or no admission in front: a test's app)
        yield
        return
    started, key = clock
    started[key] = None
    try:
        yield
    finally:
        if key in started:
            started[key] = time.monotonic()


async def _refuse(send: Send, message: str, retry_after: int) -> None:
    body = unavailable_body(message, retry_after)
    # Connection: close, because the refused request's body is never read.
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"), (b"retry-after", str(retry_after).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def database_unavailable(exc: BaseException) -> bool:
    """Whether an error means the database cannot be reached or used right now (as opposed to a
    bug in a statement): the connection refused or lost, the database gone, the pool exhausted,
    SQLite's file unreadable or locked past its busy timeout."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
