"""Who holds a bearer token, remembered for a few seconds in each process.

On election day every submission carries a device token, and asking the database who holds it
was the largest single cost of a submission after the form itself (a read transaction per
request). A process keeps the answer for SUARA_TOKEN_CACHE_SECONDS (default 5; 0 asks every
time). Only live tokens are kept, never a refusal. A token revoked or rotated through this
process is forgotten at once; revoked through another process (another worker, the CLI), it
stops working there within those seconds at most.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime

from suara.config import seconds_setting
from suara.services.accounts import Principal, still_live

TTL_ENV = "SUARA_TOKEN_CACHE_SECONDS"
DEFAULT_TTL = 5.0
CAPACITY = 200_000  # live devices of a large province behind one process; past it, start afresh


def ttl_from_env() -> float:
    return seconds_setting(os.environ.get(TTL_ENV, str(DEFAULT_TTL)), TTL_ENV, most=300)


class TokenCache:
    def __init__(self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic,
                 capacity: int = CAPACITY) -> None:
        self.ttl = ttl
        self.clock = clock
        self.capacity = capacity
        # sha256 of the secret -> (kept until, by self.clock; the token's expiry; its holder)
        self._held: dict[bytes, tuple[float, datetime, Principal]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(secret: str) -> bytes:
        return hashlib.sha256(secret.encode()).digest()  # the secret itself is not kept

    def remembered(self, secret: str) -> Principal | None:
        """The holder of `secret` if asked within the last ttl seconds and the token has not
        expired since; None when the database must be asked. Never blocks."""
        held = self._held.get(self._key(secret)) if self.ttl > 0 else None
        if held is not None and held[0] > self.clock() and still_live(held[1]):
            return held[2]
        return None

    def lookup(self, secret: str, ask: Callable[[], tuple[Principal, datetime] | None]) -> Principal | None:
        """The holder of `secret`: remembered(), else ask() (the holder and the token's expiry,
        or None)."""
        who = self.remembered(secret)
        if who is not None:
            return who
        key = self._key(secret)
        now = self.clock()
        found = ask()
        with self._lock:
            if found is None or self.ttl <= 0:
                self._held.pop(key, None)
            else:
                if len(self._held) >= self.capacity:
                    self._held.clear()
                self._held[key] = (now + self.ttl, found[1], found[0])
        return None if found is None else found[0]

    def forget(self, secret: str) -> None:
        with self._lock:
            self._held.pop(self._key(secret), None)

    def forget_account(self, username: str) -> None:
        with self._lock:
            for key in [k for k, (_, _, who) in self._held.items() if who.username == username]:
                del self._held[key]
