"""Deterministic synthetic elections on the real region tree.

Every TPS gets a C Hasil form whose numbers hang together the way a real count does (DPT never
above the contest's cap, voters split by sex, ballots accounted for), with candidate shares that
vary by province, kab/kota and TPS and add up nationally close to the real 2024 presidential
result. A chosen share of forms carries the errors seen in real publications, so flags appear.

Randomness is drawn per (seed, contest, kab/kota), so a province generated alone is identical to
the same province inside a national run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from suara.domain.contests import Contest
from suara.domain.regions import RegionTree

# Approximate 2024 presidential shares (01, 02, 03) per province, from KPU's recapitulation,
# used as the starting point; calibrate() then pulls the national total onto the official one.
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
    "95": (4.7, 89.9, 5.4), "96": (10.5, 66.0, 23.5),
}
PPWP_NATIONAL_TARGET = (40_971_906, 96_214_691, 27_040_878)
ERROR_KINDS = ("totals_as_votes", "digit_misread", "extra_digits")
# An extra-digit misreading adds some 100,000 votes to one TPS, so it is the rarest kind here:
# a handful already moves a national total, as 2024's did.
ERROR_WEIGHTS = (0.45, 0.45, 0.10)
MEAN_DPT_SHARE = 0.825  # 2024: 203,056,748 DPT over 820,161 TPS is 247.6 per TPS, of a cap of 300
TURNOUT = 0.82


@dataclass(frozen=True)
class SynthOptions:
    seed: int = 1
    provinces: tuple[str, ...] | None = None
    contests: tuple[str, ...] = ("ppwp",)
    error_rate: float = 0.001


def _stream(seed: int, *parts: str) -> np.random.Generator:
    digest = hashlib.sha256("/".join((str(seed), *parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def select_contests(all_contests: dict[str, Contest], wanted: Iterable[str]) -> list[Contest]:
    """'ppwp', 'pkwkp' (every governor race), 'pkwkk' (every bupati/walikota race) or exact keys."""
    chosen: dict[str, Contest] = {}
    for name in wanted:
        matches = [c for c in all_contests.values() if c.key == name or c.kind == name]
        if not matches:
            raise ValueError(f"pemilihan tidak dikenal: {name!r}")
        chosen.update({c.key: c for c in matches})
    return sorted(chosen.values(), key=lambda c: c.key)


def calibrate(tree: RegionTree, shares: dict[str, tuple[float, ...]], target: tuple[int, ...]) -> dict[str, np.ndarray]:
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


class Synthesizer:
    def __init__(self, tree: RegionTree, contests: dict[str, Contest], options: SynthOptions) -> None:
        self.tree = tree
        self.options = options
        self.contests = select_contests(contests, options.contests)
        self.ppwp_shares = calibrate(tree, PPWP_PROVINCE_SHARES, PPWP_NATIONAL_TARGET)
        provinces = [r.kode for r in tree.children("0")]
        if options.provinces is not None:
            unknown = sorted(set(options.provinces) - set(provinces))
            if unknown:
                raise ValueError(f"provinsi tidak dikenal: {', '.join(unknown)}")
            provinces = [p for p in provinces if p in options.provinces]
        self.kabs = [k.kode for p in provinces for k in tree.children(p)]

    def total_forms(self) -> int:
        return sum(self.tree.get(k).tps_total for k in self.kabs for c in self.contests if c.covers(k))

    def forms(self) -> Iterator[dict[str, Any]]:
        for kab in self.kabs:
            yield from self.forms_of_kab(kab)

    def forms_of_kab(self, kab: str) -> Iterator[dict[str, Any]]:
        for contest in self.contests:
            if contest.covers(kab):
                yield from self._kab_forms(contest, kab)

    def _base_shares(self, contest: Contest, kab: str) -> np.ndarray:
        if contest.kind == "ppwp" and kab[:2] in self.ppwp_shares:
            return self.ppwp_shares[kab[:2]]
        rng = _stream(self.options.seed, contest.key, "base")
        return rng.dirichlet(np.full(len(contest.candidates), 3.0))

    def _kab_forms(self, contest: Contest, kab: str) -> Iterator[dict[str, Any]]:
        rng = _stream(self.options.seed, contest.key, kab)
        codes = list(self.tree.tps_of(kab))
        n, k = len(codes), len(contest.candidates)
        kab_share = rng.dirichlet(self._base_shares(contest, kab) * 150 + 0.5)
        tps_share = rng.gamma(kab_share * 60 + 0.3, size=(n, k))
        tps_share /= tps_share.sum(axis=1, keepdims=True)
        cap = min(contest.tps_cap, 300)
        dpt = np.clip(np.rint(cap * rng.beta(9.0, 9.0 * (1 - MEAN_DPT_SHARE) / MEAN_DPT_SHARE, n)), 20, cap).astype(np.int64)
        dpt_l = rng.binomial(dpt, 0.5)
        turnout = np.clip(rng.normal(rng.normal(TURNOUT, 0.04), 0.05, n), 0.3, 0.99)
        used_dpt = rng.binomial(dpt, turnout)
        used_dpt_l = rng.hypergeometric(dpt_l, dpt - dpt_l, np.maximum(used_dpt, 1)) * (used_dpt > 0)
        reserve = -(-dpt * 2 // 100)
        received = dpt + reserve
        dptb = np.minimum(rng.poisson(2.0, n), received - used_dpt)
        dpk = np.minimum(rng.poisson(3.0, n), received - used_dpt - dptb)
        total = used_dpt + dptb + dpk
        returned = np.minimum(rng.poisson(0.3, n), received - total)
        invalid = rng.binomial(total, 0.02)
        valid = total - invalid
        votes = rng.multinomial(valid, tps_share)
        dptb_l, dpk_l = rng.binomial(dptb, 0.5), rng.binomial(dpk, 0.5)
        disabled = rng.binomial(total, 0.01)
        errors = rng.random(n) < self.options.error_rate
        kinds = rng.choice(len(ERROR_KINDS), size=n, p=ERROR_WEIGHTS)
        extra = rng.integers(100, 1000, n)
        nomor = [str(c.nomor_urut) for c in contest.candidates]
        for i, code in enumerate(codes):
            l, p = int(dpt_l[i]), int(dpt[i] - dpt_l[i])
            ul, up = int(used_dpt_l[i]), int(used_dpt[i] - used_dpt_l[i])
            bl, bp = int(dptb_l[i]), int(dptb[i] - dptb_l[i])
            kl, kp = int(dpk_l[i]), int(dpk[i] - dpk_l[i])
            suara = dict(zip(nomor, map(int, votes[i])))
            form: dict[str, Any] = {
                "tps": code, "contest": contest.key,
                "administrasi": {
                    "pemilih_dpt_l": l, "pemilih_dpt_p": p, "pemilih_dpt_j": l + p,
                    "pengguna_dpt_l": ul, "pengguna_dpt_p": up, "pengguna_dpt_j": ul + up,
                    "pengguna_dptb_l": bl, "pengguna_dptb_p": bp, "pengguna_dptb_j": bl + bp,
                    "pengguna_non_dpt_l": kl, "pengguna_non_dpt_p": kp, "pengguna_non_dpt_j": kl + kp,
                    "pengguna_total_l": ul + bl + kl, "pengguna_total_p": up + bp + kp,
                    "pengguna_total_j": int(total[i]),
                    "pemilih_disabilitas_j": int(disabled[i]),
                    "surat_suara_diterima": int(received[i]), "surat_suara_dikembalikan": int(returned[i]),
                    "surat_suara_tidak_digunakan": int(received[i] - total[i] - returned[i]),
                    "surat_suara_digunakan": int(total[i]),
                },
                "suara": suara,
                "suara_sah": int(valid[i]), "suara_tidak_sah": int(invalid[i]), "suara_total": int(total[i]),
            }
            if errors[i]:
                inject_error(form, ERROR_KINDS[kinds[i]], int(extra[i]))
            yield form


def inject_error(form: dict[str, Any], kind: str, extra: int) -> None:
    """Reproduce a real publication error in place (shared/spec/c-hasil.md, 'Two incidents')."""
    suara = form["suara"]
    keys = list(suara)
    top = max(keys, key=lambda key: suara[key])
    if kind == "totals_as_votes":
        # the valid and invalid totals keyed in as the votes of paslon 01 and 02
        suara[keys[0]] = form["suara_sah"]
        suara[keys[1 % len(keys)]] = form["suara_tidak_sah"]
    elif kind == "digit_misread":
        # a handwritten 1 read as 6 in the hundreds box: 117 -> 617
        value = suara[top]
        suara[top] = 600 + value % 100 if value >= 100 else value + 600
    elif kind == "extra_digits":
        # three extra digits read from the OMR column (136 -> 136188), and the totals summed
        # from the misread votes, so that only the voter counts show the mistake
        suara[top] = suara[top] * 1000 + extra
        form["suara_sah"] = sum(suara.values())
        form["suara_total"] = form["suara_sah"] + form["suara_tidak_sah"]
    else:
        raise ValueError(f"jenis kesalahan tidak dikenal: {kind}")
