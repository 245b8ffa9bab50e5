"""Remove location metadata from JPEG / PNG / WebP files without re-encoding them.

The public copy of a C Hasil photo must not reveal where the officer stood, but it must show
exactly the pixels that were uploaded: re-encoding would add compression artefacts to the
very digits the public is checking, and would make "is the public photo the same picture?"
a judgement instead of a fact. So we rewrite the container instead, chunk by chunk:

- EXIF is kept (orientation, camera, time) but its GPS IFD (tag 0x8825) is taken out;
- XMP is dropped whole (it can carry exif:GPSLatitude/GPSLongitude); so are the other
  wrappers that can smuggle EXIF or XMP (Photoshop APP13 in JPEG, "Raw profile type" text
  chunks in PNG);
- anything after the image's end marker is dropped: phones append second images (MPO depth
  maps, each with its own EXIF) and motion-photo videos there.

Everything else is copied byte for byte, and when nothing needs removing the result is the
input itself (so the blob store stores one copy). Pure: bytes in, bytes out.
"""

from __future__ import annotations

import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
_EXIF_HEADER = b"Exif\x00\x00"
_XMP_HINTS = (b"GPSLatitude", b"GPSLongitude")


class MetadataError(ValueError):
    """The container is malformed (truncated, a length running past the end, ...)."""


def strip_location(data: bytes, media_type: str) -> tuple[bytes, bool]:
    """Return (copy without location metadata, whether location metadata was found)."""
    if media_type == "image/jpeg":
        return _jpeg(data)
    if media_type == "image/png":
        return _png(data)
    if media_type == "image/webp":
        return _webp(data)
    raise ValueError(f"unsupported media type {media_type!r}")


def exif_without_gps(raw: bytes) -> tuple[bytes | None, bool]:
    """EXIF (TIFF bytes, optionally after "Exif\\0\\0") -> (bytes without GPS, had GPS).

    Returns the input unchanged when there is no GPS IFD, and None (drop the whole block)
    when it cannot be parsed: EXIF we cannot read is EXIF we cannot vouch for.
    """
    try:
        probe = Image.Exif()
        probe.load(raw)
        if GPS_IFD not in probe:
            return raw, False
        had_gps = bool(probe.get_ifd(GPS_IFD))
        # A fresh Exif for the rewrite: Exif.tobytes() puts back any IFD that get_ifd() has
        # cached, even after `del`, so the object we read GPS from cannot be the one we write.
        exif = Image.Exif()
        exif.load(raw)
        del exif[GPS_IFD]
        return exif.tobytes(), had_gps
    except Exception:  # noqa: BLE001 - hostile or broken TIFF structures raise many kinds of errors
        return None, False


def _xmp_has_gps(payload: bytes) -> bool:
    return any(hint in payload for hint in _XMP_HINTS)


# --- JPEG -----------------------------------------------------------------------------------

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_APP1, _APP2, _APP13 = 0xE1, 0xE2, 0xED
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RST0..7 carry no length


def _jpeg(data: bytes) -> tuple[bytes, bool]:
    if data[:2] != b"\xff\xd8":
        raise MetadataError("JPEG does not start with SOI")
    out = [b"\xff\xd8"]
    had_gps = False
    pos = 2
    while True:
        marker, pos = _jpeg_marker(data, pos)
        if marker in _STANDALONE:
            out.append(bytes((0xFF, marker)))
            continue
        if marker in (_SOI, _EOI):
            raise MetadataError("JPEG marker out of place before the first scan")
        _, end = _jpeg_length(data, pos)
        if marker == _SOS:
            # From the first scan on it is image data (and, in progressive files, tables
            # between scans): copied verbatim up to and including EOI; the tail is dropped.
            out.append(b"\xff\xda" + data[pos : _jpeg_eoi(data, end)])
            break
        payload = data[pos + 2 : end]
        kept, gps = _jpeg_segment(marker, payload)
        had_gps |= gps
        if kept is not None:
            out.append(bytes((0xFF, marker)) + struct.pack(">H", len(kept) + 2) + kept)
        pos = end
    public = b"".join(out)
    return (data if public == data else public), had_gps


def _jpeg_segment(marker: int, payload: bytes) -> tuple[bytes | None, bool]:
    """What to keep of one header segment (None: drop it) and whether it held GPS."""
    if marker == _APP1 and payload.startswith(_EXIF_HEADER):
        exif, had_gps = exif_without_gps(payload)
        if exif is None or len(exif) + 2 > 0xFFFF:
            return None, had_gps
        if not exif.startswith(_EXIF_HEADER):
            exif = _EXIF_HEADER + exif
        return exif, had_gps
    if marker == _APP1:  # XMP, extended XMP, or something unknown in APP1: none is needed
        return None, _xmp_has_gps(payload)
    if marker == _APP13:  # Photoshop resources (IPTC) can embed EXIF and XMP blocks
        return None, _xmp_has_gps(payload)
    if marker == _APP2 and payload.startswith(b"MPF\x00"):
        # Multi-picture index: points at the trailing images we cut off.
        return None, False
    return payload, False


def _jpeg_marker(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data) or data[pos] != 0xFF:
        raise MetadataError("JPEG segment does not start with a marker")
    while pos < len(data) and data[pos] == 0xFF:  # any number of 0xFF fill bytes is allowed
        pos += 1
    if pos >= len(data):
        raise MetadataError("JPEG truncated in a marker")
    return data[pos], pos + 1


def _jpeg_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos + 2 > len(data):
        raise MetadataError("JPEG truncated in a segment length")
    (length,) = struct.unpack(">H", data[pos : pos + 2])
    end = pos + length
    if length < 2 or end > len(data):
        raise MetadataError("JPEG segment runs past the end of the file")
    return length, end


def _jpeg_eoi(data: bytes, pos: int) -> int:
    """Index just past the EOI marker that ends the image whose scans start at `pos`."""
    while True:
        ff = data.find(b"\xff", pos)
        if ff < 0 or ff + 1 >= len(data):
            raise MetadataError("JPEG has no end-of-image marker (truncated?)")
        nxt = data[ff + 1]
        if nxt == 0x00 or nxt in _STANDALONE:  # stuffed 0xFF byte or restart marker
            pos = ff + 2
        elif nxt == 0xFF:  # fill byte before a marker
            pos = ff + 1
        elif nxt == _EOI:
            return ff + 2
        else:  # a table or the next scan's header between scans: skip it by its length
            _, pos = _jpeg_length(data, ff + 2)


# --- PNG ------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT = {b"tEXt", b"zTXt", b"iTXt"}


def _png(data: bytes) -> tuple[bytes, bool]:
    if not data.startswith(_PNG_SIGNATURE):
        raise MetadataError("PNG signature missing")
    out = [_PNG_SIGNATURE]
    had_gps = False
    pos = len(_PNG_SIGNATURE)
    while True:
        if pos + 12 > len(data):
            raise MetadataError("PNG has no IEND chunk (truncated?)")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise MetadataError("PNG chunk runs past the end of the file")
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"eXIf":
            exif, gps = exif_without_gps(body)
            had_gps |= gps
            if exif is not None:
                out.append(_png_chunk(kind, exif.removeprefix(_EXIF_HEADER)))
        elif kind in _PNG_TEXT and _png_metadata_text(body):
            had_gps |= _xmp_has_gps(body)  # XMP, or EXIF/XMP as ImageMagick "raw profile"
        else:
            out.append(data[pos:end])
        pos = end
        if kind == b"IEND":  # whatever follows IEND is not part of the image
            break
    public = b"".join(out)
    return (data if public == data else public), had_gps


def _png_metadata_text(body: bytes) -> bool:
    keyword = body.split(b"\x00", 1)[0]
    return keyword == b"XML:com.adobe.xmp" or keyword.startswith(b"Raw profile type")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


# --- WebP -----------------------------------------------------------------------------------

_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def _webp(data: bytes) -> tuple[bytes, bool]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise MetadataError("not a RIFF/WEBP file")
    (riff_size,) = struct.unpack("<I", data[4:8])
    riff_end = 8 + riff_size
    if riff_end > len(data):
        raise MetadataError("WebP shorter than its RIFF header says (truncated?)")
    chunks: list[tuple[bytes, bytes]] = []
    had_gps = False
    pos = 12
    while pos < riff_end:
        if pos + 8 > riff_end:
            raise MetadataError("WebP truncated in a chunk header")
        kind, size = struct.unpack("<4sI", data[pos : pos + 8])
        end = pos + 8 + size
        if end > riff_end:
            raise MetadataError("WebP chunk runs past the end of the file")
        body = data[pos + 8 : end]
        if kind == b"EXIF":
            exif, gps = exif_without_gps(body)
            had_gps |= gps
            if exif is not None:
                chunks.append((kind, exif.removeprefix(_EXIF_HEADER)))
        elif kind == b"XMP ":
            had_gps |= _xmp_has_gps(body)
        else:
            chunks.append((kind, body))
        pos = end + (size & 1)  # chunks are padded to an even length
    chunks = _webp_fix_flags(chunks)
    body = b"WEBP" + b"".join(
        struct.pack("<4sI", kind, len(c)) + c + (b"\x00" if len(c) & 1 else b"")
        for kind, c in chunks
    )
    public = b"RIFF" + struct.pack("<I", len(body)) + body
    return (data if public == data else public), had_gps


def _webp_fix_flags(chunks: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    # The extended header's flags announce EXIF / XMP chunks; they must match what is left.
    kinds = {kind for kind, _ in chunks}
    fixed = []
    for kind, body in chunks:
        if kind == b"VP8X" and body:
            flags = body[0]
            if b"EXIF" not in kinds:
                flags &= ~_VP8X_EXIF
            if b"XMP " not in kinds:
                flags &= ~_VP8X_XMP
            body = bytes((flags,)) + body[1:]
        fixed.append((kind, body))
    return fixed
