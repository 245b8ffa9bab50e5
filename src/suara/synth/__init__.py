"""Deterministic synthetic elections on the real region tree: the whole Pemilu (PPWP, DPR, DPD,
DPRD provinsi, DPRD kab/kota, overseas stations included) and the Pilkada on its own TPS list.

Every TPS gets a C Hasil form per ballot whose numbers hang together the way a real count does
(DPT never above the cap, voters split by sex, ballots accounted for), with shares that vary by
province, kab/kota and TPS and add up nationally close to the real 2024 results. A chosen share
of forms carries the errors seen in real publications, so flags appear.

Randomness is drawn per (seed, contest, kab/kota), so a province generated alone is identical to
the same province inside a national run.
"""

from suara.synth.errors import ERROR_KINDS, ERROR_WEIGHTS, inject_error, misread_hundreds
from suara.synth.generator import Synthesizer
from suara.synth.selection import GROUPS, SynthOptions, select_contests
from suara.synth.shares import (
    DPR_NATIONAL_VOTES,
    DPR_TOTAL_VALID,
    PPWP_NATIONAL_TARGET,
    PPWP_PROVINCE_SHARES,
    calibrate,
)

__all__ = [
    "DPR_NATIONAL_VOTES", "DPR_TOTAL_VALID", "ERROR_KINDS", "ERROR_WEIGHTS", "GROUPS", "PPWP_NATIONAL_TARGET",
    "PPWP_PROVINCE_SHARES", "SynthOptions", "Synthesizer", "calibrate", "inject_error", "misread_hundreds",
    "select_contests",
]
