"""The audit chain's part of `suara verify`: walk it, replay it, compare the tables with it.

The walk checks every link (seq, prev_hash, hash) and, given a witness file, that the chain
still has every head the witness saw. The replay (domain/chain_replay) gives what the tables
of form versions, photos, accounts, tokens, corrections and complaints must hold; each row is
compared column by column and every difference is named, as is every row the chain does not
know and every row it knows that is gone.

A rewritten chain that is re-hashed from some event on is consistent with itself: only a head
recorded outside the database (a witness) shows it. Hence `--witness`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import orjson
from sqlalchemy import Connection, select

from suara.domain.audit import GENESIS, event_hash, text_hash
from suara.domain.chain_replay import (
    ACCOUNT_COLUMNS,
    COMPLAINT_COLUMNS,
    CORRECTION_COLUMNS,
    PHOTO_COLUMNS,
    RECAP_RECORD_COLUMNS,
    RECAP_STATUS_COLUMNS,
    TOKEN_COLUMNS,
    VERSION_COLUMNS,
    ChainState,
    columns_digest,
    flags_text,
    instant,
    reading_text,
    version_columns,
)
from suara.store import audit
from suara.store.schema import (
    accounts,
    api_tokens,
    complaints,
    corrections,
    recap_records,
    recap_status,
    version_photos,
)

MAX_REPORTED = 50
Tick = Callable[[str, int], None]


class Report(Protocol):
    events_checked: int

    def problem(self, text: str) -> None: ...


def walk_chain(conn: Connection, report: Report, tick: Tick, witness: Mapping[int, str] | None = None) -> ChainState:
    """Check every link and replay every event; with a witness, check every head it recorded."""
    state = ChainState()
    witness = witness or {}
    prev, last_seq = GENESIS, 0
    for seq, at, kind, actor, subject, payload, prev_hash, digest in audit.read_events(conn):
        if seq != last_seq + 1:
            report.problem(f"audit: urutan terputus, {last_seq} lalu {seq}")
        if prev_hash != prev:
            report.problem(f"audit #{seq}: prev_hash tidak cocok dengan hash peristiwa sebelumnya")
        if event_hash(prev_hash, seq, at, kind, actor, subject, payload) != digest:
            report.problem(f"audit #{seq}: isi peristiwa diubah (hash tidak cocok)")
        expected = witness.get(seq)
        if expected is not None and expected != digest:
            report.problem(f"saksi: peristiwa #{seq} kini berhash {digest[:16]}..., saksi mencatat "
                           f"{expected[:16]}...: riwayat ditulis ulang sejak #{seq} atau sebelumnya")
        try:
            data = orjson.loads(payload)
        except orjson.JSONDecodeError:
            report.problem(f"audit #{seq}: isi peristiwa bukan JSON")
        else:
            state.apply(seq, kind, actor, subject, data)
        prev, last_seq = digest, seq
        report.events_checked += 1
        if report.events_checked % 50_000 == 0:
            tick("audit", 50_000)
    head_seq, head_hash = audit.head(conn)
    if (head_seq, head_hash) != (last_seq, prev):
        report.problem(f"audit: kepala rantai ({head_seq}) tidak sama dengan peristiwa terakhir ({last_seq})")
    beyond = sorted(s for s in witness if s > last_seq)
    if beyond:
        report.problem(f"saksi: saksi pernah melihat peristiwa #{beyond[-1]}, rantai kini berakhir di #{last_seq}: "
                       "rantai dipotong")
    for text in state.problems:
        report.problem(text)
    return state


def _differences(report: Report, what: str, stored: Mapping[str, Any], expected: Mapping[str, Any],
                 columns: Iterable[str]) -> None:
    for column in columns:
        if stored[column] != expected[column]:
            report.problem(f"{what}: {column} tersimpan {stored[column]!r}, menurut rantai audit {expected[column]!r}")


def check_version(conn: Connection, state: ChainState, row: Any, report: Report) -> None:
    """One form_versions row against its form.version event (row has the VERSION_COLUMNS and id)."""
    recorded = state.versions.pop(row.id, None)
    if recorded is None:
        report.problem(f"versi #{row.id}: tidak tercatat di rantai audit")
        return
    stored = (row.contest, row.tps, row.version_no, row.content_hash, row.outcome, flags_text(row.flags), row.actor,
              row.reason, instant(row.submitted_at), reading_text(row.reading))
    seq, digest = recorded
    if columns_digest(stored) == digest:
        return
    event = audit.event_at(conn, seq)  # rare: derive the columns again to name the difference
    if event is None:
        report.problem(f"versi #{row.id}: peristiwa #{seq} rantai audit hilang")
        return
    expected = version_columns(event.actor, orjson.loads(event.payload))
    _differences(report, f"versi #{row.id}", dict(zip(VERSION_COLUMNS, stored)),
                 dict(zip(VERSION_COLUMNS, expected)), VERSION_COLUMNS)


def missing_versions(state: ChainState, report: Report) -> None:
    for version_id in sorted(state.versions)[:MAX_REPORTED]:
        report.problem(f"versi #{version_id}: tercatat di rantai audit tetapi hilang dari basis data")


def check_tables(conn: Connection, state: ChainState, report: Report) -> None:
    """Photos, accounts, tokens, corrections and complaints against the replayed chain."""
    _check_photos(conn, state, report)
    _compare(report, "akun", {r.username: {"id": r.id, "role": r.role, "scope": r.scope, "active": bool(r.active),
                                           "password_sha256": text_hash(r.password_hash)}
                              for r in conn.execute(select(accounts))}, state.accounts, ACCOUNT_COLUMNS)
    expiring = "expires_at" in api_tokens.c  # added by migration 0005
    _compare(report, "token", {r.id: {"account_id": r.account_id, "token_hash": r.token_hash, "label": r.label,
                                      "created_at": instant(r.created_at),
                                      "expires_at": instant(r.expires_at) if expiring else None,
                                      "revoked_at": instant(r.revoked_at)}
                               for r in conn.execute(select(api_tokens))},
             state.tokens if expiring else {k: {**v, "expires_at": None} for k, v in state.tokens.items()},
             TOKEN_COLUMNS)
    _compare(report, "koreksi", {r.id: {"contest": r.contest, "tps": r.tps, "payload_sha256": text_hash(r.payload),
                                        "reason": r.reason, "proposed_by": r.proposed_by,
                                        "proposed_at": instant(r.proposed_at), "status": r.status,
                                        "decided_by": r.decided_by, "decided_at": instant(r.decided_at),
                                        "decision_reason": r.decision_reason, "version_id": r.version_id}
                                 for r in conn.execute(select(corrections))}, state.corrections, CORRECTION_COLUMNS)
    _compare(report, "pengaduan", {r.number: {"contest": r.contest, "tps": r.tps, "text_sha256": text_hash(r.text),
                                              "status": r.status, "created_at": instant(r.created_at),
                                              "updated_at": instant(r.updated_at), "reason": r.reason,
                                              "correction_id": r.correction_id, "handled_by": r.handled_by}
                                   for r in conn.execute(select(complaints))}, state.complaints, COMPLAINT_COLUMNS)
    _check_recap(conn, state, report)


def _check_recap(conn: Connection, state: ChainState, report: Report) -> None:
    """Every revision of every tier's D Hasil (its rows hashed again) and where each tier stands."""
    stored = {}
    for r in conn.execute(select(recap_records)):
        key = (r.contest, r.kode, r.revision)
        if text_hash(r.rows) != r.content_hash:
            report.problem(f"rekapitulasi {r.contest} {r.kode} revisi {r.revision}: isi baris diubah (hash tidak cocok)")
        stored[key] = {"tingkat": r.tingkat, "content_hash": r.content_hash, "minutes_sha256": r.minutes_sha256,
                       "minutes_public_sha256": r.minutes_public_sha256, "minutes_media_type": r.minutes_media_type,
                       "recorded_by": r.recorded_by, "recorded_at": instant(r.recorded_at)}
    _compare(report, "rekapitulasi", stored, state.recap_records, RECAP_RECORD_COLUMNS)
    _compare(report, "status rekapitulasi", {(r.contest, r.kode): {
        "tingkat": r.tingkat, "status": r.status, "revision": r.revision, "locked_by": r.locked_by,
        "locked_at": instant(r.locked_at), "reopened_by": r.reopened_by, "reopened_at": instant(r.reopened_at),
        "reopen_reason": r.reopen_reason, "updated_at": instant(r.updated_at)}
        for r in conn.execute(select(recap_status))}, state.recap_status, RECAP_STATUS_COLUMNS)


def _compare(report: Report, what: str, stored: Mapping[Any, Mapping[str, Any]],
             expected: Mapping[Any, Mapping[str, Any]], columns: Iterable[str]) -> None:
    columns = tuple(columns)
    for key in sorted(set(stored) | set(expected), key=str):
        if key not in expected:
            report.problem(f"{what} {key}: ada di basis data tetapi tidak tercatat di rantai audit")
        elif key not in stored:
            report.problem(f"{what} {key}: tercatat di rantai audit tetapi hilang dari basis data")
        else:
            _differences(report, f"{what} {key}", stored[key], expected[key], columns)


def _check_photos(conn: Connection, state: ChainState, report: Report) -> None:
    """Every photo row, all of its metadata, must be the one its version's event recorded."""
    stored: dict[int, dict[int, tuple[Any, ...]]] = {}
    for row in conn.execute(select(version_photos)):
        stored.setdefault(row.version_id, {})[row.page] = tuple(getattr(row, c) for c in PHOTO_COLUMNS)
    for version_id in sorted(set(stored) | set(state.photos)):
        have, want = stored.get(version_id, {}), state.photos.get(version_id, {})
        for page in sorted(set(have) | set(want)):
            what = f"foto versi #{version_id} halaman {page}"
            if page not in want:
                report.problem(f"{what}: ada di basis data tetapi tidak tercatat di rantai audit")
            elif page not in have:
                report.problem(f"{what}: tercatat di rantai audit tetapi hilang dari basis data")
            else:
                _differences(report, what, dict(zip(PHOTO_COLUMNS, have[page])), dict(zip(PHOTO_COLUMNS, want[page])),
                             PHOTO_COLUMNS)
