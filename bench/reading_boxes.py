"""The digit classifier and the joint decoding on whole forms, from the boxes on (issue 15).

    .venv/bin/python bench/reading_boxes.py [--forms N] [--seed S] [--candidates K]

Makes N consistent PPWP forms (administrasi and K paslon), writes every number right-aligned
in its three boxes with HELD-OUT handwritten digits (reading/heldout.py: never trained on), each
box photographed as reading/synthetic.py draws it, classifies the boxes and decodes each form
under its sums. Geometry is not in this: the boxes are cut exactly (the reader's bench measures
whole photographed pages). Prints per-digit accuracy of the classifier alone, the share of forms
read completely right, the share marked unsure (sent to the officer), the share read wrong yet
marked sure (silent errors), and the trade-off between the last two as the confidence bar moves.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from reading_figures import form_outcome, random_form, tradeoff

from suara.reading import heldout, synthetic
from suara.reading.decode import decode
from suara.reading.digits import EMPTY, classify
from suara.reading.layout import candidate_layout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--forms", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--candidates", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    by_label: dict[int, list[np.ndarray]] = {d: [] for d in range(10)}
    for glyph, label in heldout.glyphs():
        by_label[label].append(glyph)
    layout = candidate_layout([str(i + 1) for i in range(args.candidates)])
    right = 0
    outcomes = []
    box_truth, box_guess = [], []
    started = time.monotonic()
    decode_seconds = 0.0
    for _ in range(args.forms):
        values = random_form(rng, args.candidates)
        boxes, truth = [], []
        for name in layout.fields:
            for ch in f"{values[name]:>3}":
                label = EMPTY if ch == " " else int(ch)
                writing = None if label == EMPTY else by_label[label][int(rng.integers(len(by_label[label])))]
                boxes.append(synthetic.render_box(writing, rng))
                truth.append(label)
        probabilities = classify(boxes)
        box_truth += truth
        box_guess += list(probabilities.argmax(axis=1))
        t = time.monotonic()
        reading = decode(layout, probabilities, bar=0.0)  # unsure only for a blank, a broken sum, no value
        decode_seconds += time.monotonic() - t
        outcome = form_outcome(reading, values)
        right += not outcome.wrong
        outcomes.append(outcome)
    truth_array, guess_array = np.asarray(box_truth), np.asarray(box_guess)
    print(f"{args.forms} forms, {len(layout.fields)} numbers each, "
          f"{time.monotonic() - started:.0f} s ({decode_seconds / args.forms * 1000:.0f} ms decoding per form)")
    print("boxes read right by the classifier alone:", " ".join(
        f"{d if d != EMPTY else 'empty'}:{(guess_array[truth_array == d] == d).mean():.3f}"
        for d in range(11) if (truth_array == d).any()), f"all:{(guess_array == truth_array).mean():.4f}")
    print(f"forms read completely right (before any bar): {right / args.forms:.3f}")
    print("bar      unsure   silent errors")
    for point in tradeoff(outcomes):
        print(f"{point.bar:<8} {point.unsure:.3f}    {point.silent:.4f}")


if __name__ == "__main__":
    main()
