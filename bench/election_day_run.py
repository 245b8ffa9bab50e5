"""`make bench-election-day`: a deployment started here (suara serve, 2 workers, and a tally
worker of its own), election day played against it by bench/election_day.py, and the baseline
of the same run: the same number of plain inserts in one transaction into the same kind of
database.

    .venv/bin/python bench/election_day_run.py [--backend sqlite|postgresql] [--duration 300]
        [--write-rate 1000] [--read-rate 5000] [--photo-share 0] [--overload 5]

With --overload F it then plays F times the write rate the deployment sustained (the day's stored
writes a second) for a third of the duration (at most OVERLOAD_SECONDS), with TPS of their own,
reports how the refusals came (429/503 with Retry-After, within 1 s) and runs `suara verify` once
the tally has caught up. The baselines of the same run: plain inserts in one transaction for the
writes, and nginx serving the same documents' bytes as static files, read by the same harness at
the same planned rate (for a third of the duration, at most BASELINE_SECONDS), for the reads.
It also says where the CPU went during the day, by part (bench/cpu_meter.py): per stored write
when the day has writes alone, per read when it has reads alone. Figures go to stdout; the last
line is JSON.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import election_day
from cpu_meter import CpuMeter
from pg_replica import running_primary_and_replica
from pg_server import fresh_database, running_postgres
from serve_load import ensure_tools, free_port, nginx, server_env, static_copies, wait_http

from suara.services.setup import init_database
from suara.store.engine import make_engine


@contextmanager
def database(backend: str, work: Path) -> Iterator[tuple[str, str | None]]:
    """(database URL, replica URL or None); every server durable (fsync on)."""
    if backend == "sqlite":
        yield f"sqlite:///{work / 'suara.db'}", None
    elif backend == "postgresql":
        with running_postgres(durable=True) as base:
            yield fresh_database(base, "election_day"), None
    else:  # a primary and its streaming replica: public reads from the replica, writes to the primary
        with running_primary_and_replica(durable=True) as pair:
            url = fresh_database(pair.primary, "election_day")
            yield url, url.replace(pair.primary.rsplit("/", 1)[0], pair.replica.rsplit("/", 1)[0], 1)


@contextmanager
def deployment(url: str, work: Path, workers: int = 2, replica: str | None = None) -> Iterator[tuple[str, dict[str, int]]]:
    """(base URL, the pid at the top of each part: the API server and the tally worker)"""
    env = server_env(SUARA_DATABASE_URL=url, **({"SUARA_REPLICA_URL": replica} if replica else {}),
                     SUARA_DATA_DIR=str(work), SUARA_SERVE_TALLY="0",
                     SUARA_WRITES_PER_ADDRESS_MINUTE="100000000",  # every device shares the loopback address here
                     SUARA_MAX_WRITES_IN_FLIGHT=os.environ.get("SUARA_MAX_WRITES_IN_FLIGHT", "64"))
    port = free_port()
    procs = [subprocess.Popen([sys.executable, "-m", "suara.cli", "serve", "--port", str(port),
                               "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL, start_new_session=True),
             subprocess.Popen([sys.executable, "-m", "suara.cli", "tally", "--watch"], env=env,
                              stdout=subprocess.DEVNULL, start_new_session=True)]
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", timeout=300)
        yield base, {"API workers": procs[0].pid, "tally worker": procs[1].pid}
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)


def plain_inserts(url: str, rows: int) -> float:
    """The baseline: `rows` plain inserts of a form-sized row in one transaction; rows/s."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                           if url.startswith("postgresql://") else url)
    table = Table("baseline_inserts", MetaData(), Column("id", Integer, primary_key=True),
                  Column("tps", String(13)), Column("payload", Text))
    table.metadata.drop_all(engine)
    table.metadata.create_all(engine)
    payload = orjson.dumps({"suara": {"1": 60, "2": 122, "3": 64}, "suara_sah": 246, "pad": "x" * 600}).decode()
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"tps": f"{n:013d}", "payload": payload} for n in range(rows)])
    seconds = time.perf_counter() - started
    table.metadata.drop_all(engine)
    engine.dispose()
    return rows / seconds


OVERLOAD_SECONDS = 30.0
BASELINE_SECONDS = 30.0


def nginx_reads(base: str, url: str, work: Path, seconds: float, rate: float, provinces: str) -> dict[str, object]:
    """The read baseline: the documents the readers poll, as the deployment answers them now,
    served by nginx (gzip_static) and read by the harness at the planned rate."""
    ensure_tools()
    bodies = {path: httpx.get(base + path, timeout=30).content for path in election_day.READ_PATHS}
    root = work / "nginx"
    static_copies(root, bodies)
    port = free_port()
    server = nginx(root, port)
    try:
        wait_http(f"http://127.0.0.1:{port}{election_day.READ_PATHS[0]}")
        played = election_day.run(f"http://127.0.0.1:{port}", url, seconds, 0, rate, 0.0, 0, provinces, seed=3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return played["reads"]


def verified(url: str) -> dict[str, object]:
    """`suara verify` on the deployment's database once the tally worker has folded everything."""
    from suara.services.verify import verify
    from suara.tally.fold import pending

    engine = make_engine(url)
    deadline = time.monotonic() + 120
    with engine.connect() as conn:
        while pending(conn) and time.monotonic() < deadline:
            conn.rollback()
            time.sleep(0.5)
    report = verify(engine)
    engine.dispose()
    return {"ok": report.ok, "versions": report.versions_checked, "pending": report.pending,
            "problems": report.problem_count}


def cpu_figures(meter: CpuMeter, day: dict[str, Any]) -> dict[str, object]:
    """Where the day's CPU went; with writes or reads alone, also per operation (the budget a
    planned rate needs is then the rate times these)."""
    figures = meter.as_dict()
    writes, reads = day["check"]["acknowledged"], day["reads"]["attempts"]
    if writes and not reads:
        figures["ms_per_stored_write"] = meter.per_operation_ms(writes)
    elif reads and not writes:
        figures["ms_per_read"] = meter.per_operation_ms(reads)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "postgresql-replica"), default="sqlite")
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--write-rate", type=float, default=1000)
    parser.add_argument("--read-rate", type=float, default=5000)
    parser.add_argument("--photo-share", type=float, default=0.0)
    parser.add_argument("--overload", type=float, default=0.0, help="then this many times the write rate")
    parser.add_argument("--provinces", default="31,32,33,35,36")
    args = parser.parse_args()
    figures: dict[str, object] = {"backend": args.backend, "machine": f"{os.cpu_count()} cores"}
    with tempfile.TemporaryDirectory(prefix="suara-election-day-") as tmp, \
            database(args.backend, Path(tmp)) as (url, replica):
        work = Path(tmp)
        init_database(make_engine(url))
        with deployment(url, work, replica=replica) as (base, parts):
            meter = CpuMeter({**parts, "harness": os.getpid()})
            day = election_day.run(base, url, args.duration, args.write_rate, args.read_rate, args.photo_share, 0,
                                   args.provinces, seed=1, meter=meter)
            day["cpu"] = cpu_figures(meter, day)
            figures["day"] = day
            if args.overload:
                rate = args.overload * max(1.0, day["writes"]["ok_per_s"])
                # four times the devices at once that the day had: more than the workers admit
                # (SUARA_MAX_WRITES_IN_FLIGHT each), so the deployment sheds and not the harness's queue
                figures["overload"] = election_day.run(base, url, min(args.duration / 3, OVERLOAD_SECONDS), rate,
                                                       0, 0.0, 0, args.provinces, seed=2, skip=day["tps_used_so_far"],
                                                       write_connections=4 * election_day.WRITE_CONNECTIONS)
            figures["verify"] = verified(url)
            if args.read_rate:
                figures["baseline_nginx_reads"] = nginx_reads(base, url, work, min(args.duration / 3, BASELINE_SECONDS),
                                                              args.read_rate, args.provinces)
        if args.write_rate:  # the write path's baseline, as many rows as the day planned
            figures["baseline_inserts_per_s"] = round(plain_inserts(url, int(args.duration * args.write_rate)), 1)
    day = figures["day"]
    assert isinstance(day, dict)
    print(f"{args.backend}: writes {day['writes']['ok_per_s']}/s (target {args.write_rate}), p50 "
          f"{day['writes']['p50_ms']} ms, p99 {day['writes']['p99_ms']} ms, {day['writes']['by_status']}; reads "
          f"{day['reads']['ok_per_s']}/s, p99 {day['reads']['p99_ms']} ms; tally lag p99 {day['tally_lag_p99_s']} s; "
          f"baseline plain inserts in one transaction {figures.get('baseline_inserts_per_s', '-')}/s; {day['check']}")
    cpu = day["cpu"]
    print(f"CPU over the day's {cpu['seconds']} s: machine {cpu['machine_busy_percent']}% busy; % of one core: "
          + ", ".join(f"{part} {share}" for part, share in cpu["percent_of_a_core"].items())
          + "".join(f"; ms of CPU per {what.removeprefix('ms_per_').replace('_', ' ')}: "
                    + ", ".join(f"{part} {ms}" for part, ms in cpu[what].items())
                    for what in ("ms_per_stored_write", "ms_per_read") if what in cpu))
    if "overload" in figures:
        over = figures["overload"]
        assert isinstance(over, dict)
        w = over["writes"]
        print(f"overload x{args.overload} of the sustained rate ({over['write_rate_target']:.0f}/s planned): "
              f"{w['ok_per_s']}/s stored, {w['by_status']}, p99 {w['p99_ms']} ms; refusals p99 {w['refused_p99_ms']} "
              f"ms, max {w['refused_max_ms']} ms, {w['refused_without_retry_after']} without Retry-After; "
              f"given up {w['given_up']}; {over['check']}")
    print(f"verify afterwards: {figures['verify']}")
    if "baseline_nginx_reads" in figures:
        reads = figures["baseline_nginx_reads"]
        assert isinstance(reads, dict)
        print(f"baseline: nginx serving the same documents, read at {args.read_rate:.0f}/s planned: "
              f"{reads['ok_per_s']}/s, p50 {reads['p50_ms']} ms, p99 {reads['p99_ms']} ms, {reads['by_status']}")
    print(orjson.dumps(figures).decode())


if __name__ == "__main__":
    main()
