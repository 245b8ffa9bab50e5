"""Append-only audit events, chained by hash. The head row is locked so the chain never forks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from suara.domain.audit import GENESIS, canonical, event_hash
from suara.store.dialect import bulk_insert
from suara.store.schema import audit_events, audit_head


@dataclass(frozen=True, slots=True)
class AuditEvent:
    kind: str
    actor: str
    subject: str
    payload: dict[str, Any]


def init_head(conn: Connection) -> None:
    if conn.execute(select(audit_head.c.id)).first() is None:
        conn.execute(audit_head.insert().values(id=1, seq=0, hash=GENESIS, last_version_id=0))


@dataclass(slots=True)
class ChainHead:
    """The end of the chain, locked for the rest of the caller's transaction."""

    seq: int
    hash: str
    last_version_id: int

    def allocate_versions(self, count: int) -> range:
        """Ids for new form versions, in the order they will appear in the chain."""
        first = self.last_version_id + 1
        self.last_version_id += count
        return range(first, first + count)


def lock_head(conn: Connection) -> ChainHead:
    """Lock the chain head: writers queue here, so the chain never forks and everything
    numbered under the lock (version ids too) becomes visible in order."""
    row = conn.execute(select(audit_head.c.seq, audit_head.c.hash, audit_head.c.last_version_id)
                       .where(audit_head.c.id == 1).with_for_update()).one()
    return ChainHead(int(row.seq), str(row.hash), int(row.last_version_id))


def append(conn: Connection, events: Sequence[AuditEvent], at: datetime, head: ChainHead | None = None,
           sealed: list[tuple[int, str, str]] | None = None) -> int:
    """Write events at the end of the chain inside the caller's transaction; returns the last seq.
    With `sealed`, each event's (seq, hash, at) is added to it, in the events' order."""
    head = head or lock_head(conn)
    if not events:
        return head.seq
    stamp = at.isoformat()
    rows = []
    for event in events:
        head.seq += 1
        payload = canonical(event.payload).decode()
        digest = event_hash(head.hash, head.seq, stamp, event.kind, event.actor, event.subject, payload)
        rows.append({"seq": head.seq, "at": stamp, "kind": event.kind, "actor": event.actor,
                     "subject": event.subject, "payload": payload, "prev_hash": head.hash, "hash": digest})
        head.hash = digest
        if sealed is not None:
            sealed.append((head.seq, digest, stamp))
    bulk_insert(conn, audit_events, rows)
    conn.execute(update(audit_head).where(audit_head.c.id == 1)
                 .values(seq=head.seq, hash=head.hash, last_version_id=head.last_version_id))
    return head.seq


EVENT_COLUMNS = ("seq", "at", "kind", "actor", "subject", "payload", "prev_hash", "hash")


def read_events(conn: Connection, batch: int = 50_000) -> Iterator[Any]:
    """Every event in chain order as plain tuples (EVENT_COLUMNS), read in pages."""
    columns = [audit_events.c[name] for name in EVENT_COLUMNS]
    last = 0
    while True:
        rows = conn.execute(select(*columns).where(audit_events.c.seq > last)
                            .order_by(audit_events.c.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def events_after(conn: Connection, after: int, limit: int) -> list[Any]:
    """Up to `limit` events with seq > after, in chain order (EVENT_COLUMNS)."""
    columns = [audit_events.c[name] for name in EVENT_COLUMNS]
    return list(conn.execute(select(*columns).where(audit_events.c.seq > after)
                             .order_by(audit_events.c.seq).limit(limit)).all())


def event_at(conn: Connection, seq: int) -> Any | None:
    columns = [audit_events.c[name] for name in EVENT_COLUMNS]
    return conn.execute(select(*columns).where(audit_events.c.seq == seq)).first()


def head(conn: Connection) -> tuple[int, str]:
    """The end of the chain. Read it in the same read transaction as a tally point to publish it
    with that point: every version the tally counted then has its event at or before it."""
    row = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    return int(row.seq), str(row.hash)


def head_text(conn: Connection) -> str:
    """The head as published in X-Suara-Chain-Head: '<seq>:<hash>'."""
    seq, digest = head(conn)
    return f"{seq}:{digest}"
