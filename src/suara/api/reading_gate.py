"""Reading photos: the one CPU cost a single account can multiply, bounded per process and per account.

Finding a page's markers and QR code and reading its digits takes tens of milliseconds for a
real photo and over a second for a hostile one (noise makes every speck a candidate marker for
OpenCV), and a device may send five pages with each form. Without a bound, one token's writes
(300 a minute) could keep every core reading while the other devices' forms wait. So:

- each account has a budget of pages read (PAGES_READ_PER_ACCOUNT, api/limits.py); past it, 429;
- each process reads one request's photos at a time (SUARA_READINGS_AT_ONCE, default 1); a
  request that cannot start within READER_WAIT_SECONDS (0.5) is answered 503 with Retry-After, as the
  write admission answers, and the device sends again. Forms without photos never wait here.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from suara.api.admission import off_the_clock
from suara.api.auth import limit
from suara.api.limits import PAGES_READ_PER_ACCOUNT
from suara.services.errors import ServiceError

T = TypeVar("T")
AT_ONCE_ENV = "SUARA_READINGS_AT_ONCE"
READER_WAIT_SECONDS = 0.5  # a refusal comes within a second, as the write admission's
READER_RETRY_SECONDS = 2
BUSY = "pembaca foto sedang penuh; kirim lagi sebentar lagi"


def readings_at_once() -> int:
    raw = os.environ.get(AT_ONCE_ENV, "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise ValueError(f"{AT_ONCE_ENV} must be a whole number from 1 to 64, not {raw!r}")
    return int(raw)


class ReadingGate:
    """Made on the serving event loop (the app's lifespan): its semaphore belongs to that loop."""

    def __init__(self, at_once: int) -> None:
        self._slots = asyncio.Semaphore(at_once)

    async def run(self, request: Request, account_id: int, pages: int, work: Callable[..., T], *args: Any) -> T:
        """work(*args) in a thread once this account's pages fit its budget and a reading slot is free."""
        if pages:
            limit(request, f"pages:{account_id}", PAGES_READ_PER_ACCOUNT, pages)
        with off_the_clock(request.scope):  # a reading is not the write path falling behind
            try:
                await asyncio.wait_for(self._slots.acquire(), READER_WAIT_SECONDS)
            except TimeoutError:
                raise ServiceError(503, "reader_busy", BUSY, {"retry_after": READER_RETRY_SECONDS}) from None
            try:
                return await run_in_threadpool(work, *args)
            finally:
                self._slots.release()
