"""The consistency rules R1..R11 of the C Hasil form (shared/spec/c-hasil.md).

Each rule is a small function of (form, contest) returning the flags it raises. A rule checks
only what the form has: a missing field makes a rule silent, never a failure. R12 (malformed)
is parsing, in form.py; R13 (the photo or TPS code belongs elsewhere) needs stored photos and
is checked by the submission service; R16 (a number the machine reads otherwise on the form's own
photo) by the reading of the photos (domain/machine_reading.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from suara.domain.contests import Contest
from suara.domain.form import PERSON_GROUPS, Form, MalformedForm
from suara.domain.form_labels import box_label

DIGIT_BOXES_MAX = 999


@dataclass(frozen=True, slots=True)
class Ballot:
    """What a party-list ballot offers at one TPS: its dapil and, per party standing there, the
    numbers of the candidates on that party's list."""

    dapil: str
    parties: dict[str, frozenset[str]]


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    severity: Severity
    judul: str
    title: str


@dataclass(frozen=True, slots=True)
class Flag:
    """A failing rule: its message names the boxes by the form's own labels, in Indonesian
    (`message`) and English (`message_en`); `boxes` are the paths of the boxes it is about
    (form_labels.py), so a screen can point at them."""

    rule: str
    severity: Severity
    message: str
    message_en: str = ""
    boxes: tuple[str, ...] = ()


RULES: dict[str, RuleInfo] = {
    info.id: info
    for info in (
        RuleInfo("R1", Severity.ERROR, "Jumlah pengguna hak pilih tidak sama dengan DPT + DPTb + DPK",
                 "Voters who voted do not add up to DPT + DPTb + DPK"),
        RuleInfo("R2", Severity.ERROR, "Jumlah (J) tidak sama dengan laki-laki + perempuan",
                 "Total (J) is not male + female"),
        RuleInfo("R3", Severity.WARNING, "Pengguna hak pilih melebihi DPT",
                 "DPT voters who voted exceed the DPT"),
        RuleInfo("R4", Severity.WARNING, "DPT melebihi kapasitas TPS",
                 "Registered voters exceed the TPS capacity"),
        RuleInfo("R5", Severity.ERROR, "Surat suara diterima tidak sama dengan digunakan + dikembalikan + tidak digunakan",
                 "Ballots received do not equal used + returned + unused"),
        RuleInfo("R6", Severity.WARNING, "Surat suara diterima melebihi DPT + cadangan 2% + DPTb",
                 "Ballots received exceed DPT + 2% reserve + DPTb"),
        RuleInfo("R7", Severity.WARNING, "Surat suara digunakan tidak sama dengan jumlah pengguna hak pilih",
                 "Ballots used do not equal voters who voted"),
        RuleInfo("R8", Severity.ERROR, "Jumlah suara sah tidak sama dengan jumlah perolehan paslon",
                 "Total valid votes do not equal the sum of the candidates' votes"),
        RuleInfo("R9", Severity.ERROR, "Jumlah suara sah dan tidak sah tidak sama dengan total suara",
                 "Valid plus invalid votes do not equal the total"),
        RuleInfo("R10", Severity.ERROR, "Total suara melebihi jumlah pengguna hak pilih",
                 "Total votes exceed the number of voters who voted"),
        RuleInfo("R11", Severity.ERROR, "Suara paslon melebihi 999 atau melebihi jumlah pemilih",
                 "A candidate's votes exceed 999 or the number of voters"),
        RuleInfo("R12", Severity.ERROR, "Formulir tidak sah (bukan bilangan bulat >= 0 atau kunci tidak dikenal)",
                 "Malformed form (not whole numbers >= 0, or unknown keys)"),
        RuleInfo("R13", Severity.ERROR, "Formulir atau foto milik TPS lain",
                 "The form or its photo belongs to another TPS"),
        RuleInfo("R14", Severity.ERROR, "Jumlah suara partai tidak sama dengan suara partai + suara caleg",
                 "A party's total does not equal its party votes plus its candidates' votes"),
        RuleInfo("R15", Severity.ERROR, "Angka melebihi tiga kotak angka (lebih dari 999)",
                 "A number does not fit its three digit boxes (over 999)"),
        # Raised where the photos are read (services/photo_reading.py, domain/machine_reading.py)
        RuleInfo("R16", Severity.WARNING, "Angka formulir berbeda dengan bacaan mesin atas fotonya",
                 "A number differs from the machine reading of the form's own photo"),
    )
}

SEXES = ("l", "p", "j")


def _flag(rule: str, message: str, message_en: str, *boxes: str) -> Flag:
    return Flag(rule, RULES[rule].severity, message, message_en, boxes)


def _id(path: str) -> str:
    return box_label(path, "id")


def _en(path: str) -> str:
    return box_label(path, "en")


def _adm(key: str) -> str:
    return f"administrasi.{key}"


def _id_n(path: str, value: int) -> str:
    """A box and its number: "Jumlah suara sah (273)"; a row of voters keeps its column inside
    the parentheses: "Pengguna hak pilih DPT (laki-laki: 118)"."""
    return _with(_id(path), value)


def _en_n(path: str, value: int) -> str:
    return _with(_en(path), value)


def _with(label: str, value: int) -> str:
    if label.endswith(")") and "(" in label:
        return f"{label[:-1]}: {value})"
    return f"{label} ({value})"


DIGIT_BOXES = ("tiga kotak angka", "three digit boxes")


# Field names per sex, built once: the rules run for every form of a national ingest.
_R1_KEYS = tuple((sex, f"pengguna_total_{sex}", f"pengguna_dpt_{sex}", f"pengguna_dptb_{sex}",
                  f"pengguna_non_dpt_{sex}") for sex in SEXES)
_R2_KEYS = tuple((group, f"{group}_l", f"{group}_p", f"{group}_j") for group in PERSON_GROUPS)
_R3_KEYS = tuple((sex, f"pengguna_dpt_{sex}", f"pemilih_dpt_{sex}") for sex in SEXES)


def r1_pengguna_total(form: Form, contest: Contest) -> list[Flag]:
    adm = form.administrasi
    flags = []
    for sex, total_key, dpt_key, dptb_key, dpk_key in _R1_KEYS:
        total, dpt, dptb, dpk = adm.get(total_key), adm.get(dpt_key), adm.get(dptb_key), adm.get(dpk_key)
        if total is None or dpt is None or dptb is None or dpk is None:
            continue
        if total != dpt + dptb + dpk:
            flags.append(_flag(
                "R1", f"{_id_n(total_key, total)} tidak sama dengan pengguna hak pilih DPT + DPTb + DPK "
                      f"({dpt} + {dptb} + {dpk} = {dpt + dptb + dpk})",
                f"{_en_n(total_key, total)} does not equal the DPT, DPTb and DPK voters who voted "
                f"({dpt} + {dptb} + {dpk} = {dpt + dptb + dpk})",
                _adm(total_key), _adm(dpt_key), _adm(dptb_key), _adm(dpk_key)))
    return flags


def r2_jumlah(form: Form, contest: Contest) -> list[Flag]:
    adm = form.administrasi
    flags = []
    for group, l_key, p_key, j_key in _R2_KEYS:
        l, p, j = adm.get(l_key), adm.get(p_key), adm.get(j_key)
        if l is not None and p is not None and j is not None and j != l + p:
            flags.append(_flag("R2", f"{_id_n(j_key, j)} tidak sama dengan laki-laki ({l}) + perempuan ({p})",
                               f"{_en_n(j_key, j)} does not equal male ({l}) + female ({p})",
                               _adm(j_key), _adm(l_key), _adm(p_key)))
    return flags


def r3_pengguna_dpt(form: Form, contest: Contest) -> list[Flag]:
    adm = form.administrasi
    flags = []
    for sex, used_key, registered_key in _R3_KEYS:
        used, registered = adm.get(used_key), adm.get(registered_key)
        if used is not None and registered is not None and used > registered:
            flags.append(_flag("R3", f"{_id_n(used_key, used)} melebihi {_id_n(registered_key, registered)}",
                               f"{_en_n(used_key, used)} exceed {_en_n(registered_key, registered)}",
                               _adm(used_key), _adm(registered_key)))
    return flags


def r4_kapasitas(form: Form, contest: Contest) -> list[Flag]:
    dpt = form.adm("pemilih_dpt_j")
    if dpt is not None and dpt > contest.tps_cap:
        return [_flag("R4", f"{_id_n('pemilih_dpt_j', dpt)} melebihi kapasitas TPS ({contest.tps_cap})",
                      f"{_en_n('pemilih_dpt_j', dpt)} exceed the capacity of a TPS ({contest.tps_cap})",
                      _adm("pemilih_dpt_j"))]
    return []


def r5_surat_suara(form: Form, contest: Contest) -> list[Flag]:
    adm = form.administrasi
    received, used = adm.get("surat_suara_diterima"), adm.get("surat_suara_digunakan")
    returned, unused = adm.get("surat_suara_dikembalikan"), adm.get("surat_suara_tidak_digunakan")
    if received is None or used is None or returned is None or unused is None:
        return []
    if received != used + returned + unused:
        added = used + returned + unused
        return [_flag("R5", f"Surat suara diterima ({received}) tidak sama dengan digunakan ({used}) + dikembalikan "
                            f"({returned}) + tidak digunakan ({unused}) = {added}",
                      f"Ballots received ({received}) do not equal used ({used}) + returned ({returned}) "
                      f"+ not used ({unused}) = {added}",
                      *(_adm(k) for k in ("surat_suara_diterima", "surat_suara_digunakan",
                                          "surat_suara_dikembalikan", "surat_suara_tidak_digunakan")))]
    return []


def reserve_ballots(dpt: int) -> int:
    """The 2% reserve over DPT, rounded up."""
    return -(-dpt * 2 // 100)


def r6_cadangan(form: Form, contest: Contest) -> list[Flag]:
    received, dpt, dptb = form.adm("surat_suara_diterima"), form.adm("pemilih_dpt_j"), form.adm("pengguna_dptb_j")
    if received is None or dpt is None or dptb is None:
        return []
    allowed = dpt + reserve_ballots(dpt) + dptb
    if received > allowed:
        return [_flag("R6", f"Surat suara diterima ({received}) melebihi DPT + cadangan 2% + DPTb "
                            f"({dpt} + {reserve_ballots(dpt)} + {dptb} = {allowed})",
                      f"Ballots received ({received}) exceed DPT + 2% reserve + DPTb "
                      f"({dpt} + {reserve_ballots(dpt)} + {dptb} = {allowed})",
                      _adm("surat_suara_diterima"), _adm("pemilih_dpt_j"), _adm("pengguna_dptb_j"))]
    return []


def r7_digunakan(form: Form, contest: Contest) -> list[Flag]:
    used, voters = form.adm("surat_suara_digunakan"), form.adm("pengguna_total_j")
    if used is not None and voters is not None and used != voters:
        return [_flag("R7", f"Surat suara digunakan ({used}) tidak sama dengan "
                            f"{_with(_id('pengguna_total_j').lower(), voters)}",
                      f"Ballots used ({used}) do not equal "
                      f"{_with(_en('pengguna_total_j').lower(), voters)}",
                      _adm("surat_suara_digunakan"), _adm("pengguna_total_j"))]
    return []


def r8_suara_sah(form: Form, contest: Contest) -> list[Flag]:
    total = sum(form.suara.values())
    if form.suara_sah != total:
        if form.partai is not None:
            what, what_en = "jumlah suara semua partai", "the parties' totals added up"
        elif contest.kind == "pdpd":
            what, what_en = "jumlah suara semua calon", "the candidates' votes added up"
        else:
            what, what_en = "jumlah suara semua pasangan calon", "the candidate pairs' votes added up"
        return [_flag("R8", f"Jumlah suara sah ({form.suara_sah}) tidak sama dengan {what} ({total})",
                      f"Valid votes ({form.suara_sah}) do not equal {what_en} ({total})",
                      "suara_sah", *(f"partai.{n}.jumlah" if form.partai is not None else f"suara.{n}"
                                     for n in form.suara))]
    return []


def r9_suara_total(form: Form, contest: Contest) -> list[Flag]:
    expected = form.suara_sah + form.suara_tidak_sah
    if form.suara_total != expected:
        return [_flag("R9", f"Jumlah seluruh suara sah dan tidak sah ({form.suara_total}) tidak sama dengan suara sah "
                            f"({form.suara_sah}) + suara tidak sah ({form.suara_tidak_sah}) = {expected}",
                      f"Valid and invalid votes together ({form.suara_total}) do not equal valid ({form.suara_sah}) "
                      f"+ invalid ({form.suara_tidak_sah}) = {expected}",
                      "suara_total", "suara_sah", "suara_tidak_sah")]
    return []


def r10_melebihi_pengguna(form: Form, contest: Contest) -> list[Flag]:
    voters = form.adm("pengguna_total_j")
    if voters is not None and form.suara_total > voters:
        return [_flag("R10", f"Jumlah seluruh suara sah dan tidak sah ({form.suara_total}) melebihi "
                             f"{_with(_id('pengguna_total_j').lower(), voters)}",
                      f"Valid and invalid votes together ({form.suara_total}) exceed "
                      f"{_with(_en('pengguna_total_j').lower(), voters)}",
                      "suara_total", _adm("pengguna_total_j"))]
    return []


def r11_suara_paslon(form: Form, contest: Contest) -> list[Flag]:
    adm = form.administrasi
    dpt, dptb, dpk = adm.get("pemilih_dpt_j"), adm.get("pengguna_dptb_j"), adm.get("pengguna_non_dpt_j")
    ceiling = dpt + dptb + dpk if dpt is not None and dptb is not None and dpk is not None else None
    flags = []
    for nomor, votes in form.suara.items():
        box = f"suara.{nomor}"
        if votes > 999:
            flags.append(_flag("R11", f"{_id_n(box, votes)} melebihi 999 ({DIGIT_BOXES[0]})",
                               f"{_en_n(box, votes)} exceed 999 ({DIGIT_BOXES[1]})", box))
        elif ceiling is not None and votes > ceiling:
            flags.append(_flag("R11", f"{_id_n(box, votes)} melebihi DPT + DPTb + DPK ({ceiling})",
                               f"{_en_n(box, votes)} exceed DPT + DPTb + DPK ({ceiling})",
                               box, _adm("pemilih_dpt_j"), _adm("pengguna_dptb_j"), _adm("pengguna_non_dpt_j")))
    return flags


def r14_jumlah_partai(form: Form, contest: Contest) -> list[Flag]:
    flags = []
    for nomor, block in (form.partai or {}).items():
        expected = block.suara_partai + sum(block.caleg.values())
        if block.jumlah != expected:
            caleg = expected - block.suara_partai
            flags.append(_flag("R14", f"Jumlah suara partai nomor {nomor} ({block.jumlah}) tidak sama dengan suara partai "
                                      f"saja ({block.suara_partai}) + suara calon ({caleg}) = {expected}",
                               f"The total of party number {nomor} ({block.jumlah}) does not equal its party-only votes "
                               f"({block.suara_partai}) + its candidates' votes ({caleg}) = {expected}",
                               f"partai.{nomor}.jumlah", f"partai.{nomor}.suara_partai",
                               *(f"partai.{nomor}.caleg.{c}" for c in block.caleg)))
    return flags


def r15_kotak_angka(form: Form, contest: Contest) -> list[Flag]:
    """Every number on a party-list form is written in three boxes. Party totals are R11's."""
    if form.partai is None:
        return []
    flags = [_too_long(name, value) for name, value in (("suara_sah", form.suara_sah),
                                                         ("suara_tidak_sah", form.suara_tidak_sah),
                                                         ("suara_total", form.suara_total)) if value > DIGIT_BOXES_MAX]
    for nomor, block in form.partai.items():
        # names are built only for a number that overflows: most forms have none
        if block.suara_partai > DIGIT_BOXES_MAX:
            flags.append(_too_long(f"partai.{nomor}.suara_partai", block.suara_partai))
        if block.caleg and max(block.caleg.values()) > DIGIT_BOXES_MAX:
            flags.extend(_too_long(f"partai.{nomor}.caleg.{c}", v) for c, v in block.caleg.items()
                         if v > DIGIT_BOXES_MAX)
    return flags


def _too_long(box: str, value: int) -> Flag:
    return _flag("R15", f"{_id_n(box, value)} melebihi {DIGIT_BOXES_MAX} ({DIGIT_BOXES[0]})",
                 f"{_en_n(box, value)} exceed {DIGIT_BOXES_MAX} ({DIGIT_BOXES[1]})", box)


Rule = Callable[[Form, Contest], list[Flag]]
CHECKS: tuple[Rule, ...] = (
    r1_pengguna_total, r2_jumlah, r3_pengguna_dpt, r4_kapasitas, r5_surat_suara, r6_cadangan,
    r7_digunakan, r8_suara_sah, r9_suara_total, r10_melebihi_pengguna, r11_suara_paslon,
    r14_jumlah_partai, r15_kotak_angka,
)


def conform_to_contest(form: Form, contest: Contest, ballot: Ballot | None = None) -> None:
    """The vote section must name exactly the contest's candidates (part of R12).

    A party-list form must name its TPS's dapil and exactly the parties standing there, each
    with exactly the candidates of its list in that dapil.
    """
    if form.contest != contest.key:
        raise MalformedForm(f"formulir untuk {form.contest!r}, bukan {contest.key!r}", "contest")
    if contest.is_party_list != (form.partai is not None):
        wanted = "'partai' (per partai dan caleg)" if contest.is_party_list else "'suara' (per nomor urut)"
        raise MalformedForm(f"formulir {contest.key} harus berisi {wanted}", "partai" if form.partai else "suara")
    if form.partai is not None:
        if ballot is None:
            raise MalformedForm(f"TPS {form.tps} tidak berada di daerah pemilihan {contest.key} mana pun", "dapil")
        _conform_to_ballot(form, contest, ballot)
        return
    expected = set(contest.nomor_keys)
    given = set(form.suara)
    if given != expected:
        extra, missing = sorted(given - expected, key=int), sorted(expected - given, key=int)
        parts = []
        if extra:
            parts.append(f"nomor urut tidak dikenal: {', '.join(extra)}")
        if missing:
            parts.append(f"nomor urut tidak ada: {', '.join(missing)}")
        raise MalformedForm(f"suara: {'; '.join(parts)} (paslon {contest.key}: 1..{len(expected)})", "suara")


def _conform_to_ballot(form: Form, contest: Contest, ballot: Ballot) -> None:
    assert form.partai is not None
    if form.dapil != ballot.dapil:
        raise MalformedForm(f"dapil: TPS {form.tps} berada di dapil {ballot.dapil} untuk {contest.key}, "
                            f"bukan {form.dapil}", "dapil")
    standing = set(ballot.parties)
    given = set(form.partai)
    if given - standing:
        raise MalformedForm(f"partai: nomor {', '.join(sorted(given - standing, key=int))} tidak ikut di dapil "
                            f"{ballot.dapil}", "partai")
    if standing - given:
        raise MalformedForm(f"partai: nomor {', '.join(sorted(standing - given, key=int))} tidak ada pada formulir "
                            f"(dapil {ballot.dapil})", "partai")
    for nomor, block in form.partai.items():
        listed = ballot.parties[nomor]
        extra, missing = set(block.caleg) - listed, listed - set(block.caleg)
        if extra:
            raise MalformedForm(f"partai.{nomor}.caleg: nomor {', '.join(sorted(extra, key=int))} bukan caleg partai "
                                f"{nomor} di dapil {ballot.dapil}", f"partai.{nomor}.caleg")
        if missing:
            raise MalformedForm(f"partai.{nomor}.caleg: caleg nomor {', '.join(sorted(missing, key=int))} tidak ada "
                                f"pada formulir", f"partai.{nomor}.caleg")


def check_form(form: Form, contest: Contest) -> list[Flag]:
    """All flags of a well-formed form, in rule order."""
    flags: list[Flag] = []
    for rule in CHECKS:
        flags.extend(rule(form, contest))
    return flags
