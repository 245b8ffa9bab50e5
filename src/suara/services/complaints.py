"""Complaints (pengaduan): anyone reports a mismatch between a TPS's photo and its numbers; the
officials of that region move it through received, under review, corrected or rejected."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from suara.domain.access import Action, may
from suara.domain.audit import text_hash
from suara.domain.contests import UnknownContest
from suara.services.accounts import Principal
from suara.services.errors import ServiceError
from suara.store import audit
from suara.store.dialect import within_code
from suara.store.reference import Reference
from suara.store.schema import complaints, corrections

RECEIVED, UNDER_REVIEW, CORRECTED, REJECTED = "received", "under_review", "corrected", "rejected"
NEXT = {RECEIVED: {UNDER_REVIEW, REJECTED}, UNDER_REVIEW: {CORRECTED, REJECTED}, CORRECTED: set(), REJECTED: set()}
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread over the phone


def _public(row: Any) -> dict[str, Any]:
    return {"number": row.number, "contest": row.contest, "tps": row.tps, "status": row.status,
            "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat(),
            "reason": row.reason, "correction_id": row.correction_id}


def file(engine: Engine, reference: Reference, contest: str, tps: str, text: str) -> dict[str, Any]:
    try:
        chosen = reference.contest(contest)
    except UnknownContest as exc:
        raise ServiceError(404, "unknown_contest", str(exc)) from None
    if not reference.scope(chosen).has_tps(tps):
        raise ServiceError(404, "unknown_tps", f"TPS {tps!r} tidak ada dalam {contest}")
    text = text.strip()
    if not 10 <= len(text) <= 2000:
        raise ServiceError(422, "bad_text", "uraian pengaduan 10-2000 karakter")
    now = datetime.now(UTC)
    number = "PGD-" + "".join(secrets.choice(ALPHABET) for _ in range(8))
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        conn.execute(complaints.insert().values(number=number, contest=contest, tps=tps, text=text, status=RECEIVED,
                                                created_at=now, updated_at=now))
        # the text stays private (only officials read it): the chain holds its digest
        audit.append(conn, [audit.AuditEvent("complaint.received", "public", f"{contest}/{tps}", {
            "number": number, "contest": contest, "tps": tps, "text_sha256": text_hash(text),
            "created_at": now.isoformat()})], now, head)
    return status(engine, number)


def status(engine: Engine, number: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(complaints).where(complaints.c.number == number)).first()
    if row is None:
        raise ServiceError(404, "unknown_complaint", f"pengaduan {number!r} tidak ada")
    return _public(row)


def of_tps(engine: Engine, contest: str, tps: str) -> list[dict[str, Any]]:
    """What anyone may see of the complaints about one TPS: numbers and states, not the texts."""
    stmt = (select(complaints).where(complaints.c.contest == contest, complaints.c.tps == tps)
            .order_by(complaints.c.id))
    with engine.connect() as conn:
        return [_public(r) for r in conn.execute(stmt)]


def queue(engine: Engine, who: Principal, state: str | None) -> list[dict[str, Any]]:
    if not may(who.role, who.scope, Action.REVIEW_COMPLAINT, who.scope):
        raise ServiceError(403, "forbidden", f"{who.actor} tidak menangani pengaduan")
    stmt = select(complaints).order_by(complaints.c.id)
    if state:
        stmt = stmt.where(complaints.c.status == state)
    if who.scope != "0":
        stmt = stmt.where(within_code(complaints.c.tps, who.scope))
    with engine.connect() as conn:
        return [{**_public(r), "text": r.text, "handled_by": r.handled_by} for r in conn.execute(stmt)]


def open_by_contest(engine: Engine, region: str) -> dict[str, int]:
    """How many complaints about the TPS of a region are still open (received or under review), per contest."""
    stmt = (select(complaints.c.contest, func.count().label("open"))
            .where(complaints.c.status.in_((RECEIVED, UNDER_REVIEW))).group_by(complaints.c.contest))
    if region != "0":
        stmt = stmt.where(within_code(complaints.c.tps, region))
    with engine.connect() as conn:
        return {r.contest: int(r.open) for r in conn.execute(stmt)}


def move(engine: Engine, who: Principal, number: str, new_status: str, reason: str | None,
         correction_id: int | None) -> dict[str, Any]:
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        row = conn.execute(select(complaints).where(complaints.c.number == number)).first()
        if row is None:
            raise ServiceError(404, "unknown_complaint", f"pengaduan {number!r} tidak ada")
        if not may(who.role, who.scope, Action.REVIEW_COMPLAINT, row.tps):
            raise ServiceError(403, "forbidden", f"{who.actor} tidak menangani TPS {row.tps}")
        if new_status not in NEXT.get(row.status, set()):
            raise ServiceError(409, "bad_transition", f"pengaduan {row.status} tidak bisa menjadi {new_status}")
        if new_status == REJECTED and not (reason and reason.strip()):
            raise ServiceError(422, "bad_reason", "penolakan wajib disertai alasan")
        if new_status == CORRECTED:
            linked = conn.execute(select(corrections.c.tps, corrections.c.contest)
                                  .where(corrections.c.id == (correction_id or -1))).first()
            if linked is None or (linked.tps, linked.contest) != (row.tps, row.contest):
                raise ServiceError(422, "bad_correction", "sebutkan koreksi untuk TPS dan pemilihan yang sama")
        now = datetime.now(UTC)
        stored = {"status": new_status, "reason": (reason or "").strip() or None,
                  "correction_id": correction_id if new_status == CORRECTED else None}
        conn.execute(update(complaints).where(complaints.c.id == row.id).values(
            updated_at=now, handled_by=who.actor, **stored))
        audit.append(conn, [audit.AuditEvent(f"complaint.{new_status}", who.actor, f"{row.contest}/{row.tps}",
                                             {"number": number, "updated_at": now.isoformat(), **stored})],
                     now, head)
    return status(engine, number)
