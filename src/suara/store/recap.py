"""The recapitulation's records as stored: the current revision of each tier and its history."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select

from suara.domain.contests import Contest, UnknownContest
from suara.domain.elections import ContestScope
from suara.domain.recap import RecapRefused, RowFigures, has_tier, tier_of
from suara.domain.regions import NATIONAL
from suara.store.dialect import chunks
from suara.store.reference import Reference
from suara.store.schema import recap_records, recap_status

RECORDED, LOCKED = "recorded", "locked"


@dataclass(frozen=True)
class RecapRecord:
    """A tier as it stands: its current revision's rows and where its plenary is."""

    contest: str
    kode: str
    tingkat: str
    status: str
    revision: int
    rows: dict[str, RowFigures]
    content_hash: str
    minutes_sha256: str | None
    minutes_public_sha256: str | None
    minutes_media_type: str | None
    recorded_by: str
    recorded_at: datetime
    locked_by: str | None = None
    locked_at: datetime | None = None
    reopened_by: str | None = None
    reopened_at: datetime | None = None
    reopen_reason: str | None = None

    @property
    def locked(self) -> bool:
        return self.status == LOCKED

    def summary(self) -> dict[str, Any]:
        """Everything but the rows, as JSON."""
        return {"contest": self.contest, "kode": self.kode, "tingkat": self.tingkat, "status": self.status,
                "revision": self.revision, "content_hash": self.content_hash,
                "foto_berita_acara": self.minutes_public_sha256, "recorded_by": self.recorded_by,
                "recorded_at": self.recorded_at.isoformat(), "locked_by": self.locked_by,
                "locked_at": self.locked_at.isoformat() if self.locked_at else None,
                "reopened_by": self.reopened_by,
                "reopened_at": self.reopened_at.isoformat() if self.reopened_at else None,
                "reopen_reason": self.reopen_reason}


def contest_scope(reference: Reference, contest_key: str, kode: str) -> tuple[Contest, ContestScope]:
    """The contest and its scope, when the contest's recapitulation sits at kode (404 otherwise)."""
    try:
        contest = reference.contest(contest_key)
    except UnknownContest as exc:
        raise RecapRefused(404, "unknown_contest", str(exc)) from None
    tier_of(kode)  # RecapRefused for a region no plenary sits at
    scope = reference.scope(contest)
    if not has_tier(scope, kode):
        raise RecapRefused(404, "no_tier", f"{contest.key} tidak direkapitulasi di wilayah {kode}")
    return contest, scope



def status_row(conn: Connection, contest: str, kode: str) -> Any:
    return conn.execute(select(recap_status).where(recap_status.c.contest == contest,
                                                   recap_status.c.kode == kode)).first()


# --- reading -------------------------------------------------------------------------------------


def _record(row: Any, status: Any) -> RecapRecord:
    rows = {child: RowFigures.from_dict(doc) for child, doc in orjson.loads(row.rows).items()}
    return RecapRecord(row.contest, row.kode, row.tingkat, status.status, row.revision, rows, row.content_hash,
                       row.minutes_sha256, row.minutes_public_sha256, row.minutes_media_type, row.recorded_by,
                       row.recorded_at, status.locked_by, status.locked_at, status.reopened_by, status.reopened_at,
                       status.reopen_reason)


def current_record(conn: Connection, contest: str, kode: str) -> RecapRecord | None:
    status = status_row(conn, contest, kode)
    if status is None:
        return None
    row = conn.execute(select(recap_records).where(recap_records.c.contest == contest, recap_records.c.kode == kode,
                                                   recap_records.c.revision == status.revision)).first()
    return None if row is None else _record(row, status)


def get(engine: Engine, contest: str, kode: str) -> RecapRecord | None:
    with engine.connect() as conn:
        return current_record(conn, contest, kode)


def records_within(conn: Connection, contest: str, prefix: str) -> Iterator[RecapRecord]:
    """The current record of every tier of a contest inside a region ('0': all); only the rows
    of those tiers' current revisions are read."""
    status_where = recap_status.c.contest == contest
    if prefix != NATIONAL:
        status_where &= recap_status.c.kode.startswith(prefix)  # codes are letters and digits only
    statuses = {r.kode: r for r in conn.execute(select(recap_status).where(status_where))}
    if not statuses:
        return
    stmt = (select(recap_records)
            .join(recap_status, (recap_status.c.contest == recap_records.c.contest)
                  & (recap_status.c.kode == recap_records.c.kode) & (recap_status.c.revision == recap_records.c.revision))
            .where(status_where).order_by(recap_records.c.kode))
    for row in conn.execute(stmt):
        yield _record(row, statuses[row.kode])


def history(conn: Connection, contest: str, kode: str) -> list[dict[str, Any]]:
    """Every revision of a tier, oldest first (who recorded it, when, its content hash)."""
    stmt = (select(recap_records.c.revision, recap_records.c.recorded_by, recap_records.c.recorded_at,
                   recap_records.c.content_hash, recap_records.c.minutes_public_sha256)
            .where(recap_records.c.contest == contest, recap_records.c.kode == kode)
            .order_by(recap_records.c.revision))
    return [{"revision": r.revision, "recorded_by": r.recorded_by, "recorded_at": r.recorded_at.isoformat(),
             "content_hash": r.content_hash, "foto_berita_acara": r.minutes_public_sha256} for r in conn.execute(stmt)]


def statuses(conn: Connection, contest: str, kodes: Collection[str] | None = None) -> dict[str, str]:
    """kode -> status of every tier of a contest that has been recorded (of those tiers only, when
    kodes are given: an official's home page asks about its own tier and the ones below it)."""
    stmt = select(recap_status.c.kode, recap_status.c.status).where(recap_status.c.contest == contest)
    if kodes is None:
        return {r.kode: r.status for r in conn.execute(stmt)}
    found: dict[str, str] = {}
    for part in chunks(sorted(set(kodes))):
        found.update({r.kode: r.status for r in conn.execute(stmt.where(recap_status.c.kode.in_(part)))})
    return found


