"""Request bodies: how big each route's may be, refused before they are read, and uploads
streamed to disk within those limits.

`BodyLimits` (ASGI middleware, outside routing) decides a cap from the method, path and
Content-Type alone, then:
- takes the caller's per-address write budget before a single body byte is read, so a flood
  costs its sender headers, not us bodies (a route's own budget, such as complaints per
  address, is still spent by the route once the small body has been checked);
- refuses with 413 at once when Content-Length is over the cap, without reading the body;
- counts the bytes of a body sent without Content-Length (chunked) as they arrive and refuses
  with 413 as soon as they pass the cap, whatever the route was doing with them.

`read_upload` parses a multipart submission: file parts are spooled to temporary files (on
disk beyond 1 MB), each photo is cut off at the photo cap, and a body that does not end with
its closing boundary is refused with 400 rather than taken for a complete one.

Integer inputs that reach the database are bounded too (`MAX_ROW_ID`): the id columns are
32-bit on PostgreSQL, and a larger number must be a 422, not a driver's overflow.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData, Headers, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from suara.api.auth import client_address
from suara.api.limits import WRITE_PER_ADDRESS, RateLimiter
from suara.blobs import PhotoLimits
from suara.services.errors import ServiceError
from suara.services.photos import MAX_PAGES

KIB = 1024
MAX_ROW_ID = 2**31 - 1  # ids of corrections, complaints, accounts: INTEGER (int4) on PostgreSQL
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# the app's own refusal: the JSON error shape on the API, a page on the portal
Refuse = Callable[[Request, int, str, str, Any], Response]


@dataclass(frozen=True)
class BodyCaps:
    """Largest body each kind of route takes, in bytes. The app keeps one in `app.state.body_caps`."""

    json: int = 64 * KIB  # any JSON or form route not named below (a correction's whole form fits)
    login: int = 8 * KIB  # username, password (256 characters), label
    complaint: int = 32 * KIB  # 2,000 characters, even if every one is sent as a \\u escape pair
    photo: int = PhotoLimits().max_bytes  # one page's photo
    pages: int = MAX_PAGES  # photos per submission (page1..page5 on a legislative form)
    form_part: int = 64 * KIB  # the form JSON part, or all text fields of the entry screen
    multipart_overhead: int = 16 * KIB  # boundaries and part headers
    # a tier's D Hasil: a PPLN's 672 stations, or a kecamatan's desa with every DPR candidate's votes
    recap: int = 4 * KIB * KIB

    @property
    def upload(self) -> int:
        return self.pages * self.photo + self.form_part + self.multipart_overhead

    def cap(self, kind: str, content_type: str) -> int:
        if kind == "upload":
            return self.upload if content_type.startswith("multipart/form-data") else self.json
        if kind == "recap":  # the record, and with multipart one photo of the plenary's minutes
            multipart = content_type.startswith("multipart/form-data")
            return self.recap + (self.photo + self.multipart_overhead if multipart else 0)
        return int(getattr(self, kind))


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: re.Pattern[str]
    kind: str  # a BodyCaps field, or "upload"


# Routes with a cap other than `json`. Paths here must follow the routers (tests check each one).
RULES = (
    RouteRule("POST", re.compile(r"/api/v1/submissions"), "upload"),
    RouteRule("POST", re.compile(r"/api/v1/read-form"), "upload"),  # page photos to read, no form part
    RouteRule("POST", re.compile(r"/ui/submit"), "upload"),
    RouteRule("POST", re.compile(r"/ui/read"), "upload"),  # the entry screen's photos to read
    RouteRule("POST", re.compile(r"/api/v1/auth/token"), "login"),
    RouteRule("POST", re.compile(r"/ui/login"), "login"),
    RouteRule("POST", re.compile(r"/api/v1/complaints"), "complaint"),
    RouteRule("POST", re.compile(r"/tps/[^/]+/[^/]+/pengaduan"), "complaint"),
    RouteRule("POST", re.compile(r"/api/v1/recap/[^/]+/[^/]+"), "recap"),
    RouteRule("POST", re.compile(r"/ui/rekap/[^/]+/[^/]+"), "recap"),  # the officials' D Hasil screen
)
DEFAULT_RULE = RouteRule("*", re.compile(""), "json")


def rule_for(method: str, path: str) -> RouteRule:
    for rule in RULES:
        if rule.method == method and rule.path.fullmatch(path):
            return rule
    return DEFAULT_RULE


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes its cap; the app's handlers turn it into
    a 413, and `BodyLimits` makes sure a 413 is what goes out even if a route swallowed it."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, f"isi permintaan melebihi batas {cap} bita")
        self.cap = cap


class BodyLimits:
    def __init__(self, app: ASGIApp, refuse: Refuse) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        state = scope["app"].state
        caps: BodyCaps = getattr(state, "body_caps", None) or BodyCaps()
        rule = rule_for(scope["method"], scope["path"])
        cap = caps.cap(rule.kind, headers.get("content-type", ""))

        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isascii() or not declared.isdigit():
                await self._refuse(scope, send, 400, "bad_content_length", "Content-Length tidak sah", None)
                return
            if int(declared) > cap:
                await self._refuse(scope, send, 413, "too_large",
                                   f"isi permintaan {int(declared)} bita melebihi batas {cap} bita",
                                   {"content_length": int(declared), "max_bytes": cap})
                return
        if scope["method"] in WRITE_METHODS:
            wait = self._spend_budget(scope, getattr(state, "limiter", None))
            if wait:
                await self._refuse(scope, send, 429, "rate_limited",
                                   f"terlalu banyak permintaan; coba lagi dalam {wait:.0f} detik",
                                   {"retry_after": wait}, {"Retry-After": str(int(wait))})
                return

        received = 0
        exceeded = False

        async def counted() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyTooLarge(cap)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    exceeded = True
                    raise BodyTooLarge(cap)
            return message

        started = False

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded:
                # Whatever the route made of a cut-off body, the answer is 413 (sent once).
                if not started:
                    started = True
                    await self._refuse(scope, send, 413, "too_large", f"isi permintaan melebihi batas {cap} bita",
                                       {"max_bytes": cap})
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted, guarded)

    @staticmethod
    def _spend_budget(scope: Scope, limiter: RateLimiter | None) -> float:
        """The seconds to wait, or 0 once this write is allowed."""
        if limiter is None:  # before start-up
            return 0.0
        # A bucket of its own at the same rate: the token check of an authenticated write still
        # spends `addr:` after the body is read, and sharing it would halve every caller's budget.
        return limiter.take(f"write:{client_address(Request(scope))}", WRITE_PER_ADDRESS)

    async def _refuse(self, scope: Scope, send: Send, status: int, code: str, message: str, details: Any,
                      headers: dict[str, str] | None = None) -> None:
        async def no_body() -> Message:  # a refusal never reads what the client is still sending
            return {"type": "http.disconnect"}

        response = self.refuse(Request(scope, no_body), status, code, message, details)
        response.headers.update(headers or {})
        # The unread body is still on the wire: end this connection rather than parse it as the next request.
        response.headers["Connection"] = "close"
        await response(scope, no_body, send)


# --- multipart uploads ------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    name: str  # the form field, e.g. "page2"
    filename: str
    content_type: str | None
    data: bytes


class _PhotoTooLarge(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class _CheckedMultiPartParser(MultiPartParser):
    """Starlette's parser (file parts spooled to disk) plus what it leaves out: a cap on each file
    part while it streams, and the closing boundary required (python-multipart's `finalize` does
    not check that the body ended)."""

    def __init__(self, *args: Any, max_file_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_file_bytes = max_file_bytes
        self.file_bytes = 0
        self.complete = False

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self.file_bytes = 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current_part.file is not None:
            self.file_bytes += end - start
            if self.file_bytes > self.max_file_bytes:
                raise _PhotoTooLarge(self._current_part.field_name)
        super().on_part_data(data, start, end)

    def on_end(self) -> None:
        self.complete = True


async def read_upload(request: Request, max_fields: int, max_part: int | None = None,
                      max_files: int | None = None) -> tuple[FormData, list[UploadedFile]]:
    """The text fields and the files of a multipart body, within `app.state.body_caps` (a text
    part up to `max_part` bytes, default the form part's cap; up to `max_files` photos).

    400 for a malformed or truncated body (nothing of it is used), 413 for a photo over the cap.
    """
    caps: BodyCaps = getattr(request.app.state, "body_caps", None) or BodyCaps()
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        # A plain form post (no photos), held to the JSON cap by BodyLimits; any other type reads as
        # an empty form (the multipart parser itself would fail without a boundary).
        try:
            return await request.form(max_files=0, max_fields=max_fields), []
        except HTTPException as exc:
            raise ServiceError(400, "bad_form", f"isian formulir tidak sah: {exc.detail}") from None
    parser = _CheckedMultiPartParser(request.headers, request.stream(), max_files=max_files or caps.pages,
                                     max_fields=max_fields, max_part_size=max_part or caps.form_part,
                                     max_file_bytes=caps.photo)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ServiceError(400, "bad_multipart", f"multipart tidak sah: {exc.message}") from None
    except ClientDisconnect:
        raise ServiceError(400, "incomplete_body", "kiriman terputus sebelum selesai; tidak ada yang disimpan") from None
    except _PhotoTooLarge as exc:
        raise ServiceError(413, "photo_too_large", f"foto {exc.field} melebihi batas {caps.photo} bita",
                           {"field": exc.field, "max_bytes": caps.photo}) from None
    try:
        if not parser.complete:
            raise ServiceError(400, "bad_multipart", "multipart terpotong: batas penutup tidak ada; kirim ulang "
                                                     "seluruhnya (tidak ada yang disimpan)")
        fields: list[tuple[str, str | UploadFile]] = [(name, value) for name, value in form.multi_items()
                                                     if isinstance(value, str)]
        files = [UploadedFile(name, value.filename or "", value.content_type, await value.read())
                 for name, value in form.multi_items() if isinstance(value, UploadFile)]
    finally:
        await form.close()
    return FormData(fields), files


def row_id(text: str, field: str) -> int | None:
    """An optional id typed into a form: empty is None; anything but 1..MAX_ROW_ID is a 422."""
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ROW_ID):
        raise ServiceError(422, "invalid_request", f"{field} harus bilangan bulat 1..{MAX_ROW_ID}")
    return int(text)
