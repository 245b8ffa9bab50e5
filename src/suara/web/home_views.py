"""What each role's home page shows (/ui): a KPPS its TPS's ballots and their state; an official
every race of its region with its progress, its flagged TPS, the corrections and complaints
waiting there and the state of its own recapitulation tier; KPU RI the same for the nation.

Every figure comes from the rollups (one read for all races), the flagged-TPS index (one probe
per rule that flags something) and small counts of the corrections and complaints tables, never
from the form versions: a province's home costs the same as a kecamatan's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from suara.domain.access import Action, may, may_record_recap
from suara.domain.contests import KIND_ORDER, Contest
from suara.domain.elections import ContestScope
from suara.domain.percent import percent
from suara.domain.recap import TIER_NAMES, has_tier, prerequisites, rows_of, tier_of
from suara.domain.rules import RULES
from suara.domain.tally import Totals, rule_order
from suara.services.accounts import Principal
from suara.store import recap as recap_store
from suara.store.reference import Reference
from suara.tally.codec import rules_of_flags
from suara.tally.queries import flag_examples, rollups_at
from suara.web.entry import ballots_of
from suara.web.i18n import number
from suara.web.nav import scope_name

# Regional races lying inside an official's region (each Pilkada bupati of a province, every DPD
# of the nation) are listed one by one up to this many of a kind; beyond it they are summed.
LISTED_PER_KIND = 8
TIER_WORDS = {None: "belum dicatat", recap_store.RECORDED: "dicatat, belum ditetapkan",
              recap_store.LOCKED: "ditetapkan (dikunci)"}


def _progress(reported: int, total: int, persen: str) -> str:
    return f"{number(reported, 'id')} dari {number(total, 'id')} TPS ({persen}%)"


@dataclass(frozen=True, slots=True)
class RuleLink:
    rule: str
    judul: str
    count: str
    example: str | None  # the smallest flagged TPS's code, for the public page and a correction


@dataclass(frozen=True, slots=True)
class RecapTask:
    formulir: str
    status: str  # "none", "recorded", "locked"
    words: str
    below: str  # the tiers below: none (kecamatan, PPLN), all locked, or how many are not
    href: str


@dataclass(frozen=True, slots=True)
class Race:
    """One contest as seen from a region: its figures at `kode` (the region itself, or the
    contest's own area when the contest lies inside the region)."""

    contest: Contest
    kode: str
    area: str
    reported: int
    total: int
    persen: str
    flagged: int
    rules: tuple[RuleLink, ...]
    waiting: int
    open_complaints: int
    recap: RecapTask | None

    @property
    def public_href(self) -> str:
        return f"/wilayah/{self.contest.key}/{self.kode}"

    @property
    def progress(self) -> str:
        return _progress(self.reported, self.total, self.persen)


@dataclass(frozen=True, slots=True)
class RaceGroup:
    """Many regional races of one kind inside the region, summed (their rows listed too)."""

    nama: str
    races: tuple[Race, ...]

    @property
    def reported(self) -> int:
        return sum(r.reported for r in self.races)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.races)

    @property
    def flagged(self) -> int:
        return sum(r.flagged for r in self.races)

    @property
    def waiting(self) -> int:
        return sum(r.waiting for r in self.races)

    @property
    def open_complaints(self) -> int:
        return sum(r.open_complaints for r in self.races)

    @property
    def persen(self) -> str:
        return number(percent(self.reported, self.total, 2), "id")

    @property
    def recap(self) -> str | None:
        """How far the official's own tiers of these races stand, when it holds any."""
        tasks = [r.recap for r in self.races if r.recap is not None]
        if not tasks:
            return None
        locked = sum(1 for t in tasks if t.status == recap_store.LOCKED)
        recorded = sum(1 for t in tasks if t.status == recap_store.RECORDED)
        return f"{tasks[0].formulir}: {locked} dari {len(tasks)} ditetapkan, {recorded} dicatat belum ditetapkan"

    @property
    def progress(self) -> str:
        return _progress(self.reported, self.total, self.persen)


@dataclass(frozen=True, slots=True)
class BallotState:
    """One ballot of a TPS: not sent, stored as version N (with its rules), a proposal waiting."""

    key: str
    label: str
    nama: str
    kind: str
    version_no: int | None
    rules: tuple[str, ...]
    waiting: int


def races_in(reference: Reference, kode: str) -> list[tuple[Contest, ContestScope, str]]:
    """Every contest counted inside a region, with the region its figures are read at."""
    found = []
    for contest in reference.contests.values():
        scope = reference.scope(contest)
        if scope.tps_total(kode) == 0:
            continue
        found.append((contest, scope, kode if contest.covers(kode) else contest.region))
    return sorted(found, key=lambda item: (KIND_ORDER.get(item[0].kind, len(KIND_ORDER)), item[0].key))


def _recap_task(conn: Connection, who: Principal, contest: Contest, scope: ContestScope) -> RecapTask | None:
    """The state of the official's own tier of a contest and of the tiers it waits for."""
    kode = who.scope
    if not may_record_recap(who.role, who.scope, kode) or not has_tier(scope, kode):
        return None
    needed = [code for row in rows_of(scope, kode) for code in prerequisites(scope, kode, row)]
    found = recap_store.statuses(conn, contest.key, [kode, *needed])
    own = found.get(kode)
    if not needed:  # the words of the recapitulation's own list (/ui/rekap)
        below = "tingkat bawah: tidak ada (dicatat dari formulir C Hasil)"
    else:
        open_below = sum(1 for code in needed if found.get(code) != recap_store.LOCKED)
        below = "tingkat bawah: semua ditetapkan" if not open_below else \
            f"tingkat bawah: {open_below} dari {len(needed)} belum ditetapkan"
    return RecapTask(TIER_NAMES[tier_of(kode)], own or "none", TIER_WORDS[own], below,
                     f"/ui/rekap/{contest.key}/{kode}")


def _rule_links(conn: Connection, contest: Contest, kode: str, totals: Totals) -> tuple[RuleLink, ...]:
    counted = {rule: n for rule, n in totals.flag_counts.items() if n}
    examples = flag_examples(conn, contest.key, kode, sorted(counted, key=rule_order))
    return tuple(RuleLink(rule, RULES[rule].judul, number(counted[rule], "id"), examples.get(rule))
                 for rule in sorted(counted, key=rule_order))


def races(conn: Connection, reference: Reference, who: Principal, waiting: dict[str, int],
          open_complaints: dict[str, int]) -> list[Race | RaceGroup]:
    """The races of an official's (or observer's) region, regional ones summed by kind when many."""
    found = races_in(reference, who.scope)
    totals = rollups_at(conn, [(contest.key, kode) for contest, _, kode in found])
    by_kind: dict[str, int] = {}
    for contest, _, _ in found:
        by_kind[contest.kind] = by_kind.get(contest.kind, 0) + 1
    shown: list[Race | str] = []  # a kind's name keeps the place of its summed races
    groups: dict[str, list[Race]] = {}
    for contest, scope, kode in found:
        own = totals[(contest.key, kode)]
        summed = kode != who.scope and by_kind[contest.kind] > LISTED_PER_KIND
        race = Race(contest, kode, scope_name(reference, kode), own.tps_reported, scope.tps_total(kode),
                    number(percent(own.tps_reported, scope.tps_total(kode), 2), "id"), own.tps_flagged,
                    () if summed else _rule_links(conn, contest, kode, own), waiting.get(contest.key, 0),
                    open_complaints.get(contest.key, 0), _recap_task(conn, who, contest, scope))
        if not summed:
            shown.append(race)
            continue
        if contest.kind not in groups:
            shown.append(contest.kind)
        groups.setdefault(contest.kind, []).append(race)
    return [RaceGroup(groups[item][0].contest.info.nama, tuple(groups[item])) if isinstance(item, str) else item
            for item in shown]


def ballots(reference: Reference, tps: str, stored: dict[tuple[str, str], Any],
            waiting: dict[str, int]) -> list[tuple[str, list[BallotState]]]:
    """Every ballot of a TPS by election, with what has been stored and what waits for KPU RI."""
    shown = []
    for election in ballots_of(reference, tps):
        states = []
        for tab in election.tabs:
            version = stored.get((tab.key, tps))
            rules = tuple(sorted(rules_of_flags(version.flags), key=rule_order)) if version else ()
            states.append(BallotState(tab.key, tab.label, tab.nama, tab.kind,
                                      version.version_no if version else None, rules, waiting.get(tab.key, 0)))
        shown.append((election.nama, states))
    return shown


def may_handle(who: Principal) -> dict[str, bool]:
    """Which of the officials' screens this role has, at its own region."""
    return {"corrections": may(who.role, who.scope, Action.PROPOSE_CORRECTION, who.scope)
            or may(who.role, who.scope, Action.DECIDE_CORRECTION, who.scope),
            "propose": may(who.role, who.scope, Action.PROPOSE_CORRECTION, who.scope),
            "complaints": may(who.role, who.scope, Action.REVIEW_COMPLAINT, who.scope)}
