"""The entry screen's model: which ballots a TPS counts, the fields of each form shape, the form
JSON built back from those fields, and the rules shown while a form is still being typed.

Field names of the screen (plain HTML form posts, so the screen works without script):
- every form: `tps`, `contest`, the administrasi keys, `suara_sah`, `suara_tidak_sah`, `suara_total`;
- one number per candidate (PPWP, DPD, Pilkada): `suara_{nomor}`;
- party-list ballots (DPR, DPRD): `dapil`, and per party `suara_partai_{partai}`,
  `caleg_{partai}_{nomor}` and `jumlah_{partai}`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from suara.domain.contests import KIND_ORDER, Contest, UnknownContest
from suara.domain.form import ADMINISTRASI_KEYS, Form, PartyVotes
from suara.domain.regions import METODE_NAMES
from suara.domain.rules import (
    Flag,
    r1_pengguna_total,
    r2_jumlah,
    r3_pengguna_dpt,
    r4_kapasitas,
    r5_surat_suara,
    r6_cadangan,
    r7_digunakan,
    r11_suara_paslon,
    r14_jumlah_partai,
    r15_kotak_angka,
)
from suara.store.reference import Reference

TOTALS = ("suara_sah", "suara_tidak_sah", "suara_total")
# How a ballot is called on the switch; the contest's full name is the page's heading.
SHORT_NAMES = {"ppwp": "PPWP", "pdpr": "DPR", "pdpd": "DPD", "pdprdp": "DPRD Provinsi", "pdprdk": "DPRD Kab/Kota",
               "pkwkp": "Gubernur", "pkwkk": "Bupati/Walikota"}
_PARTY_VOTES = re.compile(r"suara_partai_([0-9]+)")
_CALEG = re.compile(r"caleg_([0-9]+)_([0-9]+)")
_JUMLAH = re.compile(r"jumlah_([0-9]+)")
_PASLON = re.compile(r"suara_([0-9]+)")
# The rules that can judge a form of which only some boxes are filled: each is silent on what
# is missing (R14 is given only the party blocks typed in full).
_WHILE_TYPING = (r1_pengguna_total, r2_jumlah, r3_pengguna_dpt, r4_kapasitas, r5_surat_suara, r6_cadangan,
                 r7_digunakan, r11_suara_paslon, r15_kotak_angka)


@dataclass(frozen=True, slots=True)
class BallotTab:
    key: str
    label: str
    nama: str
    kind: str


@dataclass(frozen=True, slots=True)
class ElectionBallots:
    nama: str
    tabs: tuple[BallotTab, ...]


@dataclass(frozen=True, slots=True)
class CalegRow:
    nomor: str
    nama: str


@dataclass(frozen=True, slots=True)
class PartyBlock:
    nomor: str
    nama: str
    warna: str
    caleg: tuple[CalegRow, ...]


@dataclass(frozen=True, slots=True)
class PartyForm:
    dapil: str
    dapil_nama: str
    parties: tuple[PartyBlock, ...]


def ballots_of(reference: Reference, tps: str) -> list[ElectionBallots]:
    """Every contest counted at a TPS, grouped by election, in ballot order (PPWP, DPR, DPD, ...)."""
    grouped: dict[str, list[Contest]] = defaultdict(list)
    for contest in reference.contests.values():
        if reference.scope(contest).has_tps(tps):
            grouped[contest.election].append(contest)
    out = []
    for election in sorted(grouped):
        contests = sorted(grouped[election], key=lambda c: (KIND_ORDER.get(c.kind, len(KIND_ORDER)), c.key))
        known = reference.elections.get(election)
        out.append(ElectionBallots(known.nama if known else election, tuple(
            BallotTab(c.key, SHORT_NAMES.get(c.kind, c.nama), c.nama, c.kind) for c in contests)))
    return out


def station_label(reference: Reference, contest: Contest, tps: str) -> str:
    """'TPS 001', or 'KSK 001 (Kotak Suara Keliling)' where the voting method is not a plain TPS."""
    station = reference.scope(contest).station(tps)
    if station.metode == "TPS":
        return station.nama
    return f"{station.nama} ({METODE_NAMES.get(station.metode, station.metode)})"


def sheet_pages(reference: Reference, contest: Contest, tps: str) -> int:
    """The pages an officer photographs: those of the machine-readable C Hasil printed for the TPS
    (reading/sheet.py: 3 for PPWP and Pilkada, 2 for DPD, 2 to 5 for a party list by its dapil)."""
    from suara.reading import columns, sheet  # the sheet's layout, not its drawing

    ballot = None
    if contest.is_party_list:
        if reference.book is None:
            return contest.info.pages
        ballot = columns.ballot_of(reference.book, contest.kind, tps)
    try:
        return sheet.sheet_id(contest, tps, 1, ballot).pages
    except sheet.UnsupportedSheet:
        return contest.info.pages


def photo_slots(reference: Reference, contest: Contest, tps: str, filed: Iterable[int]) -> range:
    """The pages a form's photos are shown for: those of the sheet printed for the TPS, and any
    further page a photo was filed for (an older sheet, or a device that sent more)."""
    return range(1, max([sheet_pages(reference, contest, tps), *filed]) + 1)


def party_form(reference: Reference, contest: Contest, tps: str) -> PartyForm | None:
    """The party blocks of a TPS's party-list ballot; None when no dapil of the contest covers it."""
    ballot = reference.ballot(contest, tps)
    book = reference.book
    if ballot is None or book is None:
        return None
    try:
        dapil_nama = book.dapil_map.get(contest.kind, ballot.dapil).nama
    except LookupError:
        dapil_nama = ballot.dapil
    blocks = []
    for nomor, listed in book.standing(contest.kind, ballot.dapil).items():
        party = book.parties.get(int(nomor))
        blocks.append(PartyBlock(nomor, party.nama if party else f"Partai {nomor}", party.warna if party else "",
                                 tuple(CalegRow(str(c.nomor_urut), c.nama) for c in listed)))
    return PartyForm(ballot.dapil, dapil_nama, tuple(blocks))


def vote_boxes(reference: Reference, contest: Contest, tps: str) -> list[str]:
    """The field names of a form's vote section, all of which a complete form fills."""
    if not contest.is_party_list:
        return [f"suara_{n}" for n in contest.nomor_keys] + list(TOTALS)
    shown = party_form(reference, contest, tps)
    names = []
    for block in shown.parties if shown else ():
        names.append(f"suara_partai_{block.nomor}")
        names.extend(f"caleg_{block.nomor}_{c.nomor}" for c in block.caleg)
        names.append(f"jumlah_{block.nomor}")
    return names + list(TOTALS)


def _number(value: str) -> Any:
    # Longer than any count (and than int() takes: 4,300 digits) stays text, for R12 to refuse too.
    return int(value) if value.isdigit() and value.isascii() and len(value) <= 18 else value


def _by_number(keys: Mapping[str, Any]) -> list[str]:
    return sorted(keys, key=lambda k: (len(k), k))


def _party_blocks(fields: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    parties: dict[str, dict[str, Any]] = {}
    caleg: dict[str, dict[str, str]] = defaultdict(dict)
    for name, value in fields.items():
        if (m := _PARTY_VOTES.fullmatch(name)) or (m := _JUMLAH.fullmatch(name)):
            parties.setdefault(m.group(1), {})
        elif m := _CALEG.fullmatch(name):
            parties.setdefault(m.group(1), {})
            caleg[m.group(1)][m.group(2)] = value
    blocks = {}
    for nomor in _by_number(parties):
        listed = caleg[nomor]
        blocks[nomor] = {"suara_partai": _number(fields.get(f"suara_partai_{nomor}", "").strip()),
                         "caleg": {c: _number(listed[c].strip()) for c in _by_number(listed)},
                         "jumlah": _number(fields.get(f"jumlah_{nomor}", "").strip())}
    return blocks


def form_doc(reference: Reference, fields: Mapping[str, str]) -> dict[str, Any]:
    """The form JSON from the screen's fields, as written: anything not a whole number is left for
    R12 to refuse. The contest decides the shape; an unknown contest is left for check() to name."""
    contest_key, tps = fields.get("contest", ""), fields.get("tps", "")
    try:
        party_list = reference.contest(contest_key).is_party_list
    except UnknownContest:
        party_list = False
    doc: dict[str, Any] = {"tps": tps, "contest": contest_key}
    if party_list:
        doc["dapil"] = fields.get("dapil", "")
        doc["partai"] = _party_blocks(fields)
    else:
        votes = {m.group(1): v for k, v in fields.items() if (m := _PASLON.fullmatch(k))}
        doc["suara"] = {k: _number(votes[k].strip()) for k in _by_number(votes)}
    for key in TOTALS:
        doc[key] = _number(fields.get(key, "").strip())
    administrasi = {k: _number(fields[k].strip()) for k in ADMINISTRASI_KEYS if fields.get(k, "").strip()}
    if administrasi:
        doc["administrasi"] = administrasi
    return doc


def fields_of(doc: Mapping[str, Any]) -> dict[str, str]:
    """The screen's fields of a stored form (the correction screen starts from the current version)."""
    fields = {k: str(v) for k, v in (doc.get("administrasi") or {}).items()}
    if "partai" not in doc:
        fields.update({f"suara_{nomor}": str(votes) for nomor, votes in (doc.get("suara") or {}).items()})
    for nomor, block in (doc.get("partai") or {}).items():
        fields[f"suara_partai_{nomor}"] = str(block["suara_partai"])
        fields.update({f"caleg_{nomor}_{c}": str(v) for c, v in block.get("caleg", {}).items()})
        fields[f"jumlah_{nomor}"] = str(block["jumlah"])
    fields.update({k: str(doc[k]) for k in TOTALS if k in doc})
    return fields


def blank_boxes(reference: Reference, contest: Contest, tps: str, fields: Mapping[str, str]) -> int:
    """How many boxes of the vote section are still empty."""
    return sum(1 for name in vote_boxes(reference, contest, tps) if not fields.get(name, "").strip())


def _typed(fields: Mapping[str, str], name: str) -> int | None:
    value = fields.get(name, "").strip()
    return int(value) if value.isdigit() and value.isascii() and len(value) <= 7 else None


def first_not_a_number(fields: Mapping[str, str]) -> str | None:
    """The name of the first box holding something other than a whole number, if any."""
    for name, value in fields.items():
        if name in ("tps", "contest", "dapil"):
            continue
        text = value.strip()
        if text and _typed(fields, name) is None:
            return name
    return None


def partial_flags(reference: Reference, contest: Contest, tps: str, fields: Mapping[str, str]) -> list[Flag]:
    """The rules that can already judge a form still being typed (every box a whole number or empty).

    The same rule functions as on send, given a form of what has been typed: the empty boxes
    count as absent (administrasi) or zero (where a rule needs a number: R15 only looks for
    numbers over 999, which a zero never is), and R14 sees only the party blocks typed in full.
    """
    administrasi = {k: n for k in ADMINISTRASI_KEYS if (n := _typed(fields, k)) is not None}
    totals = {k: _typed(fields, k) or 0 for k in TOTALS}
    shown = party_form(reference, contest, tps) if contest.is_party_list else None
    blocks: dict[str, PartyVotes] = {}
    complete: dict[str, PartyVotes] = {}
    suara: dict[str, int] = {}
    for block in shown.parties if shown else ():
        party = _typed(fields, f"suara_partai_{block.nomor}")
        caleg = {c.nomor: n for c in block.caleg if (n := _typed(fields, f"caleg_{block.nomor}_{c.nomor}")) is not None}
        jumlah = _typed(fields, f"jumlah_{block.nomor}")
        blocks[block.nomor] = PartyVotes(party or 0, caleg, jumlah or 0)
        if jumlah is not None:
            suara[block.nomor] = jumlah
        if party is not None and jumlah is not None and len(caleg) == len(block.caleg):
            complete[block.nomor] = blocks[block.nomor]
    if not contest.is_party_list:
        suara = {n: v for n in contest.nomor_keys if (v := _typed(fields, f"suara_{n}")) is not None}
    typed = Form(tps, contest.key, suara, totals["suara_sah"], totals["suara_tidak_sah"], totals["suara_total"],
                 administrasi, bool(administrasi), blocks if shown else None, shown.dapil if shown else None)
    flags = [flag for rule in _WHILE_TYPING for flag in rule(typed, contest)]
    if complete:
        flags.extend(r14_jumlah_partai(Form(tps, contest.key, {}, 0, 0, 0, {}, False, complete), contest))
    return sorted(flags, key=lambda f: int(f.rule[1:]))


def field_of_box(path: str) -> str:
    """The entry screen's field for a box of the form JSON (a flag's `boxes`): `suara.2` ->
    `suara_2`, `partai.1.caleg.3` -> `caleg_1_3`, `administrasi.pemilih_dpt_l` -> `pemilih_dpt_l`."""
    parts = path.removeprefix("administrasi.").split(".")
    if len(parts) == 2 and parts[0] == "suara":
        return f"suara_{parts[1]}"
    if len(parts) == 3 and parts[0] == "partai":
        return f"{parts[2]}_{parts[1]}"  # suara_partai_1, jumlah_1
    if len(parts) == 4 and parts[0] == "partai" and parts[2] == "caleg":
        return f"caleg_{parts[1]}_{parts[3]}"
    return parts[0]


def party_of_flags(contest: Contest | None, fields: Mapping[str, str]) -> dict[str, str]:
    """Which party block each party rule's message is about (R14, R15), found by running those
    rules on each typed block alone (empty boxes as zero): the screen marks that block."""
    if contest is None or not contest.is_party_list:
        return {}
    numbers: dict[str, dict[str, Any]] = defaultdict(lambda: {"suara_partai": 0, "caleg": {}, "jumlah": 0})
    for name in fields:
        value = _typed(fields, name) or 0
        if m := _PARTY_VOTES.fullmatch(name):
            numbers[m.group(1)]["suara_partai"] = value
        elif m := _JUMLAH.fullmatch(name):
            numbers[m.group(1)]["jumlah"] = value
        elif m := _CALEG.fullmatch(name):
            numbers[m.group(1)]["caleg"][m.group(2)] = value
    found: dict[str, str] = {}
    for nomor, block in numbers.items():
        alone = Form(fields.get("tps", ""), contest.key, {}, 0, 0, 0, {}, False, {nomor: PartyVotes(**block)})
        for flag in r14_jumlah_partai(alone, contest) + r15_kotak_angka(alone, contest):
            found[flag.message] = nomor
    return found
