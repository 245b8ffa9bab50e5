"""`make bench-pemilu` (HTTP part): the legislative documents under load, beside the PPWP one.

The national DPR results (party totals, and the 9,917 DPR candidates with their votes), one DPR
dapil's results with its seat projection, the Sirekap DPR tree's national document and the
portal's national DPR page, each requested by wrk in a second process from `suara serve`, beside
the national PPWP document from the same server and nginx serving each of the same bytes as a
static file in the same run. The database holds the whole Pemilu (all five ballots) of the
provinces given (default DKI Jakarta, Banten and the overseas branch, whose votes belong to DPR
dapil DKI Jakarta II).

Installs Debian's wrk and nginx if they are missing (bench/serve_load.py). Loopback only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import orjson
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_load import (
    ensure_tools,
    free_port,
    nginx,
    rss_mib,
    server_env,
    static_copies,
    wait_http,
    wrk,
)

ROOT = Path(__file__).resolve().parent.parent
console = Console(width=160)
DOCUMENTS = {
    "/api/v1/results/ppwp/0": "PPWP national results (baseline)",
    "/api/v1/results/pdpr/0": "DPR national results, parties and candidates",
    "/api/v1/dapil/pdpr/3102": "DPR dapil DKI JAKARTA II with its seat projection",
    "/sirekap/pemilu/hhcw/pdpr.json": "Sirekap DPR national document",
    "/wilayah/pdpr/0": "portal national DPR page (HTML)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provinces", default="31,36,99", help="provinces whose whole Pemilu is loaded")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    args = parser.parse_args()
    ensure_tools()
    results: dict[tuple[str, str], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="suara-pemilu-http-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'suara.db'}"
        env = server_env(SUARA_DATABASE_URL=url, SUARA_DATA_DIR=str(work / "data"))
        suara = [sys.executable, "-m", "suara.cli"]
        subprocess.run([*suara, "init"], env=env, check=True, capture_output=True)
        forms = work / "pemilu.jsonl"
        subprocess.run([*suara, "synth", "--contests", "pemilu", "--provinces", args.provinces, "--seed", "1",
                        "--out", str(forms)], env=env, check=True, capture_output=True)
        with open(forms, "rb") as lines:
            count = sum(1 for _ in lines)
        console.print(f"ingesting {count:,} forms of provinces {args.provinces}")
        subprocess.run([*suara, "ingest", str(forms)], env=env, check=True, capture_output=True)
        port = free_port()
        bodies: dict[str, bytes] = {}
        memory = 0.0
        for workers in (1, 2):
            server = subprocess.Popen([*suara, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                                      stdout=subprocess.DEVNULL)
            try:
                base = f"http://127.0.0.1:{port}"
                wait_http(base + "/api/v1/results/ppwp/0")
                for path in DOCUMENTS:
                    bodies[path] = httpx.get(base + path, timeout=60).content
                    wrk(base + path, 2, 64, True)  # warm every worker's rendered document
                    results[(path, f"suara serve, {workers} worker(s)")] = wrk(base + path, args.seconds, 64, True)
                memory = rss_mib(server.pid)
            finally:
                server.terminate()
                server.wait()
        static_copies(work, bodies)
        nginx_port = free_port()
        proxy = nginx(work, nginx_port)
        try:
            wait_http(f"http://127.0.0.1:{nginx_port}/api/v1/results/ppwp/0")
            for path in DOCUMENTS:
                results[(path, "nginx, static file")] = wrk(f"http://127.0.0.1:{nginx_port}{path}", args.seconds, 64,
                                                            True)
        finally:
            proxy.terminate()
            proxy.wait()

    table = Table(title=f"Legislative documents over HTTP, gzip, wrk -t2 -c64, {args.seconds} s per run "
                        f"({count:,} forms of provinces {args.provinces})")
    for column in ("document", "bytes", "server", "requests/s", "p50 ms", "p99 ms", "share of nginx"):
        table.add_column(column, justify="right")
    for (path, name), r in results.items():
        ceiling = results[(path, "nginx, static file")]["rps"]
        table.add_row(path, f"{len(bodies[path]):,}", name, f"{r['rps']:,.0f}", f"{r['p50_ms']:.2f}",
                      f"{r['p99_ms']:.2f}", f"{r['rps'] / ceiling:.0%}")
    console.print(table)
    console.print(f"server memory (2 workers): {memory:,.0f} MiB")
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "http-pemilu.json").write_bytes(orjson.dumps(
        {"forms": count, "provinces": args.provinces, "server_rss_mib": memory,
         "runs": [{"path": p, "server": n, "bytes": len(bodies[p]), **r} for (p, n), r in results.items()]},
        option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
