"""When a process is not worth sending traffic to: the limits /readyz (and suara_ready) apply.

Every process shares one tally, so when the tally lags every process turns unready together; a
load balancer that then has no backend left should fail open (serve from all), and the limits are
set far past an ordinary burst.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from suara.tally.lag import TallyLag

SECONDS_ENV = "SUARA_READY_MAX_TALLY_LAG_SECONDS"
VERSIONS_ENV = "SUARA_READY_MAX_TALLY_LAG_VERSIONS"
# Normal flow folds within a second of a submission; a national peak queues tens of thousands of
# versions for a few seconds. Five minutes, or half a million versions, is a tally that stopped.
DEFAULT_MAX_LAG_SECONDS = 300.0
DEFAULT_MAX_LAG_VERSIONS = 500_000


@dataclass(frozen=True)
class ReadinessLimits:
    max_lag_seconds: float = DEFAULT_MAX_LAG_SECONDS
    max_lag_versions: int = DEFAULT_MAX_LAG_VERSIONS

    @classmethod
    def from_env(cls) -> ReadinessLimits:
        """The environment's limits; a bad value raises ValueError naming it (the app refuses to start)."""
        return cls(_positive(SECONDS_ENV, DEFAULT_MAX_LAG_SECONDS),
                   int(_positive(VERSIONS_ENV, DEFAULT_MAX_LAG_VERSIONS)))

    def reasons(self, lag: TallyLag) -> list[dict[str, Any]]:
        found = []
        if lag.seconds() > self.max_lag_seconds:
            found.append({"code": "tally_behind_seconds",
                          "message": f"penghitungan tertinggal {lag.seconds():.0f} detik "
                                     f"(batas {self.max_lag_seconds:g})"})
        if lag.pending_versions > self.max_lag_versions:
            found.append({"code": "tally_behind_versions",
                          "message": f"{lag.pending_versions} versi formulir belum dihitung "
                                     f"(batas {self.max_lag_versions})"})
        return found


def _positive(name: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} harus angka > 0, bukan {text!r}") from None
    if not value > 0:
        raise ValueError(f"{name} harus angka > 0, bukan {text!r}")
    return value
