"""An election's own TPS list, derived from another election's list.

Pilkada 2024 published its TPS count per kecamatan only (435,296 TPS of up to 600 voters, where
the Pemilu had 820,161 of up to 300). Its per-desa list is built by spreading each kecamatan's
count over the kecamatan's desa in proportion to their Pemilu TPS, so that the Pilkada TPS keep
the Pemilu's 13-digit code form (desa code + TPS number) and every kecamatan total is exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from fractions import Fraction


def spread_tps(kecamatan_count: int, desa_pemilu_tps: Mapping[str, int]) -> dict[str, int]:
    """Spread kecamatan_count TPS over the desa in proportion to their Pemilu TPS.

    Largest remainder: each desa first gets the whole part of its exact share, then the TPS left
    over go one each to the desa with the largest remainders (ties: the smaller desa code). The
    result always sums to kecamatan_count. When there are at least as many TPS as desa, every
    desa gets at least one: a desa whose share rounds to 0 takes one TPS from the desa that got
    the most above its exact share. When no desa has a Pemilu TPS the count is spread evenly.
    """
    if kecamatan_count < 0:
        raise ValueError(f"jumlah TPS tidak boleh negatif: {kecamatan_count}")
    if any(n < 0 for n in desa_pemilu_tps.values()):
        raise ValueError("jumlah TPS Pemilu per desa tidak boleh negatif")
    codes = sorted(desa_pemilu_tps)
    if not codes:
        if kecamatan_count:
            raise ValueError(f"{kecamatan_count} TPS tidak dapat dibagi: kecamatan tanpa desa")
        return {}
    weights = {code: desa_pemilu_tps[code] for code in codes}
    total_weight = sum(weights.values())
    if total_weight == 0:
        weights = dict.fromkeys(codes, 1)
        total_weight = len(codes)
    # Exact shares as fractions so that no rounding of floats decides a tie.
    shares = {code: Fraction(kecamatan_count * weights[code], total_weight) for code in codes}
    result = {code: int(shares[code]) for code in codes}
    left = kecamatan_count - sum(result.values())
    by_remainder = sorted(codes, key=lambda code: (-(shares[code] - result[code]), code))
    for code in by_remainder[:left]:
        result[code] += 1
    if kecamatan_count >= len(codes):
        for code in sorted((c for c in codes if result[c] == 0), key=lambda c: (-shares[c], c)):
            donor = min(
                (c for c in codes if result[c] >= 2), key=lambda c: (-(result[c] - shares[c]), c)
            )
            result[donor] -= 1
            result[code] = 1
    return result


def tps_range_text(count: int) -> str:
    """TPS numbers 1..count in the wilayah format ('1-12'; '1' for one TPS; '' for none)."""
    if count <= 0:
        return ""
    return "1" if count == 1 else f"1-{count}"


def pilkada_tps_ranges(
    tps_per_kecamatan: Mapping[str, int], desa_pemilu_tps: Mapping[str, int]
) -> dict[str, str]:
    """Per desa, the range text of its Pilkada TPS ('1-n'), from the counts per kecamatan.

    desa_pemilu_tps maps every 10-digit desa code to its number of Pemilu TPS; a desa belongs to
    the kecamatan of its first 6 characters. Raises ValueError when a kecamatan with TPS has no
    desa, or a desa's kecamatan has no count (the list would silently miss it).
    """
    desa_by_kecamatan: dict[str, dict[str, int]] = defaultdict(dict)
    for desa, count in desa_pemilu_tps.items():
        desa_by_kecamatan[desa[:6]][desa] = count
    missing = sorted(set(desa_by_kecamatan) - set(tps_per_kecamatan))
    if missing:
        raise ValueError(f"kecamatan tanpa jumlah TPS: {', '.join(missing[:10])}")
    ranges: dict[str, str] = {}
    for kecamatan in sorted(tps_per_kecamatan):
        its_desa = desa_by_kecamatan.get(kecamatan, {})
        try:
            spread = spread_tps(tps_per_kecamatan[kecamatan], its_desa)
        except ValueError as exc:
            raise ValueError(f"kecamatan {kecamatan}: {exc}") from None
        for code, count in spread.items():
            ranges[code] = tps_range_text(count)
    return ranges
