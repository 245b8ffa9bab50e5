"""The form reader on whole photographed pages, with held-out handwriting only (issue 15's figures).

    .venv/bin/python bench/reading_pages.py                     # 10,000 pages (make bench-reading)
    .venv/bin/python bench/reading_pages.py --pages 300 --seed 2 --workers 2
    .venv/bin/python bench/reading_pages.py --minutes 55        # stop then, report the pages read

Each form is a consistent PPWP form of three paslon (bench/reading_figures.random_form: every sum
of the rules holds). Its three pages are printed (reading/sheet.py), its numbers written into the
boxes with HELD-OUT MNIST digits the classifier never saw in training (reading/heldout.py), each
page photographed (reading/photograph.random_shot: up to 30 degrees of slant, 10% upside down,
blur, shadow, exposure, noise, JPEG 60-92, 3 megapixels), and the three photos read by
reader.read_form, exactly as `suara read-form` reads them. Pages are counted: a form is 3 pages,
so --pages 10000 reads 3,334 forms (10,002 pages).

Reported: per-box (per-digit) accuracy of the classifier on the boxes the reader cut; the share
of forms read completely right (every number, before any confidence bar); at the decoder's bar
(decode.CONFIDENCE_BAR) the share marked unsure (sent to the officer) and the share read wrong
yet marked sure (silent errors), with a 95% upper bound; time per page (read_form's wall clock
and CPU time, the photos made outside the timing; 2 workers on 2 cores); and the trade-off curve
(silent errors against forms sent to the officer as the bar moves). A page the reader refuses
(too blurred, cut off) sends its form to the officer. Baseline, on the same cut boxes: the
previous classifier (the MLP of bench/data/digits_mlp.npz, held-out MNIST 95.2% per box) decoded
the same way. The last line is the figures as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from reading_figures import REFUSED, FormOutcome, form_outcome, random_form, sure_at, tradeoff

from suara.domain.contests import Candidate, Contest
from suara.reading import decode, heldout, photograph, reader, sheet
from suara.reading.digits import CLASSES, EMPTY, normalise, probabilities
from suara.reading.geometry import PhotoUnreadable
from suara.reading.layout import candidate_layout

TPS = "3171010001001"
CANDIDATES = 3
PPWP = Contest("ppwp", "ppwp", "0", "Pemilihan Presiden dan Wakil Presiden 2024", 300,
               tuple(Candidate(n, str(100024 + n), f"CALON {n} - WAKIL {n}", "#888888")
                     for n in range(1, CANDIDATES + 1)))
PAGES_PER_FORM = 3
BASELINE = Path(__file__).resolve().parent / "data" / "digits_mlp.npz"
FORMS_PER_TASK = 4


@dataclass
class Tally:
    """What a batch of forms gave; batches add up."""

    forms: int = 0
    pages: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    confusion: np.ndarray = field(default_factory=lambda: np.zeros((CLASSES, CLASSES), np.int64))
    baseline_confusion: np.ndarray = field(default_factory=lambda: np.zeros((CLASSES, CLASSES), np.int64))
    outcomes: list[FormOutcome] = field(default_factory=list)
    baseline_outcomes: list[FormOutcome] = field(default_factory=list)
    page_seconds: list[float] = field(default_factory=list)  # read_form's wall clock / its pages
    page_cpu: list[float] = field(default_factory=list)
    # the reader's own verdict (its default bar) against this bench's replay of its decoding
    disagreements: int = 0
    # each silent error at the bar: (form index, number, written, read, confidence)
    silent: list[tuple[int, str, int | None, int | None, float]] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.forms += other.forms
        self.pages += other.pages
        self.refused.update(other.refused)
        self.confusion += other.confusion
        self.baseline_confusion += other.baseline_confusion
        self.outcomes += other.outcomes
        self.baseline_outcomes += other.baseline_outcomes
        self.page_seconds += other.page_seconds
        self.page_cpu += other.page_cpu
        self.disagreements += other.disagreements
        self.silent += other.silent


@cache
def _blank_page(page: int) -> Any:
    return sheet.render_page(PPWP, TPS, page)


@cache
def _held_out_pool() -> dict[int, list[np.ndarray]]:
    images, labels = heldout.mnist()
    return {digit: [images[i] for i in np.flatnonzero(labels == digit)] for digit in range(10)}


@cache
def _baseline_model() -> tuple[list[np.ndarray], float]:
    with np.load(BASELINE) as data:
        layers = [np.asarray(data[f"{kind}{i}"], np.float32) for i in range(int(data["layers"])) for kind in "wb"]
        return layers, float(data["temperature"])


def baseline_probabilities(images: np.ndarray) -> np.ndarray:
    """The previous classifier (784-160-80-11 MLP) on normalised images: n x 11."""
    layers, temperature = _baseline_model()
    x = images.reshape(len(images), -1).astype(np.float32)
    for i in range(0, len(layers) - 2, 2):
        x = np.maximum(x @ layers[i] + layers[i + 1], 0.0)
    logits = (x @ layers[-2] + layers[-1]) / temperature
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(exp / exp.sum(axis=1, keepdims=True), np.float64)


def photographed_form(seed: int, index: int) -> tuple[dict[str, int], list[bytes]]:
    """Form `index` of a run: its values and the photos of its pages, drawn from (seed, index)."""
    rng = np.random.default_rng([seed, index])
    values = random_form(rng, CANDIDATES)
    photos = []
    for page in range(1, PAGES_PER_FORM + 1):
        layout = sheet.page_layout("ppwp", CANDIDATES, page)
        filled, _ = photograph.fill_page(_blank_page(page), layout, values, _held_out_pool(),
                                         seed=int(rng.integers(2**31)))
        photos.append(photograph.photograph(filled, photograph.random_shot(rng), seed=int(rng.integers(2**31))))
    return values, photos


def _decoded(read: reader.FormRead, images: np.ndarray, model: Any) -> decode.Reading:
    """The reader's decoding replayed at bar 0 with this classifier (its second look included)."""
    keys = [number.key for number in read.numbers]
    layout = candidate_layout([str(n) for n in range(1, CANDIDATES + 1)]).only(keys)
    return decode.decode(layout, reader.number_probabilities(keys, images, layout, model), bar=0.0)


def read_forms(task: tuple[int, int, int]) -> Tally:
    """Forms first..first+count-1 of the run with this seed, photographed and read."""
    seed, first, count = task
    tally = Tally()
    for index in range(first, first + count):
        values, photos = photographed_form(seed, index)
        tally.forms += 1
        tally.pages += len(photos)
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            read = reader.read_form(photos, tps=TPS)
        except PhotoUnreadable as refusal:
            tally.refused[refusal.code] += 1
            tally.outcomes.append(REFUSED)
            tally.baseline_outcomes.append(REFUSED)
            continue
        tally.page_seconds.append((time.perf_counter() - started) / len(photos))
        tally.page_cpu.append((time.process_time() - started_cpu) / len(photos))
        truth = np.asarray([EMPTY if digit is None else digit for number in read.numbers
                            for digit in photograph.box_digits(values.get(number.key))])
        images = np.stack([normalise(box) for number in read.numbers for box in number.boxes])
        replays = []
        for model, confusion, outcomes in ((probabilities, tally.confusion, tally.outcomes),
                                           (baseline_probabilities, tally.baseline_confusion,
                                            tally.baseline_outcomes)):
            np.add.at(confusion, (truth, model(images).argmax(axis=1)), 1)
            replays.append(_decoded(read, images, model))
            outcomes.append(form_outcome(replays[-1], values))
        if sure_at(tally.outcomes[-1], decode.CONFIDENCE_BAR):
            tally.silent += [(index, key, values.get(key), got.value, got.confidence)
                             for key, got in replays[0].numbers.items() if got.value != values.get(key)]
        # the reader decided with its own bar; replaying its decoding here must agree with it
        reader_values = {number.key: number.value for number in read.numbers}
        tally.disagreements += ((not read.unsure) != sure_at(tally.outcomes[-1], decode.CONFIDENCE_BAR)
                                or reader_values != replays[0].values())
    return tally


def _tasks(forms: int, seed: int) -> Iterator[tuple[int, int, int]]:
    for first in range(0, forms, FORMS_PER_TASK):
        yield seed, first, min(FORMS_PER_TASK, forms - first)


def _single_threaded() -> None:
    """Each worker on one core: two workers on two cores, no library spinning up threads."""
    import cv2
    cv2.setNumThreads(1)


def run(pages: int, seed: int = 1, workers: int = 2, progress: bool = True, minutes: float | None = None) -> Tally:
    """Read ceil(pages / 3) photographed forms over `workers` processes; with `minutes`, stop
    there and count what was read (the figures say how many pages that was)."""
    forms = math.ceil(pages / PAGES_PER_FORM)
    tasks = list(_tasks(forms, seed))
    total = Tally()
    deadline = math.inf if minutes is None else time.monotonic() + 60 * minutes
    # spawned, not forked: a fork of a process with threads running (a test runner's, a server's)
    # can inherit a lock held by one of them and hang for ever
    with get_context("spawn").Pool(workers, initializer=_single_threaded) as pool:
        results = pool.imap_unordered(read_forms, tasks)
        if not progress:  # a log, not a terminal: a line at every tenth
            for tally in results:
                before = total.forms * 10 // forms
                total.add(tally)
                if total.forms * 10 // forms > before:
                    print(f"{total.forms} of {forms} forms read", file=sys.stderr, flush=True)
                if time.monotonic() > deadline:
                    print(f"time is up: {total.forms} of {forms} forms read", file=sys.stderr, flush=True)
                    break
            return total
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )
        with Progress(TextColumn("forms read"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()) as bar:
            job = bar.add_task("forms", total=forms)
            for tally in results:
                total.add(tally)
                bar.advance(job, tally.forms)
                if time.monotonic() > deadline:
                    break
    return total


def _box_accuracy(confusion: np.ndarray) -> float:
    return float(np.trace(confusion) / max(confusion.sum(), 1))


def _digit_accuracy(confusion: np.ndarray) -> float:
    """Written boxes (0-9) read as the digit written."""
    written = confusion[:EMPTY]
    return float(np.trace(written[:, :EMPTY]) / max(written.sum(), 1))


def _upper_95(failures: int, n: int) -> float:
    """A 95% upper bound on a rate seen `failures` times in n (Wilson score; the rule of three at 0)."""
    if n == 0:
        return 1.0
    if failures == 0:
        return min(1.0, 3.0 / n)
    p, z = failures / n, 1.96
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre + spread) / (1 + z * z / n)


def figures(tally: Tally, seconds: float, workers: int, pages_asked: int | None = None) -> dict[str, Any]:
    """The run's figures, for the report and the JSON line."""
    def side(confusion: np.ndarray, outcomes: list[FormOutcome]) -> dict[str, Any]:
        curve = tradeoff(outcomes)
        at_bar = next(point for point in curve if point.bar == decode.CONFIDENCE_BAR)
        silent = sum(sure_at(o, decode.CONFIDENCE_BAR) and o.wrong for o in outcomes)
        return {
            "box_accuracy": round(_box_accuracy(confusion), 5),
            "digit_accuracy": round(_digit_accuracy(confusion), 5),
            "per_class": {("empty" if c == EMPTY else str(c)): round(float(confusion[c, c] / max(confusion[c].sum(), 1)), 4)
                          for c in range(CLASSES)},
            "forms_right": round(sum(o.right for o in outcomes) / max(len(outcomes), 1), 5),
            "unsure": round(at_bar.unsure, 5), "silent": round(at_bar.silent, 6), "silent_forms": silent,
            "silent_upper_95": round(_upper_95(silent, len(outcomes)), 6),
            "tradeoff": [{"bar": p.bar, "unsure": round(p.unsure, 5), "silent": round(p.silent, 6)} for p in curve],
        }
    times = sorted(tally.page_seconds)
    return {
        "bench": "reading_pages", "pages": tally.pages, "pages_asked": pages_asked or tally.pages,
        "forms": tally.forms, "boxes": int(tally.confusion.sum()),
        "refused": dict(tally.refused), "bar": decode.CONFIDENCE_BAR,
        **side(tally.confusion, tally.outcomes),
        "seconds_per_page": {"mean": round(float(np.mean(times)), 4) if times else None,
                             "p50": round(times[len(times) // 2], 4) if times else None,
                             "p95": round(times[int(len(times) * 0.95)], 4) if times else None,
                             "cpu_mean": round(float(np.mean(tally.page_cpu)), 4) if times else None},
        "reader_disagreements": tally.disagreements,
        "silent_numbers": [{"form": i, "number": key, "written": w, "read": r, "confidence": round(c, 4)}
                           for i, key, w, r, c in sorted(tally.silent)],
        "baseline_mlp": side(tally.baseline_confusion, tally.baseline_outcomes),
        "wall_seconds": round(seconds, 1), "workers": workers,
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version()},
    }


def report(result: dict[str, Any]) -> None:
    new, old = result, result["baseline_mlp"]
    if result["pages"] < result["pages_asked"]:
        print(f"STOPPED EARLY (--minutes): {result['pages']} of {result['pages_asked']} pages read")
    print(f"{result['pages']} pages ({result['forms']} PPWP forms of {PAGES_PER_FORM} pages, {result['boxes']} boxes), "
          f"held-out MNIST handwriting; {result['workers']} workers, {result['wall_seconds']:.0f} s; "
          f"{result['machine']['cpus']} CPUs ({result['machine']['processor']})")
    if result["refused"]:
        print("pages refused (form sent to the officer):", ", ".join(f"{k} {v}" for k, v in result["refused"].items()))
    print(f"{'':38}{'CNN (shipped)':>16}{'MLP (before)':>16}")
    for label, key, digits in (("boxes read right", "box_accuracy", 4), ("written digits read right", "digit_accuracy", 4),
                               ("forms read completely right", "forms_right", 4),
                               (f"forms unsure at bar {result['bar']} (officer)", "unsure", 4),
                               ("forms wrong yet sure (silent errors)", "silent", 5),
                               ("  95% upper bound on silent errors", "silent_upper_95", 5)):
        print(f"{label:38}{new[key]:>16.{digits}%}{old[key]:>16.{digits}%}")
    print("per class (CNN):", " ".join(f"{k}:{v:.3f}" for k, v in new["per_class"].items()))
    timing = result["seconds_per_page"]
    if timing["mean"] is not None:
        print(f"time per page (read_form: geometry, boxes, decoding): mean {timing['mean'] * 1000:.0f} ms, "
              f"p50 {timing['p50'] * 1000:.0f} ms, p95 {timing['p95'] * 1000:.0f} ms, CPU {timing['cpu_mean'] * 1000:.0f} ms")
    print("trade-off as the bar moves:  bar       CNN unsure / silent      MLP unsure / silent")
    for a, b in zip(new["tradeoff"], old["tradeoff"]):
        print(f"{'':29}{a['bar']:<10}{a['unsure']:>10.2%} / {a['silent']:<10.4%}{b['unsure']:>10.2%} / {b['silent']:.4%}")
    for wrong in result["silent_numbers"]:
        print(f"silent error: form {wrong['form']}, {wrong['number']} written {wrong['written']} "
              f"read {wrong['read']} at confidence {wrong['confidence']}")
    if result["reader_disagreements"]:
        print(f"WARNING: the reader's verdict and its replay here disagree on {result['reader_disagreements']} forms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop after this long and report the pages read by then")
    args = parser.parse_args(argv)
    started = time.monotonic()
    tally = run(args.pages, args.seed, args.workers, progress=sys.stderr.isatty(), minutes=args.minutes)
    result = figures(tally, time.monotonic() - started, args.workers,
                     pages_asked=PAGES_PER_FORM * math.ceil(args.pages / PAGES_PER_FORM))
    report(result)
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
