"""The machine-readable sheet and the geometry that finds it in a photograph (issue 15).

Sheets are filled with font digits (photograph.font_digit_pool), photographed at several slants
and turns, and read back: the QR code must name the sheet, and every box's crop must hold what
was written into that box (compared with the same box cut from the filled sheet before it was
photographed). Bad photos must be refused with their own code."""

from __future__ import annotations

import io
import re

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from suara.domain.contests import Candidate, Contest
from suara.domain.form import ADMINISTRASI_KEYS
from suara.reading import geometry, photograph, sheet

TPS = "3171010001001"
PPWP = Contest("ppwp", "ppwp", "0", "Pemilihan Presiden dan Wakil Presiden 2024", 300,
               tuple(Candidate(n, str(100024 + n), f"CALON {n} - WAKIL {n}", "#888888") for n in (1, 2, 3)))
BUPATI = Contest("pkwkk-3201", "pkwkk", "3201", "Pemilihan Bupati Bogor 2024", 600,
                 tuple(Candidate(n, str(200 + n), f"BUPATI {n} - WAKIL {n}", "#888888") for n in range(1, 6)))
PAGE_ONE = {f"administrasi.{key}": value for key, value in zip(
    ADMINISTRASI_KEYS, (120, 131, 251, 98, 110, 208, 3, 4, 7, 0, 1, 1, 101, 115, 216, 2, 260, 5, 39, 216), strict=True)}
PAGE_TWO = {"suara.1": 117, "suara.2": 36, "suara.3": 5}


def _written_page(contest: Contest, page: int, values: dict[str, int], tps: str = TPS
                  ) -> tuple[Image.Image, sheet.PageLayout, list[int | None]]:
    layout = sheet.page_layout(contest.kind, len(contest.candidates), page)
    filled, written = photograph.fill_page(sheet.render_page(contest, tps, page), layout, values, seed=page)
    return filled, layout, written


@pytest.fixture(scope="module")
def page_two() -> tuple[Image.Image, sheet.PageLayout, list[int | None]]:
    return _written_page(PPWP, 2, PAGE_TWO)


def _ink(crop: np.ndarray) -> float:
    return float((crop < 190).mean())  # thin pen strokes, blurred, stay lighter than 128


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised correlation of two crops of one box (b resized to a's size)."""
    b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA)
    x, y = a.astype(np.float64) - a.mean(), b.astype(np.float64) - b.mean()
    return float((x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum()))


def _assert_crops_hold(located: geometry.LocatedPage, filled: Image.Image, layout: sheet.PageLayout,
                       written: list[int | None], min_similarity: float = 0.75) -> None:
    original = np.asarray(filled)
    expected = [original[b.y:b.y + b.h, b.x:b.x + b.w] for b in (box.inner() for box in layout.boxes)]
    assert len(located.crops) == len(expected) == len(written)
    for i, (crop, digit) in enumerate(zip(located.crops, written, strict=True)):
        assert crop.dtype == np.uint8 and crop.ndim == 2
        if digit is None:
            assert _ink(crop) < 0.01, f"box {i} should be empty, ink {_ink(crop):.3f}"
            continue
        assert _ink(crop) > max(0.4 * _ink(expected[i]), 0.005), f"box {i} should hold a {digit}"
        own = _similarity(crop, expected[i])
        assert own > min_similarity, f"box {i} ({digit}): similarity {own:.2f}"
        others = [_similarity(crop, expected[j]) for j, d in enumerate(written) if d is not None and d != digit]
        assert all(own > other for other in others), f"box {i} ({digit}) looks more like another digit"


def test_layout_names_every_number_of_the_form_once_inside_the_page() -> None:
    pages = sheet.form_layout("ppwp", 3)
    keys = [f.key for page in pages for f in page.fields]
    assert len(keys) == len(set(keys))
    assert set(keys) == ({f"administrasi.{k}" for k in ADMINISTRASI_KEYS} | {"suara.1", "suara.2", "suara.3"}
                         | {"suara_sah", "suara_tidak_sah", "suara_total"})
    for page in pages:
        boxes = page.boxes
        assert len(boxes) == 3 * len(page.fields)
        for box in boxes:
            assert 0 < box.x and box.x + box.w < sheet.PAGE_W and 0 < box.y and box.y + box.h < sheet.PAGE_H
        for i, a in enumerate(boxes):  # no two boxes overlap
            for b in boxes[i + 1:]:
                assert a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y


def test_every_ballot_has_a_sheet_and_pages_beyond_it_are_refused() -> None:
    assert set(sheet.SHEET_KINDS) == {"ppwp", "pkwkp", "pkwkk", "pdpd", "pdpr", "pdprdp", "pdprdk"}
    with pytest.raises(sheet.UnsupportedSheet, match="xyz"):
        sheet.page_layout("xyz", 3, 1)
    with pytest.raises(sheet.UnsupportedSheet, match="daftar partai"):  # a party list needs its lists
        sheet.page_layout("pdpr", 18, 1)
    with pytest.raises(sheet.UnsupportedSheet, match="halaman 4"):
        sheet.page_layout("ppwp", 3, 4)
    with pytest.raises(sheet.UnsupportedSheet, match="halaman 3"):  # 20 DPD candidates fill one vote page
        sheet.page_layout("pdpd", 20, 3)


def test_qr_payload_round_trips_and_foreign_text_is_refused() -> None:
    sid = sheet.SheetId(TPS, "pkwkk-3201", 2, 3, 5)
    assert sheet.parse_qr(sheet.qr_payload(sid)) == sid
    assert sid.kind == "pkwkk"
    for text in ("https://example.org", "SUARA1;C-HASIL;x;y;2;3", "SUARA1;C-HASIL;x;y;a/3;3"):
        with pytest.raises(ValueError):
            sheet.parse_qr(text)


def test_pdf_holds_every_page_of_the_contest() -> None:
    data = sheet.pdf_bytes(sheet.render_sheet(PPWP, TPS, ["DKI JAKARTA", "KOTA JAKARTA PUSAT", "GAMBIR", "GAMBIR"]))
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 3
    assert re.search(rb"/Count\s+3\b", data)


@pytest.mark.parametrize(("tilt", "direction", "rotation"), [
    (0, 0, 0), (15, 30, 2), (30, 120, -4), (30, 250, 5), (15, 60, 180), (0, 0, 178)])
def test_geometry_recovers_the_sheet_and_its_boxes(page_two: tuple[Image.Image, sheet.PageLayout, list[int | None]],
                                                   tilt: float, direction: float, rotation: float) -> None:
    filled, layout, written = page_two
    shot = photograph.Shot(tilt=tilt, tilt_direction=direction, rotation=rotation, blur=0.7, shadow=0.35)
    located = geometry.locate(photograph.photograph(filled, shot, seed=int(tilt + direction)), tps=TPS, contest="ppwp")
    assert located.sheet == sheet.SheetId(TPS, "ppwp", 2, 3, 3)
    turned = (located.rotation - rotation + 180) % 360 - 180
    assert abs(turned) < 20  # a slant of 30 degrees moves the top edge's angle by up to ~12
    assert located.page.shape == (sheet.PAGE_H, sheet.PAGE_W)
    _assert_crops_hold(located, filled, layout, written)


def test_geometry_reads_the_small_boxes_of_page_one_at_a_slant() -> None:
    filled, layout, written = _written_page(PPWP, 1, PAGE_ONE)
    shot = photograph.Shot(tilt=25, tilt_direction=200, rotation=-3, blur=0.8, shadow=0.4, brightness=0.8)
    located = geometry.locate(photograph.photograph(filled, shot, seed=5), tps=TPS)
    assert (located.sheet.page, located.layout.fields[0].key) == (1, "administrasi.pemilih_dpt_l")
    _assert_crops_hold(located, filled, layout, written)


def test_a_pilkada_page_names_its_contest_and_paslon_count() -> None:
    filled, layout, written = _written_page(BUPATI, 2, {"suara.1": 240, "suara.4": 9, "suara.5": 100})
    located = geometry.locate(photograph.photograph(filled, photograph.Shot(tilt=20, rotation=180), seed=3))
    assert located.sheet == sheet.SheetId(TPS, "pkwkk-3201", 2, 3, 5)
    assert [f.key for f in located.layout.fields] == [f"suara.{n}" for n in range(1, 6)]
    _assert_crops_hold(located, filled, layout, written)


def test_photographs_are_deterministic_by_seed(page_two: tuple[Image.Image, sheet.PageLayout, list[int | None]]) -> None:
    shot = photograph.random_shot(np.random.default_rng(7))
    assert photograph.photograph(page_two[0], shot, seed=7) == photograph.photograph(page_two[0], shot, seed=7)
    assert photograph.photograph(page_two[0], shot, seed=7) != photograph.photograph(page_two[0], shot, seed=8)


def _png(image: np.ndarray) -> bytes:
    return cv2.imencode(".png", image)[1].tobytes()


def _refusal(data: bytes, **filed: str) -> geometry.PhotoUnreadable:
    with pytest.raises(geometry.PhotoUnreadable) as caught:
        geometry.locate(data, **filed)
    assert caught.value.message and caught.value.message_en
    return caught.value


def test_a_blank_image_and_bytes_that_are_no_image_are_refused() -> None:
    assert _refusal(_png(np.full((1200, 900), 235, np.uint8))).code == "not_a_form"
    assert _refusal(b"\xff\xd8 not really a jpeg").code == "unreadable_image"
    assert _refusal(b"").code == "unreadable_image"


def test_a_photo_of_something_else_is_not_a_form() -> None:
    other = Image.new("L", (sheet.PAGE_W, sheet.PAGE_H), 250)
    draw = ImageDraw.Draw(other)
    rng = np.random.default_rng(2)
    for i in range(40):  # a printed letter: lines of text and a table, no markers, no QR code
        draw.text((90, 80 + 38 * i), "Surat keterangan " + "lorem ipsum " * int(rng.integers(2, 8)), fill=20)
    draw.rectangle((700, 300, 1100, 700), outline=0, width=4)
    refusal = _refusal(photograph.photograph(other, photograph.Shot(tilt=10), seed=1))
    assert refusal.code == "not_a_form" and "bukan formulir" in refusal.message


def test_a_page_of_another_tps_is_refused_under_r13(page_two: tuple[Image.Image, sheet.PageLayout, list[int | None]]) -> None:
    photo = photograph.photograph(page_two[0], photograph.Shot(tilt=10), seed=2)
    refusal = _refusal(photo, tps="3171010001002")
    assert refusal.code == "other_tps"
    assert refusal.details == {"rule": "R13", "page_tps": TPS}
    assert "TPS 3171010001001" in refusal.message and "R13" in refusal.message
    assert _refusal(photo, tps=TPS, contest="pkwkk-3201").code == "other_contest"


def test_a_cut_off_page_is_refused(page_two: tuple[Image.Image, sheet.PageLayout, list[int | None]]) -> None:
    photo = geometry.decode_image(photograph.photograph(page_two[0], photograph.Shot(tilt=5), seed=3))
    lower_half_gone = photo[: photo.shape[0] // 2]
    refusal = _refusal(_png(lower_half_gone))
    assert refusal.code == "cut_off" and refusal.details == {"markers": 2}
    corner_only = photo[photo.shape[0] // 3:, : photo.shape[1] * 2 // 3]  # one marker in view
    assert _refusal(_png(corner_only)).code == "cut_off"


def test_too_dark_and_too_blurred_photos_are_refused(page_two: tuple[Image.Image, sheet.PageLayout, list[int | None]]) -> None:
    dark = _refusal(photograph.photograph(page_two[0], photograph.Shot(brightness=0.15), seed=4))
    assert dark.code == "too_dark" and float(dark.details["brightness"]) < geometry.DARK_MEAN  # type: ignore[arg-type]
    for blur in (3.2, 6.0):  # the markers still found, and lost
        blurred = _refusal(photograph.photograph(page_two[0], photograph.Shot(tilt=10, blur=blur), seed=4))
        assert blurred.code == "too_blurred", blur
        assert "kabur" in blurred.message


def test_a_photo_in_colour_and_larger_than_the_working_size_is_read(
        page_two: tuple[Image.Image, sheet.PageLayout, list[int | None]]) -> None:
    shot = photograph.Shot(tilt=12, size=(3000, 4000), blur=1.5)
    gray = geometry.decode_image(photograph.photograph(page_two[0], shot, seed=6))
    colour = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    out = io.BytesIO()
    Image.fromarray(colour[:, :, ::-1]).save(out, "JPEG", quality=85)
    located = geometry.locate(out.getvalue(), tps=TPS)
    _assert_crops_hold(located, *page_two)
