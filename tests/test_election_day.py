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
from helpers import free_port, run_async

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
               SUARA_WRITES_PER_ADDRESS_MINUTE="100000000",  # every device shares this one address here
               SUARA_MAX_WRITES_IN_FLIGHT="2")  # a burst of a few hundred forms a second is then an overload
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


def test_an_overload_is_refused_with_retry_after_and_loses_nothing(deployment):
    # the overload phase of bench/election_day_run.py in short: devices of TPS not sent before
    # (skip) at far more than two writes in flight take; refused at once with Retry-After, retried,
    # and in the end every form stored once and `suara verify` content
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import election_day_run

    url, db_url = deployment
    first = election_day.run(url, db_url, seconds=1, write_rate=10, read_rate=0, photo_share=0, devices=0,
                             provinces="31,32,99", seed=8, processes=1)
    # all at once: far more than the two writes in flight the server admits, however fast it is
    burst = election_day.run(url, db_url, seconds=1, write_rate=2000, read_rate=0, photo_share=0, devices=0,
                             provinces="31,32,99", seed=9, processes=1, skip=first["tps_used_so_far"])
    writes = burst["writes"]
    assert writes["by_status"].get("503", 0) > 0, writes  # it was an overload
    assert "202" not in writes["by_status"]  # no TPS of the first run sent again (a correction proposal)
    assert writes["refused_without_retry_after"] == 0
    assert writes["refused_max_ms"] > 0 and burst["check"]["wrong"] == 0
    # every form of the small Pemilu's TPS past the first run's (fewer than the 2,000 planned) was
    # acknowledged, or given up by its device after 20 refusals (all of them retrying in step)
    assert burst["forms"] >= 50 and burst["check"]["acknowledged"] >= 10
    assert burst["check"]["acknowledged"] + writes["given_up"] == burst["forms"]
    assert burst["check"]["acknowledged"] == writes["by_status"]["201"]
    assert election_day_run.verified(db_url) == {"ok": True, "versions": first["check"]["acknowledged"]
                                                 + burst["check"]["acknowledged"],
                                                 "pending": 0, "problems": 0}


def test_the_lean_client_keeps_connections_follows_closes_and_refuses_garbage():
    # the harness's HTTP/1.1 client (bench/lean_http.py) against a server of a few lines: a
    # chunked answer and a sized one on one kept connection, an answer that closes it (the
    # next request opens another), and an answer that is not HTTP (ProtocolError, closed)
    import asyncio

    import lean_http

    answers = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Seen: 1\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew",
        b"SMTP ready\r\n\r\n",
    ]
    received: list[bytes] = []
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while answers:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length")), b"0"))
            received.append(head + (await reader.readexactly(length) if length else b""))
            answer = answers.pop(0)
            writer.write(answer)
            await writer.drain()
            if b"Connection: close" in answer:
                break
        writer.close()

    async def play() -> list[object]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        conn = lean_http.Connection("127.0.0.1", port, timeout=5)
        got: list[object] = [await conn.request(b"GET", b"/a", [(b"accept-encoding", b"gzip")])]
        got.append(await conn.request(b"POST", b"/b", [(b"content-type", b"application/json")], b'{"x":1}'))
        got.append(await conn.request(b"POST", b"/c", [], b"again"))
        got.append(await conn.request(b"GET", b"/d", []))
        with pytest.raises(lean_http.ProtocolError):
            await conn.request(b"GET", b"/e", [])
        server.close()
        return got

    first, second, shed, reopened = run_async(play())
    assert (first.status, first.body, first.headers[b"x-seen"]) == (200, b"hello world", b"1")
    assert (second.status, second.body) == (201, b"ok")
    assert (shed.status, shed.headers[b"retry-after"]) == (503, b"3")
    assert (reopened.status, reopened.body) == (200, b"new")
    assert connections == 2  # one kept for three exchanges, a new one after the close
    assert received[1].startswith(b"POST /b HTTP/1.1\r\n") and received[1].endswith(b'\r\n\r\n{"x":1}')
    assert b"content-length: 7\r\n" in received[1] and b"content-type: application/json\r\n" in received[1]
