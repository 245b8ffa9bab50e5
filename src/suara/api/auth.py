"""Who is calling: bearer tokens for devices and officials, rate limits, and the 4xx they get."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from suara.api.limits import (
    LOGIN,
    WRITE_PER_ACCOUNT,
    WRITE_PER_ADDRESS,
    LoginThrottle,
    Rate,
    RateLimiter,
)
from suara.api.token_cache import TokenCache
from suara.services import accounts
from suara.services.accounts import Principal, authenticate_until
from suara.services.errors import ServiceError


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit(request: Request, key: str, rate: Rate, cost: int = 1) -> None:
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.take(key, rate, cost)
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


def _token_of(request: Request) -> str:
    """The caller's token secret, behind the per-address write limit; 401 without one."""
    limit(request, f"addr:{client_address(request)}", WRITE_PER_ADDRESS)
    secret = bearer(request)
    if not secret:
        raise ServiceError(401, "unauthenticated", "perlu token: Authorization: Bearer <token>")
    return secret


def _ask_database(request: Request, secret: str) -> Principal | None:
    # a read (no write lock) on the primary: a token issued a moment ago may not be on a replica yet
    state = request.app.state
    cache: TokenCache = state.token_cache
    return cache.lookup(secret, lambda: authenticate_until(state.publisher.engine, secret))


def _admitted(request: Request, who: Principal | None) -> Principal:
    if who is None:
        raise ServiceError(401, "unauthenticated", "token tidak dikenal, sudah dicabut atau kedaluwarsa; "
                                                   "masuk lagi")
    limit(request, f"account:{who.account_id}", WRITE_PER_ACCOUNT)
    return who


def principal(request: Request) -> Principal:
    """The authenticated caller of a write; 401 without a valid token. Blocking: from a thread."""
    return _admitted(request, _ask_database(request, _token_of(request)))


async def caller(request: Request) -> Principal:
    """principal() as an endpoint dependency. On election day nearly every token is one asked
    about seconds ago: that answer comes on the event loop, and only a database question takes a
    thread (a thread hop per request was a tenth of a submission's Python time)."""
    secret = _token_of(request)
    cache: TokenCache = request.app.state.token_cache
    who = cache.remembered(secret)
    if who is None:
        who = await run_in_threadpool(_ask_database, request, secret)
    return _admitted(request, who)
