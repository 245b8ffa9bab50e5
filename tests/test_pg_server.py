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
