"""A sum over numbers that appear in no other sum, weighed exactly: a party's block (R14: jumlah =
its party votes + each candidate's votes) or the DPD's many candidates (R8: suara_sah = the sum
of their votes).

Searching such a sum reading by reading grows with the number of its terms: 14 numbers of a
party, or 50 DPD candidates, each with a dozen values its boxes allow, leave too many readings
within reach of the best. Since the terms meet nothing else, dynamic programming over their
partial sums (0..999: a total is three boxes) weighs every reading at once: the probability mass
of the terms' readings that add up to each total (a convolution, term after term), the best such
reading (the same with max for sum, and the choices kept), and each term's posterior given the
total (the mass of the others, from the partial sums before and after it). A reading that breaks
the sum keeps the weight EPSILON of the decoder, as in its search: the terms then read as their
boxes alone say.

Pure NumPy; values are indexes as in reading/decode.py (0..999, BLANK for three empty boxes,
which adds 0, and OTHER for any value outside the candidates, which fits no sum).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

BLANK = 1000
OTHER = -1
LIMIT = 1000  # partial sums kept: a total written in three boxes is at most 999

Candidates = Sequence[tuple[int, float]]  # (value, log-probability), as the decoder lists them


def sum_value(value: int) -> int:
    return 0 if value == BLANK else value


def _log_sum(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


class SumBlock:
    """total = sum of parts, where only the total meets the rest of the form."""

    def __init__(self, total: Candidates, parts: Sequence[Candidates], log_epsilon: float) -> None:
        self.parts = [list(p) for p in parts]
        self.log_epsilon = log_epsilon
        self.best = [max(lp for _, lp in p) for p in self.parts]
        self.log_mass = [_log_sum([lp for _, lp in p]) for p in self.parts]
        # every term scaled by its own best, so that products stay near 1 for likely readings
        vectors = [self._vector(p, best) for p, best in zip(self.parts, self.best, strict=True)]
        start = np.zeros(LIMIT)
        start[0] = 1.0
        self.prefix = [start]  # prefix[k]: mass of the first k terms by their partial sum
        for vector in vectors:
            self.prefix.append(np.convolve(self.prefix[-1], vector)[:LIMIT])
        self.suffix = [start]  # built backwards: suffix[k] holds the terms from k on
        for vector in reversed(vectors):
            self.suffix.append(np.convolve(self.suffix[-1], vector)[:LIMIT])
        self.suffix.reverse()
        self.spare = sum(m - b for m, b in zip(self.log_mass, self.best, strict=True))  # log of all readings' mass
        self.total = sorted(((t, self._total_mass(t, lp)) for t, lp in total), key=lambda c: -c[1])
        self._conditionals: dict[tuple[int, int], dict[int, float]] = {}

    @staticmethod
    def _vector(candidates: Candidates, best: float) -> np.ndarray:
        vector = np.zeros(LIMIT)
        for value, lp in candidates:
            if value != OTHER and sum_value(value) < LIMIT:
                vector[sum_value(value)] += math.exp(lp - best)
        return vector

    def _total_mass(self, total: int, lp: float) -> float:
        """log of the mass of the block's readings whose total is `total` (its own boxes' lp
        included), relative to the terms' best: those that keep the sum and those that break it."""
        broken = lp + self.log_epsilon + self.spare
        if total == OTHER:
            return broken
        kept = float(self.prefix[-1][sum_value(total)])
        return float(np.logaddexp(lp + math.log(kept), broken)) if kept > 0 else broken

    def reading(self, total: int) -> tuple[list[int], bool]:
        """The terms' most probable reading given the total, and whether it keeps the sum (else
        each term as its boxes alone say, the sum broken)."""
        if total != OTHER:
            values, score = self._best_reading(sum_value(total))
            if values is not None and score >= self.log_epsilon:
                return values, True
        own = [max(p, key=lambda c: c[1])[0] for p in self.parts]
        keeps = total != OTHER and OTHER not in own and sum(map(sum_value, own)) == sum_value(total)
        return own, keeps

    def _best_reading(self, target: int) -> tuple[list[int] | None, float]:
        best = np.full(LIMIT, -np.inf)
        best[0] = 0.0
        choices = []
        for part, top in zip(self.parts, self.best, strict=True):
            step = np.full(LIMIT, -np.inf)
            chosen = np.full(LIMIT, -1)
            for j, (value, lp) in enumerate(part):
                shift = sum_value(value)
                if value == OTHER or shift >= LIMIT:
                    continue
                moved = np.full(LIMIT, -np.inf)
                moved[shift:] = best[:LIMIT - shift] + (lp - top)
                better = moved > step
                step[better] = moved[better]
                chosen[better] = j
            choices.append(chosen)
            best = step
        if not np.isfinite(best[target]):
            return None, -math.inf
        values = [0] * len(self.parts)
        at = target
        for k in range(len(self.parts) - 1, -1, -1):
            value = self.parts[k][int(choices[k][at])][0]
            values[k] = value
            at -= sum_value(value)
        return values, float(best[target])

    def conditional(self, total: int, k: int, value: int) -> float:
        """P(term k reads `value` | the total), over every reading of the others."""
        key = (total, k)
        if key not in self._conditionals:
            others_broken = math.exp(self.log_epsilon + self.spare - (self.log_mass[k] - self.best[k]))
            weights: dict[int, float] = {}
            for v, lp in self.parts[k]:
                kept = 0.0
                if total != OTHER and v != OTHER:
                    rest = sum_value(total) - sum_value(v)
                    if 0 <= rest < LIMIT:  # the others' mass adding up to the rest
                        kept = float(np.dot(self.prefix[k][:rest + 1], self.suffix[k + 1][rest::-1]))
                weights[v] = weights.get(v, 0.0) + math.exp(lp - self.best[k]) * (kept + others_broken)
            whole = sum(weights.values())
            self._conditionals[key] = {v: w / whole for v, w in weights.items()} if whole > 0 else {}
        return self._conditionals[key].get(value, 0.0)
