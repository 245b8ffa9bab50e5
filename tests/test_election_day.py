"""The election-day harness (bench/election_day.py) in a short form against a real `suara serve`
on the small whole Pemilu: devices submit every ballot of their TPS (some with a photo), readers
poll, and every acknowledged write is stored exactly once (issue 14)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import init_pemilu
from helpers import free_port

from suara.store.engine import make_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import election_day


@pytest.fixture
def deployment(db_url: str, tmp_path: Path):
    engine = make_engine(db_url)
    init_pemilu(engine)
    engine.dispose()
    port = free_port()
    env = dict(os.environ, SUARA_DATABASE_URL=db_url, SUARA_DATA_DIR=str(tmp_path),
               SUARA_WRITES_PER_ADDRESS_MINUTE="100000000")  # every device shares this one address here
    proc = subprocess.Popen([sys.executable, "-m", "suara.cli", "serve", "--port", str(port), "--workers", "1"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield url, db_url
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def test_the_harness_plays_election_day_and_checks_every_acknowledged_write(deployment):
    url, db_url = deployment
    figures = election_day.run(url, db_url, seconds=4, write_rate=15, read_rate=40, photo_share=0.3, devices=0,
                               provinces="31,32,99", seed=7, processes=1)
    writes, reads = figures["writes"], figures["reads"]
    assert figures["check"]["acknowledged"] >= 50 and figures["check"]["wrong"] == 0
    assert figures["check"]["stored_once_as_answered"] == figures["check"]["acknowledged"]
    assert writes["by_status"].get("201", 0) >= 50 and writes["given_up"] == 0
    assert reads["attempts"] > 100 and set(reads["by_status"]) <= {"200", "304"}
    assert figures["tally_lag_unseen"] == 0 and figures["tally_lag_p99_s"] >= 0
