"""Engines: SQLite in WAL mode (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


SQLITE_POOL_SIZE = 48
# PostgreSQL: each connection is a server process, so fewer are kept than for SQLite, but enough
# that a burst of requests does not open and close one of its own: with SQLAlchemy's default
# (5 kept, 10 more opened and closed as needed) an API process under election-day load opened
# some 80 connections a second on the primary (a fork and a login each). Kept per engine and per
# process; an API process has three engines (the primary's reader and writer, the replica's).
PG_POOL_SIZE_ENV = "SUARA_DB_POOL_SIZE"
PG_POOL_SIZE = 20
PG_POOL_OVERFLOW = 20


def _pg_pool_size() -> int:
    text = os.environ.get(PG_POOL_SIZE_ENV, str(PG_POOL_SIZE))
    try:
        size = int(text)
    except ValueError:
        raise ValueError(f"{PG_POOL_SIZE_ENV} must be a whole number of connections, not {text!r}") from None
    if not 1 <= size <= 500:
        raise ValueError(f"{PG_POOL_SIZE_ENV} must be between 1 and 500, not {size}")
    return size


def make_engine(url: str, read_only: bool = False, **kwargs: Any) -> Engine:
    """An engine for writers (the default) or for readers.

    A reader sees one consistent snapshot per transaction and never takes a write lock, so a
    long `suara verify` or a burst of public reads does not hold up submissions.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # Recycle rather than pre-ping: a ping is one more round trip on every checkout.
        if read_only:
            kwargs.setdefault("isolation_level", "REPEATABLE READ")
        if "poolclass" not in kwargs:
            kwargs.setdefault("pool_size", _pg_pool_size())
            kwargs.setdefault("max_overflow", PG_POOL_OVERFLOW)
        return create_engine(url, pool_recycle=1800, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # A connection for every thread that may ask at once (the request threads, 40 by default, and
    # the group commit's writer): past SQLAlchemy's default of 5 (+10 overflow) a request would
    # open, set up and close a connection of its own, over and over on election day.
    if parsed.database and parsed.database != ":memory:" and "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        kwargs.setdefault("max_overflow", 16)
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so that BEGIN IMMEDIATE below
        # takes the write lock up front instead of failing on upgrade under concurrency.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB: the indexes of a national ingest stay hot
        cursor.execute("PRAGMA temp_store=MEMORY")
        if read_only:
            cursor.execute("PRAGMA query_only=1")
        cursor.close()

    if read_only:
        @event.listens_for(engine, "begin")
        def _sqlite_read(conn: Any) -> None:
            # in WAL mode a plain transaction is a snapshot that never blocks a writer
            conn.exec_driver_sql("BEGIN")
        return engine

    # Writers queue on locks of their own before asking SQLite: SQLite's busy handler sleeps in
    # steps of up to 100 ms (the tail of every overloaded write), a lock hands over at once.
    # Threads of one process take a lock in memory; processes (the workers of `suara serve`, the
    # tally, an ingest) then take an flock on a file beside the database, which the kernel hands
    # to the next waiter as soon as it is released.
    writers = threading.RLock()  # re-entrant: a nested writer in one thread fails in SQLite, not hangs
    across = _ProcessLock(Path(parsed.database + ".writer-lock")) if parsed.database and \
        parsed.database != ":memory:" else None

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        writers.acquire()
        conn.info["holds_writer_lock"] = True
        try:
            if across is not None:
                across.acquire()
                conn.info["holds_process_lock"] = True
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # take SQLite's lock up front: no deadlock on upgrade
        except BaseException:
            _release(conn)
            raise

    def _release(conn: Any, *_: Any) -> None:
        if conn.info.pop("holds_writer_lock", False):
            if across is not None and conn.info.pop("holds_process_lock", False):
                across.release()
            writers.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)

    return engine


def one_snapshot(conn: Connection) -> Connection:
    """`conn` reading one snapshot for its whole transaction: REPEATABLE READ on PostgreSQL (READ
    COMMITTED, its default, gives each statement a snapshot of its own, so a reader that compares
    two tables would see a tally fold between them). SQLite's transactions already are one."""
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


class _ProcessLock:
    """An exclusive flock on a file, counted so that a nested writer of the thread that holds it
    (which SQLite then refuses) does not release it early. Only the holder of the process's
    thread lock calls acquire/release, so the count needs no lock of its own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None
        self.depth = 0

    def acquire(self) -> None:
        if self.depth == 0:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        self.depth += 1

    def release(self) -> None:
        self.depth -= 1
        if self.depth == 0 and self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
