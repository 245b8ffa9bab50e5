"""Rate limits per client address and per account (token buckets, in process memory).

Each API process limits on its own; behind a load balancer with N processes a client gets at
most N times the rate, which still stops a flood. A 429 says when to retry.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
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

    def take(self, key: str, rate: Rate, cost: int = 1) -> float:
        """Spend `cost` tokens (at most the burst); returns 0 when allowed, else the seconds
        until they are available."""
        now = time.monotonic()
        refill = rate.per_minute / 60.0
        cost = min(cost, rate.burst)
        with self._lock:
            tokens, stamp = self._buckets.get(key, (float(rate.burst), now))
            tokens = min(float(rate.burst), tokens + (now - stamp) * refill)
            if tokens >= cost:
                if len(self._buckets) >= self._max_keys and key not in self._buckets:
                    self._buckets.clear()  # bounded memory under a flood of addresses
                self._buckets[key] = (tokens - cost, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return max(1.0, math.ceil((cost - tokens) / refill))


class LoginThrottle:
    """Growing delays for password guesses, per (username, address).

    An account-wide lock-out let anyone who knew a username keep its officer out; keyed by the
    pair, a guesser only slows down its own address while the owner logs in from elsewhere. The
    first FREE_FAILURES attempts go straight through; after that each attempt waits 1 s, 2 s,
    4 s ... up to MAX_DELAY after the previous one. Unknown usernames are throttled exactly like
    known ones, so a 429 says nothing about whether the account exists.

    Kept in process memory, like RateLimiter, rather than in the database: counting failures
    there was what made the lock-out a remote write any anonymous client could trigger, and it
    would put a database write on every wrong guess. The price is that each API process keeps
    its own count, so behind N processes a guesser gets N times the attempts (still N per
    15 minutes once the delay is at its cap) and a restart forgets the delays.
    """

    FREE_FAILURES = 5
    FIRST_DELAY = 1.0
    MAX_DELAY = 15 * 60.0
    FORGET_AFTER = 60 * 60.0  # an hour without attempts starts the pair afresh

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        # (username, address) -> (attempts counted as failed, last attempt, not before); oldest first
        self._pairs: OrderedDict[tuple[str, str], tuple[int, float, float]] = OrderedDict()

    def admit(self, username: str, address: str) -> float:
        """0 when this attempt may check the password, else the seconds to wait.

        An admitted attempt counts as a failure until succeeded() clears it, so a burst of
        parallel guesses cannot all slip in before the first one is refused.
        """
        key = (username, address)
        now = self._clock()
        with self._lock:
            failures, last, not_before = self._pairs.get(key, (0, now, now))
            if now - last > self.FORGET_AFTER:
                failures, not_before = 0, now
            if now < not_before:
                return max(1.0, math.ceil(not_before - now))
            failures += 1
            if failures >= self.FREE_FAILURES:
                delay = min(self.MAX_DELAY, self.FIRST_DELAY * 2.0 ** (failures - self.FREE_FAILURES))
                not_before = now + delay
            self._pairs[key] = (failures, now, not_before)
            self._pairs.move_to_end(key)
            while len(self._pairs) > self._max_keys:  # bounded memory: the longest-quiet pairs go first
                self._pairs.popitem(last=False)
            return 0.0

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._pairs.pop((username, address), None)


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


LOGIN = Rate(per_minute=10, burst=5)
# A deployment behind a NAT'd polling-station network may raise these; bench/ raises them to
# measure the endpoint itself.
WRITE_PER_ADDRESS = Rate(per_minute=_setting("SUARA_WRITES_PER_ADDRESS_MINUTE", 600), burst=100)
WRITE_PER_ACCOUNT = Rate(per_minute=_setting("SUARA_WRITES_PER_ACCOUNT_MINUTE", 300), burst=60)
# pages of photos read per account: a TPS's five ballots are about twenty pages, sent again a few times
PAGES_READ_PER_ACCOUNT = Rate(per_minute=_setting("SUARA_PAGES_READ_PER_ACCOUNT_MINUTE", 120), burst=60)
COMPLAINT_PER_ADDRESS = Rate(per_minute=5, burst=3)
# a name search scans the names of every region (a few ms); a reader types a handful a minute
SEARCH_PER_ADDRESS = Rate(per_minute=_setting("SUARA_SEARCHES_PER_ADDRESS_MINUTE", 120), burst=30)
