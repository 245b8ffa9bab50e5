"""What the reading benches share: random consistent PPWP forms, a form's outcome under the joint
decoding, and the trade-off between forms sent to the officer and silent errors as the
confidence bar moves (bench/reading_boxes.py on boxes, bench/reading_pages.py on whole pages)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from suara.reading.decode import CONFIDENCE_BAR, Reading

BARS = (0.5, 0.9, 0.95, 0.98, 0.99, 0.993, 0.995, 0.999, 0.9999)
assert CONFIDENCE_BAR in BARS


class FormOutcome(NamedTuple):
    """One form read at bar 0: what any bar then makes of it."""

    wrong: bool  # some number's value is not what was written
    lowest: float  # the lowest confidence of its numbers (0 when nothing was read)
    unsure_anyway: bool  # unsure whatever the bar: a blank, a broken sum, a page refused
    read: bool = True  # False: a page was refused, nothing read

    @property
    def right(self) -> bool:
        """Read, and every number as written (before any bar)."""
        return self.read and not self.wrong


class TradeoffPoint(NamedTuple):
    bar: float
    unsure: float  # share of forms sent to the officer
    silent: float  # share of forms read wrong yet marked sure


def form_outcome(reading: Reading, truth: Mapping[str, int | None]) -> FormOutcome:
    """A reading decoded with bar=0 (so only a blank, a broken sum or an exhausted search make a
    number unsure) against the values written."""
    wrong = any(number.value != truth.get(name) for name, number in reading.numbers.items())
    lowest = min((number.confidence for number in reading.numbers.values()), default=0.0)
    return FormOutcome(wrong, lowest, not reading.sure)


REFUSED = FormOutcome(False, 0.0, True, read=False)
"""A form whose photo the reader refused: nothing read, all of it left to the officer."""


def sure_at(outcome: FormOutcome, bar: float) -> bool:
    """The form is sure at this bar when nothing is unsure for other reasons and every number's
    confidence reaches it (as decode(bar=...) would mark it)."""
    return not outcome.unsure_anyway and outcome.lowest >= bar


def tradeoff(outcomes: Sequence[FormOutcome], bars: Iterable[float] = BARS) -> list[TradeoffPoint]:
    points = []
    for bar in bars:
        sure = [sure_at(o, bar) for o in outcomes]
        unsure = sum(not s for s in sure)
        silent = sum(s and o.wrong for s, o in zip(sure, outcomes))
        points.append(TradeoffPoint(bar, unsure / max(len(outcomes), 1), silent / max(len(outcomes), 1)))
    return points


def random_form(rng: np.random.Generator, candidates: int) -> dict[str, int]:
    """A PPWP form whose numbers keep every sum of the rules: administrasi, votes and totals."""
    dpt = {s: int(rng.integers(60, 150)) for s in "lp"}
    dptb = {s: int(rng.integers(0, 6)) for s in "lp"}
    dpk = {s: int(rng.integers(0, 4)) for s in "lp"}
    used = {s: int(dpt[s] * rng.uniform(0.6, 0.95)) for s in "lp"}
    values: dict[str, int] = {}
    for group, per in (("pemilih_dpt", dpt), ("pengguna_dpt", used), ("pengguna_dptb", dptb),
                       ("pengguna_non_dpt", dpk)):
        values[f"administrasi.{group}_l"], values[f"administrasi.{group}_p"] = per["l"], per["p"]
        values[f"administrasi.{group}_j"] = per["l"] + per["p"]
    for s in "lp":
        values[f"administrasi.pengguna_total_{s}"] = used[s] + dptb[s] + dpk[s]
    total = values["administrasi.pengguna_total_l"] + values["administrasi.pengguna_total_p"]
    values["administrasi.pengguna_total_j"] = total
    values["administrasi.pemilih_disabilitas_j"] = int(rng.integers(0, 5))
    received = values["administrasi.pemilih_dpt_j"] + -(-2 * values["administrasi.pemilih_dpt_j"] // 100)
    returned = int(rng.integers(0, 3))
    values |= {"administrasi.surat_suara_diterima": received, "administrasi.surat_suara_dikembalikan": returned,
               "administrasi.surat_suara_digunakan": total,
               "administrasi.surat_suara_tidak_digunakan": received - total - returned}
    invalid = int(rng.integers(0, 12))
    shares = rng.dirichlet(np.ones(candidates))
    votes = np.floor(shares * (total - invalid)).astype(int)
    votes[0] += total - invalid - votes.sum()
    for i, v in enumerate(votes):
        values[f"suara.{i + 1}"] = int(v)
    values |= {"suara_sah": int(votes.sum()), "suara_tidak_sah": invalid, "suara_total": total}
    return values
