"""Documents rendered once per change of what they show, not once per request.

The publisher keeps every document it has rendered as bytes with its ETag (and a gzip copy made
on first demand). A refresher asks the database a few times a second how far the tally has got;
documents of regions and TPS that changed since are dropped and rendered again on next request.

With a streaming replica the documents, and the tally point they are kept by, are read from the
replica: they follow the primary by the replica's lag, which each document states in its as_of.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, Engine

from suara.domain.search import Found, RegionSearch
from suara.publish import own, routes
from suara.store import audit
from suara.store.reference import Reference
from suara.store.replica import replica_lag_seconds
from suara.tally.fold import tally_point
from suara.tally.queries import changed_since, tps_changed_between

GZIP_MIN_BYTES = 512
# A document whose rendering costs much (the national DPR document: parties and 9,917 candidates)
# is rendered again at most once per RENDER_SHARE of the process's time: kept, with the as_of of
# the point it shows, for its rendering's CPU time / RENDER_SHARE after it was rendered, however
# often the tally moves. Cheap documents (under RENDER_FLOOR_SECONDS of CPU) are always dropped
# at once, so a correction still shows in the next national PPWP document.
RENDER_SHARE = 0.05
RENDER_FLOOR_SECONDS = 0.02
STALE_KEPT = 4096
FULL_INVALIDATION = 20_000  # past this many changed regions, dropping everything is cheaper
T = TypeVar("T")


@dataclass(slots=True)
class Document:
    body: bytes
    etag: str
    cache_control: str
    tally_seq: int
    media_type: str = "application/json"
    chain_head: str = ""  # '<seq>:<hash>' of the audit chain when rendered (X-Suara-Chain-Head)
    _gzipped: bytes | None = field(default=None, repr=False)
    # the fast path's headers for this document, made on its first answer (api/fast_path.py)
    wire_headers: Any = field(default=None, repr=False, compare=False)
    # when (time.monotonic) a publisher kept it, and the CPU time its rendering took
    rendered_at: float = field(default=0.0, repr=False, compare=False)
    render_cpu_seconds: float = field(default=0.0, repr=False, compare=False)

    def keep_until(self) -> float:
        """Until when a change of what it shows does not drop it (see RENDER_SHARE)."""
        if self.render_cpu_seconds < RENDER_FLOOR_SECONDS:
            return 0.0
        return self.rendered_at + self.render_cpu_seconds / RENDER_SHARE

    @classmethod
    def of(cls, value: object, cache_control: str, tally_seq: int, media_type: str = "application/json",
           chain_head: str = "") -> Document:
        body = value if isinstance(value, bytes) else orjson.dumps(value)
        return cls(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', cache_control, tally_seq, media_type,
                   chain_head)

    def gzipped(self) -> bytes | None:
        """The body compressed once, or None when it is too small to be worth it."""
        if len(self.body) < GZIP_MIN_BYTES:
            return None
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped


@dataclass(slots=True)
class _Flight:
    """A rendering under way and how many requests wait for it (the first renders)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    waiting: int = 0


class Publisher:
    """engine: a read-only engine on the primary, for reads that must see this deployment's own
    latest writes (sessions, receipts, officials' screens, the tally's pending work). replica:
    where public documents and pages are read from, when there is one (else the same engine)."""

    def __init__(self, engine: Engine, reference: Reference, replica: Engine | None = None) -> None:
        self.engine = engine
        self.public_engine = engine if replica is None else replica
        self.has_replica = replica is not None
        self.reference = reference
        self._documents: dict[str, Document] = {}
        self._by_dependency: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._lock = threading.Lock()
        self._rendering: dict[str, _Flight] = {}  # key -> its one rendering under way
        # key -> the document of an earlier tally point, answered only while its new one renders
        # (the most recently dropped STALE_KEPT of them: the hot national and province documents,
        # dropped at every tally point, stay; a crawler's walk of every TPS does not stay in memory)
        self._stale: OrderedDict[str, Document] = OrderedDict()
        self._deferred: dict[str, float] = {}  # costly documents kept past a change, until when
        self.clock = time.monotonic
        with self.public_engine.connect() as conn:
            self.tally_seq, self.cursor, self.updated_at = tally_point(conn)
        self.renders = 0
        self._search = RegionSearch(reference.tree)

    def cached(self, key: str) -> Document | None:
        return self._documents.get(key)

    def document(self, key: str, builder: routes.Builder) -> Document:
        """The cached document for key, rendering it with builder when there is none.

        One render per key at a time: on election night every tally point makes the national
        documents stale at once, and the readers arriving meanwhile are answered with the
        document of the tally point before (its as_of says so) while one of them renders it
        again, with its gzip, instead of each rendering the same megabyte. Without a document
        of before, they wait for that one rendering."""
        cached = self._documents.get(key)
        if cached is not None:
            return cached
        with self._lock:
            stale = self._stale.get(key)
            if stale is not None and key in self._rendering:
                return stale  # the tally point before, while one request renders this one
            flight = self._rendering.setdefault(key, _Flight())
            flight.waiting += 1
        try:
            with flight.lock:
                cached = self._documents.get(key)
                return cached if cached is not None else self._render_and_keep(key, builder)
        finally:
            with self._lock:
                flight.waiting -= 1
                if not flight.waiting:
                    del self._rendering[key]

    def _render_and_keep(self, key: str, builder: routes.Builder) -> Document:
        seq_before = self.tally_seq
        cpu_before = time.thread_time()  # the builder runs in this thread: its CPU, not the wait for it
        built, document = self._render(builder)
        document.gzipped()  # once, here, rather than by every reader that takes gzip
        document.render_cpu_seconds = time.thread_time() - cpu_before
        document.rendered_at = self.clock()
        self.renders += 1
        with self._lock:
            # A refresh that ran while this was rendering may have dropped what it read; keep
            # the result only if none did, so nothing stale is ever cached.
            if self.tally_seq == seq_before and built.tally_seq <= self.tally_seq:
                self._documents[key] = document
                self._stale.pop(key, None)
                self._deferred.pop(key, None)
                # a document showing several contests (BuiltMany) lists the others here
                for dependency in (built.depends_on, *getattr(built, "also_depends_on", ())):
                    if dependency is not None:
                        self._by_dependency[dependency].add(key)
        return document

    def refresh(self) -> int:
        """Drop documents whose regions or TPS changed since the last refresh (a costly one only
        once its time is up, see RENDER_SHARE); returns how many."""
        now = self.clock()
        with self._lock:
            dropped = self._drop_due(now)
        with self.public_engine.connect() as conn:
            seq, cursor, updated_at = tally_point(conn)
            if seq == self.tally_seq:
                return dropped
            changed = changed_since(conn, self.tally_seq) | tps_changed_between(conn, self.cursor, cursor)
        with self._lock:
            if len(changed) > FULL_INVALIDATION:
                keys = [k for k, v in self._documents.items() if v.cache_control != routes.STATIC]
                self._by_dependency.clear()
            else:
                keys = [key for dependency in changed for key in self._by_dependency.pop(dependency, ())]
            for key in keys:
                dropped += self._drop(key, now)
            self.tally_seq, self.cursor, self.updated_at = seq, cursor, updated_at
        return dropped

    def _drop(self, key: str, now: float) -> int:  # under self._lock
        gone = self._documents.get(key)
        if gone is None:
            return 0
        keep_until = gone.keep_until()
        if now < keep_until:
            self._deferred[key] = keep_until
            return 0
        del self._documents[key]
        self._deferred.pop(key, None)
        self._keep_stale(key, gone)
        return 1

    def _drop_due(self, now: float) -> int:  # under self._lock
        due = [key for key, until in self._deferred.items() if until <= now]
        return sum(self._drop(key, now) for key in due)  # _drop forgets each in _deferred

    def _keep_stale(self, key: str, document: Document) -> None:  # under self._lock
        self._stale[key] = document
        self._stale.move_to_end(key)
        if len(self._stale) > STALE_KEPT:
            self._stale.popitem(last=False)

    @property
    def as_of(self) -> tuple[int, datetime]:
        return self.tally_seq, self.updated_at

    def uncached(self, builder: routes.Builder) -> Document:
        """A document built for one request and not kept: one page of a long list, of which a
        crawler could ask for endless variants."""
        return self._render(builder)[1]

    def _render(self, builder: routes.Builder) -> tuple[routes.Built, Document]:
        with self.public_engine.connect() as conn:
            built = builder(conn)
            # same read transaction (a snapshot: the engine is read-only) as the builder's tally
            # point, so every version the document counts has its event at or before this head
            chain = audit.head(conn)
            lag = replica_lag_seconds(conn) if self.has_replica else None
        return built, Document.of(own.with_chain_head(built.value, *chain, replica_lag=lag), built.cache_control,
                                  built.tally_seq, built.media_type, f"{chain[0]}:{chain[1]}")

    def published(self, read: Callable[[Connection], T | None]) -> T | None:
        """A public fact that stays true once it is (a photo is published): read on the replica,
        and on the primary when the replica has not got there yet, so an official's screen
        that links a photo just stored does not meet a 404."""
        with self.public_engine.connect() as conn:
            found = read(conn)
        if found is None and self.has_replica:
            with self.engine.connect() as conn:
                found = read(conn)
        return found

    def transient(self, value: object, cache_control: str) -> Document:
        """A document rendered for one request (search answers), not kept."""
        return Document.of(value, cache_control, self.tally_seq)

    def search(self, query: str, limit: int) -> Found:
        """Regions whose code starts with, or whose name contains, the query; a TPS by its code
        or by its number and the name of its desa ("TPS 5 Gambir"): the first `limit`, and how
        many match in all."""
        return self._search.search(query, limit)
