"""The chain-of-custody check's figure: `suara verify --witness FILE` on a database of N synthetic
forms, beside plain `suara verify` on the same database (the baseline, measured in the same run).

    .venv/bin/python bench/chain_check.py --provinces 31        # DKI Jakarta
    .venv/bin/python bench/chain_check.py                       # the whole nation (long)

The database is built the way a deployment builds it: `suara init`, `suara synth`, `suara ingest`
(SQLite, in a temporary directory). The witness file holds the heads a witness polling every
`--witness-every` events would have recorded, plus the final head. Both runs go through the
command line, so the figures include start-up; each is run `--repeat` times and the best kept.
Nothing here is a test: the figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from suara.domain.audit import Head, witness_line
from suara.store.engine import make_engine
from suara.store.schema import audit_events

console = Console(width=140)


def suara(env: dict[str, str], *args: str) -> float:
    """Run `suara ARGS`; seconds it took. A failing command stops the bench with its output."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "suara.cli", *args], env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        console.print(done.stdout[-2000:], done.stderr[-2000:])
        raise SystemExit(f"suara {' '.join(args)} failed ({done.returncode})")
    return elapsed


def write_witness(url: str, path: Path, every: int) -> int:
    """Heads a witness polling every `every` events would hold; returns how many."""
    engine = make_engine(url, read_only=True)
    with engine.connect() as conn:
        last = int(conn.execute(select(func.max(audit_events.c.seq))).scalar() or 0)
        seqs = sorted({*range(every, last + 1, every), last} - {0})
        rows = conn.execute(select(audit_events.c.seq, audit_events.c.hash)
                            .where(audit_events.c.seq.in_(seqs))).all() if seqs else []
    engine.dispose()
    with open(path, "w", encoding="ascii") as f:
        f.writelines(witness_line(Head(int(seq), str(digest)), "2024-02-14T20:00:00Z") for seq, digest in sorted(rows))
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provinces", default=None, help="comma-separated province codes (default: the nation)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--witness-every", type=int, default=1000, help="events between two recorded heads")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="suara-chain-bench-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'suara.db'}"
        env = dict(os.environ, SUARA_DATABASE_URL=url, SUARA_DATA_DIR=str(work),
                   SUARA_BLOBS_URL=str(work / "blobs"))
        forms = work / "forms.jsonl"
        console.print(f"membangun basis data ({args.provinces or 'seluruh negeri'}) di {work} ...")
        suara(env, "init")
        synth = ["synth", "--contests", "ppwp", "--seed", str(args.seed), "--out", str(forms)]
        suara(env, *(synth + (["--provinces", args.provinces] if args.provinces else [])))
        with open(forms, "rb") as f:
            count = sum(1 for _ in f)
        ingest = suara(env, "ingest", str(forms))
        suara(env, "tally")
        witness = work / "saksi.txt"
        heads = write_witness(url, witness, args.witness_every)
        plain = min(suara(env, "verify") for _ in range(args.repeat))
        witnessed = min(suara(env, "verify", "--witness", str(witness)) for _ in range(args.repeat))
    table = Table(title=f"rantai kepemilikan: {count:,} formulir ({args.provinces or 'nasional'}), SQLite")
    for column in ("langkah", "detik", "terhadap baseline"):
        table.add_column(column, justify="right" if column != "langkah" else "left")
    table.add_row("ingest (sekali, untuk membangun)", f"{ingest:.1f}", "")
    table.add_row("verify (baseline)", f"{plain:.2f}", "1.00x")
    table.add_row(f"verify --witness ({heads:,} kepala)", f"{witnessed:.2f}", f"{witnessed / plain:.2f}x")
    console.print(table)


if __name__ == "__main__":
    main()
