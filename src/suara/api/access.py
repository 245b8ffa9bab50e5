"""Every route declares who may call it; the app refuses to start if one does not."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

ACCESS_KEY = "x-suara-access"
PUBLIC = "public"


def access(rule: str) -> dict[str, Any]:
    """openapi_extra for a route: who may call it (shown in the OpenAPI document too)."""
    return {ACCESS_KEY: rule}


def check_declared(app: FastAPI) -> None:
    # app.routes holds included routers whole (FastAPI >= 0.16x): walk the routes inside them too
    routes = [(context.path, context.original_route) for context in iter_route_contexts(app.routes)]
    missing = [f"{sorted(r.methods or ())} {path}" for path, r in routes
               if isinstance(r, APIRoute) and (r.openapi_extra or {}).get(ACCESS_KEY) is None]
    if missing:
        raise RuntimeError(f"routes without a declared access rule: {', '.join(missing)}")
