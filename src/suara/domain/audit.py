"""Canonical hashing and the audit hash chain.

Anyone can re-derive both in any language:
- a form's content hash is SHA-256 of its canonical JSON (keys sorted, no spaces, UTF-8), which
  is also exactly the text stored for it;
- an audit event's hash is SHA-256 of the canonical JSON array
  [prev_hash, seq, at, kind, actor, subject], a newline, and the event's stored payload text
  (itself canonical JSON). Each event carries the previous event's hash, so changing, removing
  or reordering any event breaks every hash after it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no spaces, UTF-8)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def content_hash(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def event_hash(prev_hash: str, seq: int, at: str, kind: str, actor: str, subject: str, payload_text: str) -> str:
    header = orjson.dumps([prev_hash, seq, at, kind, actor, subject])
    return hashlib.sha256(header + b"\n" + payload_text.encode()).hexdigest()
