"""Corrections: an official of the region proposes a new version of a TPS's form with a reason;
it is applied only when a KPU RI account authorises it, or rejected with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, func, select, update

from suara.domain.access import Action, may
from suara.domain.audit import text_hash
from suara.domain.policy import Policy
from suara.services.accounts import Principal
from suara.services.errors import ServiceError
from suara.services.submission import (
    IdempotencyConflict,
    PagePhoto,
    Submission,
    SubmissionResult,
    check,
    submit_forms,
)
from suara.store import audit
from suara.store.dialect import within_code
from suara.store.reference import Reference
from suara.store.schema import corrections, form_versions, version_photos

PROPOSED, APPROVED, REJECTED = "proposed", "approved", "rejected"


@dataclass(frozen=True, slots=True)
class Correction:
    id: int
    contest: str
    tps: str
    form: dict[str, Any]
    reason: str
    proposed_by: str
    proposed_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    version_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return {name: _jsonable(getattr(self, name)) for name in self.__slots__}


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _row(row: Any) -> Correction:
    return Correction(row.id, row.contest, row.tps, orjson.loads(row.payload), row.reason, row.proposed_by,
                      row.proposed_at, row.status, row.decided_by, row.decided_at, row.decision_reason, row.version_id)


def _reason(text: str) -> str:
    text = text.strip()
    if not 5 <= len(text) <= 1000:
        raise ServiceError(422, "bad_reason", "alasan wajib diisi, 5-1000 karakter")
    return text


def propose(engine: Engine, reference: Reference, who: Principal, doc: Any, reason: str) -> Correction:
    checked = check(reference, doc, Policy.AS_IS)
    if isinstance(checked, SubmissionResult):
        status = 404 if checked.error_code in ("unknown_tps", "unknown_contest") else 422
        raise ServiceError(status, checked.error_code or "refused", checked.message or "formulir ditolak")
    form = checked.form
    assert form is not None  # check() in this process keeps the parsed form
    if not may(who.role, who.scope, Action.PROPOSE_CORRECTION, form.tps):
        raise ServiceError(403, "forbidden", f"{who.actor} tidak boleh mengusulkan koreksi untuk TPS {form.tps}")
    reason = _reason(reason)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        current = conn.execute(select(func.max(form_versions.c.version_no))
                               .where(form_versions.c.tps == form.tps, form_versions.c.contest == form.contest)).scalar()
        if current is None:
            raise ServiceError(409, "nothing_to_correct", f"TPS {form.tps} belum punya formulir untuk dikoreksi")
        stored = orjson.dumps(form.to_json()).decode()
        new_id = conn.execute(corrections.insert().values(
            contest=form.contest, tps=form.tps, payload=stored, reason=reason,
            proposed_by=who.actor, proposed_at=now, status=PROPOSED).returning(corrections.c.id)).scalar_one()
        audit.append(conn, [audit.AuditEvent("correction.proposed", who.actor, f"{form.contest}/{form.tps}", {
            "correction_id": new_id, "contest": form.contest, "tps": form.tps, "reason": reason,
            "payload_sha256": text_hash(stored), "proposed_at": now.isoformat()})], now, head)
    return get(engine, int(new_id))


def get(engine: Engine, correction_id: int) -> Correction:
    with engine.connect() as conn:
        row = conn.execute(select(corrections).where(corrections.c.id == correction_id)).first()
    if row is None:
        raise ServiceError(404, "unknown_correction", f"koreksi #{correction_id} tidak ada")
    return _row(row)


def listing(engine: Engine, who: Principal, status: str | None) -> list[Correction]:
    if not (may(who.role, who.scope, Action.PROPOSE_CORRECTION, who.scope)
            or may(who.role, who.scope, Action.DECIDE_CORRECTION, who.scope)):
        raise ServiceError(403, "forbidden", f"{who.actor} tidak boleh melihat koreksi")
    stmt = select(corrections).order_by(corrections.c.id)
    if status:
        stmt = stmt.where(corrections.c.status == status)
    if who.scope != "0":
        stmt = stmt.where(within_code(corrections.c.tps, who.scope))
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(stmt)]


def waiting_by_contest(engine: Engine, region: str) -> dict[str, int]:
    """How many proposals wait for KPU RI, per contest, at the TPS of a region (or at one TPS)."""
    stmt = (select(corrections.c.contest, func.count().label("waiting")).where(corrections.c.status == PROPOSED)
            .group_by(corrections.c.contest))
    if region != "0":
        stmt = stmt.where(within_code(corrections.c.tps, region))
    with engine.connect() as conn:
        return {r.contest: int(r.waiting) for r in conn.execute(stmt)}


def _current_photos(engine: Engine, contest: str, tps: str) -> tuple[PagePhoto, ...]:
    with engine.connect() as conn:
        latest = conn.execute(select(func.max(form_versions.c.id)).where(
            form_versions.c.contest == contest, form_versions.c.tps == tps)).scalar()
        rows = conn.execute(select(version_photos).where(version_photos.c.version_id == latest)
                            .order_by(version_photos.c.page)).all() if latest is not None else []
    return tuple(PagePhoto(r.page, r.sha256, r.public_sha256, r.media_type, r.width, r.height) for r in rows)


def decide(engine: Engine, reference: Reference, who: Principal, correction_id: int, approve: bool,
           reason: str) -> Correction:
    """Authorise (apply as a new version, counted at once) or reject a proposed correction."""
    if not may(who.role, who.scope, Action.DECIDE_CORRECTION, "0"):
        raise ServiceError(403, "forbidden", f"{who.actor} tidak boleh mengesahkan koreksi")
    reason = _reason(reason)
    proposal = get(engine, correction_id)
    if proposal.status != PROPOSED:
        raise ServiceError(409, "already_decided", f"koreksi #{correction_id} sudah {proposal.status}")
    version_id = None
    if approve:
        # the numbers change; the photos of the form stay with the TPS's record (a correction has none)
        photos = _current_photos(engine, proposal.contest, proposal.tps)
        [result] = submit_forms(engine, reference, [Submission(proposal.form, f"correction:{correction_id}",
                                                               proposal.proposed_by, proposal.reason,
                                                               photos=photos)],
                                Policy.AS_IS, fold=True)
        if isinstance(result, IdempotencyConflict) or result.version_id is None:
            raise ServiceError(409, "not_applied", "koreksi tidak dapat diterapkan")
        version_id = result.version_id
    now = datetime.now(UTC)
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        changed = conn.execute(update(corrections).where(corrections.c.id == correction_id,
                                                         corrections.c.status == PROPOSED)
                               .values(status=APPROVED if approve else REJECTED, decided_by=who.actor, decided_at=now,
                                       decision_reason=reason, version_id=version_id)).rowcount
        if not changed:
            raise ServiceError(409, "already_decided", f"koreksi #{correction_id} sudah diputuskan")
        audit.append(conn, [audit.AuditEvent("correction.approved" if approve else "correction.rejected", who.actor,
                                             f"{proposal.contest}/{proposal.tps}",
                                             {"correction_id": correction_id, "reason": reason,
                                              "status": APPROVED if approve else REJECTED,
                                              "decided_at": now.isoformat(), "version_id": version_id})],
                     now, head)
    return get(engine, correction_id)
