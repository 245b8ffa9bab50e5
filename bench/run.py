"""`make bench`: the tally engine's figures, each beside a baseline measured in the same run.

- ingest of every TPS form of `ppwp` (or, with `--contests pemilu`, of all five ballots of the
  Pemilu at every TPS, overseas included: `make bench-pemilu`) through the submission service
  (rules, versions, audit, tally), against a plain executemany of the same rows into the same
  kind of database;
- peak memory of the ingest process;
- `suara verify` on the full database;
- a correction of one TPS, stored and folded in one transaction, until it shows in the national
  rollup, against a plain one-row insert and commit.

Runs on SQLite and on a PostgreSQL server it starts itself (fsync on). Timings are printed
and written to bench/out/; nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import orjson
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pg_server import fresh_database, running_postgres

from suara.domain.audit import canonical, text_hash
from suara.services.setup import init_database
from suara.services.submission import Submission, submit_forms
from suara.store.engine import make_engine
from suara.store.reference import load_reference
from suara.tally.queries import rollup

console = Console(width=160)
BATCH = 5000


def synth(out: Path, seed: int, provinces: str | None, contests: str = "ppwp") -> int:
    cmd = [sys.executable, "-m", "suara.cli", "synth", "--contests", contests, "--seed", str(seed), "--out", str(out)]
    if provinces:
        cmd += ["--provinces", provinces]
    env = dict(os.environ, SUARA_DATABASE_URL=f"sqlite:///{out.parent / 'synth.db'}")
    subprocess.run([sys.executable, "-m", "suara.cli", "init"], env=env, check=True, capture_output=True)
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    with open(out, "rb") as f:
        return sum(1 for _ in f)


def child(step: str, url: str, *args: str) -> tuple[dict, int]:
    """Run bench/child.py; returns its JSON result and its own peak RSS in KiB."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "child.py"), step, *args],
                            env=dict(os.environ, SUARA_DATABASE_URL=url), stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"bench step {step} failed with exit code {proc.returncode}")
    return orjson.loads(output.strip().splitlines()[-1]), usage.ru_maxrss


def baseline_rows(path: Path) -> Iterator[list[tuple]]:
    """The rows the service would store, built with no checking, in insert batches."""
    now = datetime.now(UTC)
    batch: list[tuple] = []
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            doc = orjson.loads(line)
            text = canonical(doc).decode()
            batch.append((number, doc["contest"], doc["tps"], 1, text, text_hash(text), "[]", "stored", now,
                           "bench", None, f"bench:{number:010d}", None))
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def plain_executemany(engine: Engine, path: Path) -> float:
    columns = ("id", "contest", "tps", "version_no", "payload", "content_hash", "flags", "outcome",
               "submitted_at", "actor", "reason", "idempotency_key", "request_hash")
    marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO form_versions ({', '.join(columns)}) VALUES ({', '.join(marker for _ in columns)})"
    started = time.perf_counter()
    for batch in baseline_rows(path):
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                batch = [row[:8] + (row[8].isoformat(sep=" ")[:26],) + row[9:] for row in batch]
            conn.exec_driver_sql(sql, batch)
    return time.perf_counter() - started


def correction_latency(engine: Engine, path: Path, samples: int) -> tuple[list[float], list[float]]:
    """ms from submitting a corrected form to seeing it in the national rollup; and a plain write."""
    with engine.connect() as conn:
        reference = load_reference(conn)
    with open(path, "rb") as f:  # corrections of candidate-pair forms: their first number is "suara.1"
        docs = [doc for doc in (orjson.loads(line) for _, line in zip(range(50_000), f)) if "suara" in doc]
    rng = random.Random(1)
    times, plain = [], []
    for i in range(samples):
        doc = rng.choice(docs)
        doc["suara"]["1"] += 1
        doc["suara_sah"] += 1
        doc["suara_total"] += 1
        with engine.connect() as conn:
            before = rollup(conn, doc["contest"], "0").votes.get("1", 0)
        started = time.perf_counter()
        submit_forms(engine, reference, [Submission(doc, f"bench-correction:{i}", "bench")], fold=True)
        with engine.connect() as conn:
            seen = rollup(conn, doc["contest"], "0").votes.get("1", 0)
        times.append((time.perf_counter() - started) * 1000)
        assert seen == before + 1, "correction not visible in the national rollup"
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO bench_plain (n) VALUES (" + str(i) + ")")
        plain.append((time.perf_counter() - started) * 1000)
    return times, plain


def national_totals_match(engine: Engine, path: Path) -> dict[str, bool]:
    """Per contest kind in the file: do the national rollup's totals equal the generated forms' sums?"""
    sums: dict[str, dict[str, int]] = {}
    with open(path, "rb") as f:
        for line in f:
            doc = orjson.loads(line)
            votes = sums.setdefault(doc["contest"], {})
            if "partai" in doc:
                for party, block in doc["partai"].items():
                    votes[party] = votes.get(party, 0) + block["jumlah"]
            else:
                for nomor, value in doc["suara"].items():
                    votes[nomor] = votes.get(nomor, 0) + value
    matches = {}
    with engine.connect() as conn:
        for contest, votes in sums.items():
            region = "0" if "-" not in contest else contest.split("-")[1]
            stored = rollup(conn, contest, region).votes
            matches[contest] = all(stored.get(k, 0) == v for k, v in votes.items())
    return matches


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(name: str, url: str, baseline_url: str, forms_file: Path, forms: int, samples: int) -> dict:
    console.print(f"[bold]{name}[/bold]: init")
    engine = make_engine(url)
    started = time.perf_counter()
    init_database(engine)
    init_seconds = time.perf_counter() - started
    base_engine = make_engine(baseline_url)
    init_database(base_engine)
    console.print(f"[bold]{name}[/bold]: baseline executemany of {forms:,} rows")
    base_seconds = plain_executemany(base_engine, forms_file)
    base_engine.dispose()
    console.print(f"[bold]{name}[/bold]: suara ingest of {forms:,} forms")
    ingest, ingest_rss = child("ingest", url, str(forms_file))
    console.print(f"[bold]{name}[/bold]: suara verify")
    checked, verify_rss = child("verify", url)
    assert checked["ok"], checked["problems"]
    matches = national_totals_match(engine, forms_file)
    wrong = sorted(c for c, ok in matches.items() if not ok)
    assert not wrong, f"national totals differ from the generated forms: {wrong}"
    console.print(f"[bold]{name}[/bold]: national totals of {len(matches)} contests equal the forms' sums")
    console.print(f"[bold]{name}[/bold]: {samples} corrections")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE bench_plain (n INTEGER)")
    corrections, plain = correction_latency(engine, forms_file, samples)
    engine.dispose()
    return {
        "backend": name, "forms": ingest["forms"], "init_s": init_seconds,
        "ingest_s": ingest["seconds"], "ingest_per_s": ingest["forms"] / ingest["seconds"],
        "baseline_s": base_seconds, "baseline_per_s": forms / base_seconds,
        "ingest_peak_mib": ingest_rss / 1024, "verify_s": checked["seconds"], "verify_peak_mib": verify_rss / 1024,
        "correction_p50_ms": pct(corrections, 0.5), "correction_p99_ms": pct(corrections, 0.99),
        "plain_write_p50_ms": pct(plain, 0.5),
    }


@contextmanager
def maybe_postgres(enabled: bool) -> Iterator[str | None]:
    if not enabled:
        yield None
        return
    with running_postgres(durable=True) as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provinces", help="limit to these provinces (default: the whole nation)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=200, help="corrections to time")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--contests", default="ppwp", help="what to synthesise: ppwp (default), pemilu, ...")
    args = parser.parse_args()
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="suara-bench-") as tmp:
        work = Path(tmp)
        forms_file = work / "forms.jsonl"
        console.print(f"synth: generating {args.contests} forms")
        forms = synth(forms_file, args.seed, args.provinces, args.contests)
        results.append(measure("sqlite", f"sqlite:///{work / 'suara.db'}", f"sqlite:///{work / 'baseline.db'}",
                               forms_file, forms, args.samples))
        with maybe_postgres(not args.no_postgres) as pg:
            if pg:
                results.append(measure("postgresql", fresh_database(pg, "bench_suara"),
                                       fresh_database(pg, "bench_baseline"), forms_file, forms, args.samples))
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    table = Table(title=f"Suara tally engine, {forms:,} {args.contests} forms ({machine})")
    for column in ("backend", "ingest forms/s", "baseline executemany rows/s", "ratio", "ingest peak MiB",
                   "verify s", "correction p50 / p99 ms", "plain write p50 ms", "init s"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(r["backend"], f"{r['ingest_per_s']:,.0f}", f"{r['baseline_per_s']:,.0f}",
                      f"{r['baseline_per_s'] / r['ingest_per_s']:.1f}x", f"{r['ingest_peak_mib']:,.0f}",
                      f"{r['verify_s']:.1f}", f"{r['correction_p50_ms']:.1f} / {r['correction_p99_ms']:.1f}",
                      f"{r['plain_write_p50_ms']:.2f}", f"{r['init_s']:.1f}")
    console.print(table)
    (out_dir / f"tally-{args.contests.replace(',', '-')}.json").write_bytes(orjson.dumps({"machine": machine, "results": results},
                                                      option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
