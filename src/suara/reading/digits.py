"""The digit classifier: one box of a form, cut out of its photo, is 0-9 or empty.

`normalise(box)` turns a box crop (uint8 grayscale, dark ink on light paper, any size, the
printed box edges possibly showing at its border) into a 28x28 float image as the model was
trained on: ink in [0, 1], the printed edges removed, the writing scaled into a 20 px square and
centred on its centre of mass (as MNIST is). Writing much smaller than the box (a speck, a
smudge) is not blown up to digit size, so an empty box stays recognisably empty.

`classify(boxes)` returns an n x 11 array of probabilities: columns 0-9 the digits, column 10
(EMPTY) an empty box. The model is a small convolutional network (conv 5x5 x16, max-pool,
conv 5x5 x32, max-pool, dense 128, dense 11, ReLU) trained by scripts/train_digits.py; its weights
ship as float16 NumPy arrays in data/digits.npz and run on plain NumPy (the convolutions as one
matrix product over sliding windows), a few milliseconds for a page's boxes on one core.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

SIDE = 28
FIT = 20  # the writing is scaled to fit a FIT x FIT square inside SIDE x SIDE
EMPTY = 10
CLASSES = 11
MIN_WRITING = 0.4
"""Writing is magnified at most to make MIN_WRITING of the box's height fill the 20 px square:
a digit fills half the box or more; a mark smaller than this keeps its smallness."""
WEIGHTS = "digits.npz"


def _ink(box: np.ndarray) -> np.ndarray:
    """How much darker than the paper each pixel is, in [0, 1]. The paper is a plane fitted to
    the box's brighter half, so a shadow or uneven light across the box is not taken for ink."""
    pixels = np.asarray(box, dtype=np.float32)
    if pixels.ndim == 3:
        pixels = pixels[..., :3].mean(axis=2)
    h, w = pixels.shape
    ys, xs = np.mgrid[0:h, 0:w]
    bright = pixels >= np.median(pixels)
    design = np.stack([np.ones(int(bright.sum())), xs[bright] / w, ys[bright] / h], axis=1)
    coefficients, *_ = np.linalg.lstsq(design, pixels[bright].astype(np.float64), rcond=None)
    plane = coefficients[0] + coefficients[1] * xs / w + coefficients[2] * ys / h
    spread = float(np.std(pixels[bright] - plane[bright]))
    darker = (plane + spread - pixels).astype(np.float32)  # the paper's own grain is not ink
    # a box without ink has no contrast: dividing by its own range would turn grain into ink
    contrast = max(float(darker.max()), 70.0)
    ink = np.clip(darker / contrast, 0.0, 1.0)
    return np.asarray(np.clip((ink - 0.2) / 0.8, 0.0, 1.0), dtype=np.float32)


def _strip_edges(ink: np.ndarray) -> np.ndarray:
    """Clear the printed box edges: rows and columns in the outer 15% that are inked across
    nearly all the box (a digit's stroke does not span the whole box)."""
    h, w = ink.shape
    ink = ink.copy()
    band_h, band_w = max(1, round(0.15 * h)), max(1, round(0.15 * w))
    inked = ink > 0.05  # faint edges count: the photo's contrast is set by the darkest pen stroke
    row_cover = inked.mean(axis=1)
    col_cover = inked.mean(axis=0)
    for rows in (range(band_h), range(h - band_h, h)):
        for r in rows:
            if row_cover[r] > 0.9:
                ink[max(0, r - 1):r + 2, :] = 0.0
    for cols in (range(band_w), range(w - band_w, w)):
        for c in cols:
            if col_cover[c] > 0.9:
                ink[:, max(0, c - 1):c + 2] = 0.0
    # the last two pixels at the crop's border are the box's or the neighbour's, never the digit's
    m = 2 if min(h, w) >= 20 else 1
    ink[:m, :] = 0.0
    ink[-m:, :] = 0.0
    ink[:, :m] = 0.0
    ink[:, -m:] = 0.0
    return ink


def _span(profile: np.ndarray) -> tuple[int, int]:
    """The extent holding all but 1% of the ink at either end (a stray speck does not widen it)."""
    total = profile.sum()
    cumulative = np.cumsum(profile) / total
    start = int(np.searchsorted(cumulative, 0.01))
    end = int(np.searchsorted(cumulative, 0.99)) + 1
    return start, max(end, start + 1)


def normalise(box: np.ndarray) -> np.ndarray:
    """A box crop (uint8 grayscale, or RGB) as the model's 28x28 float32 input in [0, 1]."""
    box = np.asarray(box)
    if box.ndim not in (2, 3) or box.shape[0] < 4 or box.shape[1] < 4:
        raise ValueError(f"a digit box must be an image of at least 4x4 pixels, not shape {box.shape}")
    ink = _strip_edges(_ink(box))
    out = np.zeros((SIDE, SIDE), np.float32)
    if ink.sum() < 1.0:
        return out
    y0, y1 = _span(ink.sum(axis=1))
    x0, x1 = _span(ink.sum(axis=0))
    writing = ink[y0:y1, x0:x1]
    h, w = writing.shape
    scale = min(FIT / max(h, w), FIT / (MIN_WRITING * box.shape[0]))
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    image = Image.fromarray(np.clip(writing * 255, 0, 255).astype(np.uint8))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    small = np.asarray(image.resize((nw, nh), resample), dtype=np.float32) / 255.0
    mass = small.sum()
    if mass <= 0:
        return out
    cy = float((small.sum(axis=1) * np.arange(nh)).sum() / mass)
    cx = float((small.sum(axis=0) * np.arange(nw)).sum() / mass)
    top = int(np.clip(round(SIDE / 2 - cy), 0, SIDE - nh))
    left = int(np.clip(round(SIDE / 2 - cx), 0, SIDE - nw))
    out[top:top + nh, left:left + nw] = small
    return _deskew(out)


def _deskew(image: np.ndarray) -> np.ndarray:
    """Undo the writing's slant: shear it so that its ink has no x-y covariance (a slanted 1
    and an upright 1 become alike, which a small model needs)."""
    mass = float(image.sum())
    if mass < 1.0:
        return image
    ys, xs = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    cy = float((ys * image).sum() / mass)
    cx = float((xs * image).sum() / mass)
    var_y = float((((ys - cy) ** 2) * image).sum() / mass)
    if var_y < 1.0:
        return image
    slant = float(np.clip((((xs - cx) * (ys - cy)) * image).sum() / mass / var_y, -0.7, 0.7))
    sheared = Image.fromarray(image).transform((SIDE, SIDE), Image.Transform.AFFINE,
                                               (1.0, slant, -slant * cy, 0.0, 1.0, 0.0),
                                               Image.Resampling.BILINEAR)
    return np.asarray(sheared, dtype=np.float32)


class _Model(NamedTuple):
    conv1: np.ndarray  # (1 * 5 * 5, 16): a window's pixels to the first maps
    conv1_bias: np.ndarray
    conv2: np.ndarray  # (16 * 5 * 5, 32)
    conv2_bias: np.ndarray
    dense1: np.ndarray  # (4 * 4 * 32, 128), inputs in (row, column, channel) order
    dense1_bias: np.ndarray
    dense2: np.ndarray  # (128, 11)
    dense2_bias: np.ndarray
    temperature: float


def _as_matrix(kernel: np.ndarray) -> np.ndarray:
    """A convolution kernel (out, in, k, k), as torch stores it, as the matrix that multiplies a
    window flattened in (in, k, k) order."""
    return np.ascontiguousarray(kernel.reshape(kernel.shape[0], -1).T, dtype=np.float32)


@lru_cache(maxsize=1)
def _model() -> _Model:
    with resources.files("suara.reading").joinpath("data", WEIGHTS).open("rb") as handle:
        data = np.load(handle)
        arrays = {key: np.asarray(data[key], dtype=np.float32) for key in data.files}
    return _Model(_as_matrix(arrays["conv1"]), arrays["conv1_bias"], _as_matrix(arrays["conv2"]),
                  arrays["conv2_bias"], arrays["dense1"], arrays["dense1_bias"], arrays["dense2"],
                  arrays["dense2_bias"], float(arrays["temperature"]))


def _convolve(maps: np.ndarray, kernel: np.ndarray, bias: np.ndarray, side: int) -> np.ndarray:
    """A valid side x side convolution and ReLU of n x h x w x c maps: every window, flattened
    in (channel, row, column) order, times the kernel matrix."""
    n, h, w, c = maps.shape
    windows = sliding_window_view(maps, (side, side), axis=(1, 2))  # n, h', w', c, side, side
    rows = windows.reshape(n * (h - side + 1) * (w - side + 1), c * side * side)
    out = rows @ kernel
    out += bias
    np.maximum(out, 0.0, out=out)
    return np.asarray(out.reshape(n, h - side + 1, w - side + 1, kernel.shape[1]))


def _pool(maps: np.ndarray) -> np.ndarray:
    n, h, w, c = maps.shape
    return np.asarray(maps.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4)))


def probabilities(images: np.ndarray) -> np.ndarray:
    """The model on normalised images (n x 28 x 28): n x 11 probabilities."""
    model = _model()
    x = np.asarray(images, dtype=np.float32).reshape(len(images), SIDE, SIDE, 1)
    x = _pool(_convolve(x, model.conv1, model.conv1_bias, 5))
    x = _pool(_convolve(x, model.conv2, model.conv2_bias, 5))
    hidden = np.maximum(x.reshape(len(x), -1) @ model.dense1 + model.dense1_bias, 0.0)
    logits = (hidden @ model.dense2 + model.dense2_bias) / model.temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)


# The box moved a pixel each way (and not at all): where nothing else checks a reading, the
# classifier's mean over these is the second look (a misread that holds on one view rarely holds
# on all; on held-out digits it halves the confident misreads of a one-digit number)
SHIFTS = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1))


def steadied(model: Callable[[np.ndarray], np.ndarray], images: np.ndarray) -> np.ndarray:
    """The model's mean probabilities over each normalised image shifted by SHIFTS (n x 11). The
    writing sits in the middle FIT x FIT of the image, so a shift wraps only blank margin round."""
    if len(images) == 0:
        return np.zeros((0, CLASSES))
    views = np.stack([np.roll(images, shift, axis=(1, 2)) for shift in SHIFTS])
    return np.asarray(model(views.reshape(-1, SIDE, SIDE)).reshape(len(SHIFTS), len(images), -1).mean(axis=0))


def classify(boxes: Sequence[np.ndarray]) -> np.ndarray:
    """Each box crop (uint8 grayscale, dark on light) as 11 probabilities: 0-9, then EMPTY."""
    if len(boxes) == 0:
        return np.zeros((0, CLASSES))
    return probabilities(np.stack([normalise(box) for box in boxes]))
