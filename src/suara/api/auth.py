"""Who is calling: bearer tokens for devices and officials, rate limits, and the 4xx they get."""

from __future__ import annotations

from fastapi import Request

from suara.api.limits import WRITE_PER_ACCOUNT, WRITE_PER_ADDRESS, Rate, RateLimiter
from suara.services.accounts import Principal, authenticate
from suara.services.errors import ServiceError


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit(request: Request, key: str, rate: Rate) -> None:
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.take(key, rate)
    if wait:
        raise ServiceError(429, "rate_limited", f"terlalu banyak permintaan; coba lagi dalam {wait:.0f} detik",
                           {"retry_after": wait})


def principal(request: Request) -> Principal:
    """The authenticated caller of a write; 401 without a valid token."""
    limit(request, f"addr:{client_address(request)}", WRITE_PER_ADDRESS)
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ServiceError(401, "unauthenticated", "perlu token: Authorization: Bearer <token>")
    who = authenticate(request.app.state.publisher.engine, secret.strip())  # a read: no write lock
    if who is None:
        raise ServiceError(401, "unauthenticated", "token tidak dikenal atau sudah dicabut")
    limit(request, f"account:{who.account_id}", WRITE_PER_ACCOUNT)
    return who
