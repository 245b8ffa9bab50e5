"""The Sirekap-compatible tree under /sirekap: KPU's paths and shapes for existing tools, and the
form photos its TPS documents link to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from suara.api.access import PUBLIC, access
from suara.api.responses import serve
from suara.blobs import BlobError
from suara.config import Settings
from suara.publish import recap_cache, sirekap_paths, sirekap_recap, sirekap_routes
from suara.publish.publisher import Publisher
from suara.publish.routes import NotFound

router = APIRouter(prefix="/sirekap", tags=["sirekap"])

HR_DOCUMENTS = 1024  # the hr documents of a whole Pemilu's PPWP number about 700


@router.get("/formc/{image:path}", openapi_extra=access(PUBLIC),
            summary="A form photo as the Sirekap TPS documents link to it (the public copy, without GPS)")
def form_photo(request: Request, image: Annotated[str, Path(max_length=200)]) -> Response:
    publisher: Publisher = request.app.state.publisher
    kinds = {c.key: (c.info.election_kind, c.kind) for c in publisher.reference.contests.values()}
    found = publisher.published(lambda conn: sirekap_paths.find_photo(conn, kinds, f"{sirekap_paths.PHOTO_PREFIX}/{image}"))
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
        # they change with the recapitulation, not the tally: kept apart from the publisher's
        documents = recap_cache.documents_of(request.app.state, "sirekap_hr_documents", HR_DOCUMENTS)
        document, note = documents.document(publisher.public_engine, (request.url.path, base_url), builder.contest, builder,
                                            lambda _: recap_cache.RECAP_DISCLAIMER)
        return serve(request, document, note)
    return serve(request, publisher.document(request.url.path[1:], builder))
