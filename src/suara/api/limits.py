"""Rate limits per client address and per account (token buckets, in process memory).

Each API process limits on its own; behind a load balancer with N processes a client gets at
most N times the rate, which still stops a flood. A 429 says when to retry.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    per_minute: int
    burst: int


class RateLimiter:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def take(self, key: str, rate: Rate) -> float:
        """Spend one token; returns 0 when allowed, else the seconds until one is available."""
        now = time.monotonic()
        refill = rate.per_minute / 60.0
        with self._lock:
            tokens, stamp = self._buckets.get(key, (float(rate.burst), now))
            tokens = min(float(rate.burst), tokens + (now - stamp) * refill)
            if tokens >= 1:
                if len(self._buckets) >= self._max_keys and key not in self._buckets:
                    self._buckets.clear()  # bounded memory under a flood of addresses
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return max(1.0, math.ceil((1 - tokens) / refill))


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


LOGIN = Rate(per_minute=10, burst=5)
# A deployment behind a NAT'd polling-station network may raise these; bench/ raises them to
# measure the endpoint itself.
WRITE_PER_ADDRESS = Rate(per_minute=_setting("SUARA_WRITES_PER_ADDRESS_MINUTE", 600), burst=100)
WRITE_PER_ACCOUNT = Rate(per_minute=_setting("SUARA_WRITES_PER_ACCOUNT_MINUTE", 300), burst=60)
COMPLAINT_PER_ADDRESS = Rate(per_minute=5, burst=3)
# a name search scans the names of every region (a few ms); a reader types a handful a minute
SEARCH_PER_ADDRESS = Rate(per_minute=_setting("SUARA_SEARCHES_PER_ADDRESS_MINUTE", 120), burst=30)
