"""Overload on the write side: 64 concurrent writers against `suara serve --workers 2` (SQLite).

Each writer is a KPPS device of its own TPS, sending its form again and again with a fresh
Idempotency-Key and no pause (a refused device retries at once: the harshest case), for
`--seconds`. Printed: the answers by status (2xx / 429 / 503 / other), latency p50 / p99 / max,
and beside it a baseline measured in the same run: the same submissions sent one at a time.
Then the checks: every 2xx is a stored version, and `suara verify` passes.

    .venv/bin/python bench/write_overload.py [--seconds 15] [--writers 64]

Loopback only; the per-address write limit is raised, because every writer here shares one
address where in the field each device has its own (per-account limits stay as deployed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from helpers import count_rows, ppwp_form
from serve_load import free_port, wait_http

from suara.api.admission import DEFAULT_MAX_WRITES_IN_FLIGHT
from suara.domain.access import Role
from suara.services.accounts import create_account, login
from suara.services.setup import init_database
from suara.store.engine import make_engine
from suara.store.reference import load_reference

console = Console(width=160)
PASSWORD = "rahasia-sekali-123"
CLIENT_TIMEOUT = 30.0  # far beyond any answer we accept; a request cut off here counts as "other"


def _accounts(url: str, writers: int) -> list[tuple[str, str]]:
    """(TPS, token) for one KPPS per writer, each on its own TPS of the national tree."""
    engine = make_engine(url)
    init_database(engine)
    with engine.connect() as conn:
        reference = load_reference(conn)
    devices = []
    for n, tps in enumerate(_ppwp_tps(reference, writers)):
        create_account(engine, f"kpps-{n:03d}", PASSWORD, Role.KPPS, tps, "bench")
        devices.append((tps, login(engine, f"kpps-{n:03d}", PASSWORD, "bench")[0]))
    engine.dispose()
    return devices


def _ppwp_tps(reference, count: int) -> list[str]:
    """The first `count` PPWP TPS of Jakarta (31), in code order."""
    contest = reference.contest("ppwp")
    found: list[str] = []
    for tps in reference.tree.tps_of("31"):
        if contest.covers(tps):
            found.append(tps)
            if len(found) == count:
                return found
    raise RuntimeError("not enough TPS in province 31")


async def _writer(client: httpx.AsyncClient, base: str, devices: list[tuple[str, str]], until: float, tag: str,
                  answers: list[tuple[int, float]]) -> None:
    """Sends until `until`, going round its devices (one device: the same one each time)."""
    n = 0
    while time.monotonic() < until:
        tps, token = devices[n % len(devices)]
        n += 1
        form = ppwp_form(tps, (60 + n % 200, 122, 64))  # numbers not sent before: each send a new version
        started = time.perf_counter()
        try:
            response = await client.post(f"{base}/api/v1/submissions", json=form, timeout=CLIENT_TIMEOUT,
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Idempotency-Key": f"{tag}-{tps}-{n}"})
            status = response.status_code
        except httpx.HTTPError:
            status = 0
        answers.append((status, time.perf_counter() - started))


async def _load(base: str, devices: list[tuple[str, str]], seconds: float, tag: str,
                concurrent: bool = True) -> list[tuple[int, float]]:
    """Each device its own writer, all at once; or (concurrent=False) one writer taking the
    devices in turn, so each device keeps within its own rate limit."""
    answers: list[tuple[int, float]] = []
    limits = httpx.Limits(max_connections=len(devices), max_keepalive_connections=len(devices))
    async with httpx.AsyncClient(limits=limits) as client:
        until = time.monotonic() + seconds
        writers = [[d] for d in devices] if concurrent else [devices]
        await asyncio.gather(*(_writer(client, base, mine, until, tag, answers) for mine in writers))
    return answers


def _serve(base_env: dict[str, str], bound: int | None) -> tuple[subprocess.Popen[bytes], str]:
    env = dict(base_env) if bound is None else dict(base_env, SUARA_MAX_WRITES_IN_FLIGHT=str(bound))
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "suara.cli", "serve", "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/api/v1/contests", timeout=180)
    except RuntimeError:
        server.terminate()
        raise
    return server, base


def _summary(answers: list[tuple[int, float]]) -> dict[str, float | int]:
    counts = Counter("2xx" if 200 <= s < 300 else str(s) if s in (429, 503) else "other" for s, _ in answers)
    latencies = sorted(t for _, t in answers)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    return {"requests": len(answers), "2xx": counts["2xx"], "429": counts["429"], "503": counts["503"],
            "other": counts["other"], "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": latencies[-1] * 1000,
            "within_1s": sum(t <= 1.0 for t in latencies) / len(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--writers", type=int, default=64)
    parser.add_argument("--bounds", default="default,64",
                        help="SUARA_MAX_WRITES_IN_FLIGHT values to run the concurrent load with ('default': unset)")
    args = parser.parse_args()
    bounds = [None if b == "default" else int(b) for b in args.bounds.split(",")]
    results: dict[str, dict[str, float | int]] = {}
    every: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory(prefix="suara-overload-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'suara.db'}"
        console.print("preparing a national database and one KPPS account per writer ...")
        devices = _accounts(url, args.writers)
        env = {k: v for k, v in os.environ.items() if k != "SUARA_MAX_WRITES_IN_FLIGHT"}
        # every send a new version of the device's TPS (a re-send after publication would otherwise wait
        # as a correction proposal, services/resends.py), so each 2xx is a stored version
        env.update(SUARA_DATABASE_URL=url, SUARA_DATA_DIR=str(work), SUARA_WRITES_PER_ADDRESS_MINUTE="100000000",
                   SUARA_RESEND_GRACE_SECONDS="86400")
        for n, bound in enumerate(bounds):
            server, base = _serve(env, bound)
            try:
                every += asyncio.run(_load(base, devices[:4], 1.0, f"warm{n}"))  # both workers open their engines
                if n == 0:  # the baseline: the same submissions one at a time
                    one = asyncio.run(_load(base, devices, args.seconds, "single", concurrent=False))
                    results["one at a time (baseline)"] = _summary(one)
                    every += one
                many = asyncio.run(_load(base, devices, args.seconds, f"many{n}"))
                results[f"{args.writers} at once, bound {bound or DEFAULT_MAX_WRITES_IN_FLIGHT}"
                        f"{' (default)' if bound is None else ''}"] = _summary(many)
                every += many
                time.sleep(2)  # let the background tally fold what was accepted before verify
            finally:
                server.terminate()
                server.wait(timeout=30)
        engine = make_engine(url)
        stored = count_rows(engine)
        engine.dispose()
        verified = subprocess.run([sys.executable, "-m", "suara.cli", "verify"], env=env, capture_output=True,
                                  text=True, check=False)
    table = Table(title=f"Submissions against suara serve --workers 2 on SQLite, {args.seconds:.0f} s each; "
                        "writers resend at once after any answer (bound: SUARA_MAX_WRITES_IN_FLIGHT per worker)")
    for column in ("load", "requests", "2xx", "429", "503", "other", "p50 ms", "p99 ms", "max ms", "within 1 s"):
        table.add_column(column, justify="right")
    for name, r in results.items():
        table.add_row(name, f"{r['requests']:,}", f"{r['2xx']:,}", f"{r['429']:,}", f"{r['503']:,}", str(r["other"]),
                      f"{r['p50_ms']:.0f}", f"{r['p99_ms']:.0f}", f"{r['max_ms']:.0f}", f"{r['within_1s']:.1%}")
    console.print(table)
    accepted = sum(200 <= s < 300 for s, _ in every)
    cut_off = sum(s == 0 for s, _ in every)  # no answer: may or may not have been stored
    stored_ok = stored == accepted if cut_off == 0 else accepted <= stored <= accepted + cut_off
    console.print(f"answered 2xx (warm-up included): {accepted:,}; form versions stored: {stored:,} "
                  f"({'every 2xx stored' if stored_ok else 'MISMATCH'})")
    console.print(f"suara verify: {'passes' if verified.returncode == 0 else 'FAILS'}")
    if verified.returncode != 0 or not stored_ok:
        console.print(verified.stdout[-2000:], verified.stderr[-2000:])
        sys.exit(1)


if __name__ == "__main__":
    main()
