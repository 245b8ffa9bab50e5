"""Finding the sheet in a photograph: markers, perspective, rotation, lighting, QR, digit boxes.

`locate(photo)` answers a `LocatedPage`: which sheet it is (from its QR code), the page put
straight at the sheet's own resolution with its lighting evened out, and every digit box cut out
as a grayscale crop (dark ink on white paper, the box's border left out) in the order of the
layout's boxes. The four ArUco markers fix the perspective; their identities (ids 0-3 clockwise
from the top left) fix the rotation, so a page photographed upside down reads the same.

Anything it cannot read is refused with a `PhotoUnreadable` naming why, in Indonesian first:

| code | when |
|------|------|
| unreadable_image | the bytes are not an image |
| too_dark | mean brightness below DARK_MEAN (of 255) |
| too_blurred | sharpness (variance of the Laplacian) below BLUR_PHOTO on the whole photo when a marker is missing, below BLUR_PAGE on the straightened QR code, or below BLUR_QR when the QR cannot be read |
| not_a_form | no marker and no QR code of a Suara sheet (a blank photo, anything else) |
| cut_off | one to three markers seen, or the QR code without its markers |
| qr_unreadable | the four markers but no readable QR code |
| unsupported_sheet | a QR code of a sheet this reader has no layout for |
| other_tps | the page belongs to another TPS than the one it is filed for (rule R13) |
| other_contest | the page belongs to another contest |
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from suara.reading.sheet import (
    ARUCO_DICT,
    PAGE_H,
    PAGE_W,
    PageLayout,
    SheetId,
    UnsupportedSheet,
    layout_of,
    marker_boxes,
    parse_qr,
    qr_box,
)

DARK_MEAN = 40.0  # a photo whose mean gray is below this is too dark to trust (paper reads ~150-230)
BLANK_STD = 8.0  # a photo this even (standard deviation of gray) shows nothing at all
# Sharpness is the variance of the Laplacian. Measured on synthetic photos (3 MP, the page over
# 85% of the frame) blurred by a Gaussian of sigma 0 / 1 / 2 / 2.5 / 3 photo pixels: the
# straightened QR code scores about 3,700 / 880 / 260 / 160 / 100, and OpenCV stops decoding the
# QR near sigma 3 while the digits are still legible at 2.5; the whole photo at 1,000 px scores
# 1,260 / 460 / 100 / - / 35, and markers are lost from sigma 4 (19).
BLUR_PHOTO = 40.0  # the whole photo at 1,000 px, when fewer than four markers are found
BLUR_PAGE = 130.0  # the straightened QR code
BLUR_QR = 400.0  # below this, a QR code that cannot be read is put down to blur
MAX_SIDE = 2400  # larger photos are shrunk first: markers stay large, detection stays fast
SHARPNESS_SIDE = 1000
# Markers are looked for first on a small copy of the photo, where a 15 mm marker is still some
# 40 px: a photo without any (not a sheet at all, or noise sent on purpose) is refused for a
# fraction of what searching 2,400 px twice costs (0.1 s instead of 2 s for 3 megapixels of noise),
# and its QR code is looked for at QR_SCOUT_SIDE, where OpenCV's detector is quick.
SCOUT_SIDE = 800
QR_SCOUT_SIDE = 640


class PhotoUnreadable(ValueError):
    """A photo the reader refuses, with a stable code and a message in Indonesian and English."""

    def __init__(self, code: str, message: str, message_en: str, **details: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_en = message_en
        self.details = details


@dataclass(frozen=True)
class LocatedPage:
    sheet: SheetId
    layout: PageLayout
    page: np.ndarray = field(repr=False)  # the straightened page, PAGE_H x PAGE_W, uint8
    crops: list[np.ndarray] = field(repr=False)  # one per box of layout.boxes
    rotation: float  # degrees the page was turned in the photo (about 180: upside down)
    brightness: float  # mean gray of the photo
    sharpness: float  # Laplacian variance over the straightened QR code


def decode_image(data: bytes) -> np.ndarray:
    """The photo as grayscale; EXIF orientation is applied by OpenCV's decoder."""
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE) if data else None
    if image is None:
        raise PhotoUnreadable("unreadable_image", "berkas bukan gambar yang dapat dibaca (JPEG atau PNG)",
                              "the file is not a readable image (JPEG or PNG)")
    return image


def _shrunk(gray: np.ndarray, side: int) -> np.ndarray:
    scale = side / max(gray.shape)
    if scale >= 1:
        return gray
    return cv2.resize(gray, (round(gray.shape[1] * scale), round(gray.shape[0] * scale)), interpolation=cv2.INTER_AREA)


def laplacian_variance(gray: np.ndarray) -> float:
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


_DETECTOR: cv2.aruco.ArucoDetector | None = None


def _detector() -> cv2.aruco.ArucoDetector:
    global _DETECTOR
    if _DETECTOR is None:
        parameters = cv2.aruco.DetectorParameters()
        parameters.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
        _DETECTOR = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(ARUCO_DICT), parameters)
    return _DETECTOR


def find_markers(gray: np.ndarray) -> dict[int, np.ndarray]:
    """The sheet's markers seen in the photo: id -> its four corners (clockwise from the marker's
    own top left), in photo pixels."""
    corners, ids, _ = _detector().detectMarkers(gray)
    if ids is None or len(ids) < 4:  # uneven light: try again with local contrast evened out
        clahe = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))
        more_corners, more_ids, _ = _detector().detectMarkers(clahe.apply(gray))
        if more_ids is not None and (ids is None or len(more_ids) > len(ids)):
            corners, ids = more_corners, more_ids
    found: dict[int, np.ndarray] = {}
    if ids is not None:
        for marker_id, quad in zip(ids.flatten().tolist(), corners, strict=True):
            if 0 <= marker_id <= 3 and int(marker_id) not in found:
                found[int(marker_id)] = quad.reshape(4, 2)
    return found


def _page_corners() -> dict[int, np.ndarray]:
    return {i: np.array([[b.x, b.y], [b.x + b.w, b.y], [b.x + b.w, b.y + b.h], [b.x, b.y + b.h]], dtype=np.float32)
            for i, b in enumerate(marker_boxes())}


def _rotation(markers: dict[int, np.ndarray]) -> float:
    """Degrees the page's top edge (marker 0 to marker 1) is turned in the photo."""
    dx, dy = markers[1].mean(axis=0) - markers[0].mean(axis=0)
    return round(math.degrees(math.atan2(dy, dx)), 1)


def even_lighting(page: np.ndarray) -> np.ndarray:
    """Divide out the paper's shading (its brightness estimated by closing away the ink), then
    stretch so that paper is white and ink is dark."""
    small = cv2.resize(page, (page.shape[1] // 4, page.shape[0] // 4), interpolation=cv2.INTER_AREA)
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    small = cv2.GaussianBlur(small, (0, 0), 2)  # shading is smooth: estimate it at a quarter size
    background = cv2.resize(small, (page.shape[1], page.shape[0]), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    flat = page.astype(np.float32) / np.maximum(background, 1.0)
    low = float(np.percentile(flat, 0.5))
    return np.clip((flat - low) / max(1.0 - low, 1e-3) * 255.0, 0, 255).astype(np.uint8)


_QR = cv2.QRCodeDetector()


def _qr_attempts(page: np.ndarray, photo: np.ndarray) -> Iterator[np.ndarray]:
    """Where to look for the QR code, cheapest and likeliest first: OpenCV's detector misses a
    clean code now and then at one framing and finds it at the next."""
    box = qr_box()
    for margin in (40, 20, 64):
        region = page[max(box.y - margin, 0):box.y + box.h + margin, max(box.x - margin, 0):box.x + box.w + margin]
        yield cv2.threshold(region, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
        yield region
    yield cv2.resize(region, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    yield page
    yield photo


def _read_qr(page: np.ndarray, photo: np.ndarray) -> str | None:
    for candidate in _qr_attempts(page, photo):
        text, _, _ = _QR.detectAndDecode(candidate)
        if text:
            return str(text)
    return None


def _too_blurred(sharpness: float, threshold: float) -> PhotoUnreadable:
    return PhotoUnreadable("too_blurred", f"foto terlalu kabur untuk dibaca (ketajaman {sharpness:.0f} < "
                           f"{threshold:.0f}); foto ulang dengan fokus", f"the photo is too blurred to read "
                           f"(sharpness {sharpness:.0f} < {threshold:.0f}); take it again in focus",
                           sharpness=round(sharpness, 1))


def _refuse_without_markers(gray: np.ndarray, seen: int) -> PhotoUnreadable:
    small = _shrunk(gray, SHARPNESS_SIDE)
    sharpness = laplacian_variance(small)
    if float(small.std()) >= BLANK_STD and sharpness < BLUR_PHOTO:
        return _too_blurred(sharpness, BLUR_PHOTO)
    if seen:
        return PhotoUnreadable("cut_off", f"halaman terpotong: hanya {seen} dari 4 penanda sudut terlihat; "
                                          "foto ulang seluruh halaman", f"the page is cut off: only {seen} of the "
                                          "4 corner markers are visible; photograph the whole page", markers=seen)
    if float(small.std()) < BLANK_STD:
        return PhotoUnreadable("not_a_form", "foto tidak memuat formulir (gambar kosong)",
                               "the photo shows no form (a blank image)")
    text, _, _ = _QR.detectAndDecode(_shrunk(gray, QR_SCOUT_SIDE))
    if text and text.startswith("SUARA1;"):
        return PhotoUnreadable("cut_off", "halaman terpotong: penanda sudut tidak terlihat; foto ulang seluruh halaman",
                               "the page is cut off: its corner markers are not visible; photograph the whole page",
                               markers=0)
    return PhotoUnreadable("not_a_form", "foto bukan formulir C Hasil Suara: penanda sudut dan kode QR tidak ditemukan",
                           "the photo is not a Suara C Hasil form: no corner markers and no QR code found")


def straighten(gray: np.ndarray, markers: dict[int, np.ndarray]) -> np.ndarray:
    """The page at its own resolution, seen from straight above and the right way up."""
    target = _page_corners()
    source = np.concatenate([markers[i] for i in range(4)]).astype(np.float32)
    destination = np.concatenate([target[i] for i in range(4)])
    homography, _ = cv2.findHomography(source, destination, 0)
    return cv2.warpPerspective(gray, homography, (PAGE_W, PAGE_H), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def locate(data: bytes | np.ndarray, tps: str | None = None, contest: str | None = None) -> LocatedPage:
    """Find the sheet in a photo and cut out its digit boxes; `tps` and `contest` (when given) are
    what the photo is filed for, and a page of another is refused."""
    gray = decode_image(data) if isinstance(data, bytes) else data
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    gray = _shrunk(gray, MAX_SIDE)
    brightness = float(gray.mean())
    if brightness < DARK_MEAN:
        raise PhotoUnreadable("too_dark", f"foto terlalu gelap (kecerahan {brightness:.0f} < {DARK_MEAN:.0f} "
                              "dari 255); foto ulang di tempat yang lebih terang", f"the photo is too dark "
                              f"(brightness {brightness:.0f} < {DARK_MEAN:.0f} of 255); take it again in more light",
                              brightness=round(brightness, 1))
    markers = find_markers(gray) if find_markers(_shrunk(gray, SCOUT_SIDE)) else {}
    if len(markers) < 4:
        raise _refuse_without_markers(gray, len(markers))
    page = even_lighting(straighten(gray, markers))
    qr = qr_box()
    sharpness = laplacian_variance(page[qr.y:qr.y + qr.h, qr.x:qr.x + qr.w])
    if sharpness < BLUR_PAGE:
        raise _too_blurred(sharpness, BLUR_PAGE)
    text = _read_qr(page, gray)
    if text is None and sharpness < BLUR_QR:
        raise _too_blurred(sharpness, BLUR_QR)
    if text is None:
        raise PhotoUnreadable("qr_unreadable", "kode QR halaman tidak terbaca; foto ulang dengan kode QR terlihat jelas",
                              "the page's QR code cannot be read; take the photo again with the QR code clearly visible")
    try:
        sheet = parse_qr(text)
        layout = layout_of(sheet)
    except (ValueError, UnsupportedSheet) as exc:
        raise PhotoUnreadable("unsupported_sheet", f"formulir tidak dikenali: {exc}",
                              f"unrecognised form: {exc}") from None
    if tps is not None and sheet.tps != tps:
        raise PhotoUnreadable("other_tps", f"halaman ini milik TPS {sheet.tps}, bukan TPS {tps} (R13)",
                              f"this page belongs to TPS {sheet.tps}, not TPS {tps} (R13)",
                              rule="R13", page_tps=sheet.tps)
    if contest is not None and sheet.contest != contest:
        raise PhotoUnreadable("other_contest", f"halaman ini formulir {sheet.contest}, bukan {contest}",
                              f"this page is a {sheet.contest} form, not {contest}", page_contest=sheet.contest)
    crops = [page[b.y:b.y + b.h, b.x:b.x + b.w].copy() for b in (outer.inner() for outer in layout.boxes)]
    return LocatedPage(sheet, layout, page, crops, _rotation(markers), brightness, sharpness)
