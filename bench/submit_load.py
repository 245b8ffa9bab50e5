"""`make bench` (write part): the submission endpoint over HTTP, numbers only and with one 1 MB
photo, measured by wrk in a second process; beside the same submissions made in-process through
the service (no HTTP), measured in the same run."""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
from PIL import Image
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from helpers import ppwp_form
from serve_load import ensure_tools, free_port, wait_http

from suara.domain.access import Role
from suara.services.accounts import create_account, login
from suara.services.setup import init_database
from suara.services.submission import Submission, submit_forms
from suara.store.engine import make_engine
from suara.store.reference import load_reference

console = Console(width=160)
TPS = "3171011001001"
LUA = """
local counter = 0
local body = io.open("{body}", "rb"):read("*a")
request = function()
  counter = counter + 1
  local key = "bench-" .. math.random(1, 2147483647) .. "-" .. counter
  return wrk.format("POST", "/api/v1/submissions", {{["Content-Type"] = "{content_type}",
    ["Authorization"] = "Bearer {token}", ["Idempotency-Key"] = key}}, body)
end
local thread_id = 0
setup = function(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end
init = function(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
end
response = function(status, headers, body)
  if status >= 300 and status ~= 409 then
    io.stderr:write(status .. " " .. body:sub(1, 160) .. "\\n")
  end
end
"""


def photo_1mb() -> bytes:
    rng = random.Random(1)
    image = Image.frombytes("RGB", (1100, 800), bytes(rng.getrandbits(8) for _ in range(1100 * 800 * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def multipart(form: dict, photo: bytes) -> tuple[bytes, str]:
    boundary = "suarabench"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="form"\r\n\r\n'.encode() + orjson.dumps(form),
             f'--{boundary}\r\nContent-Disposition: form-data; name="page2"; filename="c1.jpg"\r\n'
             f"Content-Type: image/jpeg\r\n\r\n".encode() + photo]
    return b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def wrk(url: str, script: Path, seconds: int) -> dict[str, float]:
    done = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", str(script), url],
                          check=True, capture_output=True, text=True)
    out = done.stdout
    for line in sorted(set(done.stderr.splitlines()))[:5]:
        console.print(f"[yellow]refused: {line}[/yellow]")

    def latency(pct: str) -> float:
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50_ms": latency("50"),
            "p99_ms": latency("99"), "non_2xx": int(errors.group(1)) if errors else 0}


def main() -> None:
    ensure_tools()
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory(prefix="suara-submit-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'suara.db'}"
        engine = make_engine(url)
        init_database(engine)
        create_account(engine, "kpps-bench", "rahasia-sekali-123", Role.KPPS, TPS, "bench")
        token, _ = login(engine, "kpps-bench", "rahasia-sekali-123", "bench")
        with engine.connect() as conn:
            reference = load_reference(conn)
        form = ppwp_form(TPS, (60, 122, 64))
        timings = []
        for i in range(300):  # the baseline: the same submission through the service, no HTTP
            started = time.perf_counter()
            submit_forms(engine, reference, [Submission(form, f"inproc-{i}", "bench")])
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        baseline = {"rps": 1000 / (sum(timings) / len(timings)), "p50_ms": timings[150], "p99_ms": timings[297]}
        env = dict(os.environ, SUARA_DATABASE_URL=url, SUARA_DATA_DIR=str(work),
                   SUARA_WRITES_PER_ADDRESS_MINUTE="100000000", SUARA_WRITES_PER_ACCOUNT_MINUTE="100000000")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "suara.cli", "serve", "--port", str(port), "--workers", "2"],
                                  env=env, stdout=subprocess.DEVNULL)
        results = {"service in-process, numbers only (baseline)": baseline}
        try:
            wait_http(f"http://127.0.0.1:{port}/api/v1/contests")
            for name, (body, content_type) in {
                "HTTP, numbers only": (orjson.dumps(form), "application/json"),
                "HTTP, with one 1 MB photo": multipart(form, photo_1mb()),
            }.items():
                (work / "body").write_bytes(body)
                script = work / "post.lua"
                script.write_text(LUA.format(body=work / "body", content_type=content_type, token=token))
                results[name] = wrk(f"http://127.0.0.1:{port}", script, seconds)
        finally:
            server.terminate()
            server.wait()
    table = Table(title=f"Submissions of one KPPS (SQLite, suara serve with 2 workers, wrk -t2 -c16, {seconds} s)")
    for column in ("path", "submissions/s", "p50 ms", "p99 ms", "non-2xx"):
        table.add_column(column, justify="right")
    for name, r in results.items():
        table.add_row(name, f"{r['rps']:,.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}", str(r.get("non_2xx", 0)))
    console.print(table)
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "submit.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
