"""Who is calling: bearer tokens for devices and officials, rate limits, and the 4xx they get."""

from __future__ import annotations

from fastapi import Request

from suara.api.limits import (
    LOGIN,
    WRITE_PER_ACCOUNT,
    WRITE_PER_ADDRESS,
    LoginThrottle,
    Rate,
    RateLimiter,
)
from suara.services import accounts
from suara.services.accounts import Principal, authenticate_until
from suara.services.errors import ServiceError


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit(request: Request, key: str, rate: Rate) -> None:
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.take(key, rate)
    if wait:
        raise ServiceError(429, "rate_limited", f"terlalu banyak permintaan; coba lagi dalam {wait:.0f} detik",
                           {"retry_after": wait})


def log_in(request: Request, username: str, password: str, label: str) -> tuple[str, Principal]:
    """A password login behind the per-address rate limit and the (username, address) throttle.

    Raises ServiceError 429 (with retry_after) while throttled and AccountError for a refusal;
    both read the same for an unknown username as for a known one. Blocking: call from a thread.
    """
    limit(request, f"login:{client_address(request)}", LOGIN)
    throttle: LoginThrottle = request.app.state.login_throttle
    address = client_address(request)
    wait = throttle.admit(username, address)
    if wait:
        raise ServiceError(429, "rate_limited", f"terlalu banyak percobaan masuk dari alamat ini; coba lagi dalam "
                                                f"{wait:.0f} detik", {"retry_after": wait})
    secret, who = accounts.login(request.app.state.writer, username, password, label)
    throttle.succeeded(username, address)
    return secret, who


def bearer(request: Request) -> str:
    """The secret of the request's bearer token ('' without one)."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def principal(request: Request) -> Principal:
    """The authenticated caller of a write; 401 without a valid token."""
    limit(request, f"addr:{client_address(request)}", WRITE_PER_ADDRESS)
    secret = bearer(request)
    if not secret:
        raise ServiceError(401, "unauthenticated", "perlu token: Authorization: Bearer <token>")
    # a read (no write lock) on the primary: a token issued a moment ago may not be on a replica yet
    state = request.app.state
    who = state.token_cache.lookup(secret, lambda: authenticate_until(state.publisher.engine, secret))
    if who is None:
        raise ServiceError(401, "unauthenticated", "token tidak dikenal, sudah dicabut atau kedaluwarsa; "
                                                   "masuk lagi")
    limit(request, f"account:{who.account_id}", WRITE_PER_ACCOUNT)
    return who
