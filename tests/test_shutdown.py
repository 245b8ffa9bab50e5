"""SIGTERM stops `suara serve` within seconds at any moment: right after spawn, while its workers
are starting, and once it serves. A worker that got SIGTERM while starting used to ignore it, and
the server then waited for that worker forever (issue 11)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from conftest import MINI

from suara.services.setup import init_database
from suara.store.engine import make_engine

# A bound on shutdown, not a timing benchmark: a clean stop takes well under a second here.
STOP_WITHIN_SECONDS = 10


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('shutdown') / 'suara.db'}"
    engine = make_engine(url)
    init_database(engine, **MINI)
    engine.dispose()
    return url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def serve(database: str, tmp_path: Path) -> Iterator[Callable[[], tuple[subprocess.Popen[bytes], int]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> tuple[subprocess.Popen[bytes], int]:
        port = _free_port()
        env = dict(os.environ, SUARA_DATABASE_URL=database, SUARA_DATA_DIR=str(tmp_path))
        proc = subprocess.Popen([sys.executable, "-m", "suara.cli", "serve", "--port", str(port), "--workers", "2"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)  # its own group, so a hung one is cleaned up below
        started.append(proc)
        return proc, port

    yield start
    for proc in started:
        if proc.poll() is None or any(_alive(p) for p in _children(proc.pid)):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _stops_on_sigterm(proc: subprocess.Popen[bytes]) -> None:
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_WITHIN_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"suara serve still running {STOP_WITHIN_SECONDS} s after SIGTERM")
    deadline = time.monotonic() + STOP_WITHIN_SECONDS
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in workers if _alive(p)], "a worker outlived the server"


def test_sigterm_right_after_spawn(serve):
    proc, _ = serve()
    _stops_on_sigterm(proc)


def test_sigterm_while_the_workers_start(serve):
    proc, _ = serve()
    deadline = time.monotonic() + 60
    while not _children(proc.pid):  # the first worker is forked: it is importing and loading now
        assert proc.poll() is None and time.monotonic() < deadline, "no worker was started"
        time.sleep(0.01)
    _stops_on_sigterm(proc)


def test_sigterm_once_serving(serve):
    proc, port = serve()
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None and time.monotonic() < deadline, "the server did not come up"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    _stops_on_sigterm(proc)


def test_a_served_worker_gives_opencv_one_thread(database):
    # the app of a served worker (what Granian's factory calls): the workers take the cores, and
    # OpenCV's own pool per photo would fight them for it (api/shutdown.py)
    probe = ("import cv2; from suara.api.shutdown import worker_app; before = cv2.getNumThreads(); "
             "worker_app(); print(before, cv2.getNumThreads())")
    out = subprocess.run([sys.executable, "-c", probe], env=dict(os.environ, SUARA_DATABASE_URL=database),
                         capture_output=True, text=True, timeout=120, check=True).stdout.split()
    assert out[-1] == "1"
