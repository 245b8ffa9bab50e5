"""The screens that queue TPS (A1-A4), run over the TPS of one kecamatan.

A kecamatan is the unit: the outlier screen compares a TPS with its desa and its kecamatan, the
repeated-forms screen looks for twins inside the kecamatan, so nothing outside it is needed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from suara.domain.anomalies.figures import TpsFigures
from suara.domain.anomalies.screens import (
    OUTLIER_MIN_DESA,
    OUTLIER_MIN_KECAMATAN,
    OUTLIER_SCALE_FLOOR,
    SIMILAR_MIN_VOTES,
)

MAD_TO_SD = 1.4826  # MAD x this estimates the standard deviation of a normal distribution
MAX_TWINS_LISTED = 10
LEAVE_ONE_OUT_BELOW = 30  # a desa this small: its median is taken without the TPS being judged


@dataclass(frozen=True, slots=True)
class Hit:
    """One screen raised on one TPS, with the statistics that raised it."""

    screen: str
    values: Mapping[str, Any] = field(default_factory=dict)


def _round(value: float) -> float:
    return round(float(value), 4)


def form_rules(tps: Sequence[TpsFigures], threshold: float) -> dict[str, Hit]:
    """A1: the consistency rules the counted form breaks, when they are at least `threshold`."""
    return {t.tps: Hit("A1", {"aturan": list(t.rules)}) for t in tps if t.rules and len(t.rules) >= threshold}


def turnout_above_register(tps: Sequence[TpsFigures], threshold: float) -> dict[str, Hit]:
    """A2: turnout above `threshold` percent of DPT, or at 100% with every valid vote for one
    candidate."""
    hits = {}
    for t in tps:
        turnout = t.turnout
        if turnout is None:
            continue
        counted = t.votes_counted
        unanimous = counted > 0 and max(t.votes) == counted
        if turnout * 100 > threshold or (turnout >= 1.0 and unanimous):
            hits[t.tps] = Hit("A2", {"partisipasi": _round(turnout), "pemilih_dpt": t.pemilih_dpt,
                                     "pengguna_total": t.pengguna_total, "satu_calon": unanimous})
    return hits


def _median(values: list[float]) -> float:
    # plain Python: numpy's median costs some 80 us a call, and a kecamatan has dozens of desa
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def location_and_scale(values: list[float]) -> tuple[float, float]:
    """Median, and 1.4826 x MAD (at least OUTLIER_SCALE_FLOOR): the robust centre and spread."""
    median = _median(values)
    return median, max(MAD_TO_SD * _median([abs(v - median) for v in values]), OUTLIER_SCALE_FLOOR)


def medians_of_others(values: Sequence[float], groups: Sequence[str], min_size: int) -> list[float]:
    """For each value, the median of the other values of its group; NaN where the value is
    missing or the group has fewer than `min_size` values (itself included)."""
    found = [math.nan] * len(values)
    members: dict[str, list[int]] = defaultdict(list)
    for i, group in enumerate(groups):
        if not math.isnan(values[i]):
            members[group].append(i)
    for index in members.values():
        if len(index) < min_size:
            continue
        chosen = [values[i] for i in index]
        if len(chosen) >= LEAVE_ONE_OUT_BELOW:  # one value barely moves the median of many
            whole = _median(chosen)
            for i in index:
                found[i] = whole
            continue
        for position, i in enumerate(index):
            found[i] = _median(chosen[:position] + chosen[position + 1:])
    return found


def leader_of(tps: Sequence[TpsFigures]) -> int | None:
    """Index of the ballot number with the most votes over these TPS (the lowest on a tie)."""
    if not tps:
        return None
    totals = [sum(column) for column in zip(*(t.votes for t in tps), strict=True)]
    best = max(range(len(totals)), key=lambda i: (totals[i], -i))
    return best if totals[best] > 0 else None


def outliers(tps: Sequence[TpsFigures], threshold: float, keys: Sequence[str]) -> dict[str, Hit]:
    """A3: turnout, or the share of the kecamatan's leading candidate, far from the kecamatan's
    TPS (and from the desa's, where the desa has enough TPS) in robust z-scores."""
    leader = leader_of(tps)
    turnout = [t.turnout if t.turnout is not None else math.nan for t in tps]
    share = [t.votes[leader] / t.votes_counted if leader is not None and t.votes_counted else math.nan for t in tps]
    desa = [t.desa for t in tps]
    hits: dict[str, Hit] = {}
    for name, values in (("partisipasi", turnout), ("perolehan", share)):
        known = [v for v in values if not math.isnan(v)]
        if len(known) < OUTLIER_MIN_KECAMATAN:
            continue
        # one scale, the kecamatan's, for both comparisons: a desa's few TPS give too rough a spread
        median, scale = location_and_scale(known)
        desa_median = medians_of_others(values, desa, OUTLIER_MIN_DESA)
        for i, t in enumerate(tps):
            if math.isnan(values[i]):
                continue
            z_kecamatan = (values[i] - median) / scale
            if abs(z_kecamatan) <= threshold:
                continue
            z_desa = (values[i] - desa_median[i]) / scale
            if not math.isnan(z_desa) and abs(z_desa) <= threshold:
                continue  # usual for its desa: a desa unlike the rest of the kecamatan, not a TPS
            statistic: dict[str, Any] = {"nilai": _round(values[i]), "median_kecamatan": _round(median),
                                         "skala": _round(scale), "z_kecamatan": _round(z_kecamatan)}
            if not math.isnan(z_desa):
                statistic.update(median_desa=_round(desa_median[i]), z_desa=_round(z_desa))
            if name == "perolehan" and leader is not None:
                statistic["nomor"] = keys[leader]
            previous = hits.get(t.tps)
            hits[t.tps] = Hit("A3", {**(previous.values if previous else {}), name: statistic})
    return hits


def repeated_forms(tps: Sequence[TpsFigures], threshold: float) -> dict[str, Hit]:
    """A4: TPS whose votes and invalid votes are within `threshold` (L1) of another TPS of the
    kecamatan. Forms with few valid votes are left out: small counts repeat by chance."""
    compared = [t for t in tps if t.suara_sah >= SIMILAR_MIN_VOTES]
    if len(compared) < 2:
        return {}
    vectors = np.array([(*t.votes, t.suara_tidak_sah) for t in compared], dtype=np.int64)
    twins: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if threshold < 1:
        same: dict[bytes, list[int]] = defaultdict(list)
        for i, row in enumerate(vectors):
            same[row.tobytes()].append(i)
        for group in (g for g in same.values() if len(g) > 1):
            for i in group:
                twins[i].extend((j, 0) for j in group if j != i)
    else:
        for i in range(len(compared) - 1):  # one row at a time: memory stays O(n k) for a big kecamatan
            distance = np.abs(vectors[i + 1:] - vectors[i]).sum(axis=1)
            for offset in np.flatnonzero(distance <= threshold).tolist():
                j = i + 1 + offset
                twins[i].append((j, int(distance[offset])))
                twins[j].append((i, int(distance[offset])))
    hits = {}
    for i, found in twins.items():
        found.sort(key=lambda pair: (pair[1], compared[pair[0]].tps))
        hits[compared[i].tps] = Hit("A4", {"mirip_dengan": [compared[j].tps for j, _ in found[:MAX_TWINS_LISTED]],
                                           "jumlah_mirip": len(found), "jarak_l1": found[0][1]})
    return hits


def screen_tps(tps: Sequence[TpsFigures], thresholds: Mapping[str, float], keys: Sequence[str]) -> dict[str, list[Hit]]:
    """Every TPS-level screen over the TPS of one kecamatan: TPS code -> its hits, in screen order."""
    found: dict[str, list[Hit]] = defaultdict(list)
    for hits in (form_rules(tps, thresholds["A1"]), turnout_above_register(tps, thresholds["A2"]),
                 outliers(tps, thresholds["A3"], keys), repeated_forms(tps, thresholds["A4"])):
        for code, hit in hits.items():
            found[code].append(hit)
    return dict(found)
