"""The vote pages of the long C Hasil forms (DPD, DPR, DPRD provinsi, DPRD kab/kota), laid out.

The plano of a party-list ballot gives every party a block: the votes for the party's symbol,
one row per candidate of its list in the TPS's dapil, and the party's total (jumlah), three digit
boxes each. The DPD plano lists its candidates one row each. Here the blocks flow down four
columns per page, in ballot order, a party's block never split across columns (as the plano
keeps a party together); the three totals of section V close the last page. Pages are added as
the lists need them: a small dapil fills two vote pages, the longest lists of 2024 (a DPRD
provinsi dapil of 23 parties and 245 numbers) four, so every 2024 form fits the five pages the
photo service takes.

Everything here follows from the numbers alone (parties, their candidates' numbers, or the count
of DPD candidates), which the page's QR code carries: the reader rebuilds the same layout
without the reference data. Names are printed from the reference when the sheet is rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import ImageDraw

from suara.domain.ballots import BallotBook

BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
# Geometry of a vote page, in page pixels (A4 at 150 dpi, see sheet.py).
COLUMNS = 4
COLUMN_LEFT, COLUMN_RIGHT = 50, 1190
COLUMN_TOP, COLUMN_BOTTOM = 470, 1584
COLUMN_GAP = 12
ROW_H = 54
HEADER_H = 32
BOX_W, BOX_H, BOX_GAP = 40, 48, 4
BOX_INSET = 6  # a smaller box keeps a larger share of its inside in the crop
TOTALS = (("suara_sah", "A. JUMLAH SELURUH SUARA SAH"), ("suara_tidak_sah", "B. JUMLAH SUARA TIDAK SAH"),
          ("suara_total", "C. JUMLAH SUARA SAH DAN TIDAK SAH (A+B)"))
TOTALS_TITLE = "V. JUMLAH SUARA"


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # form JSON path
    label: str  # name-free, as the reader reports it
    number: str  # printed left of the row ("3" for candidate 3; "" for a party or total row)


@dataclass(frozen=True, slots=True)
class Group:
    """Rows printed together under a title: a party's block (kept in one column), or one
    candidate's row of the DPD list (title empty)."""

    title: str
    rows: tuple[Row, ...]
    party: str = ""

    @property
    def height(self) -> int:
        return (HEADER_H if self.title else 0) + ROW_H * len(self.rows)


@dataclass(frozen=True, slots=True)
class PlacedRow:
    row: Row
    x: int  # the column's left edge
    y: int  # the row's top
    width: int  # the column's width
    party: str

    def boxes(self) -> tuple[tuple[int, int, int, int], ...]:
        """The three boxes (x, y, w, h), hundreds-tens-units, at the column's right."""
        right = self.x + self.width - 6
        left = right - (3 * BOX_W + 2 * BOX_GAP)
        top = self.y + (ROW_H - BOX_H) // 2
        return tuple((left + i * (BOX_W + BOX_GAP), top, BOX_W, BOX_H) for i in range(3))


@dataclass(frozen=True, slots=True)
class PlacedTitle:
    text: str
    x: int
    y: int
    width: int
    party: str


@dataclass(frozen=True, slots=True)
class VotePage:
    rows: tuple[PlacedRow, ...]
    titles: tuple[PlacedTitle, ...]


def encode_lists(parties: dict[str, tuple[str, ...]] | dict[str, list[str]]) -> str:
    """Per party number from 1 to the highest on the ballot, one token: '-' when the party does
    not stand in the dapil, a base-36 digit n when its candidates are numbered 1..n (0: none),
    or '(' their numbers in base 36 ')' when the list has gaps (a candidate struck off)."""
    tokens = []
    for nomor in range(1, max((int(p) for p in parties), default=0) + 1):
        caleg = parties.get(str(nomor))
        if caleg is None:
            tokens.append("-")
        elif [int(c) for c in caleg] == list(range(1, len(caleg) + 1)) and len(caleg) < 36:
            tokens.append(BASE36[len(caleg)])
        else:
            tokens.append("(" + "".join(BASE36[int(c)] for c in caleg) + ")")
    return "".join(tokens)


def decode_lists(text: str) -> dict[str, tuple[str, ...]]:
    """The parties and their candidates' numbers from `encode_lists`; ValueError when malformed."""
    parties: dict[str, tuple[str, ...]] = {}
    nomor, i = 0, 0
    while i < len(text):
        nomor += 1
        token = text[i]
        if token == "-":
            i += 1
        elif token == "(":
            end = text.find(")", i)
            if end < 0 or any(c not in BASE36 for c in text[i + 1:end]):
                raise ValueError(f"daftar calon rusak: {text[:60]!r}")
            parties[str(nomor)] = tuple(str(BASE36.index(c)) for c in text[i + 1:end])
            i = end + 1
        elif token in BASE36:
            parties[str(nomor)] = tuple(str(c) for c in range(1, BASE36.index(token) + 1))
            i += 1
        else:
            raise ValueError(f"daftar calon rusak: {text[:60]!r}")
    return parties


@dataclass(frozen=True, slots=True)
class PartyList:
    """A party on a TPS's party-list ballot, with its candidates (number, name) in list order."""

    nomor: str
    nama: str
    caleg: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Ballot:
    """What a party-list sheet prints besides its numbers: the dapil and the parties' lists."""

    dapil: str
    dapil_nama: str
    parties: tuple[PartyList, ...]

    @property
    def lists(self) -> str:
        return encode_lists({p.nomor: [c for c, _ in p.caleg] for p in self.parties})


def ballot_of(book: BallotBook, kind: str, tps: str) -> Ballot | None:
    """A TPS's party-list ballot, as the KPPS app lists it (the book's parties standing in the
    TPS's dapil, each with its list); None when no dapil of the kind covers the TPS."""
    dapil = book.dapil_of(kind, tps)
    if dapil is None:
        return None
    parties = []
    for nomor, listed in book.standing(kind, dapil.kode).items():
        party = book.parties.get(int(nomor))
        parties.append(PartyList(nomor, party.nama if party else f"Partai {nomor}",
                                 tuple((str(c.nomor_urut), c.nama) for c in listed)))
    return Ballot(dapil.kode, dapil.nama, tuple(parties))


def party_groups(parties: Mapping[str, Sequence[str]]) -> list[Group]:
    groups = []
    for nomor, caleg in parties.items():
        rows = [Row(f"partai.{nomor}.suara_partai", f"Partai {nomor}: suara partai", "")]
        rows += [Row(f"partai.{nomor}.caleg.{c}", f"Partai {nomor}: calon nomor {c}", c) for c in caleg]
        rows.append(Row(f"partai.{nomor}.jumlah", f"Partai {nomor}: jumlah suara partai dan calon", ""))
        groups.append(Group(f"PARTAI {nomor}", tuple(rows), nomor))
    return groups


def candidate_groups(candidates: int) -> list[Group]:
    return [Group("", (Row(f"suara.{n}", f"Calon nomor urut {n}", str(n)),)) for n in range(1, candidates + 1)]


def totals_group() -> Group:
    return Group(TOTALS_TITLE, tuple(Row(key, label, "") for key, label in TOTALS))


def _column_width() -> int:
    return (COLUMN_RIGHT - COLUMN_LEFT - (COLUMNS - 1) * COLUMN_GAP) // COLUMNS


def pack(groups: Sequence[Group]) -> list[VotePage]:
    """The groups flowed down the columns of as many pages as they need. A group starts in the
    current column when its title and two rows fit there, and a long one runs on at the top of
    the next column under its title marked "(lanjutan)", so no column is left half empty."""
    width = _column_width()
    pages: list[VotePage] = []
    rows: list[PlacedRow] = []
    titles: list[PlacedTitle] = []
    column, y = 0, COLUMN_TOP

    def next_column() -> None:
        nonlocal column, y, rows, titles
        column, y = column + 1, COLUMN_TOP
        if column == COLUMNS:
            pages.append(VotePage(tuple(rows), tuple(titles)))
            rows, titles, column = [], [], 0

    for group in groups:
        head = HEADER_H if group.title else 0
        if y + head + ROW_H * min(2, len(group.rows)) > COLUMN_BOTTOM:
            next_column()
        title = group.title
        for i, row in enumerate(group.rows):
            if y + ROW_H > COLUMN_BOTTOM:
                next_column()
                title = f"{group.title} (lanjutan)" if group.title else ""
            x = COLUMN_LEFT + column * (width + COLUMN_GAP)
            if title and (i == 0 or y == COLUMN_TOP):
                titles.append(PlacedTitle(title, x, y, width, group.party))
                y += HEADER_H
            rows.append(PlacedRow(row, x, y, width, group.party))
            y += ROW_H
    if rows or titles:
        pages.append(VotePage(tuple(rows), tuple(titles)))
    return pages


PRINTED = {"suara_partai": "Suara sah partai politik saja (tanda gambar)",
           "jumlah": "JUMLAH suara sah partai dan calon"}


def printed_label(row: Row, names: Mapping[str, str]) -> str:
    """What the sheet prints beside a row's boxes: the candidate's name where known."""
    if row.key in names:
        return names[row.key]
    last = row.key.rsplit(".", 1)[-1]
    if row.key.startswith("partai.") and last in PRINTED:
        return PRINTED[last]
    return next((label for key, label in TOTALS if key == row.key), row.label)


def _wrapped(text: str, width: float, font: Any, lines: int) -> list[str]:
    out: list[str] = []
    for word in text.split():
        if out and font.getlength(f"{out[-1]} {word}") <= width:
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        while out[-1] and font.getlength(out[-1] + "...") > width:
            out[-1] = out[-1][:-1]
        out[-1] += "..."
    return out


def draw_page(draw: ImageDraw.ImageDraw, page: VotePage, names: Mapping[str, str], titles: Mapping[str, str],
              font: Callable[[int], Any], ink: int, border: int) -> None:
    """The vote page's party titles, row labels and digit boxes. names: printed name by row key;
    titles: a party's printed title by its number."""
    for t in page.titles:
        draw.rectangle((t.x, t.y + 2, t.x + t.width - 1, t.y + HEADER_H - 4), outline=ink, width=2)
        text = titles.get(t.party, t.text) + (" (lanjutan)" if t.text.endswith("(lanjutan)") else "")
        draw.text((t.x + 6, t.y + HEADER_H // 2 - 1), _wrapped(text, t.width - 12, font(15), 1)[0], fill=ink,
                  font=font(15), anchor="lm")
    for placed in page.rows:
        boxes = placed.boxes()
        middle = placed.y + ROW_H // 2
        left = placed.x + 4
        if placed.row.number:
            draw.text((left, middle), placed.row.number, fill=ink, font=font(18), anchor="lm")
            left += 28
        lines = _wrapped(printed_label(placed.row, names), boxes[0][0] - left - 6, font(12), 3)
        for i, line in enumerate(lines):
            draw.text((left, middle + (i - (len(lines) - 1) / 2) * 14), line, fill=ink, font=font(12), anchor="lm")
        draw.line((placed.x, placed.y + ROW_H - 1, placed.x + placed.width - 1, placed.y + ROW_H - 1), fill=170,
                  width=1)
        for x, y, w, h in boxes:
            draw.rectangle((x, y, x + w - 1, y + h - 1), outline=ink, width=border)
