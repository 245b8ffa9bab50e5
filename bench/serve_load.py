"""`make bench` (HTTP part): the national results document under load, and freshness.

- requests/s and p50/p99 latency of the national document from `suara serve`, measured by wrk
  in a second process, beside nginx serving the same bytes as a static file in the same run;
- freshness: while forms arrive at 1,000 per second, the time from a batch's acceptance to its
  appearance in the national document (p50/p99);
- the server's memory with the whole nation loaded.

Installs Debian's wrk and nginx if they are missing. Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
console = Console(width=160)
NATIONAL = "/api/v1/results/ppwp/0"
PORTAL = "/wilayah/ppwp/0"  # the portal's national page (HTML), rendered from the same document
PROVINCE = "/wilayah/ppwp/31"  # a province's page (DKI Jakarta, loaded in every run)
PATHS = (NATIONAL, PORTAL, PROVINCE)


def ensure_tools() -> None:
    missing = [pkg for tool, pkg in (("wrk", "wrk"), ("nginx", "nginx-light")) if shutil.which(tool) is None
               and not Path(f"/usr/sbin/{tool}").exists()]
    if missing:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update"], check=True, capture_output=True, env=env)
        subprocess.run(["apt-get", "install", "-y", *missing], check=True, capture_output=True, env=env)


def server_env(**settings: str) -> dict[str, str]:
    """The environment of a suara under measurement. nginx beside it logs no request (access_log
    off); suara the same way, as on election night behind a CDN that logs the reads:
    SUARA_ACCESS_LOG=writes still logs every write and every error (override it to compare)."""
    return dict(os.environ, SUARA_ACCESS_LOG=os.environ.get("SUARA_ACCESS_LOG", "writes"), **settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def wrk(url: str, seconds: int, connections: int, gzip: bool) -> dict[str, float]:
    header = ["-H", "Accept-Encoding: gzip"] if gzip else []
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *header, url],
                         check=True, capture_output=True, text=True).stdout
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if failed:  # a measure of error pages is no measure (nginx once answered 403 to every request here)
        raise RuntimeError(f"{url}: {failed.group(1)} answers were not 2xx/3xx")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(pct: str) -> float:
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return {"rps": rps, "p50_ms": latency("50"), "p99_ms": latency("99")}


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn workers), in MiB."""
    total = 0
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, check=False,
                                                   text=True).stdout.split()]
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total / 1024


def nginx(root: Path, port: int) -> subprocess.Popen[bytes]:
    """nginx serving root/www. Its workers drop root's rights (to nobody), so every directory
    above the files must let others through: a temporary directory (mode 0700) alone made it
    answer 403 to every request."""
    for directory in (root / "www", *(root / "www").parents):
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            directory.chmod(mode | stat.S_IROTH | stat.S_IXOTH)
    conf = root / "nginx.conf"
    conf.write_text(f"""
worker_processes 2;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  gzip_static on;
  default_type application/json;
  server {{ listen 127.0.0.1:{port}; root {root}/www; }}
}}
""")
    return subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"])


def static_copies(root: Path, bodies: dict[str, bytes]) -> None:
    """The same bytes as static files (and their gzip -9 copies) under root/www, for nginx."""
    for path, body in bodies.items():
        static = root / "www" / path.lstrip("/")
        static.parent.mkdir(parents=True, exist_ok=True)
        static.write_bytes(body)
        subprocess.run(["gzip", "-k", "-9", str(static)], check=True)


def freshness(base: str, url: str, forms_file: Path, rate: int, seconds: int) -> list[float]:
    """Feed `rate` forms/s from forms_file for `seconds` while polling the national document."""
    env = dict(os.environ, SUARA_DATABASE_URL=url)
    feeder = subprocess.Popen([sys.executable, str(ROOT / "bench" / "feeder.py"), str(forms_file), str(rate),
                               str(seconds)], env=env, stdout=subprocess.PIPE, text=True)
    observations: list[tuple[float, int]] = []
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=base) as client:
            while not stop.is_set():
                doc = client.get(NATIONAL).json()
                observations.append((time.time(), doc["totals"]["tps_reported"]))
                time.sleep(0.01)
    poller = threading.Thread(target=poll)
    poller.start()
    accepted = [tuple(map(float, line.split())) for line in feeder.stdout]  # (commit time, reported after)
    feeder.wait()
    time.sleep(1.5)
    stop.set()
    poller.join()
    delays = []
    for when, reported in accepted:
        seen = next((t for t, r in observations if t >= when and r >= reported), None)
        if seen is not None:
            delays.append((seen - when) * 1000)
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provinces", help="load only these provinces (default: the whole nation)")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating suara/nginx rounds per document")
    parser.add_argument("--workers", type=lambda text: [int(n) for n in text.split(",")], default=[1, 2],
                        help="worker counts to measure, comma-separated (default 1,2)")
    args = parser.parse_args()
    ensure_tools()
    with tempfile.TemporaryDirectory(prefix="suara-http-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'suara.db'}"
        env = server_env(SUARA_DATABASE_URL=url)
        suara = [sys.executable, "-m", "suara.cli"]
        subprocess.run([*suara, "init"], env=env, check=True, capture_output=True)
        synth = [*suara, "synth", "--contests", "ppwp", "--seed", "1", "--out", str(work / "ppwp.jsonl")]
        if args.provinces:
            synth += ["--provinces", args.provinces]
        subprocess.run(synth, env=env, check=True, capture_output=True)
        lines = (work / "ppwp.jsonl").read_bytes().splitlines(keepends=True)
        split = len(lines) - min(60_000, len(lines) // 10)  # kept back for the freshness run (a tenth of a small run)
        (work / "load.jsonl").write_bytes(b"".join(lines[:split]))
        (work / "late.jsonl").write_bytes(b"".join(lines[split:]))
        del lines
        console.print(f"ingesting {split:,} forms")
        subprocess.run([*suara, "ingest", str(work / "load.jsonl")], env=env, check=True, capture_output=True)

        # suara and nginx (the same bytes as static files) are measured in alternating rounds, so that
        # a change in what the shared machine gives both (other tenants, the disk) weighs on both alike;
        # the figure is the median of each round's ratio
        runs: dict[tuple[str, str, bool], list[dict[str, float]]] = {}
        port, nginx_port, proxy, bodies = free_port(), free_port(), None, {}
        try:
            for workers in args.workers:
                # its log lines (writes and errors, see env above) go to a file, not the terminal
                with open(work / f"serve-{workers}.log", "wb") as log:
                    server = subprocess.Popen([*suara, "serve", "--port", str(port), "--workers", str(workers)],
                                              env=env, stdout=subprocess.DEVNULL, stderr=log)
                try:
                    base = f"http://127.0.0.1:{port}"
                    wait_http(base + NATIONAL)
                    if proxy is None:
                        bodies = {path: httpx.get(base + path).content for path in PATHS}
                        static_copies(work, bodies)
                        proxy = nginx(work, nginx_port)
                        wait_http(f"http://127.0.0.1:{nginx_port}{NATIONAL}")
                    name = f"suara serve, {workers} worker(s)"
                    for path in PATHS:
                        for gz in (False, True):
                            wrk(base + path, 2, 64, gz)  # warm every worker's rendered document
                            for _ in range(args.rounds):
                                runs.setdefault((path, name, gz), []).append(wrk(base + path, args.seconds, 64, gz))
                                runs.setdefault((path, f"nginx (beside {workers} worker(s))", gz), []).append(
                                    wrk(f"http://127.0.0.1:{nginx_port}{path}", args.seconds, 64, gz))
                    memory = rss_mib(server.pid)
                    if workers == args.workers[-1]:
                        delays = freshness(base, url, work / "late.jsonl", 1000, 30)
                finally:
                    server.terminate()
                    server.wait()
        finally:
            if proxy is not None:
                proxy.terminate()
                proxy.wait()

    results = {key: {k: statistics.median(r[k] for r in rounds) for k in rounds[0]} for key, rounds in runs.items()}
    for path, title in ((NATIONAL, "National results document"), (PORTAL, "Portal national page (HTML)"),
                        (PROVINCE, "Portal province page (HTML)")):
        table = Table(title=f"{title} {path} ({len(bodies[path]):,} bytes, {args.rounds} alternating rounds of "
                            f"{args.seconds} s, wrk -t2 -c64; medians)")
        for column in ("server", "gzip", "requests/s", "p50 ms", "p99 ms", "share of nginx (median of rounds)"):
            table.add_column(column, justify="right")
        for (where, name, gz), r in results.items():
            if where != path:
                continue
            share = ""
            if name.startswith("suara"):
                ceiling = runs[(path, name.replace("suara serve, ", "nginx (beside ") + ")", gz)]
                ratios = [mine["rps"] / theirs["rps"] for mine, theirs in zip(runs[(path, name, gz)], ceiling,
                                                                                strict=True)]
                share = f"{statistics.median(ratios):.0%} ({min(ratios):.0%}-{max(ratios):.0%})"
            table.add_row(name, "yes" if gz else "no", f"{r['rps']:,.0f}", f"{r['p50_ms']:.2f}",
                          f"{r['p99_ms']:.2f}", share)
        console.print(table)
    delays.sort()
    console.print(f"freshness at 1,000 forms/s: {len(delays)} batches, acceptance to national document "
                  f"p50 {delays[len(delays) // 2]:.0f} ms, p99 {delays[int(len(delays) * 0.99)]:.0f} ms")
    console.print(f"server memory with {split:,} TPS loaded ({args.workers[-1]} workers): {memory:,.0f} MiB")
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "http.json").write_bytes(orjson.dumps(
        {"runs": [{"path": p, "server": n, "gzip": g, **r, "rounds": runs[(p, n, g)]} for (p, n, g), r in results.items()],
         "freshness_ms": {"p50": delays[len(delays) // 2], "p99": delays[int(len(delays) * 0.99)]},
         "server_rss_mib": memory}, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
