"""A PostgreSQL streaming replica: how far behind its primary the data it serves is.

Measured on the replica itself, so a public document can say it as of the moment it was rendered:

- caught up (0.0): its WAL receiver is streaming and everything it has received is replayed;
- behind: the time since the last transaction it replayed was committed on the primary. While
  replay waits (paused, or slow under load) this grows with the wait. It is an upper bound: the
  oldest transaction not yet replayed was committed at or after that moment.
- not streaming (the primary or the network is down): the same time since the last replayed
  commit, since the replica cannot know what it is missing; when the primary is merely idle as
  well this overstates, which is the safe side for a reader.

What a replica cannot see is WAL the primary has not sent yet; on a working link that is a
network round trip. None when the engine is not a PostgreSQL replica (SQLite, the primary), or
when the replica has replayed no transaction since it started and is not caught up.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

# clock_timestamp, not now(): now() is the start of the (repeatable read) transaction
_LAG = text("""
    SELECT pg_is_in_recovery(),
           EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
               AND COALESCE(pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn(), false),
           EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
""")


def replica_lag_seconds(conn: Connection) -> float | None:
    """The replica's lag in seconds (see the module), read on conn; None if conn is no replica."""
    if conn.dialect.name != "postgresql":
        return None
    in_recovery, caught_up, since_replay = conn.execute(_LAG).one()
    if not in_recovery:
        return None
    if caught_up:
        return 0.0
    if since_replay is None:
        return None
    return round(max(0.0, float(since_replay)), 3)


def replica_lag(engine: Engine) -> float | None:
    """The lag of the replica behind engine (for /metrics and health checks); None without one."""
    with engine.connect() as conn:
        return replica_lag_seconds(conn)
