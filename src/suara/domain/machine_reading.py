"""A form's numbers beside a machine reading of its own photos, and what the officer did with it.

Pure (issue 15). Reading by machine saves the KPPS from keying in five forms at midnight, but it
must never be a silent source of wrong numbers, so a version keeps two records side by side:

- the officer's (`origins`): for each number the device pre-filled from a reading, whether the
  officer kept the machine's value (it was sure: "machine_read"), confirmed a value the machine
  was unsure of ("confirmed"), or wrote another ("changed"). Numbers not named were typed. The
  device declares this (the server cannot see the officer's hand); it is checked for shape only,
  and is shown with the version so a reviewer knows which numbers a person looked at.
- the server's own reading of the photos filed with the version (`machine`): each number's value,
  confidence and whether it is unsure.

R16 compares the second with the form: a number the machine reads with confidence, that the form
states otherwise, is flagged. The flag does not refuse the form (the officer may well be right:
the machine reads handwriting, the officer counted the ballots); it puts the TPS in the anomaly
queue, where a person compares the numbers with the photo.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from suara.domain.rules import Flag, Severity

MACHINE_READ = "machine_read"  # pre-filled from a sure reading and left as it was
CONFIRMED = "confirmed"  # the machine was unsure; the officer checked the value and kept it
CHANGED = "changed"  # the officer wrote another value than the machine's
ORIGINS = (MACHINE_READ, CONFIRMED, CHANGED)
MAX_NUMBERS = 2000  # more than the largest party-list form has boxes
NOT_NUMBERS = ("tps", "contest", "dapil")


class MalformedReading(ValueError):
    """The device's record of a reading is not what this module takes."""


def number_paths(payload: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, int]]:
    """Every number of a form's JSON with its path as the reader names it: "suara.1",
    "administrasi.pemilih_dpt_j", "partai.3.caleg.2", "suara_sah"."""
    for key, value in payload.items():
        if not prefix and key in NOT_NUMBERS:
            continue
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from number_paths(value, path + ".")
        elif isinstance(value, int) and not isinstance(value, bool):
            yield path, value


def parse_origins(raw: Any, payload: Mapping[str, Any]) -> dict[str, str]:
    """The device's record {"numbers": {path: origin}}, checked against the form it came with."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or set(raw) - {"numbers"}:
        raise MalformedReading("catatan pembacaan harus objek {\"numbers\": {jalur: asal}}")
    numbers = raw.get("numbers", {})
    if not isinstance(numbers, Mapping):
        raise MalformedReading("catatan pembacaan: 'numbers' harus objek {jalur: asal}")
    if len(numbers) > MAX_NUMBERS:
        raise MalformedReading(f"catatan pembacaan: lebih dari {MAX_NUMBERS} angka")
    known = dict(number_paths(payload))
    origins: dict[str, str] = {}
    for path, origin in numbers.items():
        if path not in known:
            raise MalformedReading(f"catatan pembacaan: angka {str(path)[:60]!r} tidak ada di formulir ini")
        if origin not in ORIGINS:
            raise MalformedReading(f"catatan pembacaan: asal angka {path} harus salah satu dari "
                                   f"{', '.join(ORIGINS)}, bukan {str(origin)[:30]!r}")
        origins[str(path)] = str(origin)
    return dict(sorted(origins.items()))


@dataclass(frozen=True, slots=True)
class MachineNumber:
    value: int | None  # None: read as blank, or not read
    confidence: float
    unsure: bool

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "confidence": round(self.confidence, 4), "unsure": self.unsure}


def disagreements(payload: Mapping[str, Any], machine: Mapping[str, MachineNumber],
                  labels: Mapping[str, str] | None = None) -> list[Flag]:
    """R16: the numbers the machine read with confidence that the form states otherwise. A number
    the machine is unsure of says nothing either way (the officer checked it)."""
    stated = dict(number_paths(payload))
    flags = []
    for path, read in sorted(machine.items()):
        if read.unsure or read.value is None or path not in stated or stated[path] == read.value:
            continue
        label = (labels or {}).get(path, path)
        flags.append(Flag("R16", Severity.WARNING,
                          f"{label}: formulir {stated[path]}, foto terbaca {read.value} "
                          f"(keyakinan {read.confidence:.1%})",
                          f"{label}: the form says {stated[path]}, its photo reads {read.value} "
                          f"(confidence {read.confidence:.1%})", (path,)))
    return flags


def record(origins: Mapping[str, str], machine: Mapping[str, MachineNumber] | None,
           note: str | None = None) -> dict[str, Any] | None:
    """What a version keeps: the officer's origins, the server's reading (or why there is none)."""
    if not origins and machine is None and note is None:
        return None
    kept: dict[str, Any] = {"origins": dict(sorted(origins.items()))}
    if machine is not None:
        kept["machine"] = {path: n.as_dict() for path, n in sorted(machine.items())}
    if note:
        kept["note"] = note
    return kept


def origin_counts(kept: Mapping[str, Any] | None) -> dict[str, int]:
    """How many numbers came each way, for a version's summary line."""
    counts = {origin: 0 for origin in ORIGINS}
    for origin in ((kept or {}).get("origins") or {}).values():
        if origin in counts:
            counts[origin] += 1
    return counts
