"""Check an uploaded photo by decoding it, and make its public copy (no GPS).

What a file is, is decided by Pillow reading its bytes: never by its name or the type the
client declared (a declared type that disagrees with the content is itself a refusal). Every
way an upload can be bad ends in `PhotoRejected` with a stable code and an Indonesian message
(the API turns it into a 4xx), never in a decoder's exception escaping.

The checks are ordered cheapest first, so a hostile file costs as little as possible:
byte size (no parsing) -> header (format, declared width x height; Pillow's `Image.open` reads
only the header) -> pixel and side limits -> full decode (truncation, corruption). A
"decompression bomb" (a small file declaring 10,000 x 10,000 pixels) is refused at the
header step and its pixels are never allocated.

Pure apart from Pillow: bytes in, `CheckedPhoto` out, no I/O.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from PIL import Image, UnidentifiedImageError

from suara.blobs.metadata import MetadataError, strip_location

# Pillow plugin ids we let near the bytes. "MPO" (phones' multi-picture JPEG, main image
# first) is opened by the JPEG plugin and reports itself as MPO.
_OPEN_FORMATS = ("JPEG", "PNG", "WEBP")
_MEDIA_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}
_MB = 1024 * 1024


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int = 15 * _MB
    max_pixels: int = 40_000_000  # a 40 MP phone photo; 4 bytes a pixel = 160 MB decoded
    max_side: int = 12_000
    min_side: int = 200  # below this a C Hasil sheet cannot be read anyway


class PhotoRejected(ValueError):
    """An upload that is not an acceptable photo. `str()` is the Indonesian message."""

    def __init__(
        self, code: str, message: str, message_en: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_en = message_en
        self.details = details or {}


@dataclass(frozen=True)
class CheckedPhoto:
    original: bytes = field(repr=False)  # exactly as uploaded: for officials
    public: bytes = field(repr=False)  # same pixels, GPS removed; may be `original` itself
    media_type: str  # "image/jpeg" | "image/png" | "image/webp"
    width: int  # as stored; EXIF orientation (kept) may rotate it for display
    height: int
    had_gps: bool


def check_photo(
    data: bytes, limits: PhotoLimits = PhotoLimits(), declared_type: str | None = None
) -> CheckedPhoto:
    """Accept a JPEG / PNG / WebP photo within `limits`, or raise `PhotoRejected`.

    `declared_type` is the media type the client claimed (e.g. the multipart Content-Type),
    if any: it never decides anything, but a mismatch with the content is refused.
    """
    if not data:
        raise PhotoRejected("not_an_image", "Berkas kosong.", "The file is empty.")
    if len(data) > limits.max_bytes:
        raise PhotoRejected(
            "too_large",
            f"Berkas terlalu besar ({_mb(len(data))} MB); batasnya {_mb(limits.max_bytes)} MB.",
            f"The file is too large ({_mb(len(data))} MB); the limit is "
            f"{_mb(limits.max_bytes)} MB.",
            {"bytes": len(data), "max_bytes": limits.max_bytes},
        )
    with _bombs_are_errors():
        media_type, width, height = _read_header(data, limits)
        _check_declared(declared_type, media_type)
        _decode_fully(data, media_type, limits)
    try:
        public, had_gps = strip_location(data, media_type)
    except MetadataError as exc:  # Pillow tolerated it, the container walk did not
        raise _corrupt(str(exc)) from None
    return CheckedPhoto(data, public, media_type, width, height, had_gps)


@contextmanager
def _bombs_are_errors() -> Iterator[None]:
    # Pillow only *warns* between MAX_IMAGE_PIXELS and twice that (~89 to ~179 MP); make it
    # an error so such a file stops in Image.open. Our own limit is lower still and checked
    # explicitly, so this is a second guard (and holds if MAX_IMAGE_PIXELS is ever raised).
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _read_header(data: bytes, limits: PhotoLimits) -> tuple[str, int, int]:
    """Format and declared size from the header only: no pixel data is decoded here."""
    try:
        with Image.open(BytesIO(data), formats=_OPEN_FORMATS) as im:
            fmt, (width, height) = im.format or "", im.size
            # MPO's extra frames are depth maps / previews and are cut from the public copy;
            # a real animation is not a photo of a form.
            animated = fmt != "MPO" and bool(getattr(im, "is_animated", False))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(exc, limits) from None
    except UnidentifiedImageError:
        raise _unidentified(data) from None
    except Exception as exc:  # noqa: BLE001 - a malformed header can raise almost anything from a plugin
        raise _corrupt(repr(exc)) from None
    media_type = _MEDIA_TYPES.get(fmt)
    if media_type is None:
        raise _unsupported(fmt)
    if animated:
        raise PhotoRejected(
            "unsupported_format",
            "Gambar bergerak (animasi) tidak diterima; kirim satu foto diam.",
            "Animated images are not accepted; send a single still photo.",
            {"format": fmt},
        )
    _check_dimensions(width, height, limits)
    return media_type, width, height


def _check_dimensions(width: int, height: int, limits: PhotoLimits) -> None:
    if width * height > limits.max_pixels:
        raise _too_many_pixels(width, height, limits)
    if max(width, height) > limits.max_side:
        raise PhotoRejected(
            "bad_dimensions",
            f"Sisi gambar terlalu panjang ({width} x {height} piksel); "
            f"batasnya {limits.max_side} piksel.",
            f"An image side is too long ({width} x {height} pixels); "
            f"the limit is {limits.max_side} pixels.",
            {"width": width, "height": height, "max_side": limits.max_side},
        )
    if min(width, height) < limits.min_side:
        raise PhotoRejected(
            "too_small",
            f"Gambar terlalu kecil ({width} x {height} piksel); "
            f"sisi terpendek minimal {limits.min_side} piksel.",
            f"The image is too small ({width} x {height} pixels); "
            f"the shorter side must be at least {limits.min_side} pixels.",
            {"width": width, "height": height, "min_side": limits.min_side},
        )


def _check_declared(declared_type: str | None, media_type: str) -> None:
    if declared_type is None:
        return
    declared = declared_type.split(";", 1)[0].strip().lower()
    declared = _TYPE_ALIASES.get(declared, declared)
    if declared != media_type:
        raise PhotoRejected(
            "type_mismatch",
            f"Jenis berkas yang dinyatakan ({declared_type}) tidak sesuai dengan isinya "
            f"({media_type}).",
            f"The declared type ({declared_type}) does not match the content ({media_type}).",
            {"declared_type": declared_type, "media_type": media_type},
        )


def _decode_fully(data: bytes, media_type: str, limits: PhotoLimits) -> None:
    """Decode every byte of image data, so truncated or corrupt files are refused now."""
    try:
        # verify() checks what decoding alone does not (PNG chunk CRCs) but leaves the image
        # unusable, hence a second open for load().
        with Image.open(BytesIO(data), formats=_OPEN_FORMATS) as im:
            im.verify()
        with Image.open(BytesIO(data), formats=_OPEN_FORMATS) as im:
            if media_type == "image/jpeg":
                # DCT scaling: libjpeg still reads and Huffman-decodes the whole stream (so a
                # truncated file still fails) but builds a 1/8-size image: a 40 MP photo then
                # needs ~2.5 MB instead of 160 MB of memory while being checked.
                im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
            im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(exc, limits) from None
    except Exception as exc:  # noqa: BLE001 - OSError "truncated", SyntaxError, zlib/struct errors, ...
        raise _corrupt(repr(exc)) from None


def _unidentified(data: bytes) -> PhotoRejected:
    """Pillow found no JPEG/PNG/WebP header: a damaged one, another image format, or junk."""
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    ):
        return _corrupt("header of an accepted format, but unreadable")
    if data[4:8] == b"ftyp":  # ISO media: HEIC/HEIF (iPhones' default) or AVIF
        return _unsupported("HEIC/AVIF")
    try:
        # Only to name the format in the message: header only, never loaded.
        with Image.open(BytesIO(data)) as im:
            other = im.format
    except Exception:  # noqa: BLE001 - any failure just means "not an image"
        other = None
    if other:
        return _unsupported(other)
    return PhotoRejected(
        "not_an_image",
        "Berkas bukan gambar; kirim foto JPEG, PNG, atau WebP.",
        "The file is not an image; send a JPEG, PNG or WebP photo.",
    )


def _unsupported(fmt: str) -> PhotoRejected:
    return PhotoRejected(
        "unsupported_format",
        f"Format {fmt} tidak diterima; kirim foto JPEG, PNG, atau WebP.",
        f"The {fmt} format is not accepted; send a JPEG, PNG or WebP photo.",
        {"format": fmt},
    )


def _too_many_pixels(width: int, height: int, limits: PhotoLimits) -> PhotoRejected:
    mp = limits.max_pixels / 1_000_000
    return PhotoRejected(
        "too_many_pixels",
        f"Resolusi gambar terlalu besar ({width} x {height} piksel); batasnya {mp:g} megapiksel.",
        f"The image has too many pixels ({width} x {height}); the limit is {mp:g} megapixels.",
        {"width": width, "height": height, "max_pixels": limits.max_pixels},
    )


def _bomb(exc: Exception, limits: PhotoLimits) -> PhotoRejected:
    # Pillow's own guard fired inside Image.open, before we could read the size: its message
    # carries the pixel count ("Image size (100000000 pixels) exceeds limit ...").
    match = re.search(r"\((\d+) pixels\)", str(exc))
    pixels = int(match.group(1)) if match else None
    mp = limits.max_pixels / 1_000_000
    size_id = f" ({pixels / 1_000_000:g} megapiksel)" if pixels else ""
    size_en = f" ({pixels / 1_000_000:g} megapixels)" if pixels else ""
    return PhotoRejected(
        "too_many_pixels",
        f"Resolusi gambar terlalu besar{size_id}; batasnya {mp:g} megapiksel.",
        f"The image has too many pixels{size_en}; the limit is {mp:g} megapixels.",
        {"pixels": pixels, "max_pixels": limits.max_pixels},
    )


def _corrupt(reason: str) -> PhotoRejected:
    return PhotoRejected(
        "corrupt",
        "Gambar rusak atau terpotong; silakan kirim ulang fotonya.",
        "The image is damaged or truncated; please upload the photo again.",
        {"reason": reason},
    )


def _mb(n: int) -> str:
    return f"{n / _MB:.1f}".rstrip("0").rstrip(".")
