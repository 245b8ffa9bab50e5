"""The recapitulation's API: record, close and reopen a tier's D Hasil; read a tier beside the
publication; the discrepancy report (JSON and CSV)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, func, select
from starlette.concurrency import run_in_threadpool

from suara.api.access import PUBLIC, access
from suara.api.auth import caller
from suara.api.body_limits import read_upload
from suara.api.public import CONTEST, KODE
from suara.api.responses import serve
from suara.blobs import BlobStore
from suara.domain.recap import RecapRefused
from suara.publish import recap_docs
from suara.services import recap
from suara.services.accounts import Principal
from suara.services.errors import ServiceError
from suara.services.photos import check_pages
from suara.store.schema import recap_status
from suara.tally.fold import tally_point

router = APIRouter(prefix="/api/v1", tags=["recapitulation"])
Caller = Annotated[Principal, Depends(caller)]
PLENARY = "role: the plenary of that region (PPK kecamatan, KPU_KABKOTA, KPU_PROVINSI, KPU_RI nasional, PPLN overseas)"


class ReopenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=5, max_length=1000)


def _json(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status_code=status, media_type="application/json",
                    headers={"Cache-Control": "no-store"})


def _service(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except RecapRefused as exc:
        raise ServiceError(exc.status, exc.code, exc.message) from None


class _Cache:
    """Documents built once per (path, tally point, state of the recapitulation): the national
    discrepancy report reads every tier of a contest."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


_cache = _Cache()


def _stamp(conn: Connection, contest: str) -> tuple[Any, ...]:
    count, latest = conn.execute(select(func.count(), func.max(recap_status.c.updated_at))
                                 .where(recap_status.c.contest == contest)).one()
    return tally_point(conn)[0], count, latest


def _cached(request: Request, contest: str, build: Callable[[Connection], Any], media_type: str = "application/json",
          cache_control: str = "public, max-age=15") -> Callable[[], Any]:
    publisher = request.app.state.publisher

    def run() -> Any:
        with publisher.public_engine.connect() as conn:  # the stamp and the document: one snapshot
            key = (request.url.path, str(request.query_params), *_stamp(conn, contest))
            return _cache.get(key, lambda: _service(lambda: build(conn)))

    return run


@router.get("/recap/{contest}/{kode}", openapi_extra=access(PUBLIC),
            summary="A tier of the recapitulation (D Hasil): its rows beside the publication's sums and the tier "
                    "below, the differences, its status and history")
async def recap_tier(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE]) -> Response:
    reference = request.app.state.reference
    value = await run_in_threadpool(_cached(request, contest,
                                          lambda conn: recap_docs.recap_document(conn, reference, contest, kode)))
    return serve(request, request.app.state.publisher.transient(value, "public, max-age=15"))


@router.get("/discrepancies/{contest}/{kode}.csv", openapi_extra=access(PUBLIC),
            response_class=Response, summary="The discrepancy report as CSV, one line per differing figure")
async def discrepancies_csv(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE]) -> Response:
    reference = request.app.state.reference
    body = await run_in_threadpool(_cached(request, contest,
                                         lambda conn: recap_docs.discrepancy_csv(conn, reference, contest, kode)))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=15",
                             "Content-Disposition": f'attachment; filename="selisih-{contest}-{kode}.csv"'})


@router.get("/discrepancies/{contest}/{kode}", openapi_extra=access(PUBLIC),
            summary="Every difference between a tier's D Hasil and the publication or the tier below, inside a "
                    "region, largest first")
async def discrepancies(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE],
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Response:
    reference = request.app.state.reference
    value = await run_in_threadpool(_cached(request, contest, lambda conn: recap_docs.discrepancy_document(
        conn, reference, contest, kode, limit, offset)))
    return serve(request, request.app.state.publisher.transient(value, "public, max-age=15"))


async def _record_parts(request: Request) -> tuple[Any, dict[int, tuple[bytes, str | None]]]:
    """The record JSON and the minutes photo: JSON alone, or multipart (`record`, `minutes`)."""
    caps = request.app.state.body_caps
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        fields, files = await read_upload(request, max_fields=1, max_part=caps.recap, max_files=1)
        raw = fields.get("record")
        if not isinstance(raw, str):
            raise ServiceError(422, "missing_record", "bagian 'record' (JSON D Hasil) wajib ada")
        photos = {}
        for upload in files:
            if upload.name != "minutes":
                raise ServiceError(422, "bad_part", f"bagian tidak dikenal: {upload.name!r} (record, minutes)")
            photos[1] = (upload.data, upload.content_type)
        body = raw.encode()
    else:
        body, photos = await request.body(), {}
    try:
        return orjson.loads(body), photos
    except orjson.JSONDecodeError as exc:
        raise ServiceError(422, "bad_json", f"JSON tidak sah: {exc}") from None


@router.post("/recap/{contest}/{kode}", openapi_extra=access(PLENARY),
             summary="Record a tier's D Hasil (JSON {tingkat, rows}, or multipart with `record` and a `minutes` photo); "
                     "recording again replaces it until the tier is locked")
async def record_tier(request: Request, who: Caller, contest: Annotated[str, CONTEST],
                      kode: Annotated[str, KODE]) -> Response:
    doc, photos = await _record_parts(request)
    if not isinstance(doc, dict) or not set(doc) <= {"tingkat", "rows"} or "rows" not in doc:
        raise ServiceError(422, "malformed", "isi harus objek {\"tingkat\": ..., \"rows\": {...}}")
    tingkat = doc.get("tingkat")
    if tingkat is not None and not isinstance(tingkat, str):
        raise ServiceError(422, "malformed", "tingkat harus teks")
    state = request.app.state
    return await run_in_threadpool(_record, state.writer, state.reference, state.blobs, who, contest, kode, tingkat,
                                   doc["rows"], photos)


def _record(writer: Any, reference: Any, blobs: BlobStore, who: Principal, contest: str, kode: str,
            tingkat: str | None, rows: Any, photos: dict[int, tuple[bytes, str | None]]) -> Response:
    checked = check_pages(photos, pages=1) if photos else None
    minutes = checked.photos[0] if checked else None
    stored = recap.record(writer, reference, who, who.actor, contest, kode, tingkat, rows, minutes)
    if checked is not None:
        checked.keep(blobs)  # written once the record stands, like a form's photos
    return _json({**stored.summary(), "rows": {k: v.as_dict() for k, v in stored.rows.items()}}, 201)


@router.post("/recap/{contest}/{kode}/lock", openapi_extra=access(PLENARY),
             summary="Close a tier (its plenary's decision): it stands from now on and the tier above may record it")
def lock_tier(request: Request, who: Caller, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE]) -> Response:
    state = request.app.state
    return _json(recap.lock(state.writer, state.reference, who, who.actor, contest, kode).summary())


@router.post("/recap/{contest}/{kode}/reopen", openapi_extra=access("role:KPU_RI"),
             summary="Reopen a closed tier, with a reason (not while the tier above is closed)")
def reopen_tier(request: Request, who: Caller, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE],
                body: ReopenBody) -> Response:
    state = request.app.state
    return _json(recap.reopen(state.writer, state.reference, who, contest, kode, body.reason).summary())
