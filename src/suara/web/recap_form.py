"""The officials' D Hasil form: which boxes a tier's record has (one row per child: a number per
candidate pair, or per party its own votes, its candidates standing there and its total; then
valid, invalid and voters), their values from a record in the import file's shape, and the
posted boxes back into that shape for services/recap.record. The record's own checks (sums,
candidates, rows) stay in domain/recap.py; here only what a box can be wrong about."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from suara.domain.contests import Contest, Shape
from suara.domain.elections import ContestScope
from suara.domain.form import MAX_NUMBER
from suara.domain.recap import rows_of
from suara.domain.regions import level_of
from suara.services.errors import ServiceError
from suara.store.reference import Reference

# v.<child>.<box>: s<n> a candidate pair's votes; p<n>, c<n>.<caleg id>, j<n> a party's own votes,
# a candidate's, the party's total; sah, tidak_sah, pengguna the row's totals
FIELD = re.compile(r"^v\.([0-9A-Z]{1,13})\.(s[0-9]{1,3}|p[0-9]{1,3}|j[0-9]{1,3}|c[0-9]{1,3}\.[0-9]{1,12}|sah|tidak_sah|pengguna)$")
FIELD_PATTERN = FIELD.pattern
TOTALS = (("sah", "suara_sah", "Suara sah"), ("tidak_sah", "suara_tidak_sah", "Suara tidak sah"),
          ("pengguna", "pengguna_total_j", "Pengguna hak pilih"))
LARGEST = MAX_NUMBER * 1000  # as domain/recap.py takes: a national figure is large


@dataclass
class Box:
    name: str
    label: str
    value: str = "0"


@dataclass
class PartyBlock:
    nomor: str
    nama: str
    own: Box
    caleg: list[Box]
    jumlah: Box


@dataclass
class FormRow:
    """One child of the tier, as boxes."""

    kode: str
    nama: str
    votes: list[Box] = field(default_factory=list)  # candidate pairs
    parties: list[PartyBlock] = field(default_factory=list)
    totals: list[Box] = field(default_factory=list)

    def boxes(self) -> list[Box]:
        found = list(self.votes)
        for block in self.parties:
            found += [block.own, *block.caleg, block.jumlah]
        return found + self.totals


def _name(scope: ContestScope, kode: str) -> str:
    return scope.station(kode).nama if len(kode) == 13 else scope.tree.get(kode).nama


def _standing(reference: Reference, contest: Contest, child: str) -> dict[str, list[Any]]:
    """Per party, the candidates standing in the dapil that reach the child (in list order, dapil
    by dapil); the contest's parties without candidates where no dapil is known."""
    book = reference.book
    if book is None:
        return {str(c.nomor_urut): [] for c in contest.candidates}
    lists: dict[str, list[Any]] = {}
    for dapil in book.dapil_map.dapils(contest.kind):
        members = book.dapil_map.regions_of(contest.kind, dapil.kode)
        if any(m.startswith(child) or child.startswith(m) for m in members):
            for party, caleg in book.standing(contest.kind, dapil.kode).items():
                lists.setdefault(party, []).extend(caleg)
    if not lists:
        return {str(p.nomor_urut): [] for p in book.contest_parties(contest.kind)}
    return dict(sorted(lists.items(), key=lambda kv: int(kv[0])))


def form_rows(reference: Reference, contest: Contest, scope: ContestScope, kode: str) -> list[FormRow]:
    """The boxes of a tier's record, every one at 0."""
    names = {str(c.nomor_urut): c.nama for c in contest.candidates}
    rows = []
    for child in rows_of(scope, kode):
        row = FormRow(child, _name(scope, child))
        prefix = f"v.{child}."
        if contest.shape is Shape.PARTAI:
            with_candidates = level_of(child) >= contest.info.candidate_level
            for party, caleg in _standing(reference, contest, child).items():
                party_name = names.get(party, party)
                shown = caleg if with_candidates else []
                row.parties.append(PartyBlock(
                    party, party_name, Box(f"{prefix}p{party}", "Suara partai saja"),
                    [Box(f"{prefix}c{party}.{c.id}", f"{c.nomor_urut}. {c.nama}") for c in shown],
                    Box(f"{prefix}j{party}", f"Jumlah suara {party_name}")))
        else:
            row.votes = [Box(f"{prefix}s{nomor}", f"{nomor}. {nama}") for nomor, nama in names.items()]
        row.totals = [Box(f"{prefix}{short}", label) for short, _, label in TOTALS]
        rows.append(row)
    return rows


def values_of(rows: Mapping[str, Any]) -> dict[str, str]:
    """Box values from a record's rows in the import file's shape (recap_docs.row_doc)."""
    values: dict[str, str] = {}
    for child, row in rows.items():
        prefix = f"v.{child}."
        for nomor, votes in (row.get("suara") or {}).items():
            values[f"{prefix}s{nomor}"] = str(votes)
        for party, block in (row.get("partai") or {}).items():
            values[f"{prefix}p{party}"] = str(block.get("suara_partai", 0))
            values[f"{prefix}j{party}"] = str(block.get("jumlah", 0))
            for caleg_id, votes in (block.get("caleg") or {}).items():
                values[f"{prefix}c{party}.{caleg_id}"] = str(votes)
        for short, key, _ in TOTALS:
            values[f"{prefix}{short}"] = str(row[key])
    return values


def fill(rows: list[FormRow], values: Mapping[str, str]) -> list[FormRow]:
    for row in rows:
        for box in row.boxes():
            box.value = values.get(box.name, "0")
    return rows


def column_totals(rows: list[FormRow]) -> list[int]:
    """Each column of a candidate-pair tier added up (the form's last line; a box that is not a
    whole number counts as 0 here, the record refuses it)."""
    columns = [row.votes + row.totals for row in rows]
    width = len(columns[0]) if columns else 0
    return [sum(int(c[i].value) if c[i].value.isdigit() else 0 for c in columns) for i in range(width)]


def _count(text: str, where: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 12 and int(text) <= LARGEST):
        shown = repr(text) if text else "kosong"
        raise ServiceError(422, "bad_number", f"{where}: harus bilangan bulat 0..{LARGEST}, bukan {shown}")
    return int(text)


def rows_from_fields(rows: list[FormRow], fields: Mapping[str, str], party_list: bool) -> dict[str, Any]:
    """The posted boxes as the record's rows (the import file's shape). Every box of the form must
    be there with a whole number; a box the form does not have is refused, not ignored."""
    expected = {box.name: (row, box) for row in rows for box in row.boxes()}
    for name in fields:
        if name in ("csrf",):
            continue
        if name not in expected:
            raise ServiceError(422, "unknown_field", f"isian {name!r} bukan bagian formulir tingkat ini")
    numbers = {}
    for name, (row, box) in expected.items():
        if name not in fields:
            raise ServiceError(422, "missing_field", f"{row.nama} ({row.kode}), {box.label}: isian tidak ada")
        numbers[name] = _count(fields[name], f"{row.nama} ({row.kode}), {box.label}")
    doc: dict[str, Any] = {}
    for row in rows:
        prefix = f"v.{row.kode}."
        out: dict[str, Any] = {}
        if party_list:
            out["partai"] = {block.nomor: {
                "suara_partai": numbers[block.own.name],
                "caleg": {box.name.rsplit(".", 1)[1]: numbers[box.name] for box in block.caleg},
                "jumlah": numbers[block.jumlah.name]} for block in row.parties}
        else:
            out["suara"] = {box.name[len(prefix) + 1:]: numbers[box.name] for box in row.votes}
        for short, key, _ in TOTALS:
            out[key] = numbers[f"{prefix}{short}"]
        doc[row.kode] = out
    return doc


def worded(message: str, rows: list[FormRow]) -> str:
    """A refusal of domain/recap.py names rows by code (rows.3171011002: ...): name them as the
    plenary knows them (CIDENG (3171011002): ...)."""
    names = {row.kode: row.nama for row in rows}

    def named(match: re.Match[str]) -> str:
        kode = match.group(1)
        return f"{names[kode]} ({kode})" if kode in names else kode
    return re.sub(r"rows\.([0-9A-Z]+)", named, message)


def row_in(message: str) -> str | None:
    """The child a refusal is about, to mark its row on the form."""
    found = re.search(r"\(([0-9A-Z]{4,13})\)", message)
    return found.group(1) if found else None
