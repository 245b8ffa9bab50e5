"""The tiered recapitulation: record a tier's D Hasil, close it, reopen it with KPU RI's authority.

Each change is one transaction under the audit head's lock with its audit event, which carries
every column of the rows it writes, so `suara verify` can replay the recapitulation from the
chain (domain/chain_replay.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from suara.domain.access import Action, may, may_record_recap
from suara.domain.audit import canonical, text_hash
from suara.domain.contests import Contest, Shape
from suara.domain.elections import ContestScope
from suara.domain.recap import (
    CandidateLookup,
    RecapRefused,
    RowFigures,
    Tingkat,
    parent_tier,
    parse_rows,
    prerequisites,
    tier_of,
)
from suara.services.accounts import Principal
from suara.services.errors import ServiceError
from suara.services.submission import PagePhoto
from suara.store import audit
from suara.store.recap import (
    LOCKED,
    RECORDED,
    RecapRecord,
    contest_scope,
    current_record,
    get,
    status_row,
)
from suara.store.reference import Reference
from suara.store.schema import recap_records, recap_status

TIER_ORDER = {Tingkat.KECAMATAN: 0, Tingkat.PPLN: 0, Tingkat.KABKOTA: 1, Tingkat.PROVINSI: 2, Tingkat.NASIONAL: 3}


def _refused(exc: RecapRefused) -> ServiceError:
    return ServiceError(exc.status, exc.code, exc.message)


def _scope(reference: Reference, contest_key: str, kode: str) -> tuple[Contest, ContestScope]:
    try:
        return contest_scope(reference, contest_key, kode)
    except RecapRefused as exc:
        raise _refused(exc) from None


def candidate_lookup(reference: Reference, contest: Contest) -> CandidateLookup | None:
    book = reference.book
    if book is None or contest.shape is not Shape.PARTAI:
        return None
    regions: dict[str, list[str]] = {}

    def caleg(caleg_id: str) -> tuple[str, int | None, int] | None:
        found = book.by_id(caleg_id)
        if found is None or found.jenis != contest.kind:
            return None
        return found.kode_dapil, found.partai, found.nomor_urut

    def reaches(dapil: str, child: str) -> bool:
        members = regions.get(dapil)
        if members is None:
            members = regions[dapil] = book.dapil_map.regions_of(contest.kind, dapil)
        return any(m.startswith(child) or child.startswith(m) for m in members)

    return CandidateLookup(caleg, reaches, contest.info.candidate_level)


def _allowed(reference: Reference, contest: Contest) -> frozenset[str]:
    if contest.shape is Shape.PARTAI and reference.book is not None:
        return frozenset(str(p.nomor_urut) for p in reference.book.contest_parties(contest.kind))
    return frozenset(contest.nomor_keys)


def _unlocked(conn: Connection, contest: str, codes: list[str]) -> list[str]:
    if not codes:
        return []
    locked = {r.kode for r in conn.execute(select(recap_status.c.kode).where(
        recap_status.c.contest == contest, recap_status.c.kode.in_(codes), recap_status.c.status == LOCKED))}
    return [c for c in codes if c not in locked]


def _required_children(scope: ContestScope, kode: str, rows: Iterable[str]) -> list[str]:
    return [tier for child in rows for tier in prerequisites(scope, kode, child)]


def _check_children(conn: Connection, contest: str, required: list[str]) -> None:
    missing = _unlocked(conn, contest, required)
    if missing:
        raise ServiceError(409, "children_not_locked",
                           f"rekapitulasi tingkat di bawahnya belum ditetapkan (dikunci) untuk {len(missing)} wilayah, "
                           f"antara lain {', '.join(missing[:5])}", {"wilayah": missing[:50]})


def _authorised(who: Principal | None, kode: str) -> None:
    if who is not None and not may_record_recap(who.role, who.scope, kode):
        raise ServiceError(403, "forbidden", f"{who.actor} tidak memimpin rapat pleno rekapitulasi wilayah {kode}")


def rows_json(rows: dict[str, RowFigures]) -> str:
    return canonical({child: figures.as_dict() for child, figures in rows.items()}).decode()


def record(engine: Engine, reference: Reference, who: Principal | None, actor: str, contest_key: str, kode: str,
           tingkat: str | None, rows: object, minutes: PagePhoto | None = None) -> RecapRecord:
    """Record (or record again, until it is locked) one tier's D Hasil. `who` None: a trusted
    import from the command line, checked in every other way."""
    contest, scope = _scope(reference, contest_key, kode)
    tier = tier_of(kode)
    if tingkat is not None and tingkat != tier.value:
        raise ServiceError(422, "wrong_tier", f"wilayah {kode} direkapitulasi pada tingkat {tier.value}, bukan {tingkat!r}")
    _authorised(who, kode)
    try:
        figures = parse_rows(contest, scope, kode, rows, _allowed(reference, contest), candidate_lookup(reference, contest))
    except RecapRefused as exc:
        raise _refused(exc) from None
    stored = rows_json(figures)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        status = status_row(conn, contest.key, kode)
        if status is not None and status.status == LOCKED:
            raise ServiceError(409, "locked", f"rekapitulasi {contest.key} {kode} sudah ditetapkan (dikunci); "
                                              "perubahan perlu dibuka kembali oleh KPU RI")
        _check_children(conn, contest.key, _required_children(scope, kode, figures))
        revision = 1 if status is None else int(status.revision) + 1
        columns = {"contest": contest.key, "kode": kode, "revision": revision, "tingkat": tier.value, "rows": stored,
                   "content_hash": text_hash(stored),
                   "minutes_sha256": minutes.sha256 if minutes else None,
                   "minutes_public_sha256": minutes.public_sha256 if minutes else None,
                   "minutes_media_type": minutes.media_type if minutes else None,
                   "recorded_by": actor, "recorded_at": now}
        conn.execute(recap_records.insert().values(**columns))
        state = {"tingkat": tier.value, "status": RECORDED, "revision": revision, "updated_at": now}
        if status is None:
            conn.execute(recap_status.insert().values(contest=contest.key, kode=kode, **state))
        else:
            conn.execute(update(recap_status).where(recap_status.c.contest == contest.key, recap_status.c.kode == kode)
                         .values(**state))
        payload = {k: v for k, v in columns.items() if k not in ("rows", "recorded_by")}
        audit.append(conn, [audit.AuditEvent("recap.recorded", actor, f"recap/{contest.key}/{kode}",
                                             {**payload, "recorded_at": now.isoformat()})], now, head)
    found = get(engine, contest.key, kode)
    assert found is not None
    return found


def lock(engine: Engine, reference: Reference, who: Principal | None, actor: str, contest_key: str,
         kode: str) -> RecapRecord:
    """The plenary closes its tier: from now on it stands, and the tier above may record it."""
    contest, scope = _scope(reference, contest_key, kode)
    _authorised(who, kode)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        status = status_row(conn, contest.key, kode)
        if status is None:
            raise ServiceError(409, "not_recorded", f"rekapitulasi {contest.key} {kode} belum dicatat")
        if status.status == LOCKED:
            raise ServiceError(409, "locked", f"rekapitulasi {contest.key} {kode} sudah ditetapkan")
        current = current_record(conn, contest.key, kode)
        assert current is not None
        # a child reopened since this tier was recorded must be closed again first
        _check_children(conn, contest.key, _required_children(scope, kode, current.rows))
        conn.execute(update(recap_status).where(recap_status.c.contest == contest.key, recap_status.c.kode == kode)
                     .values(status=LOCKED, locked_by=actor, locked_at=now, updated_at=now))
        audit.append(conn, [audit.AuditEvent("recap.locked", actor, f"recap/{contest.key}/{kode}", {
            "contest": contest.key, "kode": kode, "revision": int(status.revision),
            "content_hash": current.content_hash, "locked_at": now.isoformat()})], now, head)
    found = get(engine, contest.key, kode)
    assert found is not None
    return found


def reopen(engine: Engine, reference: Reference, who: Principal, contest_key: str, kode: str,
           reason: str) -> RecapRecord:
    """KPU RI reopens a closed tier, with a reason, as long as the tier above has not closed on it."""
    contest, scope = _scope(reference, contest_key, kode)
    if not may(who.role, who.scope, Action.REOPEN_RECAP, kode):
        raise ServiceError(403, "forbidden", f"{who.actor}: hanya KPU RI yang dapat membuka kembali rekapitulasi")
    reason = reason.strip()
    if not 5 <= len(reason) <= 1000:
        raise ServiceError(422, "bad_reason", "alasan wajib diisi, 5-1000 karakter")
    parent = parent_tier(scope, kode)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        status = status_row(conn, contest.key, kode)
        if status is None or status.status != LOCKED:
            raise ServiceError(409, "not_locked", f"rekapitulasi {contest.key} {kode} belum ditetapkan")
        if parent is not None and not _unlocked(conn, contest.key, [parent]):
            raise ServiceError(409, "parent_locked", f"rekapitulasi tingkat atasnya ({parent}) sudah ditetapkan; "
                                                     "buka kembali tingkat itu lebih dulu")
        conn.execute(update(recap_status).where(recap_status.c.contest == contest.key, recap_status.c.kode == kode)
                     .values(status=RECORDED, reopened_by=who.actor, reopened_at=now, reopen_reason=reason,
                             updated_at=now))
        audit.append(conn, [audit.AuditEvent("recap.reopened", who.actor, f"recap/{contest.key}/{kode}", {
            "contest": contest.key, "kode": kode, "revision": int(status.revision), "reason": reason,
            "reopened_at": now.isoformat()})], now, head)
    found = get(engine, contest.key, kode)
    assert found is not None
    return found


# --- import --------------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    recorded: int = 0
    locked: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


RECORD_KEYS = frozenset({"contest", "tingkat", "kode", "rows"})


def import_records(engine: Engine, reference: Reference, lines: Iterable[tuple[int, object]], actor: str,
                   lock_each: bool = True) -> ImportSummary:
    """Record (and by default lock) each line's tier, lowest tiers first so that every tier finds
    its children closed. A line that is refused is reported with its number and changes nothing."""
    summary = ImportSummary()
    pending: list[tuple[int, int, dict[str, Any]]] = []
    for number, doc in lines:
        if not isinstance(doc, dict) or set(doc) != RECORD_KEYS:
            summary.errors.append((number, "baris harus objek dengan tepat kunci contest, tingkat, kode, rows"))
            continue
        if not isinstance(doc["kode"], str) or not isinstance(doc["contest"], str):
            summary.errors.append((number, "contest dan kode harus teks"))
            continue
        try:
            order = TIER_ORDER[Tingkat(doc["tingkat"])]
        except (ValueError, TypeError):
            summary.errors.append((number, (f"tingkat tidak dikenal: {doc['tingkat']!r} "
                                           f"({', '.join(t.value for t in Tingkat)})")))
            continue
        pending.append((order, number, doc))
    for _, number, doc in sorted(pending, key=lambda item: (item[0], item[1])):
        try:
            record(engine, reference, None, actor, doc["contest"], doc["kode"], doc["tingkat"], doc["rows"])
            summary.recorded += 1
            if lock_each:
                lock(engine, reference, None, actor, doc["contest"], doc["kode"])
                summary.locked += 1
        except ServiceError as exc:
            summary.errors.append((number, exc.message))
    summary.errors.sort()
    return summary


