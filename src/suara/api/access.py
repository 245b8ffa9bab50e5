"""Every route declares who may call it; the app refuses to start if one does not."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

ACCESS_KEY = "x-suara-access"
PUBLIC = "public"


def access(rule: str) -> dict[str, Any]:
    """openapi_extra for a route: who may call it (shown in the OpenAPI document too)."""
    return {ACCESS_KEY: rule}


def check_declared(app: FastAPI) -> None:
    missing = [f"{sorted(r.methods)} {r.path}" for r in app.routes
               if isinstance(r, APIRoute) and (r.openapi_extra or {}).get(ACCESS_KEY) is None]
    if missing:
        raise RuntimeError(f"routes without a declared access rule: {', '.join(missing)}")
