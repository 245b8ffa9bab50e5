"""`suara verify`: recompute every rollup from the current versions and check the audit chain.

Nothing here trusts what the tally wrote: rollups are rebuilt from the stored forms, every
version's content is hashed again and compared with the hash its audit event recorded, and the
chain of audit events is walked from the first to the head.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from sqlalchemy import Connection, Engine, func, select

from suara.domain.audit import GENESIS, content_hash, event_hash
from suara.domain.regions import ancestors
from suara.domain.tally import Totals
from suara.store import audit
from suara.store.schema import current_versions, form_versions, rollups, tally_counted, tally_queue
from suara.tally.codec import contribution_of_version, totals_of_row

MAX_REPORTED = 50


@dataclass
class VerifyReport:
    versions_checked: int = 0
    current_checked: int = 0
    rollups_checked: int = 0
    events_checked: int = 0
    pending: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append(text)


def verify(engine: Engine, progress: Callable[[str, int], None] | None = None) -> VerifyReport:
    report = VerifyReport()
    tick = progress or (lambda stage, n: None)
    with engine.connect() as conn:
        recorded = _check_chain(conn, report, tick)
        _check_versions(conn, recorded, report, tick)
        _check_rollups(conn, report, tick)
    return report


def _check_chain(conn: Connection, report: VerifyReport, tick: Callable[[str, int], None]) -> dict[int, str]:
    """Walk the chain; returns version id -> content hash as the audit events recorded them."""
    recorded: dict[int, str] = {}
    prev, last_seq = GENESIS, 0
    for n, event in enumerate(audit.read_events(conn), start=1):
        payload = orjson.loads(event.payload)
        if event.seq != last_seq + 1:
            report.problem(f"audit: urutan terputus, {last_seq} lalu {event.seq}")
        if event.prev_hash != prev:
            report.problem(f"audit #{event.seq}: prev_hash tidak cocok dengan hash peristiwa sebelumnya")
        expected = event_hash(event.prev_hash, event.seq, event.at, event.kind, event.actor, event.subject, payload)
        if expected != event.hash:
            report.problem(f"audit #{event.seq}: isi peristiwa diubah (hash tidak cocok)")
        if event.kind == "form.version":
            recorded[payload["version_id"]] = payload["content_hash"]
        prev, last_seq = event.hash, event.seq
        report.events_checked = n
        if n % 50_000 == 0:
            tick("audit", 50_000)
    head_seq, head_hash = audit.head(conn)
    if (head_seq, head_hash) != (last_seq, prev):
        report.problem(f"audit: kepala rantai ({head_seq}) tidak sama dengan peristiwa terakhir ({last_seq})")
    return recorded


def _check_versions(conn: Connection, recorded: dict[int, str], report: VerifyReport,
                    tick: Callable[[str, int], None]) -> None:
    last = 0
    while True:
        rows = conn.execute(select(form_versions.c.id, form_versions.c.payload, form_versions.c.content_hash)
                            .where(form_versions.c.id > last).order_by(form_versions.c.id).limit(50_000)).all()
        if not rows:
            break
        for row in rows:
            actual = content_hash(orjson.loads(row.payload))
            if actual != row.content_hash:
                report.problem(f"versi #{row.id}: isi formulir diubah (hash isi tidak cocok)")
            if recorded.pop(row.id, None) != row.content_hash:
                report.problem(f"versi #{row.id}: tidak tercatat di rantai audit dengan hash ini")
        report.versions_checked += len(rows)
        last = rows[-1].id
        tick("versions", len(rows))
    for version_id in sorted(recorded)[:MAX_REPORTED]:
        report.problem(f"versi #{version_id}: tercatat di audit tetapi hilang dari basis data")


def _check_rollups(conn: Connection, report: VerifyReport, tick: Callable[[str, int], None]) -> None:
    report.pending = int(conn.execute(select(func.count()).select_from(tally_queue)).scalar_one())
    if report.pending:
        report.problem(f"tally: {report.pending} versi belum dijumlahkan (jalankan tally)")
    counted = {(r.contest, r.tps): r.version_id for r in conn.execute(
        select(tally_counted.c.contest, tally_counted.c.tps, tally_counted.c.version_id))}
    expected: dict[tuple[str, str], Totals] = defaultdict(Totals)
    stmt = (select(current_versions.c.contest, current_versions.c.tps, current_versions.c.version_id,
                   form_versions.c.payload, form_versions.c.flags)
            .join(form_versions, form_versions.c.id == current_versions.c.version_id))
    n = 0
    for row in conn.execution_options(yield_per=20_000).execute(stmt):
        n += 1
        if counted.pop((row.contest, row.tps), None) != row.version_id:
            report.problem(f"tally {row.contest}/{row.tps}: yang dijumlahkan bukan versi terkini")
        expected[(row.contest, row.tps[:10])].apply(contribution_of_version(row.payload, row.flags))
        if n % 50_000 == 0:
            tick("current", 50_000)
    report.current_checked = n
    for pair in list(counted)[:MAX_REPORTED]:
        report.problem(f"tally {pair[0]}/{pair[1]}: dijumlahkan tanpa versi terkini")
    for length in (10, 6, 4, 2):
        for (contest, kode), totals in [(k, v) for k, v in expected.items() if len(k[1]) == length]:
            expected[(contest, ancestors(kode)[-1])].merge(totals)
    for row in conn.execute(select(rollups)):
        report.rollups_checked += 1
        want = expected.pop((row.contest, row.kode), Totals())
        if totals_of_row(row) != want:
            report.problem(f"rollup {row.contest}/{row.kode}: tersimpan {totals_of_row(row).as_dict()} "
                           f"!= hitung ulang {want.as_dict()}")
    for (contest, kode), totals in expected.items():
        if not totals.is_zero():
            report.problem(f"rollup {contest}/{kode}: tidak ada, padahal hitung ulang {totals.as_dict()}")
