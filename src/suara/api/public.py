"""The public read API, /api/v1: regions, contests, results, one TPS. Read-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from suara.api.access import PUBLIC, access
from suara.api.auth import client_address
from suara.api.auth import limit as rate_limit
from suara.api.limits import SEARCH_PER_ADDRESS
from suara.api.responses import DISCLAIMER_HEADER, serve
from suara.blobs import BlobError
from suara.domain.search import SEARCH_LIMIT
from suara.publish import recap_cache, routes
from suara.publish.publisher import Publisher
from suara.publish.routes import NotFound
from suara.store.reference import Reference
from suara.tally.queries import public_photo_type

router = APIRouter(prefix="/api/v1", tags=["public"])
# Codes are text: overseas codes carry letters (99AG, 99AG010001061).
KODE = Path(pattern=r"^(0|[0-9A-Z]{2}|[0-9A-Z]{4}|[0-9A-Z]{6}|[0-9A-Z]{10})$",
            description="region code: 0 (nation), 2/4/6/10 characters (overseas codes carry letters: 99AG)")
TPS = Path(pattern=r"^[0-9A-Z]{10}[0-9]{3}$", description="13-character TPS code (overseas: 99AG010001001)")
DAPIL = Path(pattern=r"^[0-9]{4,6}$", description="dapil code: DPR 4 digits, DPRD provinsi and kab/kota 6")
CONTEST = Path(pattern=r"^[a-z0-9-]{1,32}$", description="contest key: ppwp, pkwkp-32, pkwkk-3204")


def _publisher(request: Request) -> Publisher:
    publisher: Publisher = request.app.state.publisher
    return publisher


def _published(request: Request, builder: Callable[[Reference], routes.Builder]) -> Response:
    """The document at this request's path, rendered once; the fast path serves it from then on."""
    publisher = _publisher(request)
    return serve(request, publisher.document(request.url.path[1:], builder(publisher.reference)))


@router.get("/contests", openapi_extra=access(PUBLIC), summary="Contests and their candidate pairs")
def contests(request: Request) -> Response:
    return _published(request, routes.contests)


@router.get("/regions/{kode}", openapi_extra=access(PUBLIC), summary="A region, its children and its TPS")
def region(request: Request, kode: Annotated[str, KODE]) -> Response:
    return _published(request, lambda reference: routes.region(reference, kode))


class SearchProvince(BaseModel):
    kode: str
    nama: str


class SearchHit(BaseModel):
    kode: str
    nama: str
    tingkat: int = Field(ge=1, le=5, description="1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa, 5 TPS")
    tingkat_nama: str = Field(description="the level in words: provinsi, kabupaten/kota, kecamatan, desa, tps")
    induk: str | None = Field(description="the name of the region above (INDONESIA for a province)")
    provinsi: SearchProvince = Field(description="the province the hit lies in (itself, for a province)")


class SearchAnswer(BaseModel):
    query: str
    results: list[SearchHit] = Field(description="the first `limit` hits: TPS first, then regions")
    total: int = Field(ge=0, description="how many regions and TPS match in all, counted up to 1000")
    total_exact: bool = Field(description="false when more than 1000 match (then `total` is 1000)")
    truncated: bool = Field(description="true when more match than `results` holds: narrow the search")


@router.get("/search", openapi_extra=access(PUBLIC), summary="Find a region or TPS by code or name",
            response_model=SearchAnswer,
            description="The same search as the portal's /cari, in the same order and with the same default "
                        f"limit ({SEARCH_LIMIT}). `total` counts every match and `truncated` says when the "
                        "results were cut at `limit`.")
def search(request: Request, q: Annotated[str, Query(min_length=2, max_length=64)],
           limit: Annotated[int, Query(ge=1, le=100)] = SEARCH_LIMIT) -> Response:
    publisher = _publisher(request)
    rate_limit(request, f"search:{client_address(request)}", SEARCH_PER_ADDRESS)
    found = publisher.search(q, limit)
    return serve(request, publisher.transient({"query": q, "results": found.hits, "total": found.total,
                                               "total_exact": found.exact, "truncated": found.truncated}, "public, max-age=300"))


@router.get("/results/{contest}/{kode}", openapi_extra=access(PUBLIC),
            summary="Results of a contest for a region, one row per child (per TPS for a desa)")
def results(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE]) -> Response:
    return _published(request, lambda reference: routes.results(reference, contest, kode))


@router.get("/dapil/{contest}", openapi_extra=access(PUBLIC),
            summary="The dapil of a party-list contest with their seats and progress")
def dapil_list(request: Request, contest: Annotated[str, CONTEST]) -> Response:
    return _published(request, lambda reference: routes.dapil_list(reference, contest))


@router.get("/dapil/{contest}/{kode_dapil}", openapi_extra=access(PUBLIC),
            summary="Results of one dapil: parties, their candidates, progress over the dapil's TPS, "
                    "and the seat projection (a projection from the preliminary count, not a result)")
def dapil_results(request: Request, contest: Annotated[str, CONTEST],
                  kode_dapil: Annotated[str, DAPIL]) -> Response:
    return _published(request, lambda reference: routes.dapil_results(reference, contest, kode_dapil))


@router.get("/seats/{contest}", openapi_extra=access(PUBLIC),
            summary="Seat projection of a party-list contest per dapil (DPR: 4% national threshold, then "
                    "Sainte-Laguë per dapil); a projection from the preliminary count, not a result")
def seats(request: Request, contest: Annotated[str, CONTEST]) -> Response:
    return _published(request, lambda reference: routes.seat_projection(reference, contest))


@router.get("/tps/{contest}/{tps}", openapi_extra=access(PUBLIC),
            summary="The full public record of one TPS: current form, every version, flags")
def tps(request: Request, contest: Annotated[str, CONTEST], tps: Annotated[str, TPS]) -> Response:
    return _published(request, lambda reference: routes.tps_record(reference, contest, tps))


@router.get("/downloads/{contest}/{kode}/tps.csv", openapi_extra=access(PUBLIC),
            summary="CSV: every TPS of a region (province and below) with every form field and flag ids")
def download_tps(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE]) -> Response:
    return _published(request, lambda reference: routes.tps_csv(reference, contest, kode))


@router.get("/downloads/{contest}/{kode}/children.csv", openapi_extra=access(PUBLIC),
            summary="CSV: one row per child region with the figures of the results pages")
def download_children(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE]) -> Response:
    return _published(request, lambda reference: routes.children_csv(reference, contest, kode))


@router.get("/downloads/{contest}/{kode}/nist.json", openapi_extra=access(PUBLIC),
            summary="NIST SP 1500-100 v2 election report (precinct-level) of a region")
def download_nist(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE]) -> Response:
    publisher = _publisher(request)
    builder = routes.nist_report(publisher.reference, contest, kode)
    # certification changes the report (status and counts) without moving the tally: kept by both
    reports = recap_cache.documents_of(request.app.state, "nist_reports", NIST_REPORTS)
    document, note = reports.document(publisher.public_engine, (request.url.path,), contest, builder, _nist_note,
                                      with_tally=True)
    return serve(request, document, note)


NIST_REPORTS = 8  # up to about 30 MB each (routes.NIST_MAX_TPS)


def _nist_note(report: dict[str, object]) -> str:
    return recap_cache.CERTIFIED_DISCLAIMER if report.get("Status") == "certified" else DISCLAIMER_HEADER


DIGEST = Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of a public photo copy")


@router.get("/photos/{digest}", openapi_extra=access(PUBLIC),
            summary="A published photo: a form page, or the minutes of a recapitulation tier (the public copy, without GPS)")
def photo(request: Request, digest: Annotated[str, DIGEST]) -> Response:
    media_type = _publisher(request).published(lambda conn: public_photo_type(conn, digest))
    if media_type is None:
        raise NotFound("unknown_photo", f"foto {digest} tidak dipublikasikan")
    try:
        data = request.app.state.blobs.get(digest)
    except BlobError as exc:
        raise NotFound("unknown_photo", f"foto {digest} tidak tersedia: {exc}") from None
    return Response(data, media_type=media_type,
                    headers={"Cache-Control": "public, max-age=31536000, immutable", "ETag": f'"{digest}"'})
