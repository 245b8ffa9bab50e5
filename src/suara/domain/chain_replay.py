"""What the audit chain says the tables must hold: the chain replayed, event by event.

Every fact that is shown publicly or that grants power is written to the chain by the service
that changes it (the event's payload carries every column); replaying the events in order gives
the state those tables must be in now. `suara verify` compares it with the database, so a row
changed, added or removed behind the services' back is named even when nothing else depends on
it. Pure: events in, expected rows out.

Form versions are the one table that grows to national size (820,000+ rows per contest), so a
version is kept as a digest of its expected columns and the seq of its event; the columns are
derived again from that one event only when the digest differs, to name what changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from suara.domain.audit import canonical

VERSION_COLUMNS = ("contest", "tps", "version_no", "content_hash", "outcome", "flags", "actor", "reason",
                   "submitted_at", "reading")
PHOTO_COLUMNS = ("sha256", "public_sha256", "media_type", "width", "height")
ACCOUNT_COLUMNS = ("id", "role", "scope", "active", "password_sha256")
TOKEN_COLUMNS = ("account_id", "token_hash", "label", "created_at", "expires_at", "revoked_at")
CORRECTION_COLUMNS = ("contest", "tps", "payload_sha256", "reason", "proposed_by", "proposed_at", "status",
                      "decided_by", "decided_at", "decision_reason", "version_id")
RECAP_RECORD_COLUMNS = ("tingkat", "content_hash", "minutes_sha256", "minutes_public_sha256", "minutes_media_type",
                        "recorded_by", "recorded_at")
RECAP_STATUS_COLUMNS = ("tingkat", "status", "revision", "locked_by", "locked_at", "reopened_by", "reopened_at",
                        "reopen_reason", "updated_at")
COMPLAINT_COLUMNS = ("contest", "tps", "text_sha256", "status", "created_at", "updated_at", "reason",
                     "correction_id", "handled_by")


def instant(value: str | datetime | None) -> str | None:
    """A time as one comparable text (UTC ISO 8601), from an event's text or a database value."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).isoformat()


def flags_text(flags: Any) -> str:
    """Flags (a list of {rule, severity, message}, or their stored JSON text) in canonical form."""
    return canonical(orjson.loads(flags) if isinstance(flags, str) else flags).decode()


def reading_text(reading: Any) -> str | None:
    """A version's reading record (a mapping, or its stored JSON text) in canonical form; versions
    stored before readings were kept have none."""
    if reading is None:
        return None
    return canonical(orjson.loads(reading) if isinstance(reading, str) else reading).decode()


def version_columns(actor: str, payload: Mapping[str, Any]) -> tuple[Any, ...]:
    """The form_versions columns a form.version event records, in VERSION_COLUMNS order."""
    return (payload["contest"], payload["tps"], payload["version_no"], payload["content_hash"], payload["outcome"],
            flags_text(payload["flags"]), actor, payload.get("reason"), instant(payload["submitted_at"]),
            reading_text(payload.get("reading")))


def columns_digest(columns: tuple[Any, ...]) -> bytes:
    return hashlib.sha256(canonical(list(columns))).digest()


@dataclass
class ChainState:
    """The tables as the chain says they must be (keyed as verify reads them)."""

    versions: dict[int, tuple[int, bytes]] = field(default_factory=dict)  # id -> (event seq, columns digest)
    photos: dict[int, dict[int, tuple[Any, ...]]] = field(default_factory=dict)  # version id -> page -> row
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # username -> columns
    tokens: dict[int, dict[str, Any]] = field(default_factory=dict)  # token id -> columns
    corrections: dict[int, dict[str, Any]] = field(default_factory=dict)
    complaints: dict[str, dict[str, Any]] = field(default_factory=dict)  # number -> columns
    recap_records: dict[tuple[str, str, int], dict[str, Any]] = field(default_factory=dict)  # contest, kode, revision
    recap_status: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # contest, kode
    problems: list[str] = field(default_factory=list)  # events that do not fit the state before them

    def apply(self, seq: int, kind: str, actor: str, subject: str, payload: Mapping[str, Any]) -> None:
        handler = _HANDLERS.get(kind) or _HANDLERS.get(kind.split(".", 1)[0] + ".*")
        if handler is None:
            return
        try:
            handler(self, seq, kind, actor, subject, payload)
        except (KeyError, TypeError, ValueError) as exc:
            self.problems.append(f"audit #{seq}: peristiwa {kind} tidak lengkap atau tidak sesuai ({exc!r})")

    def _account_id(self, seq: int, subject: str) -> int | None:
        username = subject.removeprefix("account/")
        account = self.accounts.get(username)
        if account is None:
            self.problems.append(f"audit #{seq}: akun {username} belum pernah dibuat di rantai audit")
            return None
        return int(account["id"])


def _version(state: ChainState, seq: int, kind: str, actor: str, subject: str, p: Mapping[str, Any]) -> None:
    version_id = int(p["version_id"])
    state.versions[version_id] = (seq, columns_digest(version_columns(actor, p)))
    pages = {int(photo["page"]): tuple(photo[c] for c in PHOTO_COLUMNS) for photo in p.get("photos") or ()}
    if pages:
        state.photos[version_id] = pages


def _account_created(state: ChainState, seq: int, kind: str, actor: str, subject: str, p: Mapping[str, Any]) -> None:
    state.accounts[p["username"]] = {"id": int(p["account_id"]), "role": p["role"], "scope": p["scope"],
                                     "active": bool(p["active"]), "password_sha256": p["password_sha256"]}


def _account_revoked(state: ChainState, seq: int, kind: str, actor: str, subject: str, p: Mapping[str, Any]) -> None:
    username = subject.removeprefix("account/")
    if username not in state.accounts:
        state.problems.append(f"audit #{seq}: akun {username} dicabut sebelum dibuat")
        return
    state.accounts[username]["active"] = False
    for token_id in p.get("tokens_revoked", ()):
        _revoke(state, seq, int(token_id), p["revoked_at"])


def _revoke(state: ChainState, seq: int, token_id: int, at: str) -> None:
    token = state.tokens.get(token_id)
    if token is None:
        state.problems.append(f"audit #{seq}: token #{token_id} dicabut sebelum diterbitkan")
        return
    token["revoked_at"] = instant(at)


def _token_issued(state: ChainState, seq: int, kind: str, actor: str, subject: str, p: Mapping[str, Any]) -> None:
    account_id = state._account_id(seq, subject)
    if account_id is None:
        return
    state.tokens[int(p["token_id"])] = {
        "account_id": account_id, "token_hash": p["token_hash"], "label": p["label"],
        "created_at": instant(p["created_at"]), "expires_at": instant(p.get("expires_at")), "revoked_at": None}
    if p.get("replaces") is not None:  # rotation revokes the old token in the same transaction
        _revoke(state, seq, int(p["replaces"]), p["created_at"])


def _token_revoked(state: ChainState, seq: int, kind: str, actor: str, subject: str, p: Mapping[str, Any]) -> None:
    _revoke(state, seq, int(p["token_id"]), p["revoked_at"])


def _correction_proposed(state: ChainState, seq: int, kind: str, actor: str, subject: str,
                         p: Mapping[str, Any]) -> None:
    state.corrections[int(p["correction_id"])] = {
        "contest": p["contest"], "tps": p["tps"], "payload_sha256": p["payload_sha256"], "reason": p["reason"],
        "proposed_by": actor, "proposed_at": instant(p["proposed_at"]), "status": "proposed",
        "decided_by": None, "decided_at": None, "decision_reason": None, "version_id": None}


def _correction_decided(state: ChainState, seq: int, kind: str, actor: str, subject: str,
                        p: Mapping[str, Any]) -> None:
    correction = state.corrections.get(int(p["correction_id"]))
    if correction is None:
        state.problems.append(f"audit #{seq}: koreksi #{p['correction_id']} diputuskan sebelum diusulkan")
        return
    correction.update(status=p["status"], decided_by=actor, decided_at=instant(p["decided_at"]),
                      decision_reason=p["reason"], version_id=p.get("version_id"))


def _complaint(state: ChainState, seq: int, kind: str, actor: str, subject: str, p: Mapping[str, Any]) -> None:
    number = p["number"]
    if kind == "complaint.received":
        state.complaints[number] = {
            "contest": p["contest"], "tps": p["tps"], "text_sha256": p["text_sha256"], "status": "received",
            "created_at": instant(p["created_at"]), "updated_at": instant(p["created_at"]), "reason": None,
            "correction_id": None, "handled_by": None}
        return
    complaint = state.complaints.get(number)
    if complaint is None:
        state.problems.append(f"audit #{seq}: pengaduan {number} berubah sebelum diterima")
        return
    complaint.update(status=p["status"], updated_at=instant(p["updated_at"]), reason=p.get("reason"),
                     correction_id=p.get("correction_id"), handled_by=actor)


def _recap(state: ChainState, seq: int, kind: str, actor: str, subject: str, p: Mapping[str, Any]) -> None:
    key = (p["contest"], p["kode"])
    if kind == "recap.recorded":
        at = instant(p["recorded_at"])
        state.recap_records[(*key, int(p["revision"]))] = {
            "tingkat": p["tingkat"], "content_hash": p["content_hash"], "minutes_sha256": p.get("minutes_sha256"),
            "minutes_public_sha256": p.get("minutes_public_sha256"), "minutes_media_type": p.get("minutes_media_type"),
            "recorded_by": actor, "recorded_at": at}
        state.recap_status.setdefault(key, {
            "locked_by": None, "locked_at": None, "reopened_by": None, "reopened_at": None, "reopen_reason": None,
        }).update(tingkat=p["tingkat"], status="recorded", revision=int(p["revision"]), updated_at=at)
        return
    status = state.recap_status.get(key)
    if status is None:
        state.problems.append(f"audit #{seq}: rekapitulasi {key[0]} {key[1]} berubah sebelum dicatat")
        return
    if kind == "recap.locked":
        at = instant(p["locked_at"])
        status.update(status="locked", locked_by=actor, locked_at=at, updated_at=at)
    elif kind == "recap.reopened":
        at = instant(p["reopened_at"])
        status.update(status="recorded", reopened_by=actor, reopened_at=at, reopen_reason=p["reason"], updated_at=at)


_HANDLERS = {
    "form.version": _version,
    "account.created": _account_created,
    "account.revoked": _account_revoked,
    "token.issued": _token_issued,
    "token.rotated": _token_issued,
    "token.revoked": _token_revoked,
    "correction.proposed": _correction_proposed,
    "correction.approved": _correction_decided,
    "correction.rejected": _correction_decided,
    "complaint.*": _complaint,
    "recap.*": _recap,
}
