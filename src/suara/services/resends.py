"""A polling officer sending a TPS's form again, once a version of it is stored.

The published result of a TPS changes only through an authorised correction (shared/spec
c-hasil.md). So when a KPPS sends again:
- the same numbers (pressing Back and sending once more, with a new idempotency key) store
  nothing: the answer is the version already stored; with new photos and the same numbers a
  version is added, since the numbers the public sees do not move;
- other numbers, within the deployment's grace period after the first send
  (`SUARA_RESEND_GRACE_SECONDS`, default 0: none), are a new version, as before;
- other numbers after that become a correction proposal for KPU RI to authorise or reject,
  shown to officials like one proposed by a PPK; the published numbers stay. Sending the same
  proposal again returns the proposal already waiting.

Runs inside submit_forms's transaction, under the audit head's lock, so two sends of one TPS
cannot both slip through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, tuple_

from suara.domain.audit import text_hash
from suara.store import audit
from suara.store.dialect import chunks, crossed_chunks
from suara.store.schema import corrections, form_versions, version_photos

RESEND_REASON = "dikirim ulang oleh KPPS setelah formulir dipublikasikan"
PROPOSED = "proposed"


@dataclass(frozen=True, slots=True)
class Stored:
    """The current version of a TPS's form, and when its first version came."""

    version_id: int
    version_no: int
    content_hash: str
    outcome: str
    flags: str
    first_at: datetime
    photos: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class VersionHead:
    """A (contest, tps)'s latest version number, and when its first version came."""

    latest: int
    first_at: datetime


def version_heads(conn: Any, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], VersionHead]:
    """(contest, tps) -> its VersionHead, for the pairs asked for that have a version; one
    statement per 2,000 pairs (store/dialect.crossed_chunks), keeping only the pairs asked for."""
    heads: dict[tuple[str, str], VersionHead] = {}
    wanted = set(pairs)
    for contests, codes in crossed_chunks(pairs):
        # on election day nearly every send is a TPS's first: one statement, usually answering nothing
        stmt = (select(form_versions.c.contest, form_versions.c.tps, func.max(form_versions.c.version_no).label("latest"),
                       func.min(form_versions.c.submitted_at).label("first"))
                .where(form_versions.c.contest.in_(contests), form_versions.c.tps.in_(codes))
                .group_by(form_versions.c.contest, form_versions.c.tps))
        heads.update({(r.contest, r.tps): VersionHead(r.latest, r.first) for r in conn.execute(stmt)
                      if (r.contest, r.tps) in wanted})
    return heads


def stored_versions(conn: Any, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Stored]:
    """(contest, tps) -> the current version, for those that have one."""
    heads = version_heads(conn, pairs)
    latest: dict[tuple[str, str], Any] = {}
    by_contest: dict[str, list[tuple[str, int]]] = {}
    for (contest, tps), head in sorted(heads.items()):
        by_contest.setdefault(contest, []).append((tps, head.latest))
    for contest, wanted in by_contest.items():
        for part in chunks(wanted, 1000):  # two bound parameters a pair: 2,000 a statement, as elsewhere
            # the latest version of each alone (by the unique index), not every version the TPS has had
            rows = conn.execute(select(form_versions.c.id, form_versions.c.tps, form_versions.c.version_no,
                                       form_versions.c.content_hash, form_versions.c.outcome, form_versions.c.flags)
                                .where(form_versions.c.contest == contest,
                                       tuple_(form_versions.c.tps, form_versions.c.version_no).in_(part)))
            latest.update({(contest, r.tps): r for r in rows})
    photos: dict[int, list[tuple[int, str]]] = {}
    for ids in chunks([r.id for r in latest.values()]):
        for row in conn.execute(select(version_photos.c.version_id, version_photos.c.page, version_photos.c.sha256)
                                .where(version_photos.c.version_id.in_(ids))):
            photos.setdefault(row.version_id, []).append((row.page, row.sha256))
    return {pair: Stored(r.id, r.version_no, r.content_hash, r.outcome, r.flags, heads[pair].first_at,
                         tuple(sorted(photos.get(r.id, ())))) for pair, r in latest.items()}


def within_grace(stored: Stored, now: datetime, grace_seconds: float) -> bool:
    first = stored.first_at if stored.first_at.tzinfo else stored.first_at.replace(tzinfo=now.tzinfo)
    return now - first < timedelta(seconds=grace_seconds)


def pending_proposal(conn: Any, contest: str, tps: str, payload: str, actor: str) -> int | None:
    """A proposal with exactly these numbers from the same officer, still waiting."""
    row = conn.execute(select(corrections.c.id).where(
        corrections.c.contest == contest, corrections.c.tps == tps, corrections.c.status == PROPOSED,
        corrections.c.proposed_by == actor, corrections.c.payload == payload)).first()
    return None if row is None else int(row.id)


def propose(conn: Any, contest: str, tps: str, payload: str, actor: str, now: datetime,
            head: audit.ChainHead) -> int:
    """File the re-sent numbers as a correction proposal (the same event a PPK's proposal writes)."""
    new_id = conn.execute(corrections.insert().values(
        contest=contest, tps=tps, payload=payload, reason=RESEND_REASON, proposed_by=actor, proposed_at=now,
        status=PROPOSED).returning(corrections.c.id)).scalar_one()
    audit.append(conn, [audit.AuditEvent("correction.proposed", actor, f"{contest}/{tps}", {
        "correction_id": new_id, "contest": contest, "tps": tps, "reason": RESEND_REASON,
        "payload_sha256": text_hash(payload), "proposed_at": now.isoformat()})], now, head)
    return int(new_id)
