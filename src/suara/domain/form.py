"""The C Hasil form as submitted (see shared/spec/form-json.md), parsed strictly.

Parsing is rule R12: a form that is not well-formed (unknown keys, numbers that are not whole
or are negative) is malformed and never stored. Everything else is kept exactly as written;
the consistency rules only attach flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_NUMBER = 9_999_999
"""Largest number accepted on a form. A TPS has at most a few hundred voters, but misreadings
such as 136 -> 136188 must still be storable so that the rules can flag them."""

PERSON_GROUPS = ("pemilih_dpt", "pengguna_dpt", "pengguna_dptb", "pengguna_non_dpt", "pengguna_total")
SURAT_SUARA = (
    "surat_suara_diterima",
    "surat_suara_dikembalikan",
    "surat_suara_tidak_digunakan",
    "surat_suara_digunakan",
)
ADMINISTRASI_KEYS = (
    tuple(f"{group}_{sex}" for group in PERSON_GROUPS for sex in ("l", "p", "j"))
    + ("pemilih_disabilitas_j",)
    + SURAT_SUARA
)
_ADMINISTRASI_SET = frozenset(ADMINISTRASI_KEYS)
TOP_KEYS = frozenset({"tps", "contest", "administrasi", "suara", "suara_sah", "suara_tidak_sah", "suara_total"})
REQUIRED_KEYS = ("tps", "contest", "suara", "suara_sah", "suara_tidak_sah", "suara_total")


class MalformedForm(ValueError):
    """R12: the form is not well-formed and is refused without being stored."""

    rule_id = "R12"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Form:
    tps: str
    contest: str
    suara: Mapping[str, int]
    suara_sah: int
    suara_tidak_sah: int
    suara_total: int
    administrasi: Mapping[str, int]
    has_administrasi: bool

    def adm(self, key: str) -> int | None:
        return self.administrasi.get(key)

    def to_json(self) -> dict[str, Any]:
        """The form in the canonical JSON shape, keys in the order of the spec."""
        doc: dict[str, Any] = {"tps": self.tps, "contest": self.contest}
        if self.has_administrasi:
            doc["administrasi"] = {k: self.administrasi[k] for k in ADMINISTRASI_KEYS if k in self.administrasi}
        doc["suara"] = dict(self.suara)
        doc["suara_sah"] = self.suara_sah
        doc["suara_tidak_sah"] = self.suara_tidak_sah
        doc["suara_total"] = self.suara_total
        return doc


def _whole_number(value: object, field: str) -> int:
    # bool is an int subclass in Python; a form never means true/false by a number.
    if type(value) is int and 0 <= value <= MAX_NUMBER:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            raise MalformedForm(f"{field}: angka harus bilangan bulat tanpa desimal, bukan {value!r}", field)
        raise MalformedForm(f"{field}: harus bilangan bulat, bukan {type(value).__name__} {value!r}", field)
    if value < 0:
        raise MalformedForm(f"{field}: tidak boleh negatif ({value})", field)
    if value > MAX_NUMBER:
        raise MalformedForm(f"{field}: angka terlalu besar ({value} > {MAX_NUMBER})", field)
    return value


def _code(value: object, field: str, length: int | None = None) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedForm(f"{field}: harus teks, bukan {value!r}", field)
    if length is not None and (len(value) != length or not value.isdigit() or not value.isascii()):
        raise MalformedForm(f"{field}: harus {length} digit, bukan {value!r}", field)
    return value


def parse_form(doc: object) -> Form:
    """Parse a decoded JSON document into a Form or raise MalformedForm (R12)."""
    if not isinstance(doc, dict):
        raise MalformedForm(f"formulir harus objek JSON, bukan {type(doc).__name__}")
    unknown = set(doc) - TOP_KEYS
    if unknown:
        raise MalformedForm(f"kunci tidak dikenal: {', '.join(sorted(map(str, unknown)))}", min(map(str, unknown)))
    missing = [k for k in REQUIRED_KEYS if k not in doc]
    if missing:
        raise MalformedForm(f"kunci wajib tidak ada: {', '.join(missing)}", missing[0])
    tps = _code(doc["tps"], "tps", 13)
    contest = _code(doc["contest"], "contest")
    votes = doc["suara"]
    if not isinstance(votes, dict) or not votes:
        raise MalformedForm("suara: harus objek {nomor urut: jumlah} yang tidak kosong", "suara")
    suara: dict[str, int] = {}
    for nomor, value in votes.items():
        if not (isinstance(nomor, str) and nomor.isdigit() and nomor.isascii() and not nomor.startswith("0")):
            raise MalformedForm(f"suara: nomor urut harus angka seperti \"1\", bukan {nomor!r}", "suara")
        suara[nomor] = _whole_number(value, f"suara.{nomor}")
    administrasi: dict[str, int] = {}
    raw_adm = doc.get("administrasi")
    if raw_adm is not None:
        if not isinstance(raw_adm, dict):
            raise MalformedForm("administrasi: harus objek", "administrasi")
        unknown_adm = set(raw_adm) - _ADMINISTRASI_SET
        if unknown_adm:
            names = ", ".join(sorted(map(str, unknown_adm)))
            raise MalformedForm(f"administrasi: kunci tidak dikenal: {names}", "administrasi")
        for key, value in raw_adm.items():
            administrasi[key] = _whole_number(value, f"administrasi.{key}")
    return Form(
        tps=tps,
        contest=contest,
        suara=suara,
        suara_sah=_whole_number(doc["suara_sah"], "suara_sah"),
        suara_tidak_sah=_whole_number(doc["suara_tidak_sah"], "suara_tidak_sah"),
        suara_total=_whole_number(doc["suara_total"], "suara_total"),
        administrasi=administrasi,
        has_administrasi=raw_adm is not None,
    )
