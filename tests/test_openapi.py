"""The API description (api/openapi.py), the 405's Allow header and the start-up checks."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter

from suara.api.access import PUBLIC, access, check_declared
from suara.api.app import create_app
from suara.api.openapi import describe


def test_the_description_names_true_media_types_bodies_and_refusals(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert list(paths["/api/v1/downloads/{contest}/{kode}/tps.csv"]["get"]["responses"]["200"]["content"]) == \
        ["text/csv"]
    assert set(paths["/api/v1/photos/{digest}"]["get"]["responses"]["200"]["content"]) == \
        {"image/jpeg", "image/png", "image/webp"}
    submission = paths["/api/v1/submissions"]["post"]
    multipart = submission["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(multipart["properties"]) == {"form", "reading", "page1", "page2", "page3", "page4", "page5"}
    # 5 pages on a legislative form; the reading record beside them
    assert {"201", "401", "403", "409", "413", "422", "429"} <= set(submission["responses"])
    refusal = submission["responses"]["409"]["content"]["application/json"]["schema"]
    assert refusal == {"$ref": "#/components/schemas/Error"}
    assert "application/x-www-form-urlencoded" in paths["/ui/login"]["post"]["requestBody"]["content"]
    assert list(paths["/wilayah/{contest}/{kode}"]["get"]["responses"]["404"]["content"]) == ["text/html"]


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("PUT", "/api/v1/complaints", "GET, POST"),  # two routes share the path
    ("DELETE", "/api/v1/contests", "GET"),  # a document the fast path serves
    ("PATCH", "/sirekap/pemilu/hhcw/ppwp.json", "GET"),
    ("DELETE", "/wilayah/ppwp/0", "GET"),  # a portal page: the refusal is a page
    ("POST", "/static/suara.css", "GET, HEAD"),  # static files
])
def test_405_says_which_methods_the_path_takes(client: Any, method: str, path: str, allow: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow


def test_an_operation_missing_from_the_table_stops_the_app(db_url: str) -> None:
    app = create_app(db_url)
    router = APIRouter()

    @router.get("/api/v1/undescribed", openapi_extra=access(PUBLIC))
    def undescribed() -> dict[str, str]:
        return {}

    app.include_router(router)
    with pytest.raises(RuntimeError, match="GET /api/v1/undescribed"):
        describe(app)


def test_a_routers_route_without_an_access_rule_stops_the_app(db_url: str) -> None:
    app = create_app(db_url)
    router = APIRouter()

    @router.get("/api/v1/undeclared")
    def undeclared() -> dict[str, str]:
        return {}

    app.include_router(router)
    with pytest.raises(RuntimeError, match="/api/v1/undeclared"):
        check_declared(app)
