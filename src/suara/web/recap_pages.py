"""The recapitulation on the public portal: one tier's D Hasil beside the publication and the tier
below (/rekap), the photo of its plenary's minutes, and the discrepancy report of a region
(/selisih), largest first, a page at a time. Server-rendered like the rest of the portal, and
rendered once per state of the recapitulation, tally point, language and query."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy import select

from suara.api.access import PUBLIC, access
from suara.api.openapi import HTML, IMAGES, OPERATIONS, PAGE, Operation, _answers
from suara.blobs import BlobError
from suara.domain.contests import KIND_ORDER, Contest, Shape
from suara.domain.elections import ContestScope
from suara.domain.recap import RecapRefused, has_tier, parent_tier
from suara.domain.regions import NATIONAL, ancestors
from suara.publish import own, recap_docs
from suara.publish.routes import NotFound
from suara.services.errors import ServiceError
from suara.store import recap
from suara.store.reference import Reference
from suara.store.schema import recap_records
from suara.web import i18n, recap_views
from suara.web.portal import CONTEST, KODE, render
from suara.web.recap_watch import watch_of

router = APIRouter(tags=["portal"])
TIER_KODE = Path(pattern=r"^(0|[0-9A-Z]{2}|[0-9A-Z]{4}|[0-9A-Z]{6})$")  # a plenary sits at most at a kecamatan
REVISION = Path(ge=1, le=1_000_000)
PER_PAGE = 50
MAX_PAGE = 10_000


def _refused(exc: RecapRefused) -> ServiceError:
    return ServiceError(exc.status, exc.code, exc.message)


def _contest(reference: Reference, contest_key: str) -> Contest:
    try:
        return reference.contest(contest_key)
    except LookupError as exc:
        raise ServiceError(404, "unknown_contest", str(exc)) from None


def _name(scope: ContestScope, kode: str) -> str:
    if len(kode) == 13:
        return scope.station(kode).nama
    return scope.tree.get(kode).nama


def _child_href(scope: ContestScope, contest: str) -> Any:
    def href(kode: str) -> str:
        if len(kode) == 13:
            return f"/tps/{contest}/{kode}"
        return f"/rekap/{contest}/{kode}" if has_tier(scope, kode) else f"/wilayah/{contest}/{kode}"
    return href


def _version(request: Request) -> str:
    """The recapitulation's stamp and the tally point: what a recap page's figures depend on."""
    publisher = request.app.state.publisher
    return f"{watch_of(request).stamp(publisher.public_engine)}:{publisher.as_of[0]}"


def _races(reference: Reference, page: str, kode: str, wanted: Any) -> list[dict[str, str]]:
    found = sorted((c for c in reference.contests.values() if wanted(reference.scope(c))),
                   key=lambda c: (KIND_ORDER.get(c.kind, 99), c.key))
    return [{"key": c.key, "nama": c.nama, "href": f"{page}/{c.key}/{kode}"} for c in found]


@router.get("/rekap/{contest}/{kode}", openapi_extra=access(PUBLIC))
def recap_page(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, TIER_KODE]) -> Response:
    """A tier of the recapitulation: its status, its minutes, each row beside the publication's sums
    and the tier below's, the differences marked, its revisions."""
    reference: Reference = request.app.state.reference
    try:
        chosen, scope = recap.contest_scope(reference, contest, kode)
    except RecapRefused as exc:
        raise _refused(exc) from None
    lang = i18n.language(request)
    translate = i18n.translator(lang)

    def context() -> dict[str, Any]:
        with request.app.state.publisher.public_engine.connect() as conn:
            doc = recap_docs.recap_document(conn, reference, chosen.key, kode)
        parent = parent_tier(scope, kode)
        return {
            "doc": doc, "contest": doc["contest"], "as_of": doc["as_of"], "note": doc["keterangan"][lang],
            "view": recap_views.tier_view(doc, chosen.shape is Shape.PARTAI, _child_href(scope, chosen.key),
                                          lambda revision: f"/rekap/{chosen.key}/{kode}/berita-acara/{revision}",
                                          lang, translate),
            "crumbs": [{"href": f"/rekap/{chosen.key}/{a}", "nama": _name(scope, a)}
                       for a in ancestors(kode) if has_tier(scope, a)],
            "parent": None if parent is None else {"href": f"/rekap/{chosen.key}/{parent}", "nama": _name(scope, parent)},
            "contests": _races(reference, "/rekap", kode, lambda s: has_tier(s, kode)),
            "region_href": f"/wilayah/{chosen.key}/{kode}"}
    return render(request, "rekap.html", context, max_age=15, version=_version(request))


@router.get("/rekap/{contest}/{kode}/berita-acara/{revision}", openapi_extra=access(PUBLIC))
def minutes_photo(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, TIER_KODE],
                  revision: Annotated[int, REVISION]) -> Response:
    """The photo of a tier's minutes (berita acara) as recorded with that revision (its public
    copy, without GPS): the same revision shows the same photo forever."""
    row = request.app.state.publisher.published(lambda conn: conn.execute(
        select(recap_records.c.minutes_public_sha256, recap_records.c.minutes_media_type)
        .where(recap_records.c.contest == contest, recap_records.c.kode == kode,
               recap_records.c.revision == revision)).first())
    if row is None or row.minutes_public_sha256 is None:
        raise NotFound("unknown_photo", f"tidak ada foto berita acara untuk {contest} {kode} revisi {revision}")
    try:
        data = request.app.state.blobs.get(row.minutes_public_sha256)
    except BlobError as exc:
        raise NotFound("unknown_photo", f"foto berita acara tidak tersedia: {exc}") from None
    return Response(data, media_type=row.minutes_media_type,
                    headers={"Cache-Control": "public, max-age=31536000, immutable",
                             "ETag": f'"{row.minutes_public_sha256}"'})


@router.get("/selisih/{contest}/{kode}", openapi_extra=access(PUBLIC))
def discrepancy_page(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE],
                     hal: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> Response:
    """Every row inside a region whose recorded figures differ from the publication or the tier
    below, largest first, PER_PAGE to a page, with the CSV and JSON of the whole report."""
    reference: Reference = request.app.state.reference
    chosen = _contest(reference, contest)
    scope = reference.scope(chosen)
    if kode != NATIONAL and not scope.covers(kode):
        raise ServiceError(404, "unknown_region", f"wilayah {kode} tidak ada dalam {chosen.key}")
    lang = i18n.language(request)
    translate = i18n.translator(lang)

    def context() -> dict[str, Any]:
        with request.app.state.publisher.public_engine.connect() as conn:
            doc = recap_docs.discrepancy_document(conn, reference, chosen.key, kode, PER_PAGE, (hal - 1) * PER_PAGE)
        pages = max(1, -(-doc["jumlah"] // PER_PAGE))
        return {
            "doc": doc, "contest": own.contest_doc(chosen), "as_of": doc["as_of"],
            "note": doc["keterangan"][lang], "nama": _name(scope, kode),
            "items": recap_views.discrepancy_view(doc, chosen.key, recap_views.names_of(
                own.contest_doc(chosen)), lang, translate),
            "count": i18n.number(doc["jumlah"], lang), "page": hal, "pages": pages,
            "first": i18n.number(doc["offset"] + 1, lang) if doc["jumlah"] else "0",
            "last": i18n.number(min(doc["offset"] + PER_PAGE, doc["jumlah"]), lang),
            "crumbs": [{"href": f"/selisih/{chosen.key}/{a}", "nama": _name(scope, a)} for a in ancestors(kode)],
            "contests": _races(reference, "/selisih", kode, lambda s: kode == NATIONAL or s.covers(kode)),
            "tier_href": f"/rekap/{chosen.key}/{kode}" if has_tier(scope, kode) else None,
            "region_href": f"/wilayah/{chosen.key}/{kode}"}
    return render(request, "selisih.html", context, max_age=15, version=_version(request))


# The pages in the API description (merged into api/openapi.OPERATIONS, which every route needs);
# their refusals are pages too.
OPERATIONS.update({
    ("get", "/rekap/{contest}/{kode}"): Operation(PAGE, errors_as=HTML),
    ("get", "/rekap/{contest}/{kode}/berita-acara/{revision}"): Operation(
        _answers({200: IMAGES}, (404, 422), HTML), errors_as=HTML),
    ("get", "/selisih/{contest}/{kode}"): Operation(PAGE, errors_as=HTML),
})
