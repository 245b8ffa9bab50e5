"""The digit classifier (reading/digits.py) on held-out handwriting it never saw in training,
and the normalisation of box crops."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest
from PIL import Image

from suara.reading import digits, heldout, synthetic
from suara.reading.digits import CLASSES, EMPTY, classify, normalise

# Floors a little under what scripts/train_digits.py measured on these exact boxes (seeds 7, 8)
# with the convolutional network: MNIST 98.4%, each digit 97-100%, load_digits 98.1%, empty
# 99.7%, digits taken for empty 0.5%, 88% of boxes at probability >= 0.99 and 99.7% of those right.
# The MLP before it read MNIST 95.2% (each digit 90-98%), load_digits 93.9%, empty 99.0%: a
# retrained model that reads worse than the network fails here.
MNIST_FLOOR = 0.975
SMALL_FLOOR = 0.97
EMPTY_FLOOR = 0.99
PER_DIGIT_FLOOR = 0.95
DIGIT_AS_EMPTY_CEILING = 0.01
CONFIDENT_SHARE_FLOOR = 0.85  # of boxes classified with probability >= 0.99
CONFIDENT_RIGHT_FLOOR = 0.995  # of those, read right


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
    assert (probabilities[digits].argmax(axis=1) == EMPTY).mean() < DIGIT_AS_EMPTY_CEILING


def test_confident_answers_are_mostly_right(held_out_mnist):
    # the decoder weighs these probabilities: when the model says 0.99 it should be right
    probabilities, labels = held_out_mnist
    confident = probabilities.max(axis=1) >= 0.99
    assert confident.mean() > CONFIDENT_SHARE_FLOOR
    assert (probabilities[confident].argmax(axis=1) == labels[confident]).mean() > CONFIDENT_RIGHT_FLOOR


def test_classify_of_no_boxes():
    assert classify([]).shape == (0, CLASSES)


def test_the_numpy_convolution_is_the_direct_sum():
    # the network runs its convolutions as one matrix product over sliding windows; the window's
    # order must be the kernel's (as torch stores it: out, in, row, column)
    rng = np.random.default_rng(0)
    maps = rng.random((2, 9, 8, 3), dtype=np.float32)
    kernel = rng.normal(size=(4, 3, 5, 5)).astype(np.float32)
    bias = rng.normal(size=4).astype(np.float32)
    out = digits._convolve(maps, digits._as_matrix(kernel), bias, 5)
    assert out.shape == (2, 5, 4, 4)
    for n, y, x, o in ((0, 0, 0, 0), (1, 4, 3, 2), (0, 2, 1, 3), (1, 0, 3, 1)):
        window = maps[n, y:y + 5, x:x + 5, :]  # rows, columns, channels
        direct = float((window.transpose(2, 0, 1) * kernel[o]).sum() + bias[o])
        assert out[n, y, x, o] == pytest.approx(max(direct, 0.0), abs=1e-4)


def test_the_shipped_weights_are_small_and_whole():
    path = resources.files("suara.reading").joinpath("data", digits.WEIGHTS)
    assert len(path.read_bytes()) < 2_000_000
    model = digits._model()
    assert model.dense2.shape[1] == CLASSES and 0.3 < model.temperature < 3


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


def test_the_second_look_reads_held_out_digits_as_well_and_no_more_confidently_wrong():
    boxes, labels = heldout.boxes(seed=7, empties=300, source="mnist")
    images = np.stack([normalise(box) for box in boxes])
    plain, steady = digits.probabilities(images), digits.steadied(digits.probabilities, images)
    assert steady.shape == plain.shape and np.allclose(steady.sum(axis=1), 1.0)
    assert (steady.argmax(axis=1) == labels).mean() >= max(MNIST_FLOOR, (plain.argmax(axis=1) == labels).mean() - 0.002)

    def confident_misreads(p):
        return int(((p.max(axis=1) >= 0.99) & (p.argmax(axis=1) != labels)).sum())
    assert confident_misreads(steady) <= confident_misreads(plain)
    assert digits.steadied(digits.probabilities, images[:0]).shape == (0, CLASSES)


def test_only_a_number_no_sum_checks_gets_the_second_look():
    from suara.reading.layout import candidate_layout
    from suara.reading.reader import number_probabilities

    def by_column(images):  # a made-up model: the class is the column the ink's weight falls in
        columns = (images.sum(axis=1) * np.arange(images.shape[2])).sum(axis=1) / np.maximum(images.sum(axis=(1, 2)), 1e-9)
        return np.eye(CLASSES)[np.round(columns).astype(int) % CLASSES]
    layout = candidate_layout(["1", "2"])
    keys = list(layout.fields)
    assert layout.unchecked == ("administrasi.pemilih_disabilitas_j",)
    boxes, _ = heldout.boxes(seed=9, empties=0, source="mnist")
    images = np.stack([normalise(box) for box in boxes[:3 * len(keys)]])
    rows = number_probabilities(keys, images, layout, by_column)
    at = keys.index("administrasi.pemilih_disabilitas_j")
    for i, key in enumerate(keys):
        own = images[3 * i:3 * i + 3]
        expected = digits.steadied(by_column, own) if i == at else by_column(own)
        assert np.allclose(rows[key], expected), key
    assert not np.allclose(rows[keys[at]], by_column(images[3 * at:3 * at + 3]))  # the shifts moved the ink
