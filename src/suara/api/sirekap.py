"""The Sirekap-compatible tree under /sirekap: KPU's paths and shapes for existing tools."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from suara.api.access import PUBLIC, access
from suara.api.responses import serve
from suara.publish import routes
from suara.publish.publisher import Publisher

router = APIRouter(prefix="/sirekap", tags=["sirekap"])


@router.get("/{path:path}", openapi_extra=access(PUBLIC),
            summary="A document of the Sirekap-compatible tree (shared/spec/sirekap-api.md)")
def document(request: Request, path: Annotated[str, Path(max_length=200)]) -> Response:
    publisher: Publisher = request.app.state.publisher
    return serve(request, publisher.document(request.url.path[1:], routes.sirekap_document(publisher.reference, path)))
