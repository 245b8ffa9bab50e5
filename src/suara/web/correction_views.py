"""What KPU RI reads before authorising a correction: the form's numbers as published and as
proposed, box by box under the form's own labels (I-V, each candidate or party and caleg by name),
what the change does to the totals of the contest's area, and which rules the new numbers would
break. Built from the two form documents; the caller reads them and the area's rollup."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from suara.domain import form_labels
from suara.domain.contests import Contest
from suara.domain.form import PERSON_GROUPS, SURAT_SUARA
from suara.domain.tally import Totals
from suara.services.corrections import Correction
from suara.services.resends import RESEND_REASON
from suara.web.entry import TOTALS, PartyForm, fields_of
from suara.web.i18n import number
from suara.web.nav import ROLE_NAMES

# the form's own labels, from the one table every screen and page shares (domain/form_labels.py)
GROUPS = tuple((group, form_labels.GROUPS[group][0]) for group in PERSON_GROUPS)
SEXES = tuple((sex, words[0]) for sex, words in form_labels.SEXES.items())
BALLOTS = tuple((key, form_labels.BALLOTS[key][0]) for key in SURAT_SUARA)
TOTAL_LABELS = {key: words[0] for key, words in form_labels.TOTALS.items()}
ROLE_WORDS = {role.value: name for role, name in ROLE_NAMES.items()}
STATUS_WORDS = {"proposed": "menunggu pengesahan KPU RI", "approved": "disahkan", "rejected": "ditolak"}


@dataclass(frozen=True, slots=True)
class Box:
    label: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    boxes: tuple[Box, ...]

    @property
    def changed(self) -> int:
        return sum(1 for box in self.boxes if box.changed)


@dataclass(frozen=True, slots=True)
class TotalChange:
    """One figure of the contest's area: the TPS's part before and after, and the area's total."""

    label: str
    tps_old: int
    tps_new: int
    area_old: int
    area_new: int

    @property
    def delta(self) -> str:
        difference = self.tps_new - self.tps_old
        if difference > 0:
            return "+" + number(difference, "id")
        if difference < 0:
            return "\u2212" + number(-difference, "id")  # a minus sign, not a hyphen
        return "0"

    @property
    def changed(self) -> bool:
        return self.tps_new != self.tps_old

    @property
    def area_shown(self) -> tuple[str, str]:
        return number(self.area_old, "id"), number(self.area_new, "id")


def labelled_boxes(contest: Contest, party_form: PartyForm | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every box of the form in the order of the paper form: (section, [(field name, label)])."""
    people = [(f"{group}_{sex}", f"{label} ({word})") for group, label in GROUPS for sex, word in SEXES]
    people.append(("pemilih_disabilitas_j", "Pemilih disabilitas (jumlah)"))
    votes: list[tuple[str, str]] = []
    if party_form is None:
        votes = [(f"suara_{c.nomor_urut}", f"{c.nomor_urut}. {c.nama}") for c in contest.candidates]
    else:
        for party in party_form.parties:
            votes.append((f"suara_partai_{party.nomor}", f"{party.nomor}. {party.nama}: suara partai"))
            votes.extend((f"caleg_{party.nomor}_{c.nomor}", f"{party.nomor}.{c.nomor} {c.nama}") for c in party.caleg)
            votes.append((f"jumlah_{party.nomor}", f"Jumlah suara {party.nama}"))
    return [("I-II. Data pemilih dan pengguna hak pilih", people), ("III. Surat suara", list(BALLOTS)),
            ("IV. Perolehan suara", votes), ("V. Jumlah suara sah dan tidak sah", list(TOTAL_LABELS.items()))]


def side_by_side(contest: Contest, party_form: PartyForm | None, old: Mapping[str, Any] | None,
                 new: Mapping[str, Any]) -> list[Section]:
    """The published and proposed numbers box by box; a box neither fills is left out."""
    before, after = fields_of(old or {}), fields_of(new)
    sections = []
    known: set[str] = set()
    for title, boxes in labelled_boxes(contest, party_form):
        known.update(name for name, _ in boxes)
        shown = tuple(Box(label, before.get(name, ""), after.get(name, "")) for name, label in boxes
                      if name in before or name in after)
        if shown:
            sections.append(Section(title, shown))
    strays = sorted((set(before) | set(after)) - known)  # a box of a list no longer standing: still shown
    if strays:
        sections.append(Section("Lainnya", tuple(Box(name, before.get(name, ""), after.get(name, ""))
                                                 for name in strays)))
    return sections


def _votes(doc: Mapping[str, Any] | None) -> dict[str, int]:
    if doc is None:
        return {}
    if "partai" in doc:
        return {party: int(block["jumlah"]) for party, block in doc["partai"].items()}
    return {nomor: int(votes) for nomor, votes in doc.get("suara", {}).items()}


def total_changes(contest: Contest, party_form: PartyForm | None, old: Mapping[str, Any] | None,
                  new: Mapping[str, Any], area: Totals) -> list[TotalChange]:
    """Each candidate (or party) and the form's totals: the TPS's part and the area's total, now
    and once the correction is applied (the area's total moves by the TPS's difference)."""
    if party_form is None:
        items = [(str(c.nomor_urut), f"{c.nomor_urut}. {c.nama}") for c in contest.candidates]
    else:
        items = [(p.nomor, f"{p.nomor}. {p.nama}") for p in party_form.parties]
    before, after = _votes(old), _votes(new)
    changes = []
    for key, label in items:
        tps_old, tps_new = before.get(key, 0), after.get(key, 0)
        now = area.votes.get(key, 0)
        changes.append(TotalChange(label, tps_old, tps_new, now, now - tps_old + tps_new))
    for key in TOTALS:
        tps_old, tps_new = int((old or {}).get(key, 0)), int(new.get(key, 0))
        now = getattr(area, key)
        changes.append(TotalChange(TOTAL_LABELS[key], tps_old, tps_new, now, now - tps_old + tps_new))
    return changes


def flag_changes(old: Sequence[Mapping[str, str]], new: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
    """The new numbers' flags, each marked new or already there, then the flags they clear."""
    before = {(f["rule"], f["message"]) for f in old}
    after = {(f["rule"], f["message"]) for f in new}
    shown = [{**f, "state": "tetap" if (f["rule"], f["message"]) in before else "baru"} for f in new]
    shown.extend({**f, "state": "hilang"} for f in old if (f["rule"], f["message"]) not in after)
    return shown


def actor_words(actor: str) -> str:
    """An account as officials say it: "PPK ppk-gambir" for the actor "PPK:ppk-gambir"."""
    role, _, username = actor.partition(":")
    return f"{ROLE_WORDS.get(role, role)} {username}".strip()


def proposer(correction: Correction) -> str:
    """Who proposed; a KPPS's re-send after publication says so."""
    if correction.proposed_by.startswith("KPPS:") and correction.reason == RESEND_REASON:
        return f"{actor_words(correction.proposed_by)} (dikirim ulang dari TPS)"
    return actor_words(correction.proposed_by)
