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
TOP_KEYS = frozenset({"tps", "contest", "dapil", "administrasi", "suara", "partai", "suara_sah",
                      "suara_tidak_sah", "suara_total"})
REQUIRED_KEYS = ("tps", "contest", "suara_sah", "suara_tidak_sah", "suara_total")
PARTY_KEYS = frozenset({"suara_partai", "caleg", "jumlah"})
CODE_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class MalformedForm(ValueError):
    """R12: the form is not well-formed and is refused without being stored."""

    rule_id = "R12"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class PartyVotes:
    """One party's block on a party-list C Hasil: votes for the party symbol, per candidate of its
    list (keyed by the candidate's number on the list), and the party total (jumlah)."""

    suara_partai: int
    caleg: Mapping[str, int]
    jumlah: int

    def to_json(self) -> dict[str, Any]:
        return {"suara_partai": self.suara_partai, "caleg": dict(self.caleg), "jumlah": self.jumlah}


@dataclass(frozen=True, slots=True)
class Form:
    tps: str
    contest: str
    suara: Mapping[str, int]  # per candidate number; on a party-list form, each party's total
    suara_sah: int
    suara_tidak_sah: int
    suara_total: int
    administrasi: Mapping[str, int]
    has_administrasi: bool
    partai: Mapping[str, PartyVotes] | None = None  # party-list ballots (DPR, DPRD) only
    dapil: str | None = None  # the dapil written on a party-list form

    def adm(self, key: str) -> int | None:
        return self.administrasi.get(key)

    def to_json(self) -> dict[str, Any]:
        """The form in the canonical JSON shape, keys in the order of the spec."""
        doc: dict[str, Any] = {"tps": self.tps, "contest": self.contest}
        if self.dapil is not None:
            doc["dapil"] = self.dapil
        if self.has_administrasi:
            doc["administrasi"] = {k: self.administrasi[k] for k in ADMINISTRASI_KEYS if k in self.administrasi}
        if self.partai is not None:
            doc["partai"] = {k: v.to_json() for k, v in self.partai.items()}
        else:
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
    if not isinstance(value, str) or not value or len(value) > 32:
        raise MalformedForm(f"{field}: harus teks, bukan {value!r}", field)
    # codes are text: overseas TPS codes carry letters (99AG010001061)
    if length is not None and (len(value) != length or not set(value) <= CODE_CHARS):
        raise MalformedForm(f"{field}: harus kode {length} karakter (angka, atau huruf besar untuk luar negeri), "
                            f"bukan {value!r}", field)
    return value


# Every ballot number a form may use ("1".."9999", no leading zero), for a set lookup: a
# national ingest checks some 200 million of them.
NUMBER_KEYS = frozenset(str(n) for n in range(1, 10_000))


def _number_key(key: object, field: str) -> str:
    if not (isinstance(key, str) and key.isdigit() and key.isascii() and not key.startswith("0") and len(key) <= 4):
        raise MalformedForm(f"{field}: nomor urut harus angka seperti \"1\", bukan {key!r}", field)
    return key


def _votes(votes: object, field: str, allow_empty: bool = False) -> dict[str, int]:
    if not isinstance(votes, dict) or (not votes and not allow_empty):
        raise MalformedForm(f"{field}: harus objek {{nomor urut: jumlah}}" + ("" if allow_empty else " yang tidak kosong"),
                            field)
    checked: dict[str, int] = {}
    for nomor, value in votes.items():
        if nomor not in NUMBER_KEYS:
            _number_key(nomor, field)  # raises, naming the key
        if type(value) is not int or not 0 <= value <= MAX_NUMBER:
            value = _whole_number(value, f"{field}.{nomor}")  # raises, or a big int that is fine
        checked[nomor] = value
    return checked


def _party_votes(doc: object) -> dict[str, PartyVotes]:
    if not isinstance(doc, dict) or not doc:
        raise MalformedForm("partai: harus objek {nomor urut partai: {suara_partai, caleg, jumlah}} yang tidak kosong",
                            "partai")
    parties: dict[str, PartyVotes] = {}
    for nomor, block in doc.items():
        field = f"partai.{nomor if nomor in NUMBER_KEYS else _number_key(nomor, 'partai')}"
        if not isinstance(block, dict):
            raise MalformedForm(f"{field}: harus objek {{suara_partai, caleg, jumlah}}", field)
        unknown = set(block) - PARTY_KEYS
        if unknown:
            raise MalformedForm(f"{field}: kunci tidak dikenal: {', '.join(sorted(map(str, unknown)))}", field)
        missing = [k for k in ("suara_partai", "jumlah") if k not in block]
        if missing:
            raise MalformedForm(f"{field}: kunci wajib tidak ada: {', '.join(missing)}", field)
        parties[nomor] = PartyVotes(_whole_number(block["suara_partai"], f"{field}.suara_partai"),
                                    _votes(block.get("caleg", {}), f"{field}.caleg", allow_empty=True),
                                    _whole_number(block["jumlah"], f"{field}.jumlah"))
    return parties


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
    if ("suara" in doc) == ("partai" in doc):
        raise MalformedForm("formulir harus berisi tepat satu dari 'suara' (per paslon/calon) atau 'partai' "
                            "(per partai dan caleg)", "suara")
    partai: dict[str, PartyVotes] | None = None
    dapil: str | None = None
    if "partai" in doc:
        partai = _party_votes(doc["partai"])
        suara = {nomor: block.jumlah for nomor, block in partai.items()}
        if "dapil" not in doc:
            raise MalformedForm("dapil: kode daerah pemilihan wajib ada pada formulir partai", "dapil")
        dapil = _code(doc["dapil"], "dapil")
    else:
        if "dapil" in doc:
            raise MalformedForm("dapil: hanya untuk formulir partai (DPR, DPRD)", "dapil")
        suara = _votes(doc["suara"], "suara")
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
        partai=partai,
        dapil=dapil,
    )
