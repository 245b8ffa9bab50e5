"""The API documentation page, /docs: Swagger UI served from this server, never from a CDN.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script; Suara's
Content-Security-Policy (script-src 'self') blocks both, so the page stayed blank. Here the
Swagger UI files come from the `fastapi-swagger` package (which ships them as package data) and
the page is a static template whose start-up script is a file under /static.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam

from suara.api.access import PUBLIC, access
from suara.api.responses import error

router = APIRouter(include_in_schema=False)
PAGE = Path(__file__).parent.parent / "web" / "templates" / "docs.html"
ASSETS = {"swagger-ui-bundle.js": "text/javascript; charset=utf-8", "swagger-ui.css": "text/css; charset=utf-8"}


@cache
def _asset(name: str) -> tuple[bytes, str]:
    data = resources.files("fastapi_swagger.resources").joinpath(name).read_bytes()
    return data, f'"{hashlib.sha256(data).hexdigest()[:32]}"'


@router.get("/docs", openapi_extra=access(PUBLIC))
def docs_page() -> Response:
    return Response(PAGE.read_bytes(), media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})


@router.get("/docs/assets/{name}", openapi_extra=access(PUBLIC))
def docs_asset(request: Request, name: Annotated[str, PathParam(max_length=64)]) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        return error(404, "not_found", f"tidak ada berkas dokumentasi {name!r}")
    data, etag = _asset(name)
    headers = {"Cache-Control": "public, max-age=86400", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)
