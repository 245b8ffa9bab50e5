"""`suara verify`: recompute every rollup from the stored forms and check the audit chain.

Nothing here trusts what the tally wrote: rollups and the flagged-TPS index are rebuilt from
the current version of every TPS (as of the tally's cursor, so verify also works while forms
keep arriving), every version's content is hashed again and compared with the hash its audit
event recorded, and the chain of audit events is walked from the first to the head and replayed:
every row of the tables that the public record shows or that grants power (form versions and
their photos, accounts, tokens, corrections, complaints) must be what the chain says
(services/verify_chain.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, select

from suara.blobs import BlobStore
from suara.domain.audit import text_hash
from suara.domain.chain_replay import ChainState
from suara.domain.tally import Totals, roll_up
from suara.services import verify_chain
from suara.services.verify_blobs import check_blobs
from suara.store.engine import one_snapshot
from suara.store.schema import flagged_tps, form_versions, rollups
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


def verify(engine: Engine, progress: Tick | None = None, witness: Mapping[int, str] | None = None,
           blobs: BlobStore | None = None) -> VerifyReport:
    """Everything above; with `witness` (seq -> hash of heads seen before, see `suara witness`),
    also that today's chain still has every one of those heads."""
    report = VerifyReport()
    tick = progress or (lambda stage, n: None)
    with engine.connect() as conn:
        # one snapshot: the tally may fold while this runs, and the versions, the cursor, the
        # rollups and the flagged index must be read as of one moment to agree
        conn = one_snapshot(conn)
        state = verify_chain.walk_chain(conn, report, tick, witness)
        verify_chain.check_tables(conn, state, report)
        expected, flagged = _check_versions(conn, state, report, tick)
        _check_rollups(conn, roll_up(expected, report.dapils), report)
        _check_flagged(conn, flagged, report)
    if blobs is not None:  # the photos' bytes: missing, corrupted, orphans (services/verify_blobs.py)
        check_blobs(engine, blobs, report, tick)
    return report


Flagged = set[tuple[str, str, str]]  # contest, rule, tps


def _check_versions(conn: Connection, state: ChainState, report: VerifyReport,
                    tick: Tick) -> tuple[dict[tuple[str, str], Totals], Flagged]:
    """Hash every version, compare it with its audit event, and sum the current one of each TPS (as of the tally cursor) into its
    desa; also returns the flagged-TPS rows those current versions make."""
    _, cursor, _ = tally_point(conn)
    report.pending = pending(conn)
    per_desa: dict[tuple[str, str], Totals] = defaultdict(Totals)
    dapils = report.dapils
    flagged: Flagged = set()
    stmt = (select(form_versions.c.id, form_versions.c.contest, form_versions.c.tps, form_versions.c.payload,
                   form_versions.c.content_hash, form_versions.c.flags, form_versions.c.version_no,
                   form_versions.c.outcome, form_versions.c.actor, form_versions.c.reason,
                   form_versions.c.submitted_at, form_versions.c.reading)
            .order_by(form_versions.c.tps, form_versions.c.contest, form_versions.c.version_no))
    current: tuple[str, str, str, str] | None = None  # contest, tps, payload, flags

    def count(contest: str, tps: str, payload: str, flags: str) -> None:
        report.current_checked += 1
        contribution = contribution_of_version(payload, flags)
        per_desa[(contest, tps[:10])].apply(contribution)
        if contribution.dapil is not None:
            dapils[(contest, tps[:10])] = contribution.dapil
        flagged.update((contest, rule, tps) for rule in rules_of_flags(flags))

    for row in conn.execution_options(yield_per=20_000).execute(stmt):
        version_id, contest, tps, payload, stored_hash, flags = row[:6]
        if text_hash(payload) != stored_hash:
            report.problem(f"versi #{version_id}: isi formulir diubah (hash isi tidak cocok)")
        verify_chain.check_version(conn, state, row, report)
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
    verify_chain.missing_versions(state, report)
    return per_desa, flagged


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
