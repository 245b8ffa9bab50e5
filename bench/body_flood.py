"""A worker's memory while 8 clients each send a 200 MB body (issue 11: no growth beyond 50 MB).

Starts `suara serve` (one worker, the whole national region tree loaded) on a loopback port and,
for each route and way of sending, lets 8 concurrent clients start a 200 MB POST, each stopping
as soon as the server answers. The worker's resident memory is sampled every 20 ms: before, the
peak during the flood and 2 s after, beside a baseline measured on the same server left idle for
as long. Routes: /api/v1/complaints (anonymous, JSON) and /api/v1/submissions (a KPPS token,
multipart); ways: with Content-Length, and chunked (no length: the cap is found by counting).

Bounded: each client sends at most 200 MB and gives up after 60 s; loopback only; the server is
stopped at the end. Run: .venv/bin/python bench/body_flood.py
"""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
console = Console(width=160)
sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_load import free_port, wait_http

CLIENTS = 8
BODY = 200 * 1024 * 1024
PIECE = 64 * 1024
CLIENT_TIMEOUT = 60.0
TPS = "3171011001001"
BOUNDARY = "flood-boundary"


def workers_of(pid: int) -> list[int]:
    """Granian's worker processes: the children of the serving process."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, check=False, text=True).stdout
    return [int(p) for p in out.split()]


def rss_mib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"VmRSS:\s+(\d+)", status)
    return int(match.group(1)) / 1024 if match else 0.0


class Sampler:
    """The largest worker's RSS, sampled every 20 ms while running."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> float:
        return max(rss_mib(p) for p in self.pids)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.now())
            time.sleep(0.02)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Sent:
    status: int | None  # None: the server closed without answering
    bytes_sent: int
    seconds: float


def flood_one(port: int, path: str, headers: dict[str, str], prefix: bytes, chunked: bool) -> Sent:
    """Send up to BODY bytes (prefix, then filler), stopping as soon as the server answers."""
    started = time.monotonic()
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *[f"{k}: {v}" for k, v in headers.items()]]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY}")
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        filler = b"x" * PIECE
        try:
            while sent < BODY and time.monotonic() - started < CLIENT_TIMEOUT:
                if select.select([sock], [], [], 0)[0]:
                    break  # the answer came before the body was done
                data = prefix if sent == 0 else filler[: min(PIECE, BODY - sent)]
                framed = f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data
                sock.sendall(framed)
                sent += len(data)
            if chunked and sent >= BODY:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        status = None
        try:
            sock.settimeout(10)
            answer = sock.recv(4096)
            match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
            status = int(match.group(1)) if match else None
        except (OSError, TimeoutError):
            pass
    return Sent(status, sent, time.monotonic() - started)


def flood(port: int, path: str, headers: dict[str, str], prefix: bytes, chunked: bool) -> list[Sent]:
    results: list[Sent] = []
    lock = threading.Lock()

    def client() -> None:
        result = flood_one(port, path, headers, prefix, chunked)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def make_token(env: dict[str, str]) -> str:
    """A KPPS account and device token, made through the service layer (no login round trip)."""
    code = ("import sys; from suara.domain.access import Role; from suara.store.engine import make_engine; "
            "from suara.services.accounts import create_account, login; "
            "engine = make_engine(sys.argv[1]); "
            f"create_account(engine, 'kpps-flood', 'rahasia-sekali-123', Role.KPPS, '{TPS}', 'bench'); "
            "print(login(engine, 'kpps-flood', 'rahasia-sekali-123', 'bench')[0])")
    out = subprocess.run([sys.executable, "-c", code, env["SUARA_DATABASE_URL"]], env=env, check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="suara-flood-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, SUARA_DATABASE_URL=f"sqlite:///{work / 'suara.db'}", SUARA_DATA_DIR=str(work))
        suara = [sys.executable, "-m", "suara.cli"]
        console.print("suara init (the whole national region tree)")
        subprocess.run([*suara, "init"], env=env, check=True, capture_output=True)
        token = make_token(env)
        port = free_port()
        server = subprocess.Popen([*suara, "serve", "--port", str(port), "--workers", "1"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows: list[tuple[str, str, float, float, float, str, str, str]] = []
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz")
            time.sleep(2)  # let start-up settle
            pids = workers_of(server.pid) or [server.pid]
            multipart = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"form\"\r\n\r\n"
                         f"{{\"tps\": \"{TPS}\", \"contest\": \"ppwp\"}}\r\n--{BOUNDARY}\r\n"
                         f"Content-Disposition: form-data; name=\"page1\"; filename=\"h1.jpg\"\r\n"
                         f"Content-Type: image/jpeg\r\n\r\n").encode()
            scenarios = [
                ("/api/v1/complaints", {"Content-Type": "application/json"}, b'{"text": "'),
                ("/api/v1/submissions", {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                                         "Authorization": f"Bearer {token}", "Idempotency-Key": "flood-0001"},
                 multipart),
            ]
            # Baseline: the same server idle for about as long as a flood lasts.
            with Sampler(pids) as idle:
                before = idle.now()
                time.sleep(3)
            rows.append(("baseline: idle 3 s", "-", before, idle.peak, idle.now(), "-", "-", "-"))
            for path, headers, prefix in scenarios:
                for chunked in (False, True):
                    with Sampler(pids) as sampler:
                        before = sampler.now()
                        started = time.monotonic()
                        results = flood(port, path, headers, prefix, chunked)
                        elapsed = time.monotonic() - started
                        time.sleep(2)
                        after = sampler.now()
                    statuses = ",".join(f"{s}x{n}" for s, n in sorted(
                        {r.status: sum(1 for x in results if x.status == r.status) for r in results}.items(),
                        key=lambda kv: str(kv[0])))
                    most_mib = max(r.bytes_sent for r in results) / 1024 / 1024
                    rows.append((path, "chunked" if chunked else "Content-Length 200 MB", before, sampler.peak,
                                 after, statuses, f"{most_mib:.1f}", f"{elapsed:.2f}"))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    table = Table(title=f"Worker RSS while {CLIENTS} clients each send a {BODY // 1024 // 1024} MB body "
                        "(1 worker, national tree loaded)")
    for column in ("route", "sent as", "before MiB", "peak MiB", "after 2 s MiB", "peak - before MiB", "answers",
                   "most sent by a client MiB", "flood s"):
        table.add_column(column, justify="right")
    for route, how, rss_before, rss_peak, rss_after, statuses, most, seconds in rows:
        table.add_row(route, how, f"{rss_before:.0f}", f"{rss_peak:.0f}", f"{rss_after:.0f}",
                      f"{rss_peak - rss_before:+.0f}", statuses, most, seconds)
    console.print(table)
    console.print("[dim]\"most sent\" counts what one client wrote before it saw the answer (kernel buffers "
                  "included), not what the server read.[/dim]")


if __name__ == "__main__":
    main()
