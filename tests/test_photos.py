"""check_photo: what is accepted, what is refused (with which code), and the GPS-free copy.

Every image is made here with Pillow, so the tests need no fixture files.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from PIL import Image, ImageFile

from suara.blobs import photos
from suara.blobs.photos import CheckedPhoto, PhotoLimits, PhotoRejected, check_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112
JAKARTA = {1: "S", 2: (6.0, 10.0, 30.5), 3: "E", 4: (106.0, 49.0, 1.0)}


def encode(im: Image.Image, fmt: str, **options: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def photo(size: tuple[int, int] = (800, 600), mode: str = "RGB") -> Image.Image:
    # Noise rather than a flat colour: real entropy-coded data (with stuffed 0xFF bytes in
    # JPEG) is what the container walker has to get through.
    return Image.effect_noise(size, 64).convert(mode)


def exif_with_gps(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "Contoh Kamera"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps.update(JAKARTA)
    return exif


def decoded(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def rejected(data: bytes, **kwargs: Any) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as info:
        check_photo(data, **kwargs)
    err = info.value
    # Every refusal carries a code and both messages, whatever the cause.
    assert err.code and err.message and err.message_en and str(err) == err.message
    return err


# --- accepted ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "media_type", "mode"),
    [
        ("JPEG", "image/jpeg", "RGB"),
        ("JPEG", "image/jpeg", "L"),
        ("JPEG", "image/jpeg", "CMYK"),
        ("PNG", "image/png", "RGB"),
        ("PNG", "image/png", "RGBA"),
        ("WEBP", "image/webp", "RGB"),
    ],
)
def test_accepts_real_photos(fmt: str, media_type: str, mode: str) -> None:
    data = encode(photo((640, 480), mode), fmt)
    checked = check_photo(data)
    assert isinstance(checked, CheckedPhoto)
    assert checked.media_type == media_type
    assert (checked.width, checked.height) == (640, 480)
    assert checked.original is data
    # No metadata to remove: the public copy is the upload itself (one blob, not two).
    assert checked.public == data
    assert checked.had_gps is False


def test_progressive_jpeg_and_lossless_webp_are_accepted() -> None:
    assert check_photo(encode(photo(), "JPEG", progressive=True)).media_type == "image/jpeg"
    assert check_photo(encode(photo(), "WEBP", lossless=True)).media_type == "image/webp"


def test_repr_does_not_dump_the_bytes() -> None:
    checked = check_photo(encode(photo(), "PNG"))
    assert "original" not in repr(checked) and len(repr(checked)) < 200


# --- GPS removal ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_public_copy_has_no_gps_and_keeps_pixels_and_orientation(fmt: str) -> None:
    data = encode(photo(), fmt, exif=exif_with_gps())
    assert decoded(data).getexif().get_ifd(GPS_IFD) == JAKARTA  # the test image is real

    checked = check_photo(data)

    assert checked.had_gps is True
    assert checked.original == data
    assert decoded(checked.original).getexif().get_ifd(GPS_IFD) == JAKARTA  # for officials
    public = decoded(checked.public)
    exif = public.getexif()
    assert GPS_IFD not in exif and exif.get_ifd(GPS_IFD) == {}
    assert exif[ORIENTATION] == 6  # rotation still shows the sheet upright
    assert exif[0x010F] == "Contoh Kamera"
    # Rewritten container, not re-encoded: exactly the uploaded pixels.
    assert public.format == decoded(data).format
    assert public.tobytes() == decoded(data).tobytes()
    # and the public copy itself passes the same check, now without GPS
    again = check_photo(checked.public)
    assert again.had_gps is False and again.public == checked.public


def test_gps_removal_survives_exif_that_was_read_first() -> None:
    # Pillow's Exif.tobytes() writes back a GPS IFD cached by get_ifd(), even after `del`;
    # metadata.exif_without_gps must not fall into that.
    from suara.blobs.metadata import exif_without_gps

    raw = exif_with_gps().tobytes()
    cleaned, had_gps = exif_without_gps(raw)
    assert had_gps and cleaned is not None
    reread = Image.Exif()
    reread.load(cleaned)
    assert GPS_IFD not in reread and reread.get_ifd(GPS_IFD) == {}


def test_xmp_is_dropped_from_the_public_copy() -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/" exif:GPSLatitude="6,10.5S"/>'
    for fmt in ("JPEG", "WEBP"):
        data = encode(photo(), fmt, xmp=xmp)
        checked = check_photo(data)
        assert checked.had_gps is True
        assert b"GPSLatitude" in checked.original
        assert b"GPSLatitude" not in checked.public
        assert "xmp" not in decoded(checked.public).info
        assert decoded(checked.public).tobytes() == decoded(data).tobytes()


def test_phone_multi_picture_jpeg_keeps_only_the_main_image_publicly() -> None:
    # Phones write MPO: a main JPEG followed by more images, each with its own EXIF (GPS).
    main = photo()
    data = encode(main, "MPO", save_all=True, append_images=[main.rotate(90)], exif=exif_with_gps())
    assert decoded(data).format == "MPO"

    checked = check_photo(data)

    assert checked.media_type == "image/jpeg" and checked.had_gps
    public = decoded(checked.public)
    assert public.format == "JPEG" and getattr(public, "n_frames", 1) == 1
    assert public.tobytes() == decoded(data).tobytes()
    # The second image and the multi-picture index are gone: what is left is exactly the
    # public copy of the main image saved as a plain JPEG.
    assert checked.public == check_photo(encode(main, "JPEG", exif=exif_with_gps())).public
    assert b"MPF\x00" in data and b"MPF\x00" not in checked.public


def test_bytes_after_the_end_of_the_image_are_not_published() -> None:
    data = encode(photo(), "JPEG") + b"appended video with location" * 100
    checked = check_photo(data)
    assert b"appended video" not in checked.public
    assert checked.public == data[: len(checked.public)]
    assert checked.public.endswith(b"\xff\xd9")


# --- refused ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"Ini bukan foto C Hasil.\n" * 40, id="text-renamed-jpg"),
        pytest.param(bytes(range(256)) * 16, id="binary-junk"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 500, id="pdf"),
        pytest.param(b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
    ],
)
def test_non_images_are_refused(data: bytes) -> None:
    assert rejected(data).code == "not_an_image"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO", "PPM"])
def test_other_image_formats_are_refused_by_name(fmt: str) -> None:
    err = rejected(encode(photo((256, 256)), fmt))
    assert err.code == "unsupported_format"
    assert fmt in err.message and err.details["format"] == fmt


def test_heic_is_refused_as_unsupported() -> None:
    # The ISO-BMFF box that starts every HEIC/AVIF file (iPhones' default format).
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\x00" * 4 + b"mif1heic" + b"\x00" * 200
    assert rejected(heic).code == "unsupported_format"


def test_animated_images_are_refused() -> None:
    frames = [photo((300, 300)), photo((300, 300))]
    for fmt in ("PNG", "WEBP"):
        data = encode(frames[0], fmt, save_all=True, append_images=frames[1:])
        assert rejected(data).code == "unsupported_format"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize("cut", [1, 2, 50, 1000])
def test_truncated_images_are_refused(fmt: str, cut: int) -> None:
    data = encode(photo(), fmt)
    assert rejected(data[:-cut]).code == "corrupt"


def test_truncated_jpeg_is_refused_even_if_pillow_is_told_to_tolerate_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Some other code in the process may set this global; the container walk still insists
    # on the end-of-image marker.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = encode(photo(), "JPEG")
    assert rejected(data[:-1000]).code == "corrupt"


@pytest.mark.parametrize(
    "head",
    [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"RIFF\x10\x00\x00\x00WEBPVP8 "],
    ids=["jpeg", "png", "webp"],
)
def test_bare_headers_are_corrupt_not_unknown(head: bytes) -> None:
    assert rejected(head).code == "corrupt"


def test_png_with_a_damaged_checksum_is_refused() -> None:
    data = bytearray(encode(photo(), "PNG"))
    data[len(data) // 2] ^= 0xFF
    assert rejected(bytes(data)).code == "corrupt"


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR claiming width x height, with (almost) no pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00"))


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records any attempt to decode pixel data (a bomb must be refused before that)."""
    calls: list[str] = []
    original_load = ImageFile.ImageFile.load

    def load(self: ImageFile.ImageFile) -> Any:
        calls.append(f"load {self.format} {self.size}")
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


def test_ten_thousand_square_header_is_refused_without_decoding(no_decoding: list[str]) -> None:
    data = png_header_only(10_000, 10_000)  # 100 MP declared, 60-odd bytes on disk
    assert len(data) < 100
    err = rejected(data)
    assert err.code == "too_many_pixels"
    assert no_decoding == []


def test_real_ten_thousand_square_png_is_refused_without_decoding(no_decoding: list[str]) -> None:
    # A genuine 10,000 x 10,000 image: 1-bit and blank, so ~12 KB compressed, 100 MP decoded.
    data = encode(Image.new("1", (10_000, 10_000)), "PNG")
    assert len(data) < 100_000
    err = rejected(data)
    assert err.code == "too_many_pixels"
    assert err.details["pixels"] == 100_000_000
    assert no_decoding == []


def test_below_pillows_own_bomb_limit_our_pixel_limit_applies(no_decoding: list[str]) -> None:
    # 49 MP: Pillow itself would not even warn (its limit is ~89 MP), ours is 40 MP.
    err = rejected(png_header_only(7_000, 7_000))
    assert err.code == "too_many_pixels"
    assert (err.details["width"], err.details["height"]) == (7_000, 7_000)
    assert no_decoding == []


def test_jpeg_bomb_header_is_refused(no_decoding: list[str]) -> None:
    # Claim 10,000 x 10,000 in a small JPEG by patching its SOF0 frame header.
    data = bytearray(encode(photo((256, 256)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 10_000, 10_000)
    assert rejected(bytes(data)).code == "too_many_pixels"
    assert no_decoding == []


def test_side_and_minimum_limits() -> None:
    long_strip = encode(Image.new("1", (12_500, 300)), "PNG")  # 3.75 MP but 12,500 wide
    assert rejected(long_strip).code == "bad_dimensions"
    err = rejected(encode(photo((150, 600)), "PNG"))
    assert err.code == "too_small" and err.details["min_side"] == 200


def test_custom_limits_apply() -> None:
    data = encode(photo((800, 600)), "JPEG")
    assert rejected(data, limits=PhotoLimits(max_pixels=400_000)).code == "too_many_pixels"
    assert rejected(data, limits=PhotoLimits(min_side=700)).code == "too_small"


def test_oversized_file_is_refused_before_any_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    monkeypatch.setattr(photos.Image, "open", lambda *a, **k: opened.append(a))
    limits = PhotoLimits(max_bytes=1024 * 1024)
    err = rejected(b"\xff\xd8\xff" + b"\x00" * (1024 * 1024), limits=limits)
    assert err.code == "too_large"
    assert err.details == {"bytes": 1024 * 1024 + 3, "max_bytes": 1024 * 1024}
    assert opened == []


def test_default_size_limit_is_15_mb() -> None:
    err = rejected(b"x" * (15 * 1024 * 1024 + 1))
    assert err.code == "too_large" and "15 MB" in err.message


def test_declared_type_must_match_the_content() -> None:
    jpeg = encode(photo(), "JPEG")
    err = rejected(jpeg, declared_type="image/png")
    assert err.code == "type_mismatch"
    assert err.details == {"declared_type": "image/png", "media_type": "image/jpeg"}
    # Aliases and parameters are normalised; the content still decides.
    assert check_photo(jpeg, declared_type="image/jpg").media_type == "image/jpeg"
    assert check_photo(jpeg, declared_type="IMAGE/JPEG; q=1").media_type == "image/jpeg"
    png = encode(photo(), "PNG")
    assert rejected(png, declared_type="image/jpeg").code == "type_mismatch"


def test_messages_are_indonesian_first() -> None:
    err = rejected(encode(photo((256, 256)), "GIF"))
    assert "tidak diterima" in err.message
    assert "not accepted" in err.message_en
    assert isinstance(err, ValueError)
