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

from suara.reading import heldout, synthetic
from suara.reading.decode import decode
from suara.reading.digits import EMPTY, classify
from suara.reading.layout import candidate_layout

BARS = (0.5, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999)


def random_form(rng: np.random.Generator, candidates: int) -> dict[str, int]:
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
    outcomes = []  # per form: (wrong numbers, lowest confidence, unsure whatever the bar)
    box_truth, box_guess = [], []
    started = time.monotonic()
    decode_seconds = 0.0
    for _ in range(args.forms):
        values = random_form(rng, args.candidates)
        boxes, truth = [], []
        for name in layout.fields:
            for ch in f"{values[name]:>3}":
                label = EMPTY if ch == " " else int(ch)
                glyph = None if label == EMPTY else by_label[label][int(rng.integers(len(by_label[label])))]
                boxes.append(synthetic.render_box(glyph, rng))
                truth.append(label)
        probabilities = classify(boxes)
        box_truth += truth
        box_guess += list(probabilities.argmax(axis=1))
        t = time.monotonic()
        reading = decode(layout, probabilities, bar=0.0)  # unsure only for a blank, a broken sum, no value
        decode_seconds += time.monotonic() - t
        wrong = {n for n, r in reading.numbers.items() if r.value != values[n]}
        right += not wrong
        # a form is sure at a bar when nothing is unsure for other reasons and every confidence reaches it
        lowest = min(r.confidence for r in reading.numbers.values())
        outcomes.append((wrong, lowest, not reading.sure))
    truth_array, guess_array = np.asarray(box_truth), np.asarray(box_guess)
    print(f"{args.forms} forms, {len(layout.fields)} numbers each, "
          f"{time.monotonic() - started:.0f} s ({decode_seconds / args.forms * 1000:.0f} ms decoding per form)")
    print("boxes read right by the classifier alone:", " ".join(
        f"{d if d != EMPTY else 'empty'}:{(guess_array[truth_array == d] == d).mean():.3f}"
        for d in range(11) if (truth_array == d).any()), f"all:{(guess_array == truth_array).mean():.4f}")
    print(f"forms read completely right (before any bar): {right / args.forms:.3f}")
    print("bar      unsure   silent errors")
    for bar in BARS:
        unsure = silent = 0
        for wrong, lowest, unsure_anyway in outcomes:
            sure = not unsure_anyway and lowest >= bar
            unsure += not sure
            silent += sure and bool(wrong)
        print(f"{bar:<8} {unsure / args.forms:.3f}    {silent / args.forms:.4f}")


if __name__ == "__main__":
    main()
