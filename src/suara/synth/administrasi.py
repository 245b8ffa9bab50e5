"""Sections I-III of the C Hasil (voters and ballots), drawn per TPS with numpy.

The voters of a TPS are drawn once per election and kab/kota and shared by all its ballots:
the five Pemilu ballots of a TPS have the same DPT, the same DPT voters and the same DPK
voters. Only DPTb voters (registered elsewhere) may hold fewer ballots, for instance no DPRD
ballot when they moved from another province, so each ballot has its own administrasi.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from suara.domain.regions import OVERSEAS

# 2024: 203,056,748 DPT over 820,161 TPS is 247.6 per TPS, of a cap of 300; Pilkada 2024 had
# about 203.6 million over 435,296 TPS of up to 600.
MEAN_DPT_SHARE = {"pemilu": 0.825, "pilkada": 0.78}
TURNOUT = {"pemilu": 0.82, "pilkada": 0.70}
OVERSEAS_TURNOUT = 0.55
OVERSEAS_SMALL_STATION_DPT = 0.4  # a POS or KSK serves fewer voters than a TPSLN
# Share of DPTb voters who get no ballot of the kind (moved across a dapil or province line).
DPTB_WITHOUT_BALLOT = {"ppwp": 0.0, "pdpr": 0.08, "pdpd": 0.05, "pdprdp": 0.12, "pdprdk": 0.2,
                       "pkwkp": 0.0, "pkwkk": 0.1}
# Invalid votes: few on the presidential ballot, many more on the crowded legislative ones
# (about 11% on the DPR ballot, which brings the national valid total near 2024's 151.8 million).
INVALID_RATE = {"ppwp": 0.02, "pdpr": 0.11, "pdpd": 0.12, "pdprdp": 0.11, "pdprdk": 0.11,
                "pkwkp": 0.03, "pkwkk": 0.03}


@dataclass(frozen=True)
class Voters:
    """The voters of every TPS of one kab/kota in one election (arrays in TPS order)."""

    dpt: np.ndarray
    dpt_l: np.ndarray
    used_dpt: np.ndarray
    used_dpt_l: np.ndarray
    dptb: np.ndarray  # DPTb voters holding a PPWP ballot: the most any ballot has
    dpk: np.ndarray
    dpk_l: np.ndarray
    received: np.ndarray
    disabled: np.ndarray


def draw_voters(rng: np.random.Generator, election_kind: str, cap: int, small_station: np.ndarray,
                overseas: bool) -> Voters:
    n = len(small_station)
    mean = MEAN_DPT_SHARE[election_kind]
    share = rng.beta(9.0, 9.0 * (1 - mean) / mean, n) * np.where(small_station, OVERSEAS_SMALL_STATION_DPT, 1.0)
    dpt = np.clip(np.rint(cap * share), 20, cap).astype(np.int64)
    dpt_l = rng.binomial(dpt, 0.5)
    centre = OVERSEAS_TURNOUT if overseas else TURNOUT[election_kind]
    turnout = np.clip(rng.normal(rng.normal(centre, 0.04), 0.05, n), 0.2, 0.99)
    used_dpt = rng.binomial(dpt, turnout)
    used_dpt_l = rng.hypergeometric(dpt_l, dpt - dpt_l, np.maximum(used_dpt, 1)) * (used_dpt > 0)
    received = dpt + -(-dpt * 2 // 100)  # DPT plus the 2% reserve, rounded up
    dptb = np.minimum(rng.poisson(2.0, n), received - used_dpt)
    dpk = np.minimum(rng.poisson(3.0, n), received - used_dpt - dptb)
    dpk_l = rng.binomial(dpk, 0.5)
    disabled = rng.binomial(used_dpt + dptb + dpk, 0.01)
    return Voters(dpt, dpt_l, used_dpt, used_dpt_l, dptb, dpk, dpk_l, received, disabled)


@dataclass(frozen=True)
class BallotCount:
    """One ballot's sections I-III and its valid/invalid split, per TPS."""

    administrasi: list[dict[str, int]]
    valid: np.ndarray
    invalid: np.ndarray
    total: np.ndarray


def count_ballots(rng: np.random.Generator, kind: str, voters: Voters) -> BallotCount:
    v = voters
    dptb = v.dptb - rng.binomial(v.dptb, DPTB_WITHOUT_BALLOT.get(kind, 0.0))
    dptb_l = rng.binomial(dptb, 0.5)
    total = v.used_dpt + dptb + v.dpk
    returned = np.minimum(rng.poisson(0.3, len(total)), v.received - total)
    invalid = rng.binomial(total, INVALID_RATE.get(kind, 0.03))
    disabled = np.minimum(v.disabled, total)
    columns = zip(*(a.tolist() for a in (v.dpt, v.dpt_l, v.used_dpt, v.used_dpt_l, dptb, dptb_l, v.dpk, v.dpk_l,
                                         total, disabled, v.received, returned)))
    administrasi = [_administrasi(*row) for row in columns]
    return BallotCount(administrasi, total - invalid, invalid, total)


def _administrasi(dpt: int, dpt_l: int, used: int, used_l: int, dptb: int, dptb_l: int, dpk: int, dpk_l: int,
                  total: int, disabled: int, received: int, returned: int) -> dict[str, Any]:
    up, bp, kp = used - used_l, dptb - dptb_l, dpk - dpk_l
    return {
        "pemilih_dpt_l": dpt_l, "pemilih_dpt_p": dpt - dpt_l, "pemilih_dpt_j": dpt,
        "pengguna_dpt_l": used_l, "pengguna_dpt_p": up, "pengguna_dpt_j": used,
        "pengguna_dptb_l": dptb_l, "pengguna_dptb_p": bp, "pengguna_dptb_j": dptb,
        "pengguna_non_dpt_l": dpk_l, "pengguna_non_dpt_p": kp, "pengguna_non_dpt_j": dpk,
        "pengguna_total_l": used_l + dptb_l + dpk_l, "pengguna_total_p": up + bp + kp,
        "pengguna_total_j": total,
        "pemilih_disabilitas_j": disabled,
        "surat_suara_diterima": received, "surat_suara_dikembalikan": returned,
        "surat_suara_tidak_digunakan": received - total - returned,
        "surat_suara_digunakan": total,
    }


def is_overseas(kab: str) -> bool:
    return kab.startswith(OVERSEAS)
