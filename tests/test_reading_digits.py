"""The digit classifier (reading/digits.py) on held-out handwriting it never saw in training,
and the normalisation of box crops."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from suara.reading import heldout, synthetic
from suara.reading.digits import CLASSES, EMPTY, classify, normalise

# Floors a little under what scripts/train_digits.py measured on these exact boxes (seeds 7, 8:
# MNIST 95.2%, each digit 90-98%, load_digits 93.9%, empty 99.0%, digits taken for empty 0.7%):
# a retrained model that reads worse fails here.
MNIST_FLOOR = 0.94
SMALL_FLOOR = 0.92
EMPTY_FLOOR = 0.98
PER_DIGIT_FLOOR = 0.88
CONFIDENT_SHARE_FLOOR = 0.65  # of boxes classified with probability >= 0.99
CONFIDENT_RIGHT_FLOOR = 0.97  # of those, read right


@pytest.fixture(scope="module")
def held_out_mnist():
    boxes, labels = heldout.boxes(seed=7, empties=300, source="mnist")
    return classify(boxes), labels


def test_held_out_digits_were_never_trained_on():
    data = heldout._arrays()
    assert len(data["mnist_index"]) == 1000 and set(data["mnist_index"] % 5) == {4}
    assert np.bincount(data["mnist_labels"]).tolist() == [100] * 10
    assert len(data["small_index"]) == 359 and set(data["small_index"] % 5) == {4}


def test_held_out_handwriting_is_read(held_out_mnist):
    probabilities, labels = held_out_mnist
    assert probabilities.shape == (len(labels), CLASSES)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    predicted = probabilities.argmax(axis=1)
    digits = labels != EMPTY
    assert (predicted[digits] == labels[digits]).mean() >= MNIST_FLOOR
    for digit in range(10):
        assert (predicted[labels == digit] == digit).mean() >= PER_DIGIT_FLOOR, digit
    assert (predicted[~digits] == EMPTY).mean() >= EMPTY_FLOOR


def test_held_out_small_digits_are_read():
    boxes, labels = heldout.boxes(seed=8, empties=0, source="small")
    assert (classify(boxes).argmax(axis=1) == labels).mean() >= SMALL_FLOOR


def test_a_digit_is_rarely_taken_for_an_empty_box(held_out_mnist):
    # an empty verdict on a written box would drop a number: the worst mistake to make silently
    probabilities, labels = held_out_mnist
    digits = labels != EMPTY
    assert (probabilities[digits].argmax(axis=1) == EMPTY).mean() < 0.015


def test_confident_answers_are_mostly_right(held_out_mnist):
    # the decoder weighs these probabilities: when the model says 0.99 it should be right
    probabilities, labels = held_out_mnist
    confident = probabilities.max(axis=1) >= 0.99
    assert confident.mean() > CONFIDENT_SHARE_FLOOR
    assert (probabilities[confident].argmax(axis=1) == labels[confident]).mean() > CONFIDENT_RIGHT_FLOOR


def test_classify_of_no_boxes():
    assert classify([]).shape == (0, CLASSES)


def _digit_box(height: int, width: int, edges: bool) -> np.ndarray:
    mnist_x, _ = heldout.mnist()
    glyph = synthetic.mnist_glyph(mnist_x[0])
    ink = np.asarray(Image.fromarray((glyph * 255).astype(np.uint8)).resize(
        (round(glyph.shape[1] * 0.7 * height / glyph.shape[0]), round(0.7 * height))), dtype=np.float32) / 255
    page = np.full((height, width), 235.0)
    top, left = (height - ink.shape[0]) // 2, (width - ink.shape[1]) // 2
    page[top:top + ink.shape[0], left:left + ink.shape[1]] -= 180 * ink
    if edges:
        page[:2, :] = page[-2:, :] = 40
        page[:, :2] = page[:, -2:] = 40
    return page.astype(np.uint8)


def test_normalise_is_the_same_at_any_size_with_or_without_the_box_edges():
    reference = normalise(_digit_box(56, 56, edges=False))
    assert reference.shape == (28, 28) and reference.dtype == np.float32
    assert 0.0 <= reference.min() and reference.max() <= 1.0
    for height, width, edges in ((30, 26, False), (90, 80, True), (56, 56, True), (40, 60, True)):
        other = normalise(_digit_box(height, width, edges))
        assert np.corrcoef(reference.ravel(), other.ravel())[0, 1] > 0.85, (height, width, edges)


def test_normalise_keeps_an_empty_box_empty():
    paper = np.full((50, 50), 220, np.uint8)
    assert normalise(paper).sum() == 0
    rng = np.random.default_rng(0)
    noisy = np.clip(220 + rng.normal(0, 6, (50, 50)), 0, 255).astype(np.uint8)
    noisy[:3, :] = noisy[:, :3] = noisy[-2:, :] = noisy[:, -3:] = 30  # a box's printed edges
    assert normalise(noisy).sum() < 1.0
    speck = paper.copy()
    speck[24:27, 24:27] = 60  # a dot of ink stays a dot, not a digit-sized blob
    assert 0 < (normalise(speck) > 0.2).sum() < 12


def test_normalise_takes_colour_and_refuses_what_is_no_box():
    grey = _digit_box(48, 48, edges=True)
    colour = np.repeat(grey[..., None], 3, axis=2)
    assert np.allclose(normalise(colour), normalise(grey), atol=1e-3)
    with pytest.raises(ValueError, match="at least 4x4"):
        normalise(np.zeros((2, 30), np.uint8))


def test_classify_reads_a_clean_box():
    probabilities = classify([_digit_box(48, 44, edges=True), np.full((48, 44), 230, np.uint8)])
    _, labels = heldout.mnist()
    assert probabilities[0].argmax() == labels[0]
    assert probabilities[1].argmax() == EMPTY
