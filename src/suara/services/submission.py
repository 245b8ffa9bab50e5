"""Submitting C Hasil forms: check, decide by policy, append a version for the tally to fold.

The same code serves one form from a KPPS device and a batch of thousands from `suara ingest`:
a batch is one transaction, so nothing half-written is ever visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, select

from suara.domain.audit import canonical, content_hash, text_hash
from suara.domain.contests import UnknownContest
from suara.domain.form import Form, MalformedForm, parse_form
from suara.domain.policy import Outcome, Policy, decide
from suara.domain.rules import Flag, Severity, check_form, conform_to_contest
from suara.services import resends
from suara.store import audit
from suara.store.dialect import bulk_insert, chunks
from suara.store.reference import Reference
from suara.store.schema import form_versions, version_photos
from suara.tally.fold import fold_pending


@dataclass(frozen=True, slots=True)
class Submission:
    doc: Any
    idempotency_key: str | None = None
    actor: str = "system"
    reason: str | None = None
    photos: tuple[PagePhoto, ...] = ()
    # content_hash(doc), when the caller has it already (a bulk ingest checks in another process
    # and sends back only this, not the decoded form)
    doc_hash: str | None = None
    # a polling officer's send: once the TPS has a version, other numbers become a correction
    # proposal after this many seconds from the first send (services/resends.py); None: a bulk
    # ingest, a demo or an authorised correction, which store versions as they come
    resend_grace: float | None = None
    # the machine reading of the photos and the officer's record of it, as stored with the
    # version (canonical JSON; domain/machine_reading.py), and the flags that reading raises
    # (R16 for a number read otherwise, R13 for a page of another TPS)
    reading: str | None = None
    photo_flags: tuple[Flag, ...] = ()


@dataclass(frozen=True, slots=True)
class PagePhoto:
    """A photo of one page of the form, already checked and in the blob store."""

    page: int
    sha256: str
    public_sha256: str
    media_type: str
    width: int
    height: int


@dataclass(slots=True)
class SubmissionResult:
    outcome: Outcome
    flags: list[Flag] = field(default_factory=list)
    tps: str | None = None
    contest: str | None = None
    version_id: int | None = None
    version_no: int | None = None
    error_code: str | None = None
    message: str | None = None
    replayed: bool = False
    correction_id: int | None = None  # the re-sent numbers wait as this correction proposal
    # what the signed receipt of a version stored by this very call needs: (content hash, and the
    # chain's seq, hash and time of its event), so the receipt is signed without searching the chain
    sealed: tuple[str, int, str, str] | None = None

    @property
    def status(self) -> str:
        if self.correction_id is not None:
            return PROPOSAL_STATUS
        return self.outcome.label

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": "correction_proposed" if self.correction_id is not None else self.outcome.value,
            "status": self.status,
            "correction_id": self.correction_id,
            "tps": self.tps,
            "contest": self.contest,
            "version_id": self.version_id,
            "version_no": self.version_no,
            "flags": [flag_dict(f) for f in self.flags],
            "error": None if self.error_code is None else {"code": self.error_code, "message": self.message},
            "replayed": self.replayed,
        }


PROPOSAL_STATUS = ("Dikirim sebagai usulan koreksi: angka yang dipublikasikan tetap sampai KPU RI "
                   "mengesahkannya")


class IdempotencyConflict(Exception):
    """The same idempotency key was used before with a different body."""


def flag_dict(flag: Flag) -> dict[str, Any]:
    """A flag as stored with its version: the message in both languages and the boxes it is
    about (flags stored before these existed carry the message alone)."""
    stored: dict[str, Any] = {"rule": flag.rule, "severity": flag.severity.value, "message": flag.message}
    if flag.message_en:
        stored["message_en"] = flag.message_en
    if flag.boxes:
        stored["boxes"] = list(flag.boxes)
    return stored


def flag_of(stored: dict[str, Any]) -> Flag:
    return Flag(stored["rule"], Severity(stored["severity"]), stored["message"], stored.get("message_en", ""),
                tuple(stored.get("boxes", ())))


def _refused(code: str, message: str, form: Form | None = None, flags: list[Flag] | None = None) -> SubmissionResult:
    return SubmissionResult(Outcome.REFUSED, flags or [], form.tps if form else None,
                            form.contest if form else None, error_code=code, message=message)


@dataclass(slots=True)
class _Checked:
    """A form that passed the checks, with what will be stored: small and picklable, so that a
    bulk ingest can check in one process while another writes (the Form stays in-process)."""

    tps: str
    contest: str
    flags: list[Flag]
    outcome: Outcome
    payload: str  # the canonical JSON stored as the version
    content_hash: str
    doc_hash: str  # what an idempotency key binds when the form came without photos
    form: Form | None = None

    def portable(self) -> _Checked:
        return replace(self, form=None)


def check(reference: Reference, doc: Any, policy: Policy) -> _Checked | SubmissionResult:
    """Everything that decides a form's fate without the database."""
    try:
        form = parse_form(doc)
    except MalformedForm as exc:
        return _refused("malformed", str(exc))
    try:
        contest = reference.contest(form.contest)
    except UnknownContest as exc:
        return _refused("unknown_contest", str(exc), form)
    scope = reference.scope(contest)
    if not scope.tree.has_tps(form.tps):
        if reference.tree.has_tps(form.tps) or any(t.has_tps(form.tps) for t in reference.trees.values()):
            return _refused("other_election", f"TPS {form.tps} tidak ada dalam daftar TPS {contest.election} "
                                              f"(pemilihan {contest.key})", form)
        return _refused("unknown_tps", f"TPS tidak dikenal: {form.tps}", form)
    if not contest.covers(form.tps):
        return _refused("outside_contest", f"TPS {form.tps} di luar wilayah {contest.key}", form)
    try:
        conform_to_contest(form, contest, reference.ballot(contest, form.tps))
    except MalformedForm as exc:
        return _refused("malformed", str(exc), form)
    flags = check_form(form, contest)
    outcome = decide(policy, flags)
    if outcome is Outcome.REFUSED:
        return _refused("rules_failed", _failing(flags), form, flags)
    payload = form.to_json()
    text = canonical(payload).decode()
    digest = text_hash(text)
    # the stored payload is the request itself unless it was sent with "administrasi": null
    doc_hash = digest if payload == doc else content_hash(doc)
    return _Checked(form.tps, form.contest, flags, outcome, text, digest, doc_hash, form)


def _failing(flags: Sequence[Flag]) -> str:
    """The refusal's message: the error rules the form fails, in their order."""
    failing = ", ".join(sorted({f.rule for f in flags if f.severity is Severity.ERROR}, key=lambda r: int(r[1:])))
    return f"Data Tidak Terkirim: gagal {failing}"


def prepare(reference: Reference, docs: Sequence[Any], policy: Policy
            ) -> list[tuple[_Checked | SubmissionResult, str]]:
    """check() for many forms, each with its content hash, small enough to cross to another
    process: the decoded forms themselves stay behind."""
    prepared: list[tuple[_Checked | SubmissionResult, str]] = []
    for doc in docs:
        checked = check(reference, doc, policy)
        if isinstance(checked, _Checked):
            prepared.append((checked.portable(), checked.doc_hash))
        else:
            prepared.append((checked, content_hash(doc)))
    return prepared


def request_hash(sub: Submission) -> str:
    """What an idempotency key is bound to: the form and the photos sent with it."""
    if not sub.photos:
        return sub.doc_hash if sub.doc_hash is not None else content_hash(sub.doc)
    return content_hash({"form": sub.doc, "photos": [[p.page, p.sha256] for p in sub.photos]})


def _replay(row: Any, key_hash: str) -> SubmissionResult | IdempotencyConflict:
    if row.request_hash != key_hash:
        return IdempotencyConflict(row.idempotency_key)
    flags = [flag_of(f) for f in orjson.loads(row.flags)]
    return SubmissionResult(Outcome(row.outcome), flags, row.tps, row.contest, row.id, row.version_no,
                            replayed=True)


def submit_forms(
    engine: Engine,
    reference: Reference,
    submissions: Sequence[Submission],
    policy: Policy = Policy.AS_IS,
    now: datetime | None = None,
    fold: bool = False,
    prechecked: Sequence[_Checked | SubmissionResult] | None = None,
) -> list[SubmissionResult | IdempotencyConflict]:
    """Check and store a batch in one transaction; results are in submission order.

    With fold, the tally folds the new versions in the same transaction, so they are in the
    rollups the moment the caller gets its answer (a correction, say); otherwise the tally
    worker folds them moments later.

    An idempotency key seen before (in the database or earlier in the batch) returns the first
    answer, or an IdempotencyConflict when the body differs, and writes nothing.
    """
    now = now or datetime.now(UTC)
    results: list[SubmissionResult | IdempotencyConflict | None] = [None] * len(submissions)
    checked: dict[int, _Checked] = {}
    for index, sub in enumerate(submissions):
        outcome = prechecked[index] if prechecked is not None else check(reference, sub.doc, policy)
        if sub.photo_flags and isinstance(outcome, _Checked):
            outcome = _with_photo_flags(outcome, sub.photo_flags, policy)
        if isinstance(outcome, SubmissionResult):
            results[index] = outcome
        else:
            checked[index] = outcome
    if not checked and not any(s.idempotency_key for s in submissions):
        return [r for r in results if r is not None]

    with engine.begin() as conn:
        head = audit.lock_head(conn)
        seen = _seen_keys(conn, [s.idempotency_key for s in submissions if s.idempotency_key])
        first_in_batch: dict[str, int] = {}
        repeats: list[tuple[int, int]] = []
        to_write: list[tuple[int, Submission, _Checked]] = []
        for index, sub in enumerate(submissions):
            key = sub.idempotency_key
            if key is not None and key in seen:
                results[index] = _replay(seen[key], request_hash(sub))
            elif key is not None and key in first_in_batch:
                repeats.append((index, first_in_batch[key]))
            else:
                if key is not None:
                    first_in_batch[key] = index
                if index in checked:
                    to_write.append((index, sub, checked[index]))
        to_write = _check_photo_reuse(conn, to_write, results, policy)
        to_write, latest = _guard_resends(conn, to_write, results, now, head)
        _store(conn, to_write, results, now, head, latest)
        if fold and to_write:
            fold_pending(conn)
        for index, first in repeats:
            original = results[first]
            assert isinstance(original, SubmissionResult)
            same_body = request_hash(submissions[index]) == request_hash(submissions[first])
            results[index] = (_echo(original) if same_body
                              else IdempotencyConflict(submissions[index].idempotency_key))
    return [r for r in results if r is not None]


def _with_photo_flags(checked: _Checked, flags: Sequence[Flag], policy: Policy) -> _Checked | SubmissionResult:
    """A checked form with the flags its photos raise, decided again under the policy."""
    all_flags = [*checked.flags, *flags]
    outcome = decide(policy, all_flags)
    if outcome is Outcome.REFUSED:
        return SubmissionResult(Outcome.REFUSED, all_flags, checked.tps, checked.contest, error_code="rules_failed",
                                message=_failing(all_flags))
    return replace(checked, flags=all_flags, outcome=outcome)


def _check_photo_reuse(conn: Any, items: list[tuple[int, Submission, _Checked]], results: list[Any],
                       policy: Policy) -> list[tuple[int, Submission, _Checked]]:
    """R13: a photo already filed for another TPS flags the form (and may refuse it, by policy)."""
    digests = sorted({p.sha256 for _, sub, _ in items for p in sub.photos})
    if not digests:
        return items
    owners: dict[str, set[tuple[str, str]]] = {}
    for part in chunks(digests):
        stmt = (select(version_photos.c.sha256, form_versions.c.contest, form_versions.c.tps)
                .join(form_versions, form_versions.c.id == version_photos.c.version_id)
                .where(version_photos.c.sha256.in_(part)))
        for row in conn.execute(stmt):
            owners.setdefault(row.sha256, set()).add((row.contest, row.tps))
    kept = []
    for index, sub, checked in items:
        elsewhere = sorted({tps for p in sub.photos for _, tps in owners.get(p.sha256, set())
                            if tps != checked.tps})
        if elsewhere:
            checked.flags.append(Flag("R13", Severity.ERROR, f"Foto sudah dipakai untuk TPS {', '.join(elsewhere)}",
                                      f"The photo was already filed for TPS {', '.join(elsewhere)}"))
            checked.outcome = decide(policy, checked.flags)
            if checked.outcome is Outcome.REFUSED:
                results[index] = SubmissionResult(Outcome.REFUSED, checked.flags, checked.tps, checked.contest,
                                                  error_code="rules_failed", message="Data Tidak Terkirim: gagal R13")
                continue
        kept.append((index, sub, checked))
    return kept


def _guard_resends(conn: Any, items: list[tuple[int, Submission, _Checked]], results: list[Any], now: datetime,
                   head: audit.ChainHead) -> tuple[list[tuple[int, Submission, _Checked]], dict[tuple[str, str], int]]:
    """An officer's send for a TPS that has a version: the same numbers store nothing, other numbers
    after the grace period become a correction proposal (services/resends.py). Also the latest
    version number of every guarded (contest, tps), 0 for none: read here, _store needs not
    read it again (one query fewer while the chain head is locked)."""
    guarded = [(c.contest, c.tps) for _, sub, c in items if sub.resend_grace is not None]
    if not guarded:
        return items, {}
    stored = resends.stored_versions(conn, guarded)
    latest = {pair: stored[pair].version_no if pair in stored else 0 for pair in guarded}
    kept = []
    for index, sub, checked in items:
        current = stored.get((checked.contest, checked.tps)) if sub.resend_grace is not None else None
        if current is None or sub.resend_grace is None:
            kept.append((index, sub, checked))
            continue
        photos = tuple(sorted((p.page, p.sha256) for p in sub.photos))
        same_numbers = checked.content_hash == current.content_hash
        if same_numbers and photos in ((), current.photos):  # Back, then send again: nothing new
            flags = [flag_of(f) for f in orjson.loads(current.flags)]
            results[index] = SubmissionResult(Outcome(current.outcome), flags, checked.tps, checked.contest,
                                              current.version_id, current.version_no, replayed=True,
                                              message="formulir dengan angka yang sama sudah tersimpan")
        elif same_numbers or resends.within_grace(current, now, sub.resend_grace):
            kept.append((index, sub, checked))
        else:
            correction_id = (resends.pending_proposal(conn, checked.contest, checked.tps, checked.payload, sub.actor)
                             or resends.propose(conn, checked.contest, checked.tps, checked.payload, sub.actor,
                                                now, head))
            results[index] = SubmissionResult(checked.outcome, checked.flags, checked.tps, checked.contest,
                                              correction_id=correction_id, message=PROPOSAL_STATUS)
    return kept, latest


def _echo(original: SubmissionResult) -> SubmissionResult:
    return SubmissionResult(original.outcome, original.flags, original.tps, original.contest,
                            original.version_id, original.version_no, original.error_code,
                            original.message, replayed=True)


def _seen_keys(conn: Any, keys: list[str]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for part in chunks(sorted(set(keys))):
        stmt = select(form_versions.c.id, form_versions.c.idempotency_key, form_versions.c.request_hash,
                      form_versions.c.flags, form_versions.c.outcome, form_versions.c.tps,
                      form_versions.c.contest, form_versions.c.version_no
                      ).where(form_versions.c.idempotency_key.in_(part))
        seen.update({row.idempotency_key: row for row in conn.execute(stmt)})
    return seen


def _store(conn: Any, items: list[tuple[int, Submission, _Checked]],
           results: list[Any], now: datetime, head: audit.ChainHead,
           latest: dict[tuple[str, str], int]) -> None:
    """`latest`: the current version number of pairs already read in this transaction."""
    if not items:
        return
    numbers = dict(latest)
    unread = [(c.contest, c.tps) for _, _, c in items if (c.contest, c.tps) not in latest]
    numbers.update({pair: head.latest for pair, head in resends.version_heads(conn, unread).items()})
    rows: list[dict[str, Any]] = []
    for _, sub, checked in items:
        pair = (checked.contest, checked.tps)
        numbers[pair] = numbers.get(pair, 0) + 1
        rows.append({
            "contest": checked.contest, "tps": checked.tps, "version_no": numbers[pair],
            "payload": checked.payload, "content_hash": checked.content_hash,
            "flags": orjson.dumps([flag_dict(f) for f in checked.flags]).decode(),
            "outcome": checked.outcome.value, "submitted_at": now, "actor": sub.actor,
            "reason": sub.reason, "idempotency_key": sub.idempotency_key,
            "request_hash": (checked.doc_hash if not sub.photos else request_hash(sub))
            if sub.idempotency_key else None,
            "reading": sub.reading,
        })
    ids = head.allocate_versions(len(rows))
    for row, version_id in zip(rows, ids):
        row["id"] = version_id
    bulk_insert(conn, form_versions, rows)
    bulk_insert(conn, version_photos, [
        {"version_id": version_id, "page": p.page, "sha256": p.sha256, "public_sha256": p.public_sha256,
         "media_type": p.media_type, "width": p.width, "height": p.height}
        for (_, sub, _), version_id in zip(items, ids) for p in sub.photos])
    events = []
    for (index, sub, checked), row, version_id in zip(items, rows, ids):
        results[index] = SubmissionResult(checked.outcome, checked.flags, row["tps"], row["contest"],
                                          version_id, row["version_no"])
        # every column the public record shows, so that verify can rebuild the row from the chain
        events.append(audit.AuditEvent("form.version", sub.actor, f"{row['contest']}/{row['tps']}", {
            "version_id": version_id, "version_no": row["version_no"], "contest": row["contest"],
            "tps": row["tps"], "content_hash": row["content_hash"], "outcome": row["outcome"],
            "flags": [flag_dict(f) for f in checked.flags], "reason": sub.reason,
            "submitted_at": now.isoformat(),
            **({"reading": orjson.loads(sub.reading)} if sub.reading is not None else {}),
            "photos": [{"page": p.page, "sha256": p.sha256, "public_sha256": p.public_sha256,
                        "media_type": p.media_type, "width": p.width, "height": p.height} for p in sub.photos],
        }))
    sealed: list[tuple[int, str, str]] = []
    audit.append(conn, events, now, head, sealed)
    for (index, _, checked), (seq, digest, stamp) in zip(items, sealed):
        results[index].sealed = (checked.content_hash, seq, digest, stamp)
