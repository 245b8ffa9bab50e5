"""The reader's geometry on synthetic photographs: how often it finds the page, reads its QR code
and cuts every box where the digit was written, and how long a page takes.

    .venv/bin/python bench/reading_geometry.py                 # 100 random photos
    .venv/bin/python bench/reading_geometry.py --pages 1000 --seed 7

Each photo is one page (1, 2 or 3) of a PPWP sheet filled with font digits, taken with
photograph.random_shot (up to 30 degrees of slant, 10% upside down, blur up to 1.5 px, shadow,
exposure, noise, JPEG 60-92) at 3 megapixels. A box is "cut right" when its crop correlates with
the same box of the filled sheet at 0.75 or more (a box cut a few pixels off, or a neighbour's,
scores far lower). Time is wall clock and the process's CPU time (OpenCV may use more than one
thread); the photos are made outside the timing. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter

import cv2
import numpy as np

from suara.domain.contests import Candidate, Contest
from suara.domain.form import ADMINISTRASI_KEYS
from suara.reading import geometry, photograph, sheet

TPS = "3171010001001"
PPWP = Contest("ppwp", "ppwp", "0", "Pemilihan Presiden dan Wakil Presiden 2024", 300,
               tuple(Candidate(n, str(100024 + n), f"CALON {n} - WAKIL {n}", "#888888") for n in (1, 2, 3)))


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA)
    x, y = a.astype(np.float64) - a.mean(), b.astype(np.float64) - b.mean()
    denominator = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denominator) if denominator else 0.0


def _values(rng: np.random.Generator) -> dict[str, int]:
    keys = [f"administrasi.{k}" for k in ADMINISTRASI_KEYS] + ["suara.1", "suara.2", "suara.3", "suara_sah",
                                                                "suara_tidak_sah", "suara_total"]
    return {k: int(rng.integers(0, 300)) for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    blank = {page: sheet.render_page(PPWP, TPS, page) for page in (1, 2, 3)}
    pool = photograph.font_digit_pool(per_digit=40, seed=args.seed)
    outcomes: Counter[str] = Counter()
    times: list[float] = []
    cpu: list[float] = []
    scores: list[float] = []
    boxes = boxes_right = 0
    for i in range(args.pages):
        page = int(rng.integers(1, 4))
        layout = sheet.page_layout("ppwp", 3, page)
        filled, written = photograph.fill_page(blank[page], layout, _values(rng), pool, seed=i)
        photo = photograph.photograph(filled, photograph.random_shot(rng), seed=i)
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            located = geometry.locate(photo, tps=TPS)
        except geometry.PhotoUnreadable as exc:
            outcomes[exc.code] += 1
            continue
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        outcomes["read"] += 1
        original = np.asarray(filled)
        expected = [original[b.y:b.y + b.h, b.x:b.x + b.w] for b in (box.inner() for box in layout.boxes)]
        for j, (crop, digit) in enumerate(zip(located.crops, written, strict=True)):
            if digit is None:
                continue
            boxes += 1
            own = _similarity(crop, expected[j])
            scores.append(own)
            boxes_right += own >= 0.75
    print(f"photos: {args.pages}; " + ", ".join(f"{code} {n}" for code, n in outcomes.most_common()))
    if times:
        times.sort()
        print(f"geometry per page: mean {statistics.mean(times) * 1000:.0f} ms, p50 {times[len(times) // 2] * 1000:.0f} ms,"
              f" p95 {times[int(len(times) * 0.95)] * 1000:.0f} ms; CPU mean {statistics.mean(cpu) * 1000:.0f} ms, "
              f"max {max(cpu) * 1000:.0f} ms")
    if boxes:
        print(f"written boxes cut right: {boxes_right} of {boxes} ({boxes_right / boxes:.2%}); correlation with the "
              f"written box: median {statistics.median(scores):.3f}, min {min(scores):.3f}")


if __name__ == "__main__":
    main()
