"""The C Hasil sheet a machine can read: its layout (as data) and its rendering.

A page is A4 at 150 dpi (1240 x 1754 px). It keeps the official plano's order and words (page 1
sections I-III, the voters and the ballot papers; page 2 the votes of each paslon; page 3 the
totals and the signatures), and adds what a reader needs to find it in a photograph:

- four ArUco markers (4x4 dictionary, ids 0-3 clockwise from the top left), whose identity says
  which corner is which, so a page photographed upside down is still put the right way up;
- a QR code holding the TPS, the contest, the page and the number of paslon, so a photo says by
  itself which form it is (and a page of another TPS is refused: rule R13);
- for every number, three digit boxes (hundreds, tens, units), as on the plano.

The layout is the reader's map: `page_layout(kind, candidates, page)` gives every field's boxes
in page pixels, keyed as the form's JSON keys ("administrasi.pemilih_dpt_j", "suara.1",
"suara_sah"). Rendering and reading share it, so they cannot drift apart.

The paslon forms (PPWP, Pilkada) have three pages. The long forms (DPD and the party lists: DPR,
DPRD provinsi, DPRD kab/kota) keep page 1 and then flow their candidates' rows, or their parties'
blocks, down four columns over as many pages as the lists need, the totals of section V last
(reading/columns.py). Their QR code also carries what the layout is made of, so the reader
needs no reference data: the number of DPD candidates, or for a party list the dapil and, per
party on the ballot, its candidates' numbers (`columns.encode_lists`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

from suara.domain.contests import KIND_INFO, Contest, Shape, kind_of_key
from suara.reading import columns
from suara.reading.columns import Ballot, PartyList, ballot_of, decode_lists, encode_lists

__all__ = ["Ballot", "PartyList", "ballot_of", "decode_lists", "encode_lists"]  # the sheet's lists, from columns

DPI = 150
PAGE_W, PAGE_H = 1240, 1754  # A4 (210 x 297 mm) at 150 dpi
MARKER = 90  # marker side, px (15 mm)
MARKER_MARGIN = 45  # from the paper's edge to a marker: the white quiet zone around it
ARUCO_DICT = cv2.aruco.DICT_4X4_50
QR_BOX = (PAGE_W - MARKER_MARGIN - 250, 150, 250)  # x, y, side: top right, below its marker (a party list's QR holds ~75 characters)
QR_PREFIX = "SUARA1"
BORDER = 3  # digit box line width, px
INSET = 8  # a crop keeps the box's inside this far from its outer edge (border and slack)
INK = 0
PAPER = 255
PASLON_KINDS = tuple(k.key for k in KIND_INFO.values() if k.shape is Shape.PASLON and k.pages == 3)
PARTY_KINDS = tuple(k.key for k in KIND_INFO.values() if k.shape is Shape.PARTAI)
SHEET_KINDS = tuple(KIND_INFO)
FORM_NAMES = {"ppwp": "MODEL C.HASIL-PWP", "pkwkp": "MODEL C.HASIL-KWK GUBERNUR",
              "pkwkk": "MODEL C.HASIL-KWK BUPATI/WALIKOTA", "pdpd": "MODEL C.HASIL-DPD",
              "pdpr": "MODEL C.HASIL-DPR", "pdprdp": "MODEL C.HASIL-DPRD PROV",
              "pdprdk": "MODEL C.HASIL-DPRD KAB/KOTA"}

CONTENT_TOP, CONTENT_BOTTOM = 420, PAGE_H - 170


class UnsupportedSheet(ValueError):
    """A contest (or page) with no machine-readable sheet yet."""


@dataclass(frozen=True, slots=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    inset: int = INSET  # how far inside its edge the box's crop starts

    def inner(self, inset: int | None = None) -> Box:
        step = self.inset if inset is None else inset
        return Box(self.x + step, self.y + step, self.w - 2 * step, self.h - 2 * step, 0)


@dataclass(frozen=True, slots=True)
class FieldBoxes:
    """One number of the form: its JSON key, its printed label and its three boxes (hundreds,
    tens, units)."""

    key: str
    label: str
    boxes: tuple[Box, Box, Box]


@dataclass(frozen=True, slots=True)
class PageLayout:
    kind: str
    candidates: int
    page: int
    pages: int
    fields: tuple[FieldBoxes, ...]
    lists: str = ""

    @property
    def boxes(self) -> list[Box]:
        """Every digit box of the page, field after field, hundreds-tens-units: the order of the
        crops the reader cuts and of the classifier's rows."""
        return [box for f in self.fields for box in f.boxes]


@dataclass(frozen=True, slots=True)
class SheetId:
    """What a page's QR code says. `candidates` counts the paslon or DPD candidates, or on a
    party-list form the parties; `lists` and `dapil` are a party-list form's (see
    `columns.encode_lists`)."""

    tps: str
    contest: str
    page: int
    pages: int
    candidates: int
    lists: str = ""
    dapil: str = ""

    @property
    def kind(self) -> str:
        return kind_of_key(self.contest)

    @property
    def parties(self) -> dict[str, tuple[str, ...]]:
        return decode_lists(self.lists)


def marker_boxes() -> tuple[Box, Box, Box, Box]:
    """The four markers, ids 0-3: top left, top right, bottom right, bottom left."""
    near, far_x, far_y = MARKER_MARGIN, PAGE_W - MARKER_MARGIN - MARKER, PAGE_H - MARKER_MARGIN - MARKER
    return (Box(near, near, MARKER, MARKER), Box(far_x, near, MARKER, MARKER),
            Box(far_x, far_y, MARKER, MARKER), Box(near, far_y, MARKER, MARKER))


def qr_box() -> Box:
    x, y, side = QR_BOX
    return Box(x, y, side, side)


def qr_payload(sheet: SheetId) -> str:
    text = f"{QR_PREFIX};C-HASIL;{sheet.tps};{sheet.contest};{sheet.page}/{sheet.pages};{sheet.candidates}"
    return f"{text};{sheet.lists};{sheet.dapil}" if sheet.lists else text


def parse_qr(text: str) -> SheetId:
    """The sheet a QR text names; ValueError when it is not one of ours."""
    parts = text.split(";")
    if len(parts) not in (6, 8) or parts[0] != QR_PREFIX or parts[1] != "C-HASIL":
        raise ValueError(f"kode QR bukan kode formulir Suara: {text[:60]!r}")
    page, _, pages = parts[4].partition("/")
    if not (page.isdigit() and pages.isdigit() and parts[5].isdigit()):
        raise ValueError(f"kode QR formulir rusak: {text[:60]!r}")
    lists, dapil = (parts[6], parts[7]) if len(parts) == 8 else ("", "")
    if len(parts) == 8 and len(decode_lists(lists)) != int(parts[5]):
        raise ValueError(f"kode QR formulir rusak: {text[:60]!r}")
    return SheetId(parts[2], parts[3], int(page), int(pages), int(parts[5]), lists, dapil)


def _row_boxes(x: int, y: int, w: int, h: int, gap: int) -> tuple[Box, Box, Box]:
    return (Box(x, y, w, h), Box(x + w + gap, y, w, h), Box(x + 2 * (w + gap), y, w, h))


# Page 1: section I (L, P, J columns), II (disability, J only), III (ballot papers, one number)
ADM_ROWS = (("pemilih_dpt", "1. Jumlah pemilih dalam DPT (Model A-Daftar Pemilih Tetap)"),
            ("pengguna_dpt", "1. Jumlah pengguna hak pilih dalam DPT"),
            ("pengguna_dptb", "2. Jumlah pengguna hak pilih dalam DPTb"),
            ("pengguna_non_dpt", "3. Jumlah pengguna hak pilih dalam DPK (KTP-el)"),
            ("pengguna_total", "4. Jumlah pengguna hak pilih (1+2+3)"))
BALLOT_ROWS = (("surat_suara_diterima", "1. Jumlah surat suara yang diterima, termasuk cadangan 2%"),
               ("surat_suara_dikembalikan",
                "2. Jumlah surat suara yang dikembalikan oleh pemilih karena rusak/keliru coblos"),
               ("surat_suara_tidak_digunakan",
                "3. Jumlah surat suara yang tidak digunakan/tidak terpakai, termasuk sisa surat suara cadangan"),
               ("surat_suara_digunakan", "4. Jumlah surat suara yang digunakan"))
TOTAL_ROWS = (("suara_sah", "A. JUMLAH SELURUH SUARA SAH"),
              ("suara_tidak_sah", "B. JUMLAH SUARA TIDAK SAH"),
              ("suara_total", "C. JUMLAH SELURUH SUARA SAH DAN TIDAK SAH (A+B)"))
LABEL_X, COLUMNS_X, COLUMN_W = 80, 520, 210
SMALL = (54, 68, 6)  # box w, h, gap on page 1
LARGE = (84, 104, 8)  # on pages 2 and 3
ADM_ROW_H = 86
SECTION_TITLES = {
    "I": "I. DATA PEMILIH DAN PENGGUNA HAK PILIH",
    "A": "A. DATA PEMILIH",
    "B": "B. PENGGUNA HAK PILIH",
    "II": "II. DATA PEMILIH DISABILITAS",
    "III": "III. DATA PENGGUNAAN SURAT SUARA",
    "IV": "IV. RINCIAN PEROLEHAN SUARA SAH SETIAP PASANGAN CALON",
    "V": "V. JUMLAH SUARA SAH DAN TIDAK SAH",
    "IV-partai": "IV. RINCIAN PEROLEHAN SUARA SAH PARTAI POLITIK DAN CALON",
    "IV-dpd": "IV. RINCIAN PEROLEHAN SUARA SAH CALON ANGGOTA DPD",
}


@dataclass(frozen=True, slots=True)
class _Heading:
    text: str
    x: int
    y: int
    size: int = 22


def _column_x(column: int) -> int:
    w, _, gap = SMALL
    return COLUMNS_X + column * COLUMN_W + (COLUMN_W - (3 * w + 2 * gap)) // 2


def _page_one() -> tuple[tuple[FieldBoxes, ...], tuple[_Heading, ...]]:
    w, h, gap = SMALL
    fields: list[FieldBoxes] = []
    headings = [_Heading(SECTION_TITLES["I"], LABEL_X, CONTENT_TOP)]
    headings += [_Heading(text, COLUMNS_X + i * COLUMN_W + COLUMN_W // 2, CONTENT_TOP + 40, 17)
                 for i, text in enumerate(("LAKI-LAKI (L)", "PEREMPUAN (P)", "JUMLAH (L+P)"))]
    y = CONTENT_TOP + 70
    for i, (group, label) in enumerate(ADM_ROWS):
        if i == 0:
            headings.append(_Heading(SECTION_TITLES["A"], LABEL_X, y, 18))
            y += 28
        if i == 1:
            headings.append(_Heading(SECTION_TITLES["B"], LABEL_X, y, 18))
            y += 28
        for column, sex in enumerate(("l", "p", "j")):
            fields.append(FieldBoxes(f"administrasi.{group}_{sex}", f"{label} ({sex.upper()})",
                                     _row_boxes(_column_x(column), y, w, h, gap)))
        y += ADM_ROW_H
    headings.append(_Heading(SECTION_TITLES["II"], LABEL_X, y + 4))
    y += 40
    fields.append(FieldBoxes("administrasi.pemilih_disabilitas_j",
                             "Jumlah pemilih disabilitas yang menggunakan hak pilih",
                             _row_boxes(_column_x(2), y, w, h, gap)))
    y += ADM_ROW_H
    headings.append(_Heading(SECTION_TITLES["III"], LABEL_X, y + 4))
    y += 40
    for key, label in BALLOT_ROWS:
        fields.append(FieldBoxes(f"administrasi.{key}", label, _row_boxes(_column_x(2), y, w, h, gap)))
        y += ADM_ROW_H
    assert y <= CONTENT_BOTTOM, y  # the layout's constants no longer fit the page
    return tuple(fields), tuple(headings)


def _big_rows(rows: Sequence[tuple[str, str]], title: str) -> tuple[tuple[FieldBoxes, ...], tuple[_Heading, ...]]:
    w, h, gap = LARGE
    top = CONTENT_TOP + 50
    row_h = min(150, (CONTENT_BOTTOM - top) // max(len(rows), 1))
    if row_h < 90:  # smaller boxes would be too small to write in and to read
        raise UnsupportedSheet(f"terlalu banyak baris untuk satu halaman ({len(rows)})")
    scale = min(1.0, (row_h - 16) / h)
    w, h, gap = int(w * scale), int(h * scale), int(gap * scale)
    x = PAGE_W - MARKER_MARGIN - 40 - (3 * w + 2 * gap)
    fields = tuple(FieldBoxes(key, label, _row_boxes(x, top + i * row_h, w, h, gap)) for i, (key, label) in enumerate(rows))
    return fields, (_Heading(title, LABEL_X, CONTENT_TOP),)


def _checked(kind: str, candidates: int, lists: str) -> None:
    if kind not in SHEET_KINDS:
        raise UnsupportedSheet(f"lembar formulir baca-mesin untuk {kind!r} belum tersedia "
                               f"(tersedia: {', '.join(SHEET_KINDS)})")
    if kind in PARTY_KINDS:
        try:
            parties = decode_lists(lists)
        except ValueError as exc:
            raise UnsupportedSheet(str(exc)) from None
        if not parties or len(parties) != candidates:
            raise UnsupportedSheet("formulir partai tanpa daftar partai dan calonnya")
    elif candidates < 1:
        raise UnsupportedSheet("jumlah calon harus paling sedikit 1")


@lru_cache(maxsize=16)
def _vote_pages(kind: str, candidates: int, lists: str) -> tuple[columns.VotePage, ...]:
    """The vote pages of a long form (DPD, party lists), the totals closing the last."""
    groups = (columns.party_groups(decode_lists(lists)) if kind in PARTY_KINDS
              else columns.candidate_groups(candidates))
    return tuple(columns.pack([*groups, columns.totals_group()]))


def sheet_pages(kind: str, candidates: int, lists: str = "") -> int:
    """How many pages a contest kind's sheet has for these lists."""
    _checked(kind, candidates, lists)
    return 3 if kind in PASLON_KINDS else 1 + len(_vote_pages(kind, candidates, lists))


def _vote_fields(vote_page: columns.VotePage) -> tuple[FieldBoxes, ...]:
    fields = []
    for placed in vote_page.rows:
        a, b, c = (Box(x, y, w, h, columns.BOX_INSET) for x, y, w, h in placed.boxes())
        fields.append(FieldBoxes(placed.row.key, placed.row.label, (a, b, c)))
    return tuple(fields)


@lru_cache(maxsize=64)
def _page(kind: str, candidates: int, page: int, lists: str = "") -> tuple[PageLayout, tuple[_Heading, ...]]:
    _checked(kind, candidates, lists)
    pages = sheet_pages(kind, candidates, lists)
    if not 1 <= page <= pages:
        raise UnsupportedSheet(f"halaman {page} tidak ada; formulir ini {pages} halaman")
    if page == 1:
        fields, headings = _page_one()
    elif kind not in PASLON_KINDS:
        fields = _vote_fields(_vote_pages(kind, candidates, lists)[page - 2])
        title = SECTION_TITLES["IV-partai" if kind in PARTY_KINDS else "IV-dpd"]
        headings = (_Heading(title + (" (lanjutan)" if page > 2 else ""), LABEL_X, CONTENT_TOP),)
    elif page == 2:
        fields, headings = _big_rows([(f"suara.{n}", f"Pasangan Calon Nomor Urut {n:02d}")
                                      for n in range(1, candidates + 1)], SECTION_TITLES["IV"])
    else:
        fields, headings = _big_rows(TOTAL_ROWS, SECTION_TITLES["V"])
    return PageLayout(kind, candidates, page, pages, fields, lists), headings


def page_layout(kind: str, candidates: int, page: int, lists: str = "") -> PageLayout:
    """Every field's boxes on one page of a contest kind's sheet, in page pixels. `candidates`
    counts the paslon or DPD candidates, or the parties of a party list, whose candidates'
    numbers `lists` gives (see `columns.encode_lists`)."""
    return _page(kind, candidates, page, lists)[0]


def form_layout(kind: str, candidates: int, lists: str = "") -> tuple[PageLayout, ...]:
    return tuple(page_layout(kind, candidates, page, lists)
                 for page in range(1, sheet_pages(kind, candidates, lists) + 1))


def layout_of(sheet: SheetId) -> PageLayout:
    layout = page_layout(sheet.kind, sheet.candidates, sheet.page, sheet.lists)
    if layout.pages != sheet.pages:
        raise UnsupportedSheet(f"formulir ini {layout.pages} halaman, kode QR menyebut {sheet.pages}")
    return layout


# --- rendering ---

@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)  # Pillow's own scalable font: no system font needed
    except TypeError:  # a Pillow without FreeType
        return ImageFont.load_default()


def _wrap(text: str, width: int, size: int) -> list[str]:
    font = _font(size)
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


@lru_cache(maxsize=4)
def _marker_image(marker_id: int) -> Image.Image:
    dictionary = cv2.aruco.getPredefinedDictionary(ARUCO_DICT)
    return Image.fromarray(cv2.aruco.generateImageMarker(dictionary, marker_id, MARKER))


def _qr_image(sheet: SheetId) -> Image.Image:
    box = qr_box()
    out = io.BytesIO()
    segno.make(qr_payload(sheet), error="m", micro=False).save(out, kind="png", scale=1, border=4)
    out.seek(0)
    return Image.open(out).convert("L").resize((box.w, box.h), Image.Resampling.NEAREST)


def _candidate_label(contest: Contest, nomor: int) -> str:
    return next((candidate.nama for candidate in contest.candidates if candidate.nomor_urut == nomor), "")


def sheet_id(contest: Contest, tps: str, page: int, ballot: Ballot | None = None) -> SheetId:
    """The QR code's content for a page of a contest's sheet (a party list needs its ballot)."""
    if contest.kind in PARTY_KINDS:
        if ballot is None:
            raise UnsupportedSheet(f"formulir {contest.kind} perlu daftar partai dan calon dapil TPS ini")
        lists, candidates, dapil = ballot.lists, len(ballot.parties), ballot.dapil
    else:
        lists, candidates, dapil = "", len(contest.candidates), ""
    return SheetId(tps, contest.key, page, sheet_pages(contest.kind, candidates, lists), candidates, lists, dapil)


def _names(contest: Contest, ballot: Ballot | None) -> tuple[dict[str, str], dict[str, str]]:
    """Printed names by row key, and party titles by party number."""
    if ballot is None:
        return {f"suara.{c.nomor_urut}": c.nama for c in contest.candidates}, {}
    names = {f"partai.{p.nomor}.caleg.{nomor}": nama for p in ballot.parties for nomor, nama in p.caleg if nama}
    return names, {p.nomor: f"{p.nomor}. {p.nama.upper()}" for p in ballot.parties}


def render_page(contest: Contest, tps: str, page: int, place: Sequence[str] = (),
                ballot: Ballot | None = None) -> Image.Image:
    """One page of a contest's sheet for a TPS, as a grayscale image (mode "L"). `place` is the
    TPS's regions from the province down (printed under the title); `ballot` the TPS's party
    lists (party-list contests only: see `ballot_of`)."""
    sheet = sheet_id(contest, tps, page, ballot)
    image = _printed(contest, page, ballot).copy()  # what every TPS of the contest shares
    draw = ImageDraw.Draw(image)
    qr = qr_box()
    image.paste(_qr_image(sheet), (qr.x, qr.y))
    draw.text((LABEL_X, 180), f"TPS: {tps}", fill=INK, font=_font(30))
    lines = list(place[-4:])
    labels = ["PROVINSI", "KABUPATEN/KOTA", "KECAMATAN", "KELURAHAN/DESA"][4 - len(lines):]
    if ballot is not None:
        lines, labels = lines[-3:] + [f"{ballot.dapil_nama} ({ballot.dapil})"], labels[-3:] + ["DAERAH PEMILIHAN"]
    for i, (label, name) in enumerate(zip(labels, lines, strict=True)):
        draw.text((LABEL_X, 226 + 26 * i), f"{label}: {name.upper()[:48]}", fill=INK, font=_font(17))
    return image


@lru_cache(maxsize=16)
def _printed(contest: Contest, page: int, ballot: Ballot | None) -> Image.Image:
    """A page without its TPS (code, place, QR code): the demo prints thousands of TPS' pages."""
    sheet = sheet_id(contest, "", page, ballot)
    layout, headings = _page(contest.kind, sheet.candidates, page, sheet.lists)
    image = Image.new("L", (PAGE_W, PAGE_H), PAPER)
    draw = ImageDraw.Draw(image)
    for marker_id, box in enumerate(marker_boxes()):
        image.paste(_marker_image(marker_id), (box.x, box.y))
    qr = qr_box()
    left = MARKER_MARGIN + MARKER + 30
    draw.text((left, 50), FORM_NAMES[contest.kind], fill=INK, font=_font(34))
    draw.text((left, 96), contest.nama.upper()[:60], fill=INK, font=_font(18))
    draw.text((left, 122), "SERTIFIKAT HASIL PENGHITUNGAN PEROLEHAN SUARA DI TPS", fill=INK, font=_font(16))
    draw.text((qr.x + qr.w // 2, qr.y + qr.h + 8), f"Halaman {page} dari {layout.pages}", fill=INK,
              font=_font(17), anchor="mt")
    for heading in headings:
        anchor = "mt" if heading.size == 17 else "lt"
        draw.text((heading.x, heading.y), heading.text, fill=INK, font=_font(heading.size), anchor=anchor)
    if page > 1 and contest.kind not in PASLON_KINDS:
        names, titles = _names(contest, ballot)
        columns.draw_page(draw, _vote_pages(contest.kind, sheet.candidates, sheet.lists)[page - 2], names, titles,
                          _font, INK, BORDER)
    else:
        for field in layout.fields:
            _draw_field(draw, contest, field, page)
        if page == 3:
            _draw_signatures(draw, layout)
    draw.text((PAGE_W // 2, PAGE_H - MARKER_MARGIN - 20),
              "Tulis satu angka di tiap kotak (ratusan, puluhan, satuan); kotak yang tidak dipakai dibiarkan kosong.",
              fill=INK, font=_font(14), anchor="mb")
    return image


def _draw_field(draw: ImageDraw.ImageDraw, contest: Contest, field: FieldBoxes, page: int) -> None:
    first = field.boxes[0]
    if page == 1:
        if field.key.endswith(("_l", "_p")):
            pass  # the row's label is written once, left of the L column
        else:
            label = field.label.removesuffix(" (J)")
            for i, line in enumerate(_wrap(label, COLUMNS_X - LABEL_X - 20, 17)[:3]):
                draw.text((LABEL_X, first.y + 6 + 21 * i), line, fill=INK, font=_font(17))
    elif field.key.startswith("suara."):
        nomor = int(field.key.split(".", 1)[1])
        draw.text((LABEL_X, first.y + first.h // 2), f"{nomor:02d}", fill=INK, font=_font(44), anchor="lm")
        draw.text((LABEL_X + 80, first.y + 8), field.label, fill=INK, font=_font(17))
        for i, line in enumerate(_wrap(_candidate_label(contest, nomor), first.x - LABEL_X - 120, 19)[:3]):
            draw.text((LABEL_X + 80, first.y + 34 + 24 * i), line, fill=INK, font=_font(19))
    else:
        for i, line in enumerate(_wrap(field.label, first.x - LABEL_X - 40, 22)[:3]):
            draw.text((LABEL_X, first.y + 10 + 28 * i), line, fill=INK, font=_font(22))
    for box in field.boxes:
        draw.rectangle((box.x, box.y, box.x + box.w - 1, box.y + box.h - 1), outline=INK, width=BORDER)


def _draw_signatures(draw: ImageDraw.ImageDraw, layout: PageLayout) -> None:
    top = layout.fields[-1].boxes[0].y + 170
    draw.text((LABEL_X, top), "KELOMPOK PENYELENGGARA PEMUNGUTAN SUARA (KPPS)", fill=INK, font=_font(18))
    for i, role in enumerate(("Ketua", "Anggota", "Anggota", "Anggota")):
        y = top + 40 + 52 * i
        draw.text((LABEL_X, y), f"{i + 1}. {role}", fill=INK, font=_font(16))
        draw.line((LABEL_X + 150, y + 30, LABEL_X + 480, y + 30), fill=INK, width=1)
    draw.text((PAGE_W // 2 + 60, top), "SAKSI", fill=INK, font=_font(18))
    for i in range(4):
        y = top + 40 + 52 * i
        draw.line((PAGE_W // 2 + 60, y + 30, PAGE_W - 140, y + 30), fill=INK, width=1)


def render_sheet(contest: Contest, tps: str, place: Sequence[str] = (), ballot: Ballot | None = None) -> list[Image.Image]:
    pages = sheet_id(contest, tps, 1, ballot).pages
    return [render_page(contest, tps, page, place, ballot) for page in range(1, pages + 1)]


def pdf_bytes(pages: Sequence[Image.Image]) -> bytes:
    """The pages as one PDF (Pillow's writer: one image per page, at the sheet's resolution)."""
    out = io.BytesIO()
    first, *rest = [page.convert("L") for page in pages]
    first.save(out, format="PDF", save_all=True, append_images=rest, resolution=float(DPI))
    return out.getvalue()


def write_pdf(pages: Sequence[Image.Image], path: Path) -> None:
    path.write_bytes(pdf_bytes(pages))


def page_array(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.uint8)
