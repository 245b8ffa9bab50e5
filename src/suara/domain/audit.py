"""The audit hash chain: each event's hash covers its content and the previous event's hash."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no spaces, UTF-8) that any language can reproduce."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def content_hash(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def event_hash(prev_hash: str, seq: int, at: str, kind: str, actor: str, subject: str, payload: Any) -> str:
    body = canonical({"prev": prev_hash, "seq": seq, "at": at, "kind": kind, "actor": actor,
                      "subject": subject, "payload": payload})
    return hashlib.sha256(body).hexdigest()
