"""The Sirekap-compatible tree under /sirekap: KPU's paths and shapes for existing tools, and the
form photos its TPS documents link to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from suara.api.access import PUBLIC, access
from suara.api.responses import serve
from suara.blobs import BlobError
from suara.config import Settings
from suara.publish import sirekap_paths, sirekap_recap, sirekap_routes
from suara.publish.publisher import Publisher
from suara.publish.routes import NotFound

router = APIRouter(prefix="/sirekap", tags=["sirekap"])


def _recap_documents(request: Request) -> sirekap_recap.RecapCache:
    """The app's cache of hr documents, which change with the recapitulation, not the tally, so
    they are kept apart from the publisher's."""
    state = request.app.state
    cache = getattr(state, "sirekap_recap_documents", None)
    if cache is None:
        cache = state.sirekap_recap_documents = sirekap_recap.RecapCache()
    return cache


@router.get("/formc/{image:path}", openapi_extra=access(PUBLIC),
            summary="A form photo as the Sirekap TPS documents link to it (the public copy, without GPS)")
def form_photo(request: Request, image: Annotated[str, Path(max_length=200)]) -> Response:
    publisher: Publisher = request.app.state.publisher
    kinds = {c.key: (c.info.election_kind, c.kind) for c in publisher.reference.contests.values()}
    with publisher.engine.connect() as conn:
        found = sirekap_paths.find_photo(conn, kinds, f"{sirekap_paths.PHOTO_PREFIX}/{image}")
    if found is None:
        raise NotFound("unknown_photo", f"foto {image!r} tidak dipublikasikan")
    digest, media_type = found
    try:
        data = request.app.state.blobs.get(digest)
    except BlobError as exc:
        raise NotFound("unknown_photo", f"foto {image!r} tidak tersedia: {exc}") from None
    return Response(data, media_type=media_type,
                    headers={"Cache-Control": "public, max-age=31536000, immutable", "ETag": f'"{digest}"'})


@router.get("/{path:path}", openapi_extra=access(PUBLIC),
            summary="A document of the Sirekap-compatible tree (shared/spec/sirekap-api.md)")
def document(request: Request, path: Annotated[str, Path(max_length=200)]) -> Response:
    publisher: Publisher = request.app.state.publisher
    base_url = Settings.from_env().public_base_url
    builder = sirekap_routes.sirekap_document(publisher.reference, path, base_url)
    if isinstance(builder, sirekap_recap.RecapBuilder):
        return serve(request, _recap_documents(request).document(publisher.engine, request.url.path, base_url,
                                                                   builder))
    return serve(request, publisher.document(request.url.path[1:], builder))
