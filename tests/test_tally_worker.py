"""Processes with one job each (issue 14): `suara serve` with SUARA_SERVE_TALLY=0 only serves,
two `suara tally --watch` workers fold, each version exactly once, and each stops on SIGTERM and
can be restarted alone. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from conftest import MINI
from helpers import free_port, ppwp_form

from suara.domain.access import Role
from suara.services.accounts import create_account, login
from suara.services.setup import init_database
from suara.services.verify import verify
from suara.store.engine import make_engine

TPS = ("3171011001001", "3171011001002", "3171011001003", "3171011002001", "3171011002002", "3171011002901",
       "3172011001001", "3172011001002", "3201011001001", "3201011001002")


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "suara.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A tally worker, once it says it runs (its SIGTERM handler is in place by then)."""
    proc = _start(["tally", "--watch", "--interval", "0.05"], env)
    assert proc.stdout is not None and b"berjalan" in proc.stdout.readline()
    return proc


def _national(url: str) -> int:
    return int(httpx.get(f"{url}/api/v1/results/ppwp/0", timeout=5).json()["totals"]["tps_reported"])


def _until(check, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_serve_serves_and_two_tally_workers_fold_each_version_once(db_url: str, tmp_path: Path):
    engine = make_engine(db_url)
    init_database(engine, **MINI)
    tokens = {}
    for tps in TPS:
        create_account(engine, f"kpps-{tps}", "rahasia-sekali-123", Role.KPPS, tps, "test")
        tokens[tps] = login(engine, f"kpps-{tps}", "rahasia-sekali-123", "hp")[0]
    env = dict(os.environ, SUARA_DATABASE_URL=db_url, SUARA_DATA_DIR=str(tmp_path), SUARA_SERVE_TALLY="0",
               SUARA_RESEND_GRACE_SECONDS="86400")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = _start(["serve", "--port", str(port)], env)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        assert _until(lambda: httpx.get(f"{url}/healthz", timeout=1).status_code == 200 if _up(url) else False)

        def submit(tps: str, n: int) -> None:
            answer = httpx.post(f"{url}/api/v1/submissions", json=ppwp_form(tps, (n, 20, 30)), timeout=10,
                                headers={"Authorization": f"Bearer {tokens[tps]}", "Idempotency-Key": f"hp-{tps}-{n}"})
            assert answer.status_code == 201, answer.text

        submit(TPS[0], 1)
        time.sleep(1.5)  # several rounds of the API's refresher: it does not fold
        assert _national(url) == 0
        workers = [_worker(env) for _ in range(2)]
        for n, tps in enumerate(TPS[1:], 2):
            submit(tps, n)
        assert _until(lambda: _national(url) == len(TPS))
        workers[0].send_signal(signal.SIGTERM)  # one worker stops alone; the other carries on
        assert workers[0].wait(timeout=10) == 0
        for tps in TPS[:3]:
            submit(tps, 100)  # new versions: the count of TPS stays, the votes move
        assert _until(lambda: httpx.get(f"{url}/api/v1/results/ppwp/0", timeout=5).json()["totals"]["votes"]["1"]
                      == sum(range(2, len(TPS) + 1)) - 2 - 3 + 300)
        workers[1].send_signal(signal.SIGTERM)
        assert workers[1].wait(timeout=10) == 0
    finally:
        for proc in [server, *workers]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    report = verify(engine)
    assert report.ok and report.pending == 0, report.problems
    engine.dispose()


def _up(url: str) -> bool:
    try:
        httpx.get(f"{url}/healthz", timeout=1)
    except httpx.HTTPError:
        return False
    return True
