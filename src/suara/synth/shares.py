"""Who gets how many votes: the starting shares per province and their calibration onto the
official 2024 national results.

The provincial figures below are starting points, not results: PPWP's come from KPU's
recapitulation (rounded); the party strongholds are rough multipliers that give the map its
familiar shape (PDIP in Bali and Central Java, PKB in East Java, Golkar in Gorontalo, ...).
Calibration then scales every party's provincial shares by one national factor until the
expected national total meets the official one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from suara.domain.dapil import Partai
from suara.domain.regions import RegionTree

# Approximate 2024 presidential shares (01, 02, 03) per province, from KPU's recapitulation;
# overseas ("99") approximate as well.
PPWP_PROVINCE_SHARES: dict[str, tuple[float, float, float]] = {
    "11": (73.6, 24.7, 1.7), "12": (26.0, 57.3, 16.7), "13": (56.5, 41.7, 1.8), "14": (40.9, 47.2, 11.9),
    "15": (25.0, 67.7, 7.3), "16": (21.4, 69.9, 8.7), "17": (22.8, 71.4, 5.8), "18": (14.6, 73.3, 12.1),
    "19": (20.0, 64.6, 15.4), "21": (30.7, 55.6, 13.7), "31": (41.1, 41.7, 17.2), "32": (31.7, 58.5, 9.8),
    "33": (12.6, 53.1, 34.3), "34": (24.4, 51.7, 23.9), "35": (17.5, 65.2, 17.3), "36": (34.0, 57.0, 9.0),
    "51": (3.7, 59.9, 36.4), "52": (27.1, 67.1, 5.8), "53": (3.5, 64.3, 32.2), "61": (20.4, 55.3, 24.3),
    "62": (17.6, 69.4, 13.0), "63": (35.2, 58.6, 6.2), "64": (22.8, 63.6, 13.6), "65": (12.0, 72.8, 15.2),
    "71": (4.8, 74.9, 20.3), "72": (21.0, 67.6, 11.4), "73": (43.6, 51.5, 4.9), "74": (22.8, 72.1, 5.1),
    "75": (29.6, 64.9, 5.5), "76": (31.9, 62.7, 5.4), "81": (16.8, 65.5, 17.7), "82": (25.3, 63.8, 10.9),
    "91": (8.4, 67.7, 23.9), "92": (6.6, 72.4, 21.0), "93": (7.3, 66.0, 26.7), "94": (4.3, 86.5, 9.2),
    "95": (4.7, 89.9, 5.4), "96": (10.5, 66.0, 23.5), "99": (36.0, 45.0, 19.0),
}
PPWP_NATIONAL_TARGET = (40_971_906, 96_214_691, 27_040_878)

# The official 2024 DPR result (KPU), votes per party by its short name.
DPR_NATIONAL_VOTES: dict[str, int] = {
    "PDIP": 25_387_279, "Golkar": 23_208_654, "Gerindra": 20_071_708, "PKB": 16_115_655,
    "NasDem": 14_660_516, "PKS": 12_781_353, "Demokrat": 11_283_160, "PAN": 10_984_003,
    "PPP": 5_878_777, "PSI": 4_260_169, "Perindo": 1_955_154, "Gelora": 1_281_991,
    "Hanura": 1_094_588, "Buruh": 972_910, "Ummat": 642_545, "PBB": 484_486,
    "Garuda": 406_883, "PKN": 326_800,
}
DPR_TOTAL_VALID = 151_796_631
UNKNOWN_PARTY_SHARE = 0.005  # a national party the table does not name (another election's)

_PAPUA = ("91", "92", "93", "94", "95", "96")
# Rough regional strength of the parties, as multipliers of their national share.
STRONGHOLDS: dict[str, dict[str, float]] = {
    "PDIP": {"51": 3.2, "33": 1.9, "53": 1.5, "71": 1.7, "61": 1.4, "34": 1.6, "62": 1.3, "11": 0.15,
             "13": 0.25, "73": 0.5, "36": 0.7, "52": 0.6, "75": 0.6, "76": 0.6},
    "Golkar": {"75": 2.2, "73": 1.3, "82": 1.5, "14": 1.4, "32": 1.1, "76": 1.4, "74": 1.2, "51": 0.6,
               "34": 0.6, "33": 0.7},
    "Gerindra": {"32": 1.3, "36": 1.2, "13": 1.5, "52": 1.4, "16": 1.2, "51": 0.6, "33": 0.9},
    "PKB": {"35": 2.1, "33": 1.4, "11": 0.6, "51": 0.2, "53": 0.3, "71": 0.3, "13": 0.4,
            **{p: 0.6 for p in _PAPUA}},
    "NasDem": {"73": 1.9, "11": 1.4, "53": 1.3, "76": 1.5, "33": 0.6, "34": 0.6, **{p: 1.6 for p in _PAPUA}},
    "PKS": {"31": 1.9, "32": 1.6, "13": 1.6, "36": 1.4, "21": 1.3, "51": 0.1, "53": 0.15, "71": 0.2,
            **{p: 0.3 for p in _PAPUA}},
    "Demokrat": {"11": 1.2, "12": 1.4, "17": 1.3, "35": 1.1, "81": 1.3, "51": 0.5},
    "PAN": {"74": 2.2, "13": 1.5, "17": 1.3, "52": 1.4, "63": 1.2, "51": 0.4, "53": 0.4},
    "PPP": {"63": 1.6, "11": 1.6, "36": 1.5, "32": 1.3, "51": 0.1, "53": 0.1, "71": 0.1},
    "PSI": {"31": 2.2, "51": 1.5, "71": 1.8, "53": 1.3, "11": 0.2, "13": 0.3},
    "Perindo": {"53": 2.5, "71": 2.2, "81": 2.0, **{p: 1.5 for p in _PAPUA}},
    "Hanura": {"53": 2.0, **{p: 1.8 for p in _PAPUA}},
    "PBB": {"19": 3.0},
}
REGIONAL_SPREAD = 0.2  # log-normal spread of a party's share between provinces, beyond the above

# Aceh's local parties in the DPRD of Aceh (Partai Aceh first, as in 2024); the national
# parties share what is left.
ACEH_LOCAL_SHARES: dict[str, float] = {"PA": 0.22, "PNA": 0.045, "PAS Aceh": 0.03, "PDA": 0.02,
                                       "SIRA": 0.015, "Gabthat": 0.01}
UNKNOWN_LOCAL_SHARE = 0.01


def calibrate(tree: RegionTree, shares: Mapping[str, Sequence[float]], target: Sequence[int]) -> dict[str, np.ndarray]:
    """Scale each candidate's provincial shares so the TPS-weighted national sum meets the target."""
    weights = {p: tree.get(p).tps_total for p in shares if p in tree}
    base = {p: np.array(s, dtype=float) / sum(s) for p, s in shares.items() if p in weights}
    goal = np.array(target, dtype=float) / sum(target)
    factor = np.ones(len(target))
    for _ in range(50):
        scaled = {p: b * factor / (b * factor).sum() for p, b in base.items()}
        national = sum(weights[p] * s for p, s in scaled.items())
        factor *= goal / (national / national.sum())
    return {p: b * factor / (b * factor).sum() for p, b in base.items()}


def _name_key(party: Partai) -> str | None:
    """The party's row in DPR_NATIONAL_VOTES: by short name, else by a word of its name."""
    by_lower = {name.lower(): name for name in DPR_NATIONAL_VOTES}
    if party.singkatan.lower() in by_lower:
        return by_lower[party.singkatan.lower()]
    words = set(party.nama.lower().split()) | set(party.nama_lengkap.lower().split())
    return next((by_lower[w] for w in words if w in by_lower), None)


def national_targets(parties: Sequence[Partai]) -> np.ndarray:
    """Each party's official national share (local parties 0; unnamed parties a small one)."""
    shares = []
    for party in parties:
        key = _name_key(party)
        if party.aceh_local:
            shares.append(0.0)
        elif key is None:
            shares.append(UNKNOWN_PARTY_SHARE)
        else:
            shares.append(DPR_NATIONAL_VOTES[key] / DPR_TOTAL_VALID)
    return np.array(shares)


def province_bases(parties: Sequence[Partai], provinces: Iterable[str], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Starting party shares per province: the national share times the party's regional strength."""
    target = national_targets(parties)
    names = [_name_key(p) or "" for p in parties]
    bases = {}
    for prov in provinces:
        strength = np.array([STRONGHOLDS.get(name, {}).get(prov, 1.0) for name in names])
        spread = rng.lognormal(0.0, REGIONAL_SPREAD, len(parties))
        base = target * strength * spread
        bases[prov] = base / base.sum()
    return bases


def calibrate_parties(bases: Mapping[str, np.ndarray], cells: Sequence[tuple[str, np.ndarray, float]],
                      target: np.ndarray) -> dict[str, np.ndarray]:
    """Scale each party's provincial shares by one national factor so that the expected national
    shares meet the target. A cell is (province, parties standing there, weight in votes): where
    a party does not stand its share goes to the others, and calibration accounts for that."""
    provinces = sorted(bases)
    index = {p: i for i, p in enumerate(provinces)}
    base = np.array([bases[p] for p in provinces])
    rows = np.array([index[prov] for prov, _, _ in cells])
    masks = np.array([mask for _, mask, _ in cells], dtype=float)
    weights = np.array([w for _, _, w in cells], dtype=float)
    calibrated = target > 0
    goal = target / target.sum()
    factor = np.ones(len(target))
    for _ in range(100):
        shares = base[rows] * factor * masks
        shares /= shares.sum(axis=1, keepdims=True)
        national = (weights[:, None] * shares).sum(axis=0)
        national /= national.sum()
        factor[calibrated] *= goal[calibrated] / np.maximum(national[calibrated], 1e-12)
    scaled = base * factor
    return {p: scaled[index[p]] / scaled[index[p]].sum() for p in provinces}


def with_aceh_local_parties(base: np.ndarray, parties: Sequence[Partai]) -> np.ndarray:
    """A province's party shares with Aceh's local parties added at their own strength."""
    local = np.array([ACEH_LOCAL_SHARES.get(p.singkatan, UNKNOWN_LOCAL_SHARE) if p.aceh_local else 0.0
                      for p in parties])
    national = np.where(local > 0, 0.0, base)
    shares: np.ndarray = national / national.sum() * (1 - local.sum()) + local
    return shares


def list_weights(rng: np.random.Generator, list_lengths: Sequence[int]) -> list[np.ndarray]:
    """Per party, how its votes split between the party itself and its candidates (in list
    order): about a fifth for the party, list number 1 clearly ahead, then a long tail in which
    a strong candidate further down can still stand out."""
    blocks = []
    for length in list_lengths:
        party_only = rng.beta(4.0, 14.0)
        if length == 0:
            blocks.append(np.ones(1))
            continue
        rank = np.arange(1, length + 1)
        strength = rng.lognormal(0.0, 0.6, length) / np.sqrt(rank)
        strength[0] *= 2.5
        blocks.append(np.concatenate(([party_only], (1 - party_only) * strength / strength.sum())))
    return blocks
