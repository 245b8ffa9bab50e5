"""POST /api/v1/read-form: a KPPS's photos of its own TPS's C Hasil pages, read back as numbers.

The photos come as multipart parts page1..pageN, like a submission's, and pass the same checks
(services/photos.py check_pages: a real image, within the size and pixel limits). Each is then
found and read (reading/reader.py): the answer is every number with its confidence, whether an
officer must check it, and its box images, to pre-fill the entry form. Nothing is stored: no
photo, no form, no audit event. A page of another TPS (its QR code) is refused under R13; a page
sent as another part than its own number is refused too, so the officer sees the mix-up.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from suara.api.access import access
from suara.api.auth import caller
from suara.api.body_limits import read_upload
from suara.api.reading_gate import ReadingGate
from suara.domain.access import Action, may
from suara.domain.contests import UnknownContest
from suara.reading import reader
from suara.reading.geometry import PhotoUnreadable
from suara.services.accounts import Principal
from suara.services.errors import ServiceError
from suara.services.photos import MAX_PAGES, PAGE_FIELDS, check_pages

router = APIRouter(prefix="/api/v1", tags=["operator"])
Caller = Annotated[Principal, Depends(caller)]
CONTEST_KEY = r"^[a-z0-9-]{1,32}$"


def _read(parts: list[int], photos: list[bytes], tps: str, contest: str | None) -> dict[str, Any]:
    try:
        read = reader.read_form(photos, tps=tps, contest=contest)
    except PhotoUnreadable as exc:
        details: dict[str, Any] = {**exc.details, "en": exc.message_en}
        if "photo" in details:
            details["part"] = f"page{parts[int(details.pop('photo')) - 1]}"
        raise ServiceError(422, exc.code, exc.message, details) from None
    answer = reader.form_read_json(read, images=True)
    for page in answer["pages"]:
        part = parts[page.pop("photo") - 1]
        page["part"] = f"page{part}"
        if page["page"] != part:
            raise ServiceError(422, "page_mismatch", f"foto bagian page{part} berisi halaman {page['page']}, bukan "
                                                     f"halaman {part}", {"part": f"page{part}", "page": page["page"]})
    return answer


@router.post("/read-form", openapi_extra=access("role:KPPS, own TPS"),
             summary="Read a C Hasil form from photos of its pages (multipart page1..page5): each number with its "
                     "confidence and box images, the unsure ones marked; nothing is stored")
async def read_form(request: Request, who: Caller,
                    contest: Annotated[str | None, Query(pattern=CONTEST_KEY)] = None) -> Response:
    if not may(who.role, who.scope, Action.SUBMIT_FORM, who.scope):
        raise ServiceError(403, "forbidden", f"{who.actor}: hanya KPPS yang membaca formulir TPS-nya sendiri")
    return Response(orjson.dumps(await read_uploaded(request, who, contest)), media_type="application/json")


async def read_uploaded(request: Request, who: Principal, contest: str | None) -> dict[str, Any]:
    """The reading of the page photos a request carries (multipart page1..pageN) for the caller's TPS; also
    the entry screen's (web/routes.py, POST /ui/read). Nothing is stored."""
    pages = MAX_PAGES
    if contest is not None:
        try:
            pages = request.app.state.reference.contest(contest).info.pages
        except UnknownContest as exc:
            raise ServiceError(404, "unknown_contest", str(exc)) from None
    _, files = await read_upload(request, max_fields=0)
    uploads: dict[int, tuple[bytes, str | None]] = {}
    for upload in files:
        if upload.name not in PAGE_FIELDS:
            raise ServiceError(422, "bad_part", f"bagian tidak dikenal: {upload.name!r} (page1..page{MAX_PAGES})")
        uploads[int(upload.name[-1])] = (upload.data, upload.content_type)
    if not uploads:
        raise ServiceError(422, "missing_photo", f"kirim foto halaman formulir sebagai bagian page1..page{MAX_PAGES} (multipart)")
    check_pages(uploads, pages)  # 4xx naming the page for anything that is not a usable photo
    parts = sorted(uploads)
    gate: ReadingGate = request.app.state.reading_gate
    return await gate.run(request, who.account_id, len(parts), _read, parts, [uploads[p][0] for p in parts],
                          who.scope, contest)
