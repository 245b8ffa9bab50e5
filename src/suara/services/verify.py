"""`suara verify`: recompute every rollup from the stored forms and check the audit chain.

Nothing here trusts what the tally wrote: rollups and the flagged-TPS index are rebuilt from
the current version of every TPS (as of the tally's cursor, so verify also works while forms
keep arriving), every version's content is hashed again and compared with the hash its audit
event recorded, and the chain of audit events is walked from the first to the head.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from sqlalchemy import Connection, Engine, select

from suara.domain.audit import GENESIS, event_hash, text_hash
from suara.domain.tally import Totals, roll_up
from suara.store import audit
from suara.store.schema import flagged_tps, form_versions, rollups, version_photos
from suara.tally.codec import contribution_of_version, rules_of_flags, totals_of_row
from suara.tally.fold import pending, tally_point

MAX_REPORTED = 50
Tick = Callable[[str, int], None]


@dataclass
class VerifyReport:
    versions_checked: int = 0
    current_checked: int = 0
    rollups_checked: int = 0
    events_checked: int = 0
    pending: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    dapils: dict[tuple[str, str], str] = field(default_factory=dict)  # (contest, desa) -> dapil

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append(text)


def verify(engine: Engine, progress: Tick | None = None) -> VerifyReport:
    report = VerifyReport()
    tick = progress or (lambda stage, n: None)
    with engine.connect() as conn:
        photos: dict[int, set[tuple[int, str, str]]] = {}
        recorded = _check_chain(conn, report, tick, photos)
        _check_photos(conn, photos, report)
        expected, flagged = _check_versions(conn, recorded, report, tick)
        _check_rollups(conn, roll_up(expected, report.dapils), report)
        _check_flagged(conn, flagged, report)
    return report


def _check_chain(conn: Connection, report: VerifyReport, tick: Tick,
                 photos: dict[int, set[tuple[int, str, str]]]) -> dict[int, str]:
    """Walk the chain; returns version id -> content hash as the audit events recorded them, and
    fills `photos` with the page photos each version event recorded."""
    recorded: dict[int, str] = {}
    prev, last_seq = GENESIS, 0
    for seq, at, kind, actor, subject, payload, prev_hash, digest in audit.read_events(conn):
        if seq != last_seq + 1:
            report.problem(f"audit: urutan terputus, {last_seq} lalu {seq}")
        if prev_hash != prev:
            report.problem(f"audit #{seq}: prev_hash tidak cocok dengan hash peristiwa sebelumnya")
        if event_hash(prev_hash, seq, at, kind, actor, subject, payload) != digest:
            report.problem(f"audit #{seq}: isi peristiwa diubah (hash tidak cocok)")
        if kind == "form.version":
            data = orjson.loads(payload)
            recorded[data["version_id"]] = data["content_hash"]
            if data.get("photos"):
                photos[data["version_id"]] = {(page, sha, public) for page, sha, public in data["photos"]}
        prev, last_seq = digest, seq
        report.events_checked += 1
        if report.events_checked % 50_000 == 0:
            tick("audit", 50_000)
    head_seq, head_hash = audit.head(conn)
    if (head_seq, head_hash) != (last_seq, prev):
        report.problem(f"audit: kepala rantai ({head_seq}) tidak sama dengan peristiwa terakhir ({last_seq})")
    return recorded


Flagged = set[tuple[str, str, str]]  # contest, rule, tps


def _check_versions(conn: Connection, recorded: dict[int, str], report: VerifyReport,
                    tick: Tick) -> tuple[dict[tuple[str, str], Totals], Flagged]:
    """Hash every version and sum the current one of each TPS (as of the tally cursor) into its
    desa; also returns the flagged-TPS rows those current versions make."""
    _, cursor, _ = tally_point(conn)
    report.pending = pending(conn)
    per_desa: dict[tuple[str, str], Totals] = defaultdict(Totals)
    dapils = report.dapils
    flagged: Flagged = set()
    stmt = (select(form_versions.c.id, form_versions.c.contest, form_versions.c.tps, form_versions.c.payload,
                   form_versions.c.content_hash, form_versions.c.flags)
            .order_by(form_versions.c.tps, form_versions.c.contest, form_versions.c.version_no))
    current: tuple[str, str, str, str] | None = None  # contest, tps, payload, flags

    def count(contest: str, tps: str, payload: str, flags: str) -> None:
        report.current_checked += 1
        contribution = contribution_of_version(payload, flags)
        per_desa[(contest, tps[:10])].apply(contribution)
        if contribution.dapil is not None:
            dapils[(contest, tps[:10])] = contribution.dapil
        flagged.update((contest, rule, tps) for rule in rules_of_flags(flags))

    for version_id, contest, tps, payload, stored_hash, flags in conn.execution_options(yield_per=20_000).execute(stmt):
        if text_hash(payload) != stored_hash:
            report.problem(f"versi #{version_id}: isi formulir diubah (hash isi tidak cocok)")
        if recorded.pop(version_id, None) != stored_hash:
            report.problem(f"versi #{version_id}: tidak tercatat di rantai audit dengan hash ini")
        if current is not None and (current[0], current[1]) != (contest, tps):
            count(*current)
            current = None
        if version_id <= cursor:
            current = (contest, tps, payload, flags)
        report.versions_checked += 1
        if report.versions_checked % 50_000 == 0:
            tick("versions", 50_000)
    if current is not None:
        count(*current)
    for version_id in sorted(recorded)[:MAX_REPORTED]:
        report.problem(f"versi #{version_id}: tercatat di audit tetapi hilang dari basis data")
    return per_desa, flagged


def _check_photos(conn: Connection, recorded: dict[int, set[tuple[int, str, str]]], report: VerifyReport) -> None:
    """Every photo row must be the one its version's audit event recorded, and none missing."""
    stored: dict[int, set[tuple[int, str, str]]] = {}
    for row in conn.execute(select(version_photos)):
        stored.setdefault(row.version_id, set()).add((row.page, row.sha256, row.public_sha256))
    for version_id in sorted(set(stored) | set(recorded)):
        if stored.get(version_id, set()) != recorded.get(version_id, set()):
            report.problem(f"foto versi #{version_id}: metadata foto tidak sama dengan yang tercatat di rantai audit")


def _check_rollups(conn: Connection, expected: dict[tuple[str, str], Totals], report: VerifyReport) -> None:
    for row in conn.execute(select(rollups)):
        report.rollups_checked += 1
        want = expected.pop((row.contest, row.kode), Totals())
        stored = totals_of_row(row)
        if stored != want:
            report.problem(f"rollup {row.contest}/{row.kode}: tersimpan {stored.as_dict()} != hitung ulang {want.as_dict()}")
    for (contest, kode), totals in expected.items():
        if not totals.is_zero():
            report.problem(f"rollup {contest}/{kode}: tidak ada, padahal hitung ulang {totals.as_dict()}")


def _check_flagged(conn: Connection, expected: Flagged, report: VerifyReport) -> None:
    """The flagged-TPS index must hold exactly the rules of the current versions."""
    stored = {(r.contest, r.rule, r.tps) for r in conn.execute(select(flagged_tps))}
    for contest, rule, tps in sorted(stored - expected):
        report.problem(f"TPS bercatatan {contest}/{rule}/{tps}: tercatat, padahal versi yang dihitung tidak melanggar {rule}")
    for contest, rule, tps in sorted(expected - stored):
        report.problem(f"TPS bercatatan {contest}/{rule}/{tps}: tidak tercatat, padahal versi yang dihitung melanggar {rule}")
