"""What a synthetic run covers: its options, and contest names as a user types them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from suara.domain.contests import KIND_INFO, KIND_ORDER, Contest

# Names that stand for several kinds at once.
GROUPS: dict[str, tuple[str, ...]] = {
    "pemilu": tuple(k.key for k in KIND_INFO.values() if k.election_kind == "pemilu"),
    "pilkada": tuple(k.key for k in KIND_INFO.values() if k.election_kind == "pilkada"),
    "all": tuple(KIND_INFO),
}


@dataclass(frozen=True)
class SynthOptions:
    seed: int = 1
    provinces: tuple[str, ...] | None = None
    contests: tuple[str, ...] = ("pemilu",)
    error_rate: float = 0.001


def stream(seed: int, *parts: str) -> np.random.Generator:
    """An independent random stream per name, so that any part can be generated alone."""
    digest = hashlib.sha256("/".join((str(seed), *parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def select_contests(all_contests: dict[str, Contest], wanted: Iterable[str]) -> list[Contest]:
    """Contests by kind ('ppwp', 'pdpr', 'pdpd', 'pdprdp', 'pdprdk', 'pkwkp', 'pkwkk'), by exact
    key ('pdpd-31', 'pkwkk-3204'), or by group: 'pemilu' (the five ballots), 'pilkada' (both
    races), 'all'. In ballot order (PPWP, DPR, DPD, DPRD provinsi, DPRD kab/kota, Pilkada)."""
    chosen: dict[str, Contest] = {}
    for name in wanted:
        kinds = GROUPS.get(name, (name,))
        matches = [c for c in all_contests.values() if c.key == name or c.kind in kinds]
        if not matches:
            known = ", ".join((*GROUPS, *KIND_INFO))
            raise ValueError(f"pemilihan tidak dikenal: {name!r} (pilih salah satu dari {known}, "
                             f"atau kunci pemilihan seperti pdpd-31)")
        chosen.update({c.key: c for c in matches})
    return sorted(chosen.values(), key=lambda c: (KIND_ORDER.get(c.kind, len(KIND_ORDER)), c.key))
