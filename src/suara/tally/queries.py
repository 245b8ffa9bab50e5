"""Reading the tally back: rollups of regions, and the current form of each TPS."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, func, select, tuple_

from suara.domain.regions import NATIONAL
from suara.domain.tally import Contribution, Totals
from suara.store.dialect import chunks, within_code
from suara.store.schema import (
    corrections,
    flagged_tps,
    form_versions,
    recap_records,
    rollups,
    tally_state,
    version_photos,
)
from suara.tally.codec import contribution_of_version, totals_of_row


def rollup(conn: Connection, contest: str, kode: str) -> Totals:
    row = conn.execute(select(rollups).where(rollups.c.contest == contest, rollups.c.kode == kode)).first()
    return totals_of_row(row) if row is not None else Totals()


def rollups_of(conn: Connection, contest: str, kodes: Sequence[str]) -> dict[str, Totals]:
    """Rollups of many regions; a region with no data yet gets empty Totals."""
    found: dict[str, Totals] = {}
    for part in chunks(list(kodes)):
        stmt = select(rollups).where(rollups.c.contest == contest, rollups.c.kode.in_(part))
        found.update({row.kode: totals_of_row(row) for row in conn.execute(stmt)})
    return {k: found.get(k, Totals()) for k in kodes}


def rollups_at(conn: Connection, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Totals]:
    """Rollups of many (contest, region) pairs at once (an official's home page: every race of its
    region, each at its own area); a pair with no data yet gets empty Totals."""
    found: dict[tuple[str, str], Totals] = {}
    for part in chunks(sorted(set(pairs)), 500):
        stmt = select(rollups).where(tuple_(rollups.c.contest, rollups.c.kode).in_(part))
        found.update({(row.contest, row.kode): totals_of_row(row) for row in conn.execute(stmt)})
    return {pair: found.get(pair, Totals()) for pair in pairs}


def flag_examples(conn: Connection, contest: str, kode: str, rules: Iterable[str]) -> dict[str, str]:
    """For each rule, the smallest code of a TPS in the region ('0': the nation) whose counted
    version carries it; rules no TPS there carries are left out.

    One MIN over a range of the (contest, rule, tps) key per rule, so it costs an index probe
    even for the nation.
    """
    found: dict[str, str] = {}
    for rule in rules:
        stmt = select(func.min(flagged_tps.c.tps)).where(flagged_tps.c.contest == contest, flagged_tps.c.rule == rule)
        if kode != NATIONAL:
            stmt = stmt.where(within_code(flagged_tps.c.tps, kode))
        tps = conn.execute(stmt).scalar()
        if tps is not None:
            found[rule] = str(tps)
    return found


@dataclass(frozen=True, slots=True)
class CurrentVersion:
    """The version of a TPS's form that the rollups count (as of the tally cursor)."""

    contest: str
    tps: str
    version_id: int
    version_no: int
    submitted_at: datetime
    form: dict[str, Any]
    flags: list[dict[str, str]]

    @property
    def contribution(self) -> Contribution:
        return contribution_of_version(orjson.dumps(self.form).decode(), orjson.dumps(self.flags).decode())


def current_versions(conn: Connection, contest: str, prefix: str) -> dict[str, CurrentVersion]:
    """Current version of every TPS of a region (a code prefix; '0' for the nation) that has
    data, as of the tally cursor, keyed by TPS code."""
    cursor = select(tally_state.c.last_version_id).where(tally_state.c.id == 1).scalar_subquery()
    stmt = (select(form_versions.c.id, form_versions.c.tps, form_versions.c.version_no,
                   form_versions.c.submitted_at, form_versions.c.payload, form_versions.c.flags)
            .where(form_versions.c.contest == contest, form_versions.c.id <= cursor)
            .order_by(form_versions.c.tps, form_versions.c.version_no))
    if prefix != NATIONAL:
        stmt = stmt.where(within_code(form_versions.c.tps, prefix))
    found: dict[str, CurrentVersion] = {}
    for row in conn.execute(stmt):  # ordered by version, so the newest of each TPS wins
        found[row.tps] = CurrentVersion(contest, row.tps, row.id, row.version_no, row.submitted_at,
                                        orjson.loads(row.payload), orjson.loads(row.flags))
    return found


@dataclass(frozen=True, slots=True)
class StoredVersion:
    version_id: int
    version_no: int
    submitted_at: datetime
    actor: str
    reason: str | None
    outcome: str
    form: dict[str, Any]
    flags: list[dict[str, str]]
    authorised_by: str | None = None  # for a correction: the KPU RI account that applied it
    # the machine reading of its photos and what the officer did with it (domain/machine_reading.py)
    reading: dict[str, Any] | None = None


def versions_of(conn: Connection, contest: str, tps: str) -> list[StoredVersion]:
    """Every stored version of one TPS's form, oldest first, up to the tally cursor."""
    cursor = select(tally_state.c.last_version_id).where(tally_state.c.id == 1).scalar_subquery()
    stmt = (select(form_versions, corrections.c.decided_by)
            .outerjoin(corrections, corrections.c.version_id == form_versions.c.id)
            .where(form_versions.c.tps == tps, form_versions.c.contest == contest, form_versions.c.id <= cursor)
            .order_by(form_versions.c.version_no))
    return [_stored_version(r) for r in conn.execute(stmt)]


def _stored_version(r: Any) -> StoredVersion:
    return StoredVersion(r.id, r.version_no, r.submitted_at, r.actor, r.reason, r.outcome, orjson.loads(r.payload),
                         orjson.loads(r.flags), r.decided_by, orjson.loads(r.reading) if r.reading else None)


def changed_since(conn: Connection, tally_seq: int) -> set[tuple[str, str]]:
    """(contest, region code) of every rollup changed after a tally point."""
    stmt = select(rollups.c.contest, rollups.c.kode).where(rollups.c.tally_seq > tally_seq)
    return {(r.contest, r.kode) for r in conn.execute(stmt)}


def tps_changed_between(conn: Connection, after_id: int, upto_id: int) -> set[tuple[str, str]]:
    stmt = (select(form_versions.c.contest, form_versions.c.tps)
            .where(form_versions.c.id > after_id, form_versions.c.id <= upto_id))
    return {(r.contest, r.tps) for r in conn.execute(stmt)}


def versions_in(conn: Connection, contest: str, prefix: str) -> dict[str, list[StoredVersion]]:
    """Every stored version of every TPS of a region (up to the tally cursor), oldest first."""
    cursor = select(tally_state.c.last_version_id).where(tally_state.c.id == 1).scalar_subquery()
    stmt = (select(form_versions, corrections.c.decided_by)
            .outerjoin(corrections, corrections.c.version_id == form_versions.c.id)
            .where(form_versions.c.contest == contest, form_versions.c.id <= cursor,
                   within_code(form_versions.c.tps, prefix))
            .order_by(form_versions.c.tps, form_versions.c.version_no))
    found: dict[str, list[StoredVersion]] = {}
    for r in conn.execute(stmt):
        found.setdefault(r.tps, []).append(_stored_version(r))
    return found


def photos_of(conn: Connection, version_ids: Sequence[int]) -> dict[int, dict[int, str]]:
    """Public photo digests by version and page."""
    found: dict[int, dict[int, str]] = {}
    for part in chunks(list(version_ids)):
        stmt = select(version_photos.c.version_id, version_photos.c.page, version_photos.c.public_sha256) \
            .where(version_photos.c.version_id.in_(part))
        for row in conn.execute(stmt):
            found.setdefault(row.version_id, {})[row.page] = row.public_sha256
    return found


def public_photo_type(conn: Connection, digest: str) -> str | None:
    """The media type of a public photo copy, or None when neither a published form version nor
    a recapitulation record (the photo of a D Hasil's minutes, any revision) names it."""
    row = conn.execute(select(version_photos.c.media_type)
                       .where(version_photos.c.public_sha256 == digest).limit(1)).first()
    if row is None:
        row = conn.execute(select(recap_records.c.minutes_media_type.label("media_type"))
                           .where(recap_records.c.minutes_public_sha256 == digest).limit(1)).first()
    return None if row is None or row.media_type is None else str(row.media_type)
