"""Digit boxes drawn as a photographed form shows them, for training and testing the classifier.

A glyph (an ink map in [0, 1]: an MNIST digit, a load_digits digit, a digit rendered from a font)
is written into a box of paper the way a pen on a printed plano looks once cut out of a photo:
its size, position, slant, stroke width and ink vary, the printed box edges may show at the
crop's border (a crop is never exact), and the photo adds uneven light, blur, noise and JPEG.
An empty box is the same paper and edges with smudges and specks but no digit.

Only NumPy and Pillow, so the demo's photos can use it as well as scripts/train_digits.py.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Fonts of Debian's fonts-dejavu-core and fonts-liberation, when present; Pillow's own default
# font (which it ships) is always used, so training works on any machine.
SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Regular.ttf",
)
GLYPH_SIZE = 64


def available_fonts() -> list[str]:
    """'default' (Pillow's bundled font) and the system fonts found, in a fixed order."""
    return ["default"] + [path for path in SYSTEM_FONTS if Path(path).is_file()]


@cache
def font_glyph(font: str, digit: int) -> np.ndarray:
    """The digit rendered from a font, cropped to its ink: float32 in [0, 1]."""
    face = (ImageFont.load_default(size=GLYPH_SIZE) if font == "default"
            else ImageFont.truetype(font, GLYPH_SIZE))
    canvas = Image.new("L", (GLYPH_SIZE * 2, GLYPH_SIZE * 2), 0)
    ImageDraw.Draw(canvas).text((GLYPH_SIZE // 2, GLYPH_SIZE // 4), str(digit), fill=255, font=face)
    ink = np.asarray(canvas, dtype=np.float32) / 255.0
    return crop_to_ink(ink)


def crop_to_ink(ink: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(ink.max(axis=1) > 0.05)
    cols = np.flatnonzero(ink.max(axis=0) > 0.05)
    if rows.size == 0:
        return ink
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _distort_glyph(glyph: np.ndarray, rng: np.random.Generator, height: int) -> np.ndarray:
    """The glyph scaled to `height` px, slanted, rotated and made thicker or thinner."""
    image = Image.fromarray(np.clip(glyph * 255, 0, 255).astype(np.uint8))
    # work at about 1.5 times the final size (at most 64 px) so that thickness changes stay gentle
    work = int(min(max(1.5 * height, 16), 64))
    scale = work / max(image.height, 1)
    width = max(1, round(image.width * scale * rng.uniform(0.8, 1.2)))
    image = image.resize((width, work), Image.Resampling.BILINEAR)
    pad = work // 3
    side = (width + 2 * pad, work + 2 * pad)
    padded = Image.new("L", side, 0)
    padded.paste(image, (pad, pad))
    # one affine map: slant (shear) then rotation about the centre
    shear, angle = rng.uniform(-0.3, 0.3), np.radians(rng.uniform(-12, 12))
    cos, sin = np.cos(angle), np.sin(angle)
    a, b, d, e = cos + shear * sin, -sin + shear * cos, sin, cos
    cx, cy = side[0] / 2, side[1] / 2
    padded = padded.transform(side, Image.Transform.AFFINE,
                              (a, b, cx - a * cx - b * cy, d, e, cy - d * cx - e * cy), Image.Resampling.BILINEAR)
    stroke = rng.random()
    if stroke < 0.25:
        padded = padded.filter(ImageFilter.MaxFilter(3))
    elif stroke < 0.35:
        padded = padded.filter(ImageFilter.MaxFilter(5))
    elif stroke < 0.5:
        padded = padded.filter(ImageFilter.MinFilter(3))
    ink = crop_to_ink(np.asarray(padded, dtype=np.float32) / 255.0)
    if ink.shape[0] == 0 or ink.shape[1] == 0:
        return np.zeros((height, 1), np.float32)
    out = Image.fromarray(np.clip(ink * 255, 0, 255).astype(np.uint8))
    w = max(1, round(out.width * height / out.height))
    out = out.resize((w, height), Image.Resampling.LANCZOS)
    return np.asarray(np.clip(np.asarray(out, dtype=np.float32) / 255.0, 0, 1), dtype=np.float32)


def _paper(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    level = rng.uniform(150, 250)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    tilt = rng.uniform(-25, 25) * (gx / w - 0.5) + rng.uniform(-25, 25) * (gy / h - 0.5)
    return np.asarray(np.clip(level + tilt, 60, 255), dtype=np.float32)


def _edges(darkness: np.ndarray, rng: np.random.Generator) -> None:
    """Printed box edges at the crop's border: a crop is a few px off either way."""
    h, w = darkness.shape
    strength = rng.uniform(60, 200)
    for side in range(4):
        if rng.random() < 0.35:
            continue
        thick = int(rng.integers(1, 4))
        inset = int(rng.integers(0, max(1, round(0.08 * (h if side < 2 else w)))))
        if side == 0:
            darkness[inset:inset + thick, :] = np.maximum(darkness[inset:inset + thick, :], strength)
        elif side == 1:
            darkness[h - inset - thick:h - inset, :] = np.maximum(darkness[h - inset - thick:h - inset, :], strength)
        elif side == 2:
            darkness[:, inset:inset + thick] = np.maximum(darkness[:, inset:inset + thick], strength)
        else:
            darkness[:, w - inset - thick:w - inset] = np.maximum(darkness[:, w - inset - thick:w - inset], strength)


def _marks(darkness: np.ndarray, rng: np.random.Generator) -> None:
    """What an empty box may carry: a faint smudge, a speck, a short stray line near an edge."""
    h, w = darkness.shape
    canvas = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(canvas)
    for _ in range(int(rng.integers(0, 3))):
        kind = rng.random()
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        if kind < 0.4:  # a broad faint smudge (a finger, a shadow)
            r = rng.uniform(0.1, 0.35) * h
            draw.ellipse((cx - r, cy - r * rng.uniform(0.4, 1), cx + r, cy + r), fill=int(rng.uniform(15, 50)))
        elif kind < 0.75:  # a speck of ink or dirt
            r = rng.uniform(0.01, 0.04) * h
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=int(rng.uniform(60, 180)))
        else:  # a short stroke from the next box or a stray pen touch, near the border
            edge = rng.integers(4)
            length = rng.uniform(0.05, 0.2) * h
            if edge < 2:
                y = rng.uniform(0, 0.12) * h if edge == 0 else h - rng.uniform(0, 0.12) * h
                draw.line((cx, y, cx + length * rng.choice([-1, 1]), y + rng.uniform(-2, 2)),
                          fill=int(rng.uniform(60, 180)), width=int(rng.integers(1, 3)))
            else:
                x = rng.uniform(0, 0.12) * w if edge == 2 else w - rng.uniform(0, 0.12) * w
                draw.line((x, cy, x + rng.uniform(-2, 2), cy + length * rng.choice([-1, 1])),
                          fill=int(rng.uniform(60, 180)), width=int(rng.integers(1, 3)))
    blur = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 2.0)))
    np.maximum(darkness, np.asarray(blur, dtype=np.float32), out=darkness)


def _photograph(darkness: np.ndarray, paper: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    pixels = np.clip(paper - darkness, 0, 255)
    image = Image.fromarray(pixels.astype(np.uint8))
    if rng.random() < 0.6:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 1.3)))
    out = np.asarray(image, dtype=np.float64) + rng.normal(0, rng.uniform(0, 10), (image.height, image.width))
    image = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
    if rng.random() < 0.4:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=int(rng.integers(30, 90)))
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    return np.asarray(image, dtype=np.uint8)


def box_size(rng: np.random.Generator) -> tuple[int, int]:
    h = int(rng.integers(30, 81))
    return h, max(16, round(h * rng.uniform(0.8, 1.25)))


def render_box(glyph: np.ndarray | None, rng: np.random.Generator,
               size: tuple[int, int] | None = None) -> np.ndarray:
    """A photographed digit box (uint8 grayscale, dark ink on light paper) holding the glyph,
    or an empty box when glyph is None."""
    h, w = size if size is not None else box_size(rng)
    paper = _paper(rng, h, w)
    darkness = np.zeros((h, w), np.float32)
    if rng.random() < 0.7:
        _edges(darkness, rng)
    if glyph is None:
        _marks(darkness, rng)
    else:
        if rng.random() < 0.2:
            _marks(darkness, rng)
        digit_h = max(8, round(h * rng.uniform(0.45, 0.85)))
        ink = _distort_glyph(glyph, rng, digit_h)
        dh, dw = ink.shape
        widest = max(4, round(0.9 * w))
        if dw > widest:  # a wide digit is written smaller, as a writer would
            dh, dw = max(4, round(dh * widest / dw)), widest
            ink = np.asarray(Image.fromarray((ink * 255).astype(np.uint8)).resize((dw, dh)),
                             dtype=np.float32) / 255.0
        y0 = int(np.clip(round((h - dh) / 2 + rng.uniform(-0.12, 0.12) * h), 0, h - dh))
        x0 = int(np.clip(round((w - dw) / 2 + rng.uniform(-0.15, 0.15) * w), 0, w - dw))
        pen = rng.uniform(90, 220)
        region = darkness[y0:y0 + dh, x0:x0 + dw]
        np.maximum(region, ink * pen, out=region)
    return _photograph(darkness, paper, rng)


def mnist_glyph(image: np.ndarray) -> np.ndarray:
    """An MNIST digit (28x28, 0..255, white on black) as an ink map."""
    return crop_to_ink(np.asarray(image, dtype=np.float32).reshape(28, 28) / 255.0)


def small_digit_glyph(image: np.ndarray) -> np.ndarray:
    """A load_digits digit (8x8, 0..16) as an ink map, upsampled smoothly."""
    small = Image.fromarray((np.asarray(image, dtype=np.float32).reshape(8, 8) / 16.0 * 255).astype(np.uint8))
    return crop_to_ink(np.asarray(small.resize((32, 32), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0)
