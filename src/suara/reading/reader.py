"""Reading a form from the photos of its pages: geometry, then digits, then the joint decoding.

`read_form(photos, tps, contest)` finds each page (reading/geometry.py), checks that the pages
belong together (one TPS, one contest, each page once), classifies every digit box
(reading/digits.py) and decodes the numbers of all the pages at once under the form's own sums
(reading/decode.py), so a sum that spans pages (the paslon on page 2, suara_sah on page 3) is
used. Every number comes with its confidence, whether it is unsure (below the decoder's bar: an
officer must check it), and its three box images. Nothing is stored.

If the classifier is not installed (its module or weights missing), the pages are still found
and cut, and every number is answered as unread and unsure, with a note saying why.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from suara.reading.geometry import LocatedPage, PhotoUnreadable, locate
from suara.reading.layout import FormLayout, candidate_layout, form_json, party_layout
from suara.reading.sheet import FieldBoxes, SheetId

NO_CLASSIFIER = "pengklasifikasi angka belum tersedia: halaman ditemukan, angka belum dibaca"


@dataclass(frozen=True)
class PageFound:
    photo: int  # 1-based position of the photo among those given
    sheet: SheetId
    rotation: float
    brightness: float
    sharpness: float
    seconds: float  # time the geometry took
    located: LocatedPage = field(repr=False)


@dataclass(frozen=True)
class NumberRead:
    key: str  # the form JSON path: "suara.1", "administrasi.pemilih_dpt_j", "suara_sah"
    label: str
    page: int
    value: int | None  # None: empty, or not read
    confidence: float | None
    unsure: bool
    boxes: tuple[np.ndarray, ...] = field(repr=False)


@dataclass(frozen=True)
class FormRead:
    tps: str
    contest: str
    pages: list[PageFound]
    numbers: list[NumberRead]
    classified: bool
    broken: tuple[str, ...] = ()  # the form's sums its best reading still breaks
    corrected: tuple[str, ...] = ()  # numbers the sums read otherwise than their boxes alone
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    dapil: str = ""  # a party-list form's dapil, from its QR code

    @property
    def unsure(self) -> list[str]:
        return [n.key for n in self.numbers if n.unsure]


def _refused(exc: PhotoUnreadable, photo: int) -> PhotoUnreadable:
    exc.details = {**exc.details, "photo": photo}
    exc.message = f"foto {photo}: {exc.message}"
    exc.message_en = f"photo {photo}: {exc.message_en}"
    exc.args = (exc.message,)
    return exc


def find_pages(photos: Sequence[bytes], tps: str | None = None, contest: str | None = None) -> list[PageFound]:
    """Every photo's page, checked to belong to one form; the first refusal is raised, naming its
    photo (1-based)."""
    pages: list[PageFound] = []
    for number, data in enumerate(photos, 1):
        started = time.perf_counter()
        try:
            located = locate(data, tps=tps, contest=contest)
        except PhotoUnreadable as exc:
            raise _refused(exc, number) from None
        page = PageFound(number, located.sheet, located.rotation, located.brightness, located.sharpness,
                         time.perf_counter() - started, located)
        first = pages[0].sheet if pages else page.sheet
        if (page.sheet.tps, page.sheet.contest) != (first.tps, first.contest):
            raise _refused(PhotoUnreadable(
                "mixed_forms", f"halaman dari formulir lain ({page.sheet.contest}, TPS {page.sheet.tps}) daripada foto 1 "
                f"({first.contest}, TPS {first.tps})", f"a page of another form ({page.sheet.contest}, TPS "
                f"{page.sheet.tps}) than photo 1's ({first.contest}, TPS {first.tps})"), number)
        if any(p.sheet.page == page.sheet.page for p in pages):
            raise _refused(PhotoUnreadable("duplicate_page", f"halaman {page.sheet.page} sudah ada di foto lain",
                                           f"page {page.sheet.page} is already in another photo",
                                           page=page.sheet.page), number)
        pages.append(page)
    return pages


def _classifier() -> Any:
    """The digit classifier and decoder, or None where they are not installed."""
    try:
        from suara.reading import decode, digits, layout
    except ImportError:
        return None
    return digits, decode, layout


def read_form(photos: Sequence[bytes], tps: str | None = None, contest: str | None = None) -> FormRead:
    """The numbers of a form from photos of its pages (any of them, in any order)."""
    started = time.perf_counter()
    if not photos:
        raise PhotoUnreadable("no_photo", "tidak ada foto", "no photo")
    pages = sorted(find_pages(photos, tps, contest), key=lambda p: p.sheet.page)
    fields: list[tuple[PageFound, FieldBoxes, tuple[np.ndarray, ...]]] = []
    for page in pages:
        crops = iter(page.located.crops)
        for f in page.located.layout.fields:
            fields.append((page, f, (next(crops), next(crops), next(crops))))
    sheet = pages[0].sheet
    models = _classifier()
    if models is None:
        return _unread(pages, fields, started)
    digits, decode, _ = models
    form_layout = whole_layout(sheet).only(f.key for _, f, _ in fields)
    images = np.stack([digits.normalise(crop) for _, _, boxes in fields for crop in boxes])
    try:
        rows = number_probabilities([f.key for _, f, _ in fields], images, form_layout, digits.probabilities)
    except FileNotFoundError:  # the module without its trained weights
        return _unread(pages, fields, started)
    reading = decode.decode(form_layout, rows)
    numbers = []
    for page, f, boxes in fields:
        got = reading.numbers[f.key]
        numbers.append(NumberRead(f.key, f.label, page.sheet.page, got.value, float(got.confidence), bool(got.unsure),
                                  boxes))
    return FormRead(sheet.tps, sheet.contest, pages, numbers, True, tuple(reading.broken), tuple(reading.corrected),
                    tuple(reading.notes), time.perf_counter() - started, sheet.dapil)


def number_probabilities(keys: Sequence[str], images: np.ndarray, layout: FormLayout,
                         model: Callable[[np.ndarray], np.ndarray]) -> dict[str, np.ndarray]:
    """Each number's 3 x 11 box probabilities from its normalised box images (three a number, in
    the order of `keys`); a number no sum of the layout checks gets the model's steadier second
    look (digits.steadied), as its reading rests on its boxes alone."""
    from suara.reading import digits

    probabilities = np.array(model(images), dtype=np.float64)
    unchecked = set(layout.unchecked)
    rows = [row for i, key in enumerate(keys) if key in unchecked for row in range(3 * i, 3 * i + 3)]
    if rows:
        probabilities[rows] = digits.steadied(model, images[rows])
    return {key: probabilities[3 * i:3 * i + 3] for i, key in enumerate(keys)}


def whole_layout(sheet: SheetId) -> FormLayout:
    """The numbers and sums of the whole form a page belongs to, from what its QR code says: a
    party list's parties and their candidates, or the number of candidates. The reader keeps
    the part its pages hold (`FormLayout.only`), so a sum over a page not given is not used."""
    if sheet.lists:
        return party_layout(sheet.parties)
    return candidate_layout([str(n) for n in range(1, sheet.candidates + 1)])


def _unread(pages: list[PageFound], fields: list[tuple[PageFound, FieldBoxes, tuple[np.ndarray, ...]]],
            started: float) -> FormRead:
    numbers = [NumberRead(f.key, f.label, page.sheet.page, None, None, True, boxes) for page, f, boxes in fields]
    return FormRead(pages[0].sheet.tps, pages[0].sheet.contest, pages, numbers, False, notes=(NO_CLASSIFIER,),
                    seconds=time.perf_counter() - started, dapil=pages[0].sheet.dapil)


def png_data_url(image: np.ndarray) -> str:
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return "data:image/png;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")


def form_read_json(read: FormRead, images: bool = True) -> dict[str, Any]:
    """The reading as the API and `suara read-form --json` answer it. `form` is the numbers read
    (sure or not) as the form JSON the API takes, to pre-fill an entry: a number read as empty
    is left out."""
    form: dict[str, Any] = {"tps": read.tps, "contest": read.contest}
    if read.dapil:
        form["dapil"] = read.dapil
    form.update(form_json({n.key: n.value for n in read.numbers}))
    return {
        "tps": read.tps, "contest": read.contest, **({"dapil": read.dapil} if read.dapil else {}),
        "stored": False, "classified": read.classified, "form": form,
        "sure": read.classified and not read.unsure,
        "pages": [{"photo": p.photo, "page": p.sheet.page, "of": p.sheet.pages, "rotation": p.rotation,
                   "brightness": round(p.brightness, 1), "sharpness": round(p.sharpness, 1),
                   "seconds": round(p.seconds, 3)} for p in read.pages],
        "numbers": [{"field": n.key, "label": n.label, "page": n.page, "value": n.value,
                     "confidence": None if n.confidence is None else round(n.confidence, 4), "unsure": n.unsure,
                     **({"boxes": [png_data_url(b) for b in n.boxes]} if images else {})} for n in read.numbers],
        "unsure": read.unsure, "broken": list(read.broken), "corrected": list(read.corrected),
        "notes": list(read.notes), "seconds": round(read.seconds, 3),
    }
