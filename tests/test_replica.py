"""A real PostgreSQL primary and streaming replica (tests/pg_replica.py) under the API.

Writes land on the primary; public documents are read from the replica. Pausing the replica's
replay shows it: the primary stores and folds new forms while the public documents stay where the
replica is, and say how far behind it is in as_of.replica_lag_seconds; logins, submissions,
idempotent retries, receipts and photos still work, since they read the primary. Resuming replay
moves the documents on.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from conftest import MINI
from fastapi.testclient import TestClient
from helpers import ppwp_form
from PIL import Image

from suara.api.app import create_app
from suara.config import Settings
from suara.domain.access import Role
from suara.services.accounts import create_account
from suara.services.setup import init_database
from suara.store import audit
from suara.store.engine import make_engine
from suara.store.replica import replica_lag
from suara.store.schema import form_versions, version_photos
from suara.tally.fold import tally_point

PASSWORD = "rahasia-sekali-123"
TPS_A, TPS_B = "3171011001001", "3171011001002"
WAIT_S = 30  # a deadline for what the background worker does a few times a second, never a timing assert


@pytest.fixture(scope="session")
def replicated() -> Iterator[Any]:
    import pg_server
    from pg_replica import running_primary_and_replica

    if pg_server._find_bin_dir() is None and not pg_server._is_root():
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin and we are not root "
                    "to apt-get install postgresql")
    with running_primary_and_replica() as pair:
        yield pair


@pytest.fixture
def databases(replicated: Any) -> Iterator[tuple[str, str]]:
    """A database with the small region tree and two KPPS accounts, made on the primary and
    replayed on the replica: (primary URL, replica URL)."""
    from pg_replica import wait_for_replay
    from pg_server import fresh_database

    name = f"t_{uuid.uuid4().hex[:16]}"
    primary = fresh_database(replicated.primary, name)
    replica = sa.engine.make_url(replicated.replica).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(primary)
    init_database(engine, **MINI)
    for username, tps in (("kpps-a", TPS_A), ("kpps-b", TPS_B)):
        create_account(engine, username, PASSWORD, Role.KPPS, tps, "test")
    engine.dispose()
    wait_for_replay(replicated.primary, replicated.replica)
    yield primary, replica


def until(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not within {WAIT_S} s: {what}")


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (10, 80, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


def log_in(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def submit(client: TestClient, headers: dict[str, str], tps: str, key: str, photo: bytes | None = None) -> Any:
    headers = {**headers, "Idempotency-Key": key}
    form = ppwp_form(tps, (60, 122, 64))
    if photo is None:
        return client.post("/api/v1/submissions", json=form, headers=headers)
    return client.post("/api/v1/submissions", data={"form": orjson.dumps(form).decode()},
                       files={"page1": ("halaman1.jpg", photo, "image/jpeg")}, headers=headers)


def read(url: str, query: Callable[[sa.Connection], Any]) -> Any:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return query(conn)
    finally:
        engine.dispose()


def replay(replica: str, action: str) -> None:
    read(replica, lambda conn: conn.exec_driver_sql(f"SELECT pg_wal_replay_{action}()"))


def nation(client: TestClient) -> Any:
    return client.get("/api/v1/results/ppwp/0").json()


@pytest.mark.postgres
def test_public_documents_come_from_the_replica_and_state_its_lag(databases: tuple[str, str]) -> None:
    primary, replica = databases
    with TestClient(create_app(primary, replica)) as client:
        publisher = client.app.state.publisher  # type: ignore[attr-defined]
        kpps_a = log_in(client, "kpps-a")
        first_answer = submit(client, kpps_a, TPS_A, "hp-a:0001")
        assert first_answer.status_code == 201, first_answer.text
        first = until(lambda: (doc := nation(client))["totals"]["tps_reported"] == 1 and doc,
                      "the first form in the public national count")
        assert isinstance(first["as_of"]["replica_lag_seconds"], float)  # read from a replica: a number

        replay(replica, "pause")
        try:
            until(lambda: read(replica, lambda c: c.exec_driver_sql("SELECT pg_get_wal_replay_pause_state()")
                               .scalar_one()) == "paused", "replay paused")
            # while the replica stands still, everything that must see the primary works
            kpps_b = log_in(client, "kpps-b")
            stored = submit(client, kpps_b, TPS_B, "hp-b:0001", jpeg())
            assert stored.status_code == 201, stored.text
            assert stored.json()["receipt"] is not None  # signed from the primary's copy of the version
            again = submit(client, kpps_b, TPS_B, "hp-b:0001", jpeg())
            assert again.status_code == 200 and again.json()["replayed"]
            assert again.json()["version_id"] == stored.json()["version_id"]
            check = client.get("/api/v1/receipts/check", params={"r": stored.json()["receipt_compact"]}).json()
            assert check["valid"], check
            # the tally folds on the primary: it reads its pending work there, not on the replica
            until(lambda: read(primary, tally_point)[0] > first["as_of"]["tally_seq"], "the fold on the primary")
            until(lambda: (replica_lag(publisher.public_engine) or 0) > 0, "the replica seeing it is behind")

            assert publisher.refresh() == 0  # the replica's tally point has not moved
            behind = nation(client)
            assert behind["totals"]["tps_reported"] == 1
            assert behind["as_of"]["tally_seq"] == first["as_of"]["tally_seq"]
            record = client.get(f"/api/v1/tps/ppwp/{TPS_B}").json()  # rendered now, from the replica
            assert record["current"] is None and record["as_of"]["replica_lag_seconds"] > 0
            assert read(replica, lambda c: c.execute(sa.select(sa.func.count()).select_from(form_versions))
                        .scalar_one()) == 1
            primary_head = read(primary, audit.head)
            assert client.get("/api/v1/chain/head").json()["seq"] < primary_head[0]
            # a photo just stored is not on the replica yet; its public copy is found on the primary
            digest = read(primary, lambda c: c.execute(sa.select(version_photos.c.public_sha256)).scalar_one())
            assert read(replica, lambda c: c.execute(sa.select(sa.func.count()).select_from(version_photos))
                        .scalar_one()) == 0
            assert client.get(f"/api/v1/photos/{digest}").status_code == 200
        finally:
            replay(replica, "resume")

        caught_up = until(lambda: (doc := nation(client))["totals"]["tps_reported"] == 2 and doc,
                          "the second form in the public national count once replay resumes")
        assert caught_up["as_of"]["tally_seq"] > first["as_of"]["tally_seq"]
        assert isinstance(caught_up["as_of"]["replica_lag_seconds"], float)
        assert client.get(f"/api/v1/tps/ppwp/{TPS_B}").json()["current"]["version_id"] == stored.json()["version_id"]
        assert client.get("/api/v1/chain/head").json()["seq"] >= primary_head[0]
        until(lambda: replica_lag(publisher.public_engine) == 0.0, "the replica's lag back to 0")


@pytest.mark.postgres
def test_a_replica_cut_off_from_its_primary_does_not_say_it_is_current(databases: tuple[str, str]) -> None:
    from pg_replica import _execute

    primary, replica = databases
    engine = make_engine(replica, read_only=True)
    until(lambda: replica_lag(engine) == 0.0, "the replica caught up")
    conninfo = read(replica, lambda c: c.exec_driver_sql("SHOW primary_conninfo").scalar_one())
    quoted = conninfo.replace("'", "''")
    _execute(replica, "ALTER SYSTEM SET primary_conninfo = ''", "SELECT pg_reload_conf()")
    try:
        until(lambda: not read(replica, lambda c: c.exec_driver_sql("SELECT count(*) FROM pg_stat_wal_receiver")
                               .scalar_one()), "the WAL receiver stopped")
        primary_engine = make_engine(primary)
        create_account(primary_engine, "kpps-c", PASSWORD, Role.KPPS, "3171011001003", "test")
        primary_engine.dispose()
        # nothing arrives, so all it received is replayed: without a WAL receiver that is no proof
        lag = replica_lag(engine)
        assert lag is not None and lag > 0
    finally:
        _execute(replica, f"ALTER SYSTEM SET primary_conninfo = '{quoted}'", "SELECT pg_reload_conf()")
    until(lambda: replica_lag(engine) == 0.0, "the replica streaming and caught up again")
    engine.dispose()


def test_the_lag_is_null_without_a_replica(client: TestClient, engine: sa.Engine) -> None:
    assert nation(client)["as_of"]["replica_lag_seconds"] is None
    assert replica_lag(engine) is None  # SQLite, or a PostgreSQL primary


def test_a_replica_needs_a_postgresql_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUARA_DATABASE_URL", "sqlite:///data/suara.db")
    monkeypatch.setenv("SUARA_REPLICA_URL", "postgresql://suara@replica.example/suara")
    with pytest.raises(ValueError, match="SUARA_REPLICA_URL"):
        Settings.from_env()
    monkeypatch.setenv("SUARA_DATABASE_URL", "postgresql://suara@primary.example/suara")
    assert Settings.from_env().replica_url == "postgresql://suara@replica.example/suara"


@pytest.mark.postgres
def test_metrics_show_the_replica_s_lag(databases: tuple[str, str]) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    def gauges() -> dict[str, float]:
        text = client.get("/metrics").text
        return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples if not s.labels}

    primary, replica = databases
    with TestClient(create_app(primary, replica)) as client:
        assert gauges()["suara_replica_up"] == 1
        until(lambda: gauges()["suara_replica_lag_seconds"] == 0, "a caught-up replica at 0")
        replay(replica, "pause")
        try:
            assert submit(client, log_in(client, "kpps-a"), TPS_A, "hp-a:0001").status_code == 201
            until(lambda: gauges()["suara_replica_lag_seconds"] > 0, "the paused replica's lag in /metrics")
        finally:
            replay(replica, "resume")
        until(lambda: gauges()["suara_replica_lag_seconds"] == 0, "the lag back to 0")
    with TestClient(create_app(primary)) as client:  # no replica: no replica gauges at all
        assert "suara_replica_up" not in gauges() and "suara_replica_lag_seconds" not in gauges()
