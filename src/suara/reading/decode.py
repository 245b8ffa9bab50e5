"""Joint decoding: the most probable reading of a whole form that its own sums agree with.

Pure: from the classifier's per-box probabilities (rows in the order of reading/layout.py: three
boxes per number, hundreds, tens, units; columns 0-9 and 10 = empty box) to a Reading.

1. Each number's boxes give a distribution over its values. The writing may sit anywhere in its
   three boxes as long as the written boxes are side by side: "117", "_17", "017", "17_", "__7",
   "007", "_7_" are all read; "1_7" (a gap) is no number. Three empty boxes are a blank (value
   None, counted as 0 in the sums and never sure).
2. A reading of the whole form scores the sum of its numbers' log-probabilities, less log(1/EPSILON)
   for every sum it breaks: a correctly filled form satisfies its sums, so a reading that breaks
   one needs that much more evidence from the boxes. Per group of numbers linked by sums, a
   depth-first branch and bound search over each number's likely values (its best values, plus
   the value each sum would force given the others, e.g. 117 where the boxes say 617) finds the
   best reading and every reading within SPREAD of it.
   A sum whose terms are in no other sum (a party's block, R14; the DPD's R8 over its many
   candidates) is weighed first on its own, exactly, by its partial sums (reading/sum_blocks.py):
   its total then enters the search with the mass of the block's readings for each of its
   values, and a term's confidence weighs its block's readings given each total the search
   keeps. A form of 250 numbers is a search over its ~25 totals, not over its boxes.
3. A number's confidence is the posterior mass of its chosen value among those readings (the
   mass the boxes give to values outside them is kept as one "other" value that fits no sum, so
   a smeared box is never confident). A number is unsure when its confidence is below the bar,
   when a sum through it is broken in the best reading, when it is blank, or when nothing it
   could be is likely enough ("other" won). A number in no sum has only its boxes to go on: its
   doubt counts UNCHECKED_DOUBT times. The form is sure only when no number is unsure.
   Nothing is guessed silently: a reading that breaks a sum is returned with those numbers
   unsure, never forced into agreement at any price.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from suara.reading.layout import BOXES, FormLayout, Sum
from suara.reading.sum_blocks import BLANK, OTHER, SumBlock

CLASSES = 11
EMPTY = 10
CONFIDENCE_BAR = 0.99
EPSILON = 1e-3  # the prior weight of a broken sum (a correctly filled form keeps its sums)
PROBABILITY_FLOOR = 1e-4  # no box is ever certain: the classifier can be confidently wrong
CANDIDATE_SPREAD = 12.0  # a number's own values considered: within this many nats of its best
FORCED_SPREAD = 25.0  # a value a sum forces is considered within this many nats
SPREAD = 10.0  # readings of the whole form kept for the posterior: within this of the best
UNCERTAIN = 5.0  # a number whose second value is within this of its first is in doubt
# A number no sum checks (the disabled voters, or a number whose sum runs onto a page not given)
# rests on its boxes alone, and a form carries one such number besides its many checked ones:
# its chance of being wrong counts this many times over before the bar, so that such a number
# alone does not make the form's silent errors (bench/reading_pages.py)
UNCHECKED_DOUBT = 2.0
MAX_CANDIDATES = 12
SEARCH_BUDGET = 200_000  # nodes per group of linked numbers; beyond, the group is unsure
BLOCK_TERMS = 8  # a sum of more terms than this, none of them in another sum, is weighed on its own
SEARCH_DEPTHS = (2.0, 5.0, 10.0, 20.0, 40.0)  # nats below the numbers' own best, searched in turn


class NumberReading(NamedTuple):
    value: int | None
    confidence: float
    unsure: bool


@dataclass(frozen=True, slots=True)
class Reading:
    numbers: dict[str, NumberReading]
    broken: tuple[str, ...] = ()  # rules the best reading breaks (the form's own sums)
    corrected: tuple[str, ...] = ()  # numbers read otherwise than their boxes alone say, by the sums
    notes: tuple[str, ...] = field(default=())

    @property
    def sure(self) -> bool:
        return not any(n.unsure for n in self.numbers.values())

    @property
    def unsure_fields(self) -> list[str]:
        return [name for name, n in self.numbers.items() if n.unsure]

    def values(self) -> dict[str, int | None]:
        return {name: n.value for name, n in self.numbers.items()}


def _representations() -> tuple[np.ndarray, np.ndarray]:
    """Every class triple that writes a number (or a blank), and the number's index."""
    triples, index = [], []
    for triple in itertools.product(range(CLASSES), repeat=BOXES):
        written = [i for i, c in enumerate(triple) if c != EMPTY]
        if not written:
            triples.append(triple)
            index.append(BLANK)
        elif written == list(range(written[0], written[-1] + 1)):
            triples.append(triple)
            index.append(int("".join(str(triple[i]) for i in written)))
    return np.asarray(triples), np.asarray(index)


_TRIPLES, _VALUE_INDEX = _representations()


def value_log_probs(boxes: np.ndarray) -> np.ndarray:
    """log P(value) for values 0..999 and BLANK (index 1000) from three boxes' probabilities.
    The mass of triples that write no number ("1_7") is left out, so these sum to at most 1."""
    p = np.clip(np.asarray(boxes, dtype=np.float64), PROBABILITY_FLOOR, None)
    log_p = np.log(p / p.sum(axis=1, keepdims=True))
    per_triple = log_p[0, _TRIPLES[:, 0]] + log_p[1, _TRIPLES[:, 1]] + log_p[2, _TRIPLES[:, 2]]
    top = per_triple.max()
    mass = np.bincount(_VALUE_INDEX, weights=np.exp(per_triple - top), minlength=BLANK + 1)
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(mass) + top)


def _as_sum_value(value: int) -> int:
    return 0 if value == BLANK else value


@dataclass
class _Number:
    name: str
    log_p: np.ndarray  # over 0..999 and BLANK
    candidates: list[tuple[int, float]]  # (value index or OTHER, log-prob), best first
    best: float


def _own_candidates(log_p: np.ndarray) -> tuple[list[tuple[int, float]], float]:
    top_few = np.argpartition(-log_p, MAX_CANDIDATES)[:MAX_CANDIDATES]
    order = top_few[np.argsort(-log_p[top_few])]
    top = float(log_p[order[0]])
    chosen = [(int(v), float(log_p[v])) for v in order if log_p[v] >= top - CANDIDATE_SPREAD]
    return chosen, top


def _with_other(number: _Number) -> None:
    """Add the mass outside the candidates as one value that fits no sum."""
    inside = sum(math.exp(lp) for v, lp in number.candidates if v != OTHER)
    rest = max(0.0, 1.0 - inside)
    if rest > 0 and math.log(rest) >= number.best - CANDIDATE_SPREAD:
        number.candidates.append((OTHER, math.log(rest)))
    number.candidates.sort(key=lambda c: -c[1])


def _forced_candidates(numbers: dict[str, _Number], sums: list[Sum]) -> None:
    """For every sum and every number in it: the value the sum forces given the others' likely
    values (the best one of each, the three best of those in doubt), kept if the
    number's own boxes make it plausible enough."""
    forced: dict[str, set[int]] = {name: set() for name in numbers}
    for s in sums:
        for name, coefficient in s.terms:
            fixed, varying = 0, []
            for other, c in s.terms:
                if other == name:
                    continue
                candidates = numbers[other].candidates
                top = candidates[0][1]
                own = [v for v, lp in candidates[:3] if lp >= top - UNCERTAIN]
                if len(own) == 1:
                    fixed += c * _as_sum_value(own[0])
                else:
                    varying.append((c, own))
            for combo in itertools.islice(itertools.product(*(own for _, own in varying)), 64):
                rest = fixed + sum(c * _as_sum_value(v) for (c, _), v in zip(varying, combo))
                forced[name].add((s.constant - rest) * coefficient)  # coefficient is +1 or -1
    for name, values in forced.items():
        target = numbers[name]
        known = {v for v, _ in target.candidates}
        for value in sorted(values - known):
            if 0 <= value <= 999 and target.log_p[value] >= target.best - FORCED_SPREAD:
                target.candidates.append((value, float(target.log_p[value])))
        target.candidates.sort(key=lambda c: -c[1])


def _groups(fields: tuple[str, ...], sums: tuple[Sum, ...]) -> list[tuple[list[str], list[Sum]]]:
    """Numbers linked by sums, each group with its sums, smallest sums first."""
    parent = {f: f for f in fields}

    def root(f: str) -> str:
        while parent[f] != f:
            parent[f] = parent[parent[f]]
            f = parent[f]
        return f

    for s in sums:
        first = s.terms[0][0]
        for name, _ in s.terms[1:]:
            parent[root(name)] = root(first)
    groups: dict[str, tuple[list[str], list[Sum]]] = {}
    for s in sorted(sums, key=lambda s: len(s.terms)):
        groups.setdefault(root(s.terms[0][0]), ([], []))[1].append(s)
    for f in fields:
        members = groups.setdefault(root(f), ([], []))[0]
        members.append(f)
    return list(groups.values())


@dataclass
class _Search:
    order: list[_Number]
    completes: list[list[Sum]]  # per depth, the sums whose last number is assigned there
    position: dict[str, int]
    remaining_best: list[float]
    log_epsilon: float
    floor: float = -math.inf  # readings scoring below this are not looked for
    terms: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # per sum: (position, coefficient)
    leaves: list[tuple[float, tuple[int, ...]]] = field(default_factory=list)
    best: float = -math.inf
    nodes: int = 0
    exhausted: bool = False

    def run(self) -> None:
        """Every reading within SPREAD of the best. Searched under a rising floor (readings at
        most 2, 5, 10, ... nats below the best each number alone allows) so that a form whose
        first reading breaks its sums does not open the whole tree before a good one is known."""
        upper = self.remaining_best[0]
        for depth in SEARCH_DEPTHS:
            self._restart(upper - depth)
            if self.exhausted or (self.leaves and self.best - SPREAD >= self.floor):
                return
            if self.leaves:  # the best is known now: one last search down to it less SPREAD
                self._restart(self.best - SPREAD)
                return

    def _restart(self, floor: float) -> None:
        self.floor, self.leaves, self.best = floor, [], -math.inf
        self._visit(0, 0.0, [])

    def _visit(self, depth: int, score: float, chosen: list[int]) -> None:
        if depth == len(self.order):
            self.leaves.append((score, tuple(chosen)))
            self.best = max(self.best, score)
            return
        for value, lp in self.order[depth].candidates:  # best first: once one cannot reach, none can
            total = score + lp
            if total + self.remaining_best[depth + 1] < max(self.floor, self.best - SPREAD):
                break
            self.nodes += 1
            if self.nodes > SEARCH_BUDGET:
                self.exhausted = True
                return
            chosen.append(value)
            for s in self.completes[depth]:
                if not self._holds(s, chosen):
                    total += self.log_epsilon
            if total + self.remaining_best[depth + 1] >= max(self.floor, self.best - SPREAD):
                self._visit(depth + 1, total, chosen)
            chosen.pop()
            if self.exhausted:
                return

    def _holds(self, s: Sum, chosen: list[int] | tuple[int, ...]) -> bool:
        terms = self.terms.get(id(s))
        if terms is None:
            terms = self.terms[id(s)] = [(self.position[name], c) for name, c in s.terms]
        total = 0
        for at, coefficient in terms:
            value = chosen[at]
            if value == OTHER:
                return False
            total += coefficient * (0 if value == BLANK else value)
        return total == s.constant


def _searched(numbers: dict[str, _Number], names: list[str], sums: list[Sum],
              log_epsilon: float) -> tuple[list[str], _Search]:
    """The branch and bound search over a group's numbers, run."""
    order: list[str] = []
    for s in sums:  # numbers in the order their sums complete, smallest sums first
        order += [name for name, _ in s.terms if name not in order]
    order += [name for name in names if name not in order]
    position = {name: i for i, name in enumerate(order)}
    completes: list[list[Sum]] = [[] for _ in order]
    for s in sums:
        completes[max(position[name] for name, _ in s.terms)].append(s)
    remaining = [0.0] * (len(order) + 1)
    for i in range(len(order) - 1, -1, -1):
        remaining[i] = remaining[i + 1] + numbers[order[i]].candidates[0][1]
    search = _Search([numbers[n] for n in order], completes, position, remaining, log_epsilon)
    search.run()
    return order, search


def _kept(search: _Search) -> list[tuple[float, tuple[int, ...]]]:
    return [(score, chosen) for score, chosen in search.leaves if score >= search.best - SPREAD]


def _reported(numbers: dict[str, _Number], name: str, value: int, confidence: float,
              unsure: bool) -> NumberReading:
    if value == OTHER:  # nothing likely: report what the boxes say best, unsure
        value = next((v for v, _ in numbers[name].candidates if v != OTHER), BLANK)
        confidence, unsure = 0.0, True
    shown = None if value == BLANK else value
    return NumberReading(shown, round(confidence, 6), unsure or shown is None)


def _unread(numbers: dict[str, _Number], names: list[str]) -> dict[str, NumberReading]:
    """Each number as its boxes alone say, unsure: nothing near what they say fits the sums."""
    return {name: NumberReading(_top_value(numbers[name]), 0.0, True) for name in names}


def _decode_group(numbers: dict[str, _Number], names: list[str], sums: list[Sum],
                  bar: float, log_epsilon: float) -> tuple[dict[str, NumberReading], list[str], bool]:
    order, search = _searched(numbers, names, sums, log_epsilon)
    result, broken = _group_result(numbers, order, search, sums, bar)
    return result, broken, search.exhausted


def _group_result(numbers: dict[str, _Number], order: list[str], search: _Search, sums: list[Sum],
                  bar: float) -> tuple[dict[str, NumberReading], list[str]]:
    if not search.leaves:  # nothing near what the boxes say fits: each number as read, unsure
        return _unread(numbers, order), [s.rule for s in sums]
    kept = _kept(search)
    best_score, best = max(kept, key=lambda leaf: leaf[0])
    broken_sums = [s for s in sums if not search._holds(s, best)]
    in_broken_sums = {name for s in broken_sums for name, _ in s.terms}
    weights = np.exp(np.asarray([score for score, _ in kept]) - best_score)
    choices = np.asarray([chosen for _, chosen in kept])
    total_weight = float(weights.sum())
    result: dict[str, NumberReading] = {}
    for i, name in enumerate(order):
        confidence = float(weights[choices[:, i] == best[i]].sum() / total_weight)
        result[name] = _reported(numbers, name, best[i], confidence,
                                 confidence < bar or name in in_broken_sums or search.exhausted)
    return result, [s.rule for s in broken_sums]


def _unchecked(numbers: dict[str, _Number], names: list[str], bar: float,
               log_epsilon: float) -> dict[str, NumberReading]:
    """A number in no sum: its posterior over its own values, its doubt counted UNCHECKED_DOUBT
    times (see there)."""
    group, _, _ = _decode_group(numbers, names, [], 0.0, log_epsilon)
    result = {}
    for name, got in group.items():
        confidence = max(0.0, 1.0 - (1.0 - got.confidence) * UNCHECKED_DOUBT)
        result[name] = NumberReading(got.value, round(confidence, 6), got.unsure or confidence < bar)
    return result


def _blocks(sums: list[Sum]) -> list[Sum]:
    """The sums read on their own first (reading/sum_blocks.py): total = sum of terms, where no
    term is in another sum, for every party block (R14) and for a sum of many terms (the DPD's
    R8); only the total meets the rest of the form. A short paslon sum stays in the search."""
    count: dict[str, int] = {}
    for s in sums:
        for name, _ in s.terms:
            count[name] = count.get(name, 0) + 1
    return [s for s in sums if s.constant == 0 and s.terms[0][1] == 1 and all(c == -1 for _, c in s.terms[1:])
            and all(count[name] == 1 for name, _ in s.terms[1:]) and (s.rule == "R14" or len(s.terms) > BLOCK_TERMS)]


def _decode_with_blocks(numbers: dict[str, _Number], names: list[str], sums: list[Sum], blocks: list[Sum],
                        bar: float, log_epsilon: float) -> tuple[dict[str, NumberReading], list[str], bool]:
    """A group with blocks: each block weighed on its own, then the group's other sums (R8, R9)
    searched over the blocks' totals, whose values carry the mass of their block's readings. A
    term of a block gets its posterior from both: its block's readings given each total that
    the group's readings keep, weighed by those readings."""
    parts: dict[str, tuple[Sum, list[str], SumBlock]] = {}
    for s in blocks:
        terms = [name for name, _ in s.terms[1:]]
        parts[s.terms[0][0]] = (s, terms, SumBlock(numbers[s.terms[0][0]].candidates,
                                                   [numbers[name].candidates for name in terms], log_epsilon))
    in_blocks = {name for s in blocks for name, _ in s.terms}
    top_names = [name for name in names if name not in in_blocks or name in parts]
    top_numbers = dict(numbers)
    for total_name, (_, _, block) in parts.items():
        own = numbers[total_name]
        top_numbers[total_name] = _Number(total_name, own.log_p, block.total, block.total[0][1])
    top_sums = [s for s in sums if s not in blocks]
    order, search = _searched(top_numbers, top_names, top_sums, log_epsilon)
    result, broken = _group_result(top_numbers, order, search, top_sums, bar)
    top_kept = _kept(search) if search.leaves else []
    if not top_kept:  # nothing near what the boxes say fits: each number as read, unsure
        result.update(_unread(numbers, [name for _, terms, _ in parts.values() for name in terms]))
        return result, broken + [s.rule for s in blocks], search.exhausted
    best_score, best_leaf = max(top_kept, key=lambda leaf: leaf[0])
    for total_name, (s, terms, block) in parts.items():
        at = order.index(total_name)
        values, holds = block.reading(best_leaf[at])
        if not holds:
            broken.append(s.rule)
            result[total_name] = NumberReading(result[total_name].value, result[total_name].confidence, True)
        by_total: dict[int, float] = {}  # the weight the group's readings give each total of the block
        for score, chosen in top_kept:
            by_total[chosen[at]] = by_total.get(chosen[at], 0.0) + math.exp(score - best_score)
        weight = sum(by_total.values())
        for k, name in enumerate(terms):
            confidence = sum(w * block.conditional(total, k, values[k]) for total, w in by_total.items()) / weight
            result[name] = _reported(numbers, name, values[k], confidence,
                                     confidence < bar or not holds or search.exhausted)
    return result, broken, search.exhausted


def decode(layout: FormLayout, probabilities: np.ndarray | Mapping[str, np.ndarray], *,
           bar: float = CONFIDENCE_BAR, epsilon: float = EPSILON) -> Reading:
    """The form's numbers read jointly. probabilities: (3 x len(layout.fields)) x 11, rows in
    layout order (see reading/layout.py), or a mapping from each field to its 3 x 11 rows."""
    if isinstance(probabilities, Mapping):
        missing = [f for f in layout.fields if f not in probabilities]
        if missing:
            raise ValueError(f"no boxes for {missing}")
        rows = np.concatenate([np.asarray(probabilities[f], dtype=np.float64).reshape(BOXES, CLASSES)
                               for f in layout.fields]) if layout.fields else np.zeros((0, CLASSES))
    else:
        rows = np.asarray(probabilities, dtype=np.float64)
    if rows.shape != (layout.boxes, CLASSES):
        raise ValueError(f"expected {layout.boxes} x {CLASSES} box probabilities, got {rows.shape}")
    numbers: dict[str, _Number] = {}
    for name in layout.fields:
        log_p = value_log_probs(rows[layout.rows(name)])
        candidates, top = _own_candidates(log_p)
        numbers[name] = _Number(name, log_p, candidates, top)
    _forced_candidates(numbers, list(layout.sums))
    for number in numbers.values():
        _with_other(number)
    readings: dict[str, NumberReading] = {}
    broken: list[str] = []
    notes: list[str] = []
    for names, sums in _groups(layout.fields, layout.sums):
        blocks = _blocks(sums)
        if blocks:
            group, group_broken, exhausted = _decode_with_blocks(numbers, names, sums, blocks, bar, math.log(epsilon))
        elif sums:
            group, group_broken, exhausted = _decode_group(numbers, names, sums, bar, math.log(epsilon))
        else:
            group, group_broken, exhausted = _unchecked(numbers, names, bar, math.log(epsilon)), [], False
        readings.update(group)
        broken += group_broken
        if exhausted:
            notes.append(f"too many readings to weigh for {names[0]} and its sums: left to the officer")
    corrected = [name for name in layout.fields if readings[name].value is not None
                 and readings[name].value != _top_value(numbers[name])]
    return Reading({name: readings[name] for name in layout.fields},
                   tuple(sorted(set(broken), key=lambda r: int(r[1:]))), tuple(corrected), tuple(notes))


def _top_value(number: _Number) -> int | None:
    value = int(np.argmax(number.log_p))
    return None if value == BLANK else value
