from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from pg_server import fresh_database

pytestmark = pytest.mark.postgres


def test_fresh_database_is_postgres_15_or_later(pg_base_url: str) -> None:
    name = f"t_{uuid.uuid4().hex[:16]}"
    engine = sa.create_engine(fresh_database(pg_base_url, name))
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_database()")).scalar() == name
            version = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one())
            assert version >= 150000
    finally:
        engine.dispose()


def test_postgresql_pools_keep_enough_connections_and_refuse_a_bad_size(monkeypatch):
    # no server is needed: an engine connects on first use. SQLAlchemy's default keeps 5 and opens
    # and closes 10 more as needed, which under load was a new server process many times a second
    from suara.store.engine import PG_POOL_SIZE, make_engine

    url = "postgresql://suara@127.0.0.1:1/nothing"
    engine = make_engine(url, read_only=True)
    assert engine.pool.size() == PG_POOL_SIZE == 20
    monkeypatch.setenv("SUARA_DB_POOL_SIZE", "7")
    assert make_engine(url).pool.size() == 7
    for bad in ("many", "0", "-3", "100000"):
        monkeypatch.setenv("SUARA_DB_POOL_SIZE", bad)
        with pytest.raises(ValueError, match="SUARA_DB_POOL_SIZE"):
            make_engine(url)
