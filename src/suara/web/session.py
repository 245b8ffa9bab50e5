"""The operator screens' browser session: a cookie holding a device token, and a CSRF token that
every POST carries matching a second cookie (double submit). Every operator page is rendered
here, with the bar of the signed-in role's screens on top."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from suara.services import accounts
from suara.services.accounts import Principal
from suara.services.errors import ServiceError
from suara.web import nav

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
SESSION, CSRF = "suara_session", "suara_csrf"


def csrf_token(request: Request) -> str:
    return request.cookies.get(CSRF) or secrets.token_urlsafe(24)


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """An operator page (never cached), its CSRF cookie set and the operator's bar above it."""
    token = csrf_token(request)
    shown = {**context, "csrf": token,
             "bar": nav.bar(request.app.state.reference, context.get("who"), request.url.path)}
    response = templates.TemplateResponse(request, name, shown, status_code=status)
    response.set_cookie(CSRF, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    response.headers["Cache-Control"] = "no-store"
    return response


def check_csrf(request: Request, sent: str | None) -> None:
    cookie = request.cookies.get(CSRF)
    if not cookie or not sent or not secrets.compare_digest(cookie, sent):
        raise ServiceError(403, "csrf", "token CSRF tidak ada atau tidak cocok; muat ulang halaman")


def who(request: Request) -> Principal | None:
    token = request.cookies.get(SESSION)
    return accounts.authenticate(request.app.state.publisher.engine, token) if token else None


def signed_in(request: Request) -> Principal:
    """The operator of the request; 401 (JSON) for a request without a session."""
    found = who(request)
    if found is None:
        raise ServiceError(401, "unauthenticated", "masuk dulu di /ui/login")
    return found
