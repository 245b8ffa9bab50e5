"""The server's own reading of the photos filed with a form (issue 15).

Every submission with photos is read here, before the database is touched and outside its lock
(like the photos' decoding and hashing): the pages are found by their markers and QR code, every
digit box classified and the numbers decoded under the form's sums (reading/reader.py). What it
gives the submission:
- the record kept with the version: the server's reading, and the officer's record of which
  numbers the device pre-filled and what the officer did with each (domain/machine_reading.py);
- R16 for every number read with confidence that the form states otherwise;
- R13 for a page whose QR code names another TPS, or another ballot.

Photos that are not machine-readable sheets (an older paper form, a photo too dark to read) are
filed as before: the reading is assistance and review, never a gate; the record says why there is
no reading.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from suara.domain.audit import canonical
from suara.domain.machine_reading import (
    MachineNumber,
    MalformedReading,
    disagreements,
    parse_origins,
    record,
)
from suara.domain.rules import Flag, Severity
from suara.services.errors import ServiceError

OTHER_FORM = ("other_tps", "other_contest")  # the page's own QR code says it belongs elsewhere: R13
READER_FAILED = "pembacaan mesin gagal (kesalahan pembaca); angka formulir disimpan tanpa pembanding"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoReading:
    reading: str | None  # canonical JSON kept with the version, None when there is nothing to keep
    flags: tuple[Flag, ...] = ()


def officer_record(raw: Any, doc: Any) -> dict[str, str]:
    """The device's record of a reading (the multipart part `reading`), checked against the form;
    a malformed record is refused (422) before anything else is done."""
    if raw is None:
        return {}
    if not isinstance(doc, Mapping):
        return {}  # the form itself is refused
    try:
        return parse_origins(raw, doc)
    except MalformedReading as exc:
        raise ServiceError(422, "bad_reading", str(exc)) from None


def read_filed_photos(photos: list[bytes], doc: Mapping[str, Any], origins: Mapping[str, str]) -> PhotoReading:
    """Read the photos of a form (already checked to be images) and compare them with it."""
    from suara.reading import reader
    from suara.reading.geometry import PhotoUnreadable

    tps, contest = doc.get("tps"), doc.get("contest")
    if not photos:
        return PhotoReading(_text(record(origins, None)))
    try:
        read = reader.read_form(photos, tps=tps if isinstance(tps, str) else None,
                                contest=contest if isinstance(contest, str) else None)
    except PhotoUnreadable as exc:
        flags: tuple[Flag, ...] = ()
        if exc.code in OTHER_FORM:
            flags = (Flag("R13", Severity.ERROR, exc.message, exc.message_en),)
        return PhotoReading(_text(record(origins, None, exc.message)), flags)
    except Exception:  # a fault in the reader must not keep a KPPS's form out: it is filed unread
        log.exception("reading the photos of %s/%s failed", contest, tps)
        return PhotoReading(_text(record(origins, None, READER_FAILED)))
    if not read.classified:
        return PhotoReading(_text(record(origins, None, "; ".join(read.notes) or None)))
    machine = {n.key: MachineNumber(n.value, float(n.confidence or 0.0), n.unsure) for n in read.numbers}
    labels = {n.key: n.label for n in read.numbers}
    return PhotoReading(_text(record(origins, machine)), tuple(disagreements(doc, machine, labels)))


def _text(kept: Mapping[str, Any] | None) -> str | None:
    return None if kept is None else canonical(kept).decode()
