"""Canonical hashing and the audit hash chain.

Anyone can re-derive both in any language:
- a form's content hash is SHA-256 of its canonical JSON (keys sorted, no spaces, UTF-8), which
  is also exactly the text stored for it;
- an event's body digest is SHA-256 of the canonical JSON array [actor, subject], a newline,
  and the event's stored payload text (itself canonical JSON);
- an event's hash is SHA-256 of the canonical JSON array [prev_hash, seq, at, kind, body_digest].
  Each event carries the previous event's hash, so changing, removing or reordering any event
  breaks every hash after it.

Why the chain links a digest of the body rather than the body itself: some events hold what
must not be published (who holds which account, token hashes, digests of password hashes).
The public listing of the chain (`GET /api/v1/chain/events`) gives such an event as its link
only: seq, time, kind, prev_hash, body digest and hash. A third party can still recompute every
link, so a rewritten, removed or inserted event is detected anywhere in the chain, and for the
events of the public record (form versions, corrections, complaints, reference data) it also
gets actor, subject and payload and checks that they hash to the body digest. Hiding a body
does not weaken the chain: changing a hidden body changes its digest, hence its link hash.
Publishing the digest of a secret is safe only because every hidden body holds high-entropy
material or a digest of it (tokens and password hashes are never guessable from their digest).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

GENESIS = "0" * 64
# Kinds whose actor, subject and payload are public: the record that anyone may read anyway.
# Everything else (accounts, tokens, any kind added later) is published as its link only.
PUBLIC_KIND_PREFIXES = ("form.", "correction.", "complaint.", "reference.")


def canonical(value: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no spaces, UTF-8)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def content_hash(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def body_digest(actor: str, subject: str, payload_text: str) -> str:
    return hashlib.sha256(orjson.dumps([actor, subject]) + b"\n" + payload_text.encode()).hexdigest()


def link_hash(prev_hash: str, seq: int, at: str, kind: str, body: str) -> str:
    return hashlib.sha256(orjson.dumps([prev_hash, seq, at, kind, body])).hexdigest()


def event_hash(prev_hash: str, seq: int, at: str, kind: str, actor: str, subject: str, payload_text: str) -> str:
    return link_hash(prev_hash, seq, at, kind, body_digest(actor, subject, payload_text))


def is_public(kind: str) -> bool:
    return kind.startswith(PUBLIC_KIND_PREFIXES)


def published_event(seq: int, at: str, kind: str, actor: str, subject: str, payload_text: str,
                    prev_hash: str, digest: str) -> dict[str, Any]:
    """An event as the public chain listing gives it: the link always, the body when public."""
    event: dict[str, Any] = {"seq": seq, "at": at, "kind": kind, "prev_hash": prev_hash,
                             "body_sha256": body_digest(actor, subject, payload_text), "hash": digest}
    if is_public(kind):
        event.update(actor=actor, subject=subject, payload=payload_text)
    return event


# --- witnesses: heads of the chain seen over time ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: str

    def text(self) -> str:
        return f"{self.seq}:{self.hash}"


def parse_head(text: str) -> Head:
    """'<seq>:<hash>' as in the X-Suara-Chain-Head header; ValueError on anything else."""
    seq, _, digest = text.strip().partition(":")
    return _head(seq, digest)


def _head(seq: str, digest: str) -> Head:
    if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"bukan kepala rantai (seq:hash): {seq}:{digest}")
    return Head(int(seq), digest)


def witness_line(head: Head, seen_at: str) -> str:
    return f"{head.seq},{head.hash},{seen_at}\n"


def parse_witness(lines: Iterable[str]) -> dict[int, str]:
    """seq -> hash of every head a witness file records (lines 'seq,hash,time'; # comments).

    Two different hashes recorded for one seq are themselves proof of a rewrite: ValueError."""
    heads: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(",")
        if len(parts) < 2:
            raise ValueError(f"baris {number} berkas saksi: harus 'seq,hash,waktu'")
        try:
            head = _head(parts[0].strip(), parts[1].strip())
        except ValueError as exc:
            raise ValueError(f"baris {number} berkas saksi: {exc}") from None
        if heads.setdefault(head.seq, head.hash) != head.hash:
            raise ValueError(f"berkas saksi mencatat dua hash untuk peristiwa #{head.seq}: riwayat pernah ditulis ulang")
    return heads


def check_published_chain(events: Iterable[Mapping[str, Any]], witness: Mapping[int, str]) -> Iterator[str]:
    """Problems of a published chain listing, link by link, and against a witness's heads.

    Yields each problem as text. The listing must start at seq 1 and be in chain order."""
    prev, last = GENESIS, 0
    for event in events:
        try:
            seq, at, kind = int(event["seq"]), str(event["at"]), str(event["kind"])
            prev_hash, body, digest = str(event["prev_hash"]), str(event["body_sha256"]), str(event["hash"])
        except (KeyError, TypeError, ValueError):
            yield f"peristiwa setelah #{last}: bentuk tidak dikenal"
            return
        if seq != last + 1:
            yield f"rantai: urutan terputus, {last} lalu {seq}"
        if prev_hash != prev:
            yield f"peristiwa #{seq}: prev_hash tidak sama dengan hash peristiwa sebelumnya"
        if link_hash(prev_hash, seq, at, kind, body) != digest:
            yield f"peristiwa #{seq}: hash tidak cocok dengan isinya"
        if "payload" in event and body_digest(str(event.get("actor")), str(event.get("subject")),
                                              str(event["payload"])) != body:
            yield f"peristiwa #{seq}: isi yang dipublikasikan tidak cocok dengan body_sha256"
        if seq in witness and witness[seq] != digest:
            yield (f"peristiwa #{seq}: hash {digest[:16]}... tetapi saksi mencatat {witness[seq][:16]}...: "
                   "riwayat ditulis ulang")
        prev, last = digest, seq
    beyond = sorted(s for s in witness if s > last)
    if beyond:
        yield (f"rantai berakhir di #{last}, padahal saksi pernah melihat #{beyond[-1]}: "
               "rantai dipotong atau ditulis ulang")
