"""What a scrape of `suara serve --workers 2` returns: every worker's counts, whichever worker
answers (prometheus-client's multiprocess mode, api/metrics.py), and JSON log lines on stderr."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from conftest import MINI
from test_observability import samples, value
from test_shutdown import _alive, _children, _free_port

from suara.services.setup import init_database
from suara.store.engine import make_engine

RESULTS = "/api/v1/results/{contest}/{kode}"
READS = 40
DEADLINE_S = 60  # for the server to come up or a worker to be respawned; not a timing assert


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Path, Path]]:
    url = f"sqlite:///{tmp_path / 'suara.db'}"
    engine = make_engine(url)
    init_database(engine, **MINI)
    engine.dispose()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_4242.db").write_bytes(b"from an earlier run")  # must be wiped, not added
    port = _free_port()
    stderr = tmp_path / "stderr.log"
    env = dict(os.environ, SUARA_DATABASE_URL=url, SUARA_DATA_DIR=str(tmp_path),
               PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    env.pop("SUARA_LOG_FORMAT", None)
    with open(stderr, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "suara.cli", "serve", "--port", str(port), "--workers", "2"],
                                env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        until(lambda: _ready(base, proc), "the server to come up")
        yield base, proc, metrics_dir, stderr
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _ready(base: str, proc: subprocess.Popen[bytes]) -> bool:
    assert proc.poll() is None, "suara serve exited"
    try:
        return httpx.get(base + "/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def until(check, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + DEADLINE_S
    while not check():
        assert time.monotonic() < deadline, f"waited {DEADLINE_S} s for {what}"
        time.sleep(0.1)


def scrape(base: str) -> dict:  # type: ignore[type-arg]
    response = httpx.get(base + "/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return samples(response.text)


def test_any_worker_answers_a_scrape_with_every_worker_s_counts(server):
    base, proc, metrics_dir, stderr = server
    assert not (metrics_dir / "counter_4242.db").exists()
    for n in range(READS):  # a new connection each: the kernel spreads them over both workers
        with httpx.Client() as one:
            assert one.get(f"{base}/api/v1/results/ppwp/{('0', '31', '3171')[n % 3]}").status_code == 200
    # each worker adds what it counted to the shared files every REQUEST_FLUSH_SECONDS (the one
    # answering the scrape, at once); after that every scrape agrees
    until(lambda: value(scrape(base), "suara_http_requests_total", method="GET", route=RESULTS,
                        status="200") == READS, "both workers' requests in a scrape")
    for _ in range(6):
        scraped = scrape(base)
        assert value(scraped, "suara_worker_processes") == 2
        assert value(scraped, "suara_http_requests_total", method="GET", route=RESULTS, status="200") == READS
        assert value(scraped, "suara_http_request_duration_seconds_count", method="GET", route=RESULTS) == READS
        assert value(scraped, "suara_database_up") == 1
    pids = {int(p.stem.rsplit("_", 1)[1]) for p in metrics_dir.glob("histogram_*.db")}
    assert pids <= set(_children(proc.pid)), (pids, _children(proc.pid))

    # a worker killed is respawned; what it counted still counts, and it is no longer a live worker
    victim = _children(proc.pid)[0]
    os.kill(victim, signal.SIGKILL)
    until(lambda: not _alive(victim) and len([p for p in _children(proc.pid) if _alive(p)]) == 2
          and _ready(base, proc), "the worker to be respawned")
    until(lambda: value(scrape(base), "suara_worker_processes") == 2, "two live workers in the scrape")
    after = scrape(base)
    assert value(after, "suara_http_requests_total", method="GET", route=RESULTS, status="200") == READS

    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=15)
    lines = [orjson.loads(line) for line in stderr.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "suara.access"]
    reads = [line for line in access if line["route"] == RESULTS]
    assert len(reads) == READS, stderr.read_text()[-3000:]
    assert {(line["method"], line["status"], line["client"]) for line in reads} == {("GET", 200, "127.0.0.1")}
    assert len({line["request_id"] for line in reads}) == READS
    assert any(line.get("logger", "").startswith("_granian") for line in lines)  # Granian's lines are JSON too


def test_a_killed_server_s_metrics_directory_is_removed_by_the_next(tmp_path, monkeypatch):
    import tempfile

    from suara.api.metrics import serving_multiprocess_dir

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # restored (to absent) after the test
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f"suara-metrics-{dead.pid}-abc"  # a server that was killed left it behind
    orphan.mkdir()
    (orphan / "counter_1.db").write_bytes(b"")
    alive = tmp_path / f"suara-metrics-{os.getpid()}-def"  # a server still running keeps its own
    alive.mkdir()
    with serving_multiprocess_dir() as directory:
        assert directory.parent == tmp_path and directory.exists()
        assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(directory)
        assert not orphan.exists() and alive.exists()
    assert not directory.exists()
