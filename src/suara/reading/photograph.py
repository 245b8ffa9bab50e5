"""Synthetic photographs of a filled sheet: what the reader is tested and measured on.

`fill_page` writes digit images into a rendered page's boxes (the classifier's held-out
handwriting, or font digits as a fallback); `photograph` then takes the picture a KPPS phone
would: the sheet on a table, seen at a slant (a pinhole camera tilted by `tilt` degrees), turned
in the frame (180 for a page held upside down), out of focus, under a shadow, with sensor noise,
saved as JPEG. Everything is drawn from the seed: the same inputs give the same bytes.

Digit images follow MNIST's convention (28 x 28 uint8, ink bright on black); they are written
as dark ink on the paper.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from suara.reading.sheet import Box, PageLayout

DIGIT_SIDE = 28
DigitPool = Mapping[int, Sequence[np.ndarray]]  # digit -> images of it (28 x 28, ink bright on black)


@lru_cache(maxsize=4)
def _digit_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # a Pillow without FreeType
        return ImageFont.load_default()


def font_digit(digit: int, rng: np.random.Generator) -> np.ndarray:
    """A digit drawn from Pillow's font, slanted, thickened and moved a little: the fallback when
    no handwritten digits are at hand."""
    canvas = Image.new("L", (56, 56), 0)
    ImageDraw.Draw(canvas).text((28, 28), str(digit), fill=255, font=_digit_font(int(rng.integers(34, 44))),
                                anchor="mm")
    image: np.ndarray = np.asarray(canvas, dtype=np.uint8)
    if rng.random() < 0.6:  # a pen thicker than the font's stroke
        image = cv2.dilate(image, np.ones((2, 2), np.uint8), iterations=int(rng.integers(1, 3)))
    angle, shear = rng.uniform(-12, 12), rng.uniform(-0.25, 0.25)
    matrix = cv2.getRotationMatrix2D((28, 28), angle, 1.0)
    matrix[0, 1] += shear
    matrix[0, 2] -= shear * 28 + rng.uniform(-3, 3)
    matrix[1, 2] += rng.uniform(-3, 3)
    image = cv2.warpAffine(image, matrix, (56, 56), flags=cv2.INTER_LINEAR, borderValue=0)
    return np.asarray(cv2.resize(image, (DIGIT_SIDE, DIGIT_SIDE), interpolation=cv2.INTER_AREA), dtype=np.uint8)


def font_digit_pool(per_digit: int = 20, seed: int = 0) -> dict[int, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return {d: [font_digit(d, rng) for _ in range(per_digit)] for d in range(10)}


@lru_cache(maxsize=1)
def heldout_pool() -> dict[int, list[np.ndarray]]:
    """The classifier's held-out MNIST digits by label (reading/heldout.py): handwriting it never
    saw in training, for the tests, the benches and the demo's photos."""
    from suara.reading import heldout  # the digit module and its data only where asked for

    images, labels = heldout.mnist()
    return {d: [images[i] for i in np.flatnonzero(labels == d)] for d in range(10)}


def box_digits(value: int | None, leading: str = "empty") -> tuple[int | None, int | None, int | None]:
    """A number as its three boxes (hundreds, tens, units); None is an empty box. Leading zeros
    are left empty (`leading="empty"`, the usual hand) or written (`"zero"`); a missing number
    leaves all three empty."""
    if value is None:
        return (None, None, None)
    if not 0 <= value <= 999:
        raise ValueError(f"angka {value} tidak muat dalam tiga kotak")
    digits = (value // 100, value // 10 % 10, value % 10)
    if leading == "zero":
        return digits
    hundreds = digits[0] or None
    tens = None if hundreds is None and digits[1] == 0 else digits[1]
    return (hundreds, tens, digits[2])


def fill_page(page: Image.Image, layout: PageLayout, values: Mapping[str, int | None], pool: DigitPool | None = None,
              seed: int = 0, leading: str = "empty") -> tuple[Image.Image, list[int | None]]:
    """The page with each field's number written into its boxes, and what each box holds (in the
    order of `layout.boxes`; None: empty). Fields missing from `values` stay empty. A number past
    999 (a slip the form's rules flag) runs out of its boxes to the left, as a hand writes it:
    its last three digits are in the boxes."""
    rng = np.random.default_rng(seed)
    pool = pool if pool is not None else font_digit_pool(seed=seed)
    paper = np.asarray(page.convert("L"), dtype=np.float32).copy()
    written: list[int | None] = []
    for field in layout.fields:
        value = values.get(field.key)
        overflow = str(value)[:-3] if value is not None and value > 999 else ""
        in_boxes = box_digits(value % 1000, "zero") if value is not None and overflow else box_digits(value, leading)
        for box, digit in zip(field.boxes, in_boxes, strict=True):
            written.append(digit)
            if digit is not None:
                choices = pool[digit]
                _write(paper, box, choices[int(rng.integers(len(choices)))], rng)
        first, step = field.boxes[0], field.boxes[1].x - field.boxes[0].x
        for i, char in enumerate(reversed(overflow), 1):  # beside the boxes, no box drawn
            choices = pool[int(char)]
            _write(paper, Box(first.x - i * step, first.y, first.w, first.h, first.inset), choices[
                int(rng.integers(len(choices)))], rng)
    return Image.fromarray(paper.clip(0, 255).astype(np.uint8), "L"), written


def _write(paper: np.ndarray, box: Box, digit: np.ndarray, rng: np.random.Generator) -> None:
    inner = box.inner(box.inset + 2)
    scale = rng.uniform(0.85, 1.05)
    h = max(8, int(inner.h * scale))
    w = max(6, min(inner.w, int(h * 0.8)))
    ink = cv2.resize(digit, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    x = inner.x + (inner.w - w) // 2 + int(rng.integers(-2, 3))
    y = inner.y + (inner.h - h) // 2 + int(rng.integers(-2, 3))
    y0, x0 = max(y, 0), max(x, 0)
    region = paper[y0:y0 + h, x0:x0 + w]
    pen = rng.uniform(20, 70)  # ballpoint blue-black read as gray
    ink = ink[:region.shape[0], :region.shape[1]]
    np.minimum(region, region * (1 - ink) + pen * ink, out=region)


@dataclass(frozen=True, slots=True)
class Shot:
    """How a page is photographed."""

    tilt: float = 0.0  # degrees the camera leans from straight above (perspective)
    tilt_direction: float = 0.0  # degrees, the direction it leans to in the page's plane
    rotation: float = 0.0  # degrees the page is turned in the frame (180: upside down)
    blur: float = 0.0  # Gaussian sigma, photo pixels
    shadow: float = 0.0  # how much darker the shadowed side is (0..1)
    brightness: float = 1.0  # exposure: 1 a good photo, 0.15 a dark room
    noise: float = 2.0  # sensor noise, gray levels
    jpeg_quality: int = 85
    size: tuple[int, int] = (1536, 2048)  # photo width, height (3 megapixels)
    fill: float = 0.85  # share of the frame's shorter side the page spans


def random_shot(rng: np.random.Generator) -> Shot:
    """A plausible phone photo: up to 30 degrees of slant, slightly turned, a little blur and
    shadow."""
    return Shot(tilt=float(rng.uniform(0, 30)), tilt_direction=float(rng.uniform(0, 360)),
                rotation=float(rng.normal(0, 4) + (180 if rng.random() < 0.1 else 0)),
                blur=float(rng.uniform(0, 1.5)), shadow=float(rng.uniform(0, 0.45)),
                brightness=float(rng.uniform(0.7, 1.05)), noise=float(rng.uniform(1, 5)),
                jpeg_quality=int(rng.integers(60, 92)), fill=float(rng.uniform(0.75, 0.92)))


def _projected_corners(width: int, height: int, shot: Shot) -> np.ndarray:
    """Where the page's corners land in the photo: the page turned in its plane, leaned away from
    the camera by `tilt` about an axis in the plane, seen by a pinhole camera, scaled to fill."""
    corners = np.array([[-width / 2, -height / 2, 0], [width / 2, -height / 2, 0],
                        [width / 2, height / 2, 0], [-width / 2, height / 2, 0]], dtype=np.float64)
    turn = math.radians(shot.rotation)
    in_plane = np.array([[math.cos(turn), -math.sin(turn), 0], [math.sin(turn), math.cos(turn), 0], [0, 0, 1]])
    axis_angle = math.radians(shot.tilt_direction)
    axis = np.array([math.cos(axis_angle), math.sin(axis_angle), 0.0])
    lean, _ = cv2.Rodrigues(axis * math.radians(shot.tilt))
    points = corners @ in_plane.T @ lean.T
    focal = 1.1 * math.hypot(width, height)  # a phone's wide lens, held about a page's length away
    projected = focal * points[:, :2] / (points[:, 2:3] + focal)
    span = projected.max(axis=0) - projected.min(axis=0)
    out_w, out_h = shot.size
    scale = shot.fill * min(out_w / span[0], out_h / span[1])
    centred = (projected - (projected.max(axis=0) + projected.min(axis=0)) / 2) * scale
    return np.asarray(centred + np.array([out_w / 2, out_h / 2]), dtype=np.float32)


def photograph(page: Image.Image | np.ndarray, shot: Shot, seed: int = 0) -> bytes:
    """A JPEG photo of the page as `shot` describes it."""
    rng = np.random.default_rng(seed)
    sheet = np.asarray(page.convert("L") if isinstance(page, Image.Image) else page, dtype=np.uint8)
    height, width = sheet.shape
    out_w, out_h = shot.size
    jitter = rng.uniform(-0.02, 0.02, size=(4, 2)) * min(out_w, out_h) * (1 - shot.fill)
    target = _projected_corners(width, height, shot) + jitter.astype(np.float32)
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, target)
    grain = rng.normal(0, 12, (out_h // 4, out_w // 4)).astype(np.float32)  # the table's grain, drawn small
    table = rng.uniform(90, 140) + cv2.resize(cv2.GaussianBlur(grain, (0, 0), 1), (out_w, out_h))
    warped = cv2.warpPerspective(sheet.astype(np.float32), matrix, (out_w, out_h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones_like(sheet, dtype=np.float32), matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    paper = warped * 0.93 + 4  # paper is never quite white in a photo
    photo: np.ndarray = paper * mask + table * (1 - mask)
    if shot.shadow > 0:
        angle = rng.uniform(0, 2 * math.pi)
        xs = (np.arange(out_w, dtype=np.float32) / out_w - 0.5) * math.cos(angle)
        ys = (np.arange(out_h, dtype=np.float32) / out_h - 0.5) * math.sin(angle)
        ramp = ys[:, None] + xs[None, :]
        photo *= 1 - shot.shadow * np.clip(ramp + 0.5, 0, 1)
    photo *= shot.brightness
    if shot.blur > 0:
        photo = cv2.GaussianBlur(photo, (0, 0), shot.blur)
    if shot.noise > 0:
        photo += rng.normal(0, shot.noise, photo.shape).astype(np.float32)
    ok, encoded = cv2.imencode(".jpg", photo.clip(0, 255).astype(np.uint8),
                               [cv2.IMWRITE_JPEG_QUALITY, int(shot.jpeg_quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return encoded.tobytes()
