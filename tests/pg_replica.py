"""A throwaway PostgreSQL primary with a streaming replica, for the replica tests.

``running_primary_and_replica()`` starts a primary as tests/pg_server.py starts its one server
(initdb in a fresh temporary directory, the ``postgres`` OS user when we are root, 127.0.0.1 on a
free port, fsync off), configured for streaming replication, with a ``replicator`` role that may
replicate and nothing else; then clones it with ``pg_basebackup -R`` (which writes
standby.signal and primary_conninfo) into a second directory and starts that as a hot standby on
another free port. It yields both server URLs (database ``postgres``) and, on exit, stops both and
removes their directories.

Databases are made on the primary (``pg_server.fresh_database``) and reach the replica through
replication; ``wait_for_replay`` waits until the replica has replayed what the primary has written.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from pg_server import (
    PG_USER,
    START_TIMEOUT_S,
    _bin_dir,
    _free_port,
    _gid,
    _is_root,
    _make_workdir,
    _run,
    _stop,
    _uid,
)

REPLICATOR = "replicator"
# durability off as for the single test server, but full page writes stay on: a base backup needs them
SETTINGS = ("-c max_connections=200 -c shared_buffers=64MB"
            " -c wal_level=replica -c max_wal_senders=4 -c hot_standby=on -c wal_receiver_status_interval=1s")
NOT_DURABLE = "-F -c fsync=off -c synchronous_commit=off "  # the tests' servers; benches ask for durable ones
REPLAY_TIMEOUT_S = 30


@dataclass(frozen=True)
class Pair:
    primary: str  # URL of the primary's ``postgres`` database
    replica: str  # URL of the replica's


def _url(port: int, database: str = "postgres", user: str = PG_USER) -> str:
    return sa.URL.create("postgresql+psycopg", username=user, host="127.0.0.1", port=port,
                         database=database).render_as_string(hide_password=False)


def _start(bin_dir: str, work: Path, data: Path, name: str, durable: bool = False) -> int:
    """pg_ctl start on a free port (tried again if the port is taken meanwhile); returns the port."""
    sock, log = work / f"{name}-sock", work / f"{name}.log"
    sock.mkdir()
    if _is_root():
        os.chown(sock, _uid(PG_USER), _gid(PG_USER))
    for attempt in range(3):
        port = _free_port()
        opts = f"{'' if durable else NOT_DURABLE}{SETTINGS} -c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={sock}"
        try:
            _run([os.path.join(bin_dir, "pg_ctl"), "start", "-D", str(data), "-l", str(log), "-w",
                  "-t", str(START_TIMEOUT_S), "-o", opts], cwd=work, what=f"{name} start (pg_ctl start)", log=log)
            return port
        except RuntimeError as err:
            _stop(bin_dir, data, work)
            if attempt == 2 or "Address already in use" not in str(err):
                raise
    raise AssertionError("unreachable")


def _execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@contextmanager
def running_primary_and_replica(durable: bool = False) -> Iterator[Pair]:
    bin_dir = _bin_dir()  # installs Debian's postgresql when the binaries are missing (as root)
    work = _make_workdir(in_memory=not durable)
    primary_data, replica_data = work / "primary", work / "replica"
    try:
        _run([os.path.join(bin_dir, "initdb"), "-D", str(primary_data), "-U", PG_USER, "-A", "trust", "-E", "UTF8",
              "--locale=C", "--no-sync", "--no-instructions"], cwd=work, what="initdb")
        # initdb -A trust lets any local role in, for replication too; the role is what production needs
        primary_port = _start(bin_dir, work, primary_data, "primary", durable)
        _execute(_url(primary_port), f"CREATE ROLE {REPLICATOR} WITH REPLICATION LOGIN")
        _run([os.path.join(bin_dir, "pg_basebackup"), "-D", str(replica_data), "-h", "127.0.0.1",
              "-p", str(primary_port), "-U", REPLICATOR, "-R", "-X", "stream", "-c", "fast", "--no-sync"],
             cwd=work, what="pg_basebackup")
        replica_port = _start(bin_dir, work, replica_data, "replica", durable)
        pair = Pair(_url(primary_port), _url(replica_port))
        _wait_streaming(pair)
        yield pair
    finally:
        _stop(bin_dir, replica_data, work)
        _stop(bin_dir, primary_data, work)
        shutil.rmtree(work, ignore_errors=True)


def _wait_streaming(pair: Pair) -> None:
    engine = sa.create_engine(pair.primary, poolclass=sa.NullPool)
    try:
        deadline = time.monotonic() + REPLAY_TIMEOUT_S
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.exec_driver_sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                                        ).scalar_one():
                    return
            time.sleep(0.05)
    finally:
        engine.dispose()
    raise RuntimeError(f"the replica did not start streaming within {REPLAY_TIMEOUT_S} s")


def wait_for_replay(primary: str, replica: str) -> None:
    """Wait until the replica has replayed everything the primary had written when called."""
    source = sa.create_engine(primary, poolclass=sa.NullPool)
    standby = sa.create_engine(replica, poolclass=sa.NullPool)
    try:
        with source.connect() as conn:
            target = conn.exec_driver_sql("SELECT pg_current_wal_lsn()").scalar_one()
        deadline = time.monotonic() + REPLAY_TIMEOUT_S
        while time.monotonic() < deadline:
            with standby.connect() as conn:
                if conn.exec_driver_sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).scalar_one():
                    return
            time.sleep(0.02)
    finally:
        source.dispose()
        standby.dispose()
    raise RuntimeError(f"the replica did not replay up to {target} within {REPLAY_TIMEOUT_S} s")
