"""Synthetic photos of a C Hasil form: the form's own numbers written by hand into its boxes.

The demo stores them for a share of the TPS, so that a citizen opening such a TPS sees the
photographed sheet beside the numbers read from it, as on KPU's site. A page is drawn the way
the form is laid out (title "FORMULIR MODEL C.HASIL", the contest, the TPS, one row per figure
with three digit boxes), the digits are pen strokes jittered in place, size and slant, and the
sheet is then photographed: a slight perspective on a table, a little blur, JPEG.

Pages follow the form: page 1 the voters (DPT, users of the vote, disability), the last page the
valid, invalid and total ballots, the pages between the votes (per paslon, per party: party-only
and total, or per DPD candidate), spread evenly.

Cheap on purpose (about 1,000 px wide, under 150 KB, tens of milliseconds); a later form design
with fiducials and a QR code replaces it. Deterministic: the same form, TPS and seed give the same
bytes.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from suara.domain.contests import Contest

WIDTH, HEIGHT = 1000, 1414  # A4 at about 120 dpi
MARGIN = 60
JPEG_QUALITY = 60
SHOT_VARIANTS = 3  # angles a page is photographed from
CROP_SLACK = 12  # the frame moves by up to this much either way, so no two photos line up exactly
PAPER = (246, 244, 236)
PRINT = (35, 35, 35)
INK = (22, 34, 110)  # a blue ballpoint
TABLE = (92, 70, 52)

# Each digit as pen strokes in a unit box (x right, y down); each stroke a polyline.
STROKES: dict[str, tuple[tuple[tuple[float, float], ...], ...]] = {
    "0": (tuple((0.5 + 0.4 * math.sin(a / 12 * 2 * math.pi), 0.5 - 0.48 * math.cos(a / 12 * 2 * math.pi))
                for a in range(13)),),
    "1": (((0.3, 0.22), (0.55, 0.0), (0.55, 1.0)),),
    "2": (((0.12, 0.25), (0.3, 0.03), (0.68, 0.02), (0.86, 0.24), (0.78, 0.48), (0.12, 1.0), (0.92, 0.98)),),
    "3": (((0.12, 0.1), (0.5, 0.0), (0.84, 0.2), (0.48, 0.47), (0.88, 0.72), (0.52, 1.0), (0.1, 0.88)),),
    "4": (((0.7, 1.0), (0.7, 0.0), (0.06, 0.68), (0.95, 0.68)),),
    "5": (((0.85, 0.02), (0.22, 0.02), (0.16, 0.45), (0.6, 0.38), (0.9, 0.64), (0.7, 0.96), (0.1, 0.9)),),
    "6": (((0.78, 0.04), (0.34, 0.22), (0.14, 0.62), (0.3, 0.96), (0.7, 0.96), (0.86, 0.7), (0.58, 0.5),
           (0.18, 0.62)),),
    "7": (((0.06, 0.03), (0.94, 0.03), (0.38, 1.0)), ((0.3, 0.52), (0.72, 0.5))),
    "8": (((0.5, 0.48), (0.16, 0.25), (0.5, 0.0), (0.84, 0.25), (0.5, 0.48), (0.12, 0.75), (0.5, 1.0),
           (0.88, 0.75), (0.5, 0.48)),),
    "9": (((0.84, 0.32), (0.5, 0.5), (0.16, 0.3), (0.5, 0.02), (0.84, 0.28), (0.74, 1.0)),),
}

ADMINISTRASI = (
    ("pemilih_dpt", "Jumlah pemilih dalam DPT"),
    ("pengguna_dpt", "Pengguna hak pilih dalam DPT"),
    ("pengguna_dptb", "Pengguna hak pilih dalam DPTb"),
    ("pengguna_non_dpt", "Pengguna hak pilih DPK"),
    ("pengguna_total", "Jumlah pengguna hak pilih"),
)
TOTALS = (("suara_sah", "Jumlah seluruh suara sah"), ("suara_tidak_sah", "Jumlah suara tidak sah"),
          ("suara_total", "Jumlah seluruh suara sah dan tidak sah"))


@dataclass(frozen=True)
class Row:
    label: str
    numbers: tuple[tuple[str, int | None], ...]  # (column heading, value): a box group each


def pages_of(form: Mapping[str, Any], contest: Contest) -> list[tuple[str, list[Row]]]:
    """The form's figures as the paper lays them out: (section title, rows) per page."""
    administrasi = form.get("administrasi") or {}
    voters = [Row(label, tuple((sex, _int(administrasi.get(f"{key}_{sex.lower()}"))) for sex in ("L", "P", "J")))
              for key, label in ADMINISTRASI]
    disabled = _int(administrasi.get("pemilih_disabilitas_j"))
    if disabled is not None:
        voters.append(Row("Pemilih disabilitas", (("L", None), ("P", None), ("J", disabled))))
    names = {str(c.nomor_urut): c.nama for c in contest.candidates}
    if "partai" in form:
        votes = [Row(f"{n}. {names.get(n, 'Partai ' + n)}", (("partai", _int(block.get("suara_partai"))),
                                                            ("jumlah", _int(block.get("jumlah")))))
                 for n, block in sorted(form["partai"].items(), key=lambda kv: int(kv[0]))]
    else:
        votes = [Row(f"{n}. {names.get(n, n)}", (("suara", _int(v)),))
                 for n, v in sorted((form.get("suara") or {}).items(), key=lambda kv: int(kv[0]))]
    totals = [Row(label, (("", _int(form.get(key))),)) for key, label in TOTALS]
    middle = max(1, contest.info.pages - 2)
    per_page = max(1, math.ceil(len(votes) / middle))
    pages = [("I. DATA PEMILIH DAN PENGGUNA HAK PILIH", voters)]
    for i in range(middle):
        pages.append((f"II. PEROLEHAN SUARA ({i + 1}/{middle})" if middle > 1 else "II. PEROLEHAN SUARA",
                      votes[i * per_page:(i + 1) * per_page]))
    pages.append(("III. JUMLAH SUARA SAH DAN TIDAK SAH", totals))
    return pages


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)  # Pillow's own scalable font: no system font needed
    except TypeError:  # a Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def _draw_digit(draw: ImageDraw.ImageDraw, digit: str, x: float, y: float, box: int, rng: random.Random) -> None:
    """One digit by hand in the box at (x, y): never quite centred, upright or the same size."""
    scale = box * rng.uniform(0.62, 0.82)
    left = x + (box - scale * 0.8) / 2 + rng.uniform(-0.08, 0.08) * box
    top = y + (box - scale) / 2 + rng.uniform(-0.08, 0.06) * box
    slant = rng.uniform(0.05, 0.28)
    width = max(2, round(box / 11)) + rng.choice((0, 0, 1))
    for stroke in STROKES[digit]:
        points = [(left + (px + (0.5 - py) * slant + rng.gauss(0, 0.025)) * scale * 0.8,
                   top + (py + rng.gauss(0, 0.02)) * scale) for px, py in stroke]
        draw.line(points, fill=INK + (255,), width=width, joint="curve")


@dataclass(frozen=True)
class _Layout:
    """Where the rows and boxes of a page lie on the sheet."""

    top: int
    row_height: int
    box: int
    columns: int  # box groups per row

    def group_x(self, column: int) -> int:
        return WIDTH - MARGIN - (self.columns - column) * (3 * self.box + 24)

    def row_y(self, row: int) -> int:
        return self.top + row * self.row_height + (self.row_height - self.box) // 2


def _layout(rows: int, columns: int) -> _Layout:
    top = MARGIN + 270
    row_height = max(44, min(110, (HEIGHT - MARGIN - 40 - top) // max(rows, 1)))
    return _Layout(top, row_height, max(30, min(54, round(row_height * 0.55))), columns)


@dataclass(frozen=True)
class _Shot:
    """A printed page photographed (empty: nothing written yet), and where sheet points land in it."""

    photo: Image.Image
    to_photo: tuple[float, ...]  # sheet -> photo, PIL's eight perspective coefficients


@lru_cache(maxsize=24)
def _shot(title: str, headings: tuple[str, ...], labels: tuple[str, ...], page: int, pages: int,
          variant: int) -> _Shot:
    """The printed sheet, photographed from one of a few angles (cached: the paper, print, warp and
    blur are the costly part, and every TPS shares them; only the handwriting is drawn each time)."""
    sheet = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(sheet)
    draw.rectangle((MARGIN - 20, MARGIN - 20, WIDTH - MARGIN + 20, HEIGHT - MARGIN + 20), outline=PRINT, width=3)
    draw.text((WIDTH // 2, MARGIN + 10), "FORMULIR MODEL C.HASIL", fill=PRINT, font=_font(40), anchor="mt")
    draw.text((WIDTH - MARGIN, MARGIN + 112), f"Halaman {page} dari {pages}", fill=PRINT, font=_font(16),
              anchor="rt")
    draw.text((MARGIN, MARGIN + 190), title, fill=PRINT, font=_font(22))
    layout = _layout(len(labels), len(headings))
    for column, heading in enumerate(headings):
        if heading:
            draw.text((layout.group_x(column) + 3 * layout.box // 2, layout.top - 6), heading, fill=PRINT,
                      font=_font(15), anchor="mb")
    for row, label in enumerate(labels):
        y = layout.row_y(row)
        draw.text((MARGIN, y + layout.box // 2), _fitted(label, layout.group_x(0) - MARGIN - 12, 18), fill=PRINT,
                  font=_font(18), anchor="lm")
        for column in range(len(headings)):
            x = layout.group_x(column)
            for i in range(3):
                draw.rectangle((x + i * layout.box, y, x + (i + 1) * layout.box, y + layout.box), outline=PRINT,
                               width=2)
        line_y = layout.top + (row + 1) * layout.row_height - 2
        draw.line((MARGIN, line_y, WIDTH - MARGIN, line_y), fill=(190, 190, 190), width=1)
    rng = random.Random(f"shot:{variant}")
    out_w, out_h = WIDTH + 2 * CROP_SLACK, HEIGHT + 2 * CROP_SLACK + 60
    pad = 26 + CROP_SLACK
    corners = [(pad + rng.uniform(-16, 16), pad + rng.uniform(-16, 16)),
               (out_w - pad + rng.uniform(-16, 16), pad + rng.uniform(-16, 16)),
               (out_w - pad + rng.uniform(-16, 16), out_h - pad + rng.uniform(-16, 16)),
               (pad + rng.uniform(-16, 16), out_h - pad + rng.uniform(-16, 16))]
    sources = [(0.0, 0.0), (float(WIDTH), 0.0), (float(WIDTH), float(HEIGHT)), (0.0, float(HEIGHT))]
    to_sheet = _perspective(corners, sources)
    photo = Image.new("RGB", (out_w, out_h), TABLE)
    warped = sheet.transform((out_w, out_h), Image.Transform.PERSPECTIVE, to_sheet, Image.Resampling.BILINEAR)
    mask = Image.new("L", sheet.size, 255).transform((out_w, out_h), Image.Transform.PERSPECTIVE, to_sheet)
    photo.paste(warped, (0, 0), mask)
    photo = photo.filter(ImageFilter.GaussianBlur(0.7))
    return _Shot(photo, _perspective(sources, corners))


def _fitted(text: str, width: int, size: int) -> str:
    """The text, cut short with an ellipsis where it would run into the boxes."""
    font = _font(size)
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "...") > width:
        text = text[:-1]
    return text.rstrip() + "..."


def _map(coefficients: Sequence[float], u: float, v: float) -> tuple[float, float]:
    a, b, c, d, e, f, g, h = coefficients
    w = g * u + h * v + 1
    return (a * u + b * v + c) / w, (d * u + e * v + f) / w


def _paste(photo: Image.Image, to_photo: Sequence[float], patch: Image.Image, u: int, v: int) -> None:
    """Write an RGBA patch drawn in sheet coordinates (top left at u, v) onto the photo, bent by
    the same perspective as the sheet and softened like it."""
    w, h = patch.size
    corners = [_map(to_photo, u + du, v + dv) for du, dv in ((0, 0), (w, 0), (w, h), (0, h))]
    x0, y0 = math.floor(min(x for x, _ in corners)), math.floor(min(y for _, y in corners))
    x1, y1 = math.ceil(max(x for x, _ in corners)), math.ceil(max(y for _, y in corners))
    local = _perspective([(x - x0, y - y0) for x, y in corners], [(0, 0), (w, 0), (w, h), (0, h)])
    bent = patch.transform((x1 - x0, y1 - y0), Image.Transform.PERSPECTIVE, local, Image.Resampling.BILINEAR)
    bent = bent.filter(ImageFilter.GaussianBlur(0.6))
    photo.paste(bent, (x0, y0), bent)


def _header_patch(contest_nama: str, tps: str, tps_label: str) -> Image.Image:
    """The contest, the TPS code and where it is: what differs between sheets of one form above its table."""
    patch = Image.new("RGBA", (WIDTH - 2 * MARGIN, 110), (0, 0, 0, 0))
    draw = ImageDraw.Draw(patch)
    draw.text(((WIDTH - 2 * MARGIN) // 2, 0), contest_nama.upper()[:70], fill=PRINT + (255,), font=_font(20),
              anchor="mt")
    draw.text((0, 46), f"TPS {tps}", fill=PRINT + (255,), font=_font(26))
    draw.text((0, 82), tps_label[:64], fill=PRINT + (255,), font=_font(16))
    return patch


def render_page(contest: Contest, tps: str, tps_label: str, title: str, rows: Sequence[Row], page: int,
                pages: int, seed: int) -> bytes:
    """One page photographed, the numbers written into its boxes by hand: a JPEG."""
    rng = random.Random(f"{seed}:{contest.key}:{tps}:{page}")
    headings = tuple(name for name, _ in rows[0].numbers) if rows else ()
    shot = _shot(title, headings, tuple(row.label for row in rows), page, pages, rng.randrange(SHOT_VARIANTS))
    photo = shot.photo.copy()
    _paste(photo, shot.to_photo, _header_patch(contest.nama, tps, tps_label), MARGIN, MARGIN + 60)
    layout = _layout(len(rows), len(headings))
    written = [(r, column, str(value)) for r, row in enumerate(rows)
               for column, (_, value) in enumerate(row.numbers) if value is not None]
    if written:
        # all the handwriting in one patch: from the leftmost digit (a number past 999 runs out of
        # its boxes to the left) to the last box, from the first row to the last
        widest = max(len(text) for _, _, text in written)
        left = layout.group_x(0) - max(0, widest - 3) * layout.box
        top = layout.row_y(0)
        patch = Image.new("RGBA", (WIDTH - MARGIN - left, layout.row_y(len(rows) - 1) + layout.box - top),
                          (0, 0, 0, 0))
        draw = ImageDraw.Draw(patch)
        for r, column, text in written:
            digits = text.rjust(3, "0")
            x = layout.group_x(column) - (len(digits) - 3) * layout.box - left
            for i, digit in enumerate(digits):
                if digit in STROKES:
                    _draw_digit(draw, digit, x + i * layout.box, layout.row_y(r) - top, layout.box, rng)
        _paste(photo, shot.to_photo, patch, left, top)
    dx, dy = rng.randrange(2 * CROP_SLACK + 1), rng.randrange(2 * CROP_SLACK + 1)
    framed = photo.crop((dx, dy, dx + WIDTH, dy + photo.height - 2 * CROP_SLACK))
    buffer = io.BytesIO()
    framed.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def _perspective(targets: Sequence[tuple[float, float]], sources: Sequence[tuple[float, float]]) -> tuple[float, ...]:
    """PIL's eight coefficients mapping each target point back to its source point."""
    a, b = [], []
    for (x, y), (u, v) in zip(targets, sources, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return tuple(float(c) for c in np.linalg.solve(np.array(a, dtype=float), np.array(b, dtype=float)))


def render_form(form: Mapping[str, Any], contest: Contest, tps_label: str, seed: int = 0) -> list[bytes]:
    """Every page of a form, photographed: as many JPEGs as the contest's form has pages."""
    tps = str(form["tps"])
    laid_out = pages_of(form, contest)
    return [render_page(contest, tps, tps_label, title, rows, i + 1, len(laid_out), seed)
            for i, (title, rows) in enumerate(laid_out)]


def photographed(tps: str, seed: int, share: float) -> bool:
    """Whether a TPS is among the `share` whose forms the demo photographs (the same TPS every run)."""
    if share <= 0:
        return False
    digest = hashlib.sha256(f"{seed}:photo:{tps}".encode()).digest()
    return int.from_bytes(digest[:8], "big") < share * 2**64
