"""Documents that follow the recapitulation: kept under a stamp of their contest's recap state
(and of the tally, for those that show both), not in the publisher's cache, which drops documents
only when the tally moves and so would keep showing a recapitulation that has since changed."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from suara.publish.publisher import Document
from suara.publish.routes import Builder
from suara.store import audit
from suara.store.schema import recap_status
from suara.tally.fold import tally_point

# Responses of the recapitulation carry this instead of the preliminary publication's disclaimer.
RECAP_DISCLAIMER = ("Rekapitulasi berjenjang (D Hasil) sebagaimana dicatat rapat pleno tiap tingkat; "
                    "hasil resmi setelah rekapitulasi tingkat teratas ditetapkan.")
CERTIFIED_DISCLAIMER = "Hasil resmi: rekapitulasi berjenjang (D Hasil) yang telah ditetapkan."


def recap_stamp(conn: Connection, contest: str) -> tuple[int, Any, int]:
    """Where a contest's recapitulation stands: any record, lock or reopening moves it."""
    row = conn.execute(select(func.count(), func.max(recap_status.c.updated_at), func.sum(recap_status.c.revision))
                       .where(recap_status.c.contest == contest)).one()
    return int(row[0]), row[1], int(row[2] or 0)


class StampedDocuments:
    """Documents by (key, stamp), least recently used out first. With no record of the contest at
    all, a document with_tally=False is built on every request (its time is then the tally's)."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[tuple[Any, ...], tuple[Document, str]] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size
        self.renders = 0

    def document(self, engine: Engine, key: tuple[Any, ...], contest: str, builder: Builder,
                 note: Callable[[Any], str], with_tally: bool = False) -> tuple[Document, str]:
        """The document and its disclaimer (note of its value)."""
        with engine.connect() as conn:
            state = (*recap_stamp(conn, contest), tally_point(conn)[0] if with_tally else None)
            full_key = (*key, *state)
            with self._lock:
                found = self._items.get(full_key)
                if found is not None:
                    self._items.move_to_end(full_key)
                    return found
            # the stamp is read first in this transaction: a write after it only makes the
            # stored document newer than its key, and the next request's stamp differs
            built = builder(conn)
            chain = audit.head(conn)
        self.renders += 1
        entry = (Document.of(built.value, built.cache_control, built.tally_seq, built.media_type,
                             f"{chain[0]}:{chain[1]}"), note(built.value))
        if state[0] or with_tally:
            with self._lock:
                self._items[full_key] = entry
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return entry


def documents_of(state: Any, name: str, size: int) -> StampedDocuments:
    """The app's cache of that name (request.app.state), made on first use."""
    cache = getattr(state, name, None)
    if cache is None:
        cache = StampedDocuments(size)
        setattr(state, name, cache)
    return cache
