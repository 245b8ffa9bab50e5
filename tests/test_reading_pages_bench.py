"""The whole-page reading bench (bench/reading_pages.py) in a short form: a few PPWP forms printed,
written with held-out handwriting, photographed and read by reader.read_form over two worker
processes; its figures are computed and hold together (issue 15)."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import reading_figures
import reading_pages

BOXES_PER_FORM = 78  # 26 numbers of a three-paslon PPWP form, three boxes each


@pytest.fixture(scope="module")
def short_run():
    tally = reading_pages.run(pages=6, seed=3, workers=2, progress=False)
    return tally, reading_pages.figures(tally, seconds=1.0, workers=2)


def test_pages_are_photographed_and_read(short_run):
    tally, result = short_run
    assert result["pages"] == 6 and result["forms"] == 2
    assert result["refused"] == {}
    assert result["boxes"] == 2 * BOXES_PER_FORM
    assert tally.baseline_confusion.sum() == tally.confusion.sum() == result["boxes"]
    assert len(tally.page_seconds) == 2 and all(s > 0 for s in tally.page_seconds)
    # the reader's own verdict at its bar is what the bench's replay of its decoding says
    assert result["reader_disagreements"] == 0


def test_held_out_handwriting_is_read_without_a_silent_error(short_run):
    _, result = short_run
    assert result["digit_accuracy"] >= 0.95
    assert result["per_class"]["empty"] >= 0.95
    assert result["silent_forms"] == 0 and result["silent"] == 0
    for point in result["tradeoff"]:
        assert point["silent"] == 0


def test_figures_hold_together(short_run):
    _, result = short_run
    curve = result["tradeoff"]
    assert [p["bar"] for p in curve] == list(reading_figures.BARS)
    # a higher bar sends more forms to the officer and lets fewer wrong ones through
    assert all(a["unsure"] <= b["unsure"] and a["silent"] >= b["silent"] for a, b in itertools.pairwise(curve))
    at_bar = next(p for p in curve if p["bar"] == result["bar"])
    assert (at_bar["unsure"], at_bar["silent"]) == (result["unsure"], result["silent"])
    assert 0 <= result["forms_right"] <= 1 and 0 < result["silent_upper_95"] <= 1
    assert set(result["baseline_mlp"]) >= {"box_accuracy", "unsure", "silent", "tradeoff"}
    line = json.dumps(result)
    assert json.loads(line)["pages"] == 6


def test_a_form_is_drawn_from_its_seed_and_index():
    values, photos = reading_pages.photographed_form(seed=5, index=2)
    again_values, again = reading_pages.photographed_form(seed=5, index=2)
    assert values == again_values and photos == again
    other_values, _ = reading_pages.photographed_form(seed=5, index=3)
    assert other_values != values
    assert len(photos) == 3 and all(photo[:2] == b"\xff\xd8" for photo in photos)  # JPEG


def test_tradeoff_counts_officer_and_silent_shares():
    outcomes = [reading_figures.FormOutcome(wrong=True, lowest=0.95, unsure_anyway=False),
                reading_figures.FormOutcome(wrong=False, lowest=0.999, unsure_anyway=False),
                reading_figures.FormOutcome(wrong=False, lowest=1.0, unsure_anyway=True),
                reading_figures.REFUSED]
    curve = {p.bar: p for p in reading_figures.tradeoff(outcomes, bars=(0.9, 0.99, 0.9999))}
    assert curve[0.9] == (0.9, 0.5, 0.25)  # the wrong form passes a low bar: a silent error
    assert curve[0.99] == (0.99, 0.75, 0.0)
    assert curve[0.9999] == (0.9999, 1.0, 0.0)
    assert [o.right for o in outcomes] == [False, True, True, False]


def test_baseline_is_the_previous_classifier():
    blank = np.zeros((2, 28, 28), np.float32)
    probabilities = reading_pages.baseline_probabilities(blank)
    assert probabilities.shape == (2, 11) and np.allclose(probabilities.sum(axis=1), 1.0)
    assert (probabilities.argmax(axis=1) == 10).all()  # an empty image is an empty box
