"""Shared pytest fixtures.

Database fixtures:
- ``pg_base_url`` (session): URL of a throwaway PostgreSQL 15 server, started on first use
  (or ``$SUARA_TEST_PG_URL``); see ``tests/pg_server.py``.
- ``db_url``: one test run per backend, ids ``sqlite`` and ``postgresql``; each test gets an
  empty database of its own. Deselect the PostgreSQL runs with ``-m "not postgres"``.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from suara.store.reference import Reference

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("SUARA_ARGON2_PROFILE", "CHEAPEST")  # cheap hashes: dozens of accounts per test

from pg_server import drop_database, fresh_database, running_postgres


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: needs a PostgreSQL server (started once per session on demand)"
    )


@pytest.fixture(scope="session")
def pg_base_url() -> Iterator[str]:
    with running_postgres() as url:
        yield url


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/suara.db"
        return
    base = request.getfixturevalue("pg_base_url")
    name = f"t_{uuid.uuid4().hex[:16]}"
    yield fresh_database(base, name)
    # dropped on a throwaway server too: a session's hundreds of databases kept to the end took
    # gigabytes, and deleting them there took longer than dropping each as its test ends
    drop_database(base, name)


# --- application fixtures ---
# Append app-level fixtures below (engines, services, clients...), built on ``db_url``.

FIXTURES = Path(__file__).parent / "fixtures"
MINI = {
    "regions_csv": FIXTURES / "mini-wilayah.csv",
    "contests_csv": FIXTURES / "mini-contests.csv",
    "candidates_csv": FIXTURES / "mini-candidates.csv",
}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A database with the small region tree of tests/fixtures (10 TPS in two provinces)."""
    from suara.services.setup import init_database
    from suara.store.engine import make_engine

    eng = make_engine(db_url)
    init_database(eng, **MINI)
    yield eng
    eng.dispose()


@pytest.fixture
def reference(engine: Engine) -> Reference:
    from suara.store.reference import load_reference

    with engine.connect() as conn:
        return load_reference(conn)


@pytest.fixture
def client(engine: Engine, db_url: str) -> Iterator[Any]:
    """The public app on the test database; refresh the publisher after writes to see them."""
    from fastapi.testclient import TestClient

    from suara.api.app import create_app

    with TestClient(create_app(db_url)) as test_client:
        yield test_client


@pytest.fixture
def live_server(engine: Engine, db_url: str) -> Iterator[str]:
    """The public app served by uvicorn on a free loopback port, as scrapers meet it."""
    from helpers import served

    from suara.api.app import create_app

    with served(create_app(db_url)) as url:
        yield url


# A small whole Pemilu: all five ballots (DPR/DPRD with dapil and party lists, DPD per province),
# an overseas branch with TPSLN/KSK/POS stations (codes with letters), and Pilkada races counted
# on a TPS list of their own (fewer TPS than the Pemilu's).
PEMILU = {
    "regions_csv": FIXTURES / "pemilu-wilayah.csv",
    "contests_csv": FIXTURES / "pemilu-contests.csv",
    "candidates_csv": FIXTURES / "pemilu-candidates.csv",
}


def pemilu_files() -> Any:
    from suara.services.setup import ReferenceFiles

    return ReferenceFiles(stations=FIXTURES / "pemilu-stations.csv", parties=FIXTURES / "pemilu-parties.csv",
                          dapil=FIXTURES / "pemilu-dapil.csv", dapil_members=FIXTURES / "pemilu-dapil-wilayah.csv",
                          caleg=FIXTURES / "pemilu-caleg.csv")


def init_pemilu(eng: Engine) -> None:
    from suara.services.setup import init_database, load_tps_list

    init_database(eng, **PEMILU, files=pemilu_files())
    load_tps_list(eng, "pilkada-2024", "Pemilihan Kepala Daerah Serentak 2024", FIXTURES / "pilkada-tps.csv")


@pytest.fixture
def pemilu_engine(db_url: str) -> Iterator[Engine]:
    """A database holding the small whole Pemilu (see PEMILU)."""
    from suara.store.engine import make_engine

    eng = make_engine(db_url)
    init_pemilu(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def pemilu_reference(pemilu_engine: Engine) -> Reference:
    from suara.store.reference import load_reference

    with pemilu_engine.connect() as conn:
        return load_reference(conn)


@pytest.fixture
def pemilu_client(pemilu_engine: Engine, db_url: str) -> Iterator[Any]:
    """The public app on the small whole Pemilu (see PEMILU); refresh the publisher after writes."""
    from fastapi.testclient import TestClient

    from suara.api.app import create_app

    with TestClient(create_app(db_url)) as test_client:
        yield test_client


@pytest.fixture
def pemilu_live_server(pemilu_engine: Engine, db_url: str, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The public app on the small whole Pemilu (pemilu_engine), served by uvicorn on a free
    loopback port, with its photos in tmp_path/blobs and SUARA_PUBLIC_BASE_URL set to its own
    address, so the photo links in its documents resolve against it."""
    from helpers import free_port, served

    from suara.api.app import create_app

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("SUARA_PUBLIC_BASE_URL", url)
    monkeypatch.setenv("SUARA_BLOBS_URL", str(tmp_path / "blobs"))
    with served(create_app(db_url), port) as served_url:
        yield served_url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, shared by every browser test of the session."""
    from browser_support import FLAGS, chromium_path
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        yield launched
        launched.close()
