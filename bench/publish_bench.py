"""`suara publish` figures: a full publication, then an increment after 1% more forms, with
files, bytes, disk used and seconds for each, and the time to verify the increment and the tree.

    .venv/bin/python bench/publish_bench.py --provinces 31      # DKI Jakarta's forms (make bench-publish)
    .venv/bin/python bench/publish_bench.py                     # the whole nation's forms

The presidential race covers the nation, so its tree always has every region and every TPS of
the nation (a TPS without a form has its empty documents, as the server answers them): with
`--provinces 31` only DKI Jakarta's documents carry numbers, but the tree has the nation's paths
(about two million files, several GB on disk). Plan for tens of minutes.

The database is built as a deployment builds it (`suara init`, `suara synth`, `suara ingest`,
`suara tally`; SQLite in a temporary directory). The forms are ingested but for `--more` per cent
of them, drawn at random; the tree is published; the rest are ingested and folded, and the tree
is published again, which writes only what changed (with `--also-full`, the same point is then
published in full elsewhere, for comparison); then `suara verify-snapshot --since 1` checks the
increment as a mirror would, and `suara verify-snapshot` the whole tree and chain. Every step
goes through the command line, so the figures include start-up. Disk used is what `du` counts
(blocks: a 300-byte document takes a 4 KB block on ext4), beside the bytes the manifest lists;
for the increment, how much the tree grew. Nothing here is a test: the figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

console = Console(width=140)


def suara(env: dict[str, str], *args: str) -> float:
    """Run `suara ARGS`; seconds it took. A failing command stops the bench with its output."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "suara.cli", *args], env=env, capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        console.print(done.stdout[-2000:], done.stderr[-2000:])
        raise SystemExit(f"suara {' '.join(args)} failed ({done.returncode})")
    return elapsed


def disk_used(path: Path) -> int:
    """Bytes of the blocks the tree takes (`du -s --block-size=1`)."""
    done = subprocess.run(["du", "-s", "--block-size=1", str(path)], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[0])


def publication(out: Path, number: int) -> tuple[int, int]:
    """Files and bytes publication `number` wrote, from its record."""
    record = json.loads((out / f"manifests/manifest-{number}.json").read_bytes())
    return len(record["files"]), sum(e["bytes"] for e in record["files"].values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provinces", default=None, help="comma-separated province codes (default: the nation)")
    parser.add_argument("--contests", default="ppwp")
    parser.add_argument("--more", type=float, default=1.0, help="per cent of the forms ingested after the first "
                                                               "publication")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--also-full", action="store_true", help="publish the same point in full too (as long "
                                                                  "as the first)")
    parser.add_argument("--keep", type=Path, default=None, help="build in this directory and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="suara-publish-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        run(work, args)


def run(work: Path, args: argparse.Namespace) -> None:
    url = f"sqlite:///{work / 'suara.db'}"
    env = dict(os.environ, SUARA_DATABASE_URL=url, SUARA_DATA_DIR=str(work), SUARA_BLOBS_URL=str(work / "blobs"))
    forms = work / "forms.jsonl"
    console.print(f"membangun basis data ({args.provinces or 'seluruh negeri'}, {args.contests}) di {work} ...")
    suara(env, "init")
    synth = ["synth", "--contests", args.contests, "--seed", str(args.seed), "--out", str(forms)]
    suara(env, *(synth + (["--provinces", args.provinces] if args.provinces else [])))
    lines = forms.read_bytes().splitlines(keepends=True)
    later = max(1, round(len(lines) * args.more / 100))
    # forms arriving late are scattered over the province (synth writes them in TPS order, so the
    # last lines would all be a few desa of one kecamatan, which changes far fewer documents)
    chosen = set(random.Random(args.seed).sample(range(len(lines)), later))
    (work / "first.jsonl").write_bytes(b"".join(line for i, line in enumerate(lines) if i not in chosen))
    (work / "later.jsonl").write_bytes(b"".join(lines[i] for i in sorted(chosen)))
    suara(env, "ingest", str(work / "first.jsonl"))
    suara(env, "tally")
    out, whole = work / "public", work / "whole"
    publish = ["publish", "--contests", args.contests]

    rows: list[tuple[str, str, int, int, int, float]] = []

    def note(row: tuple[str, str, int, int, int, float]) -> None:
        rows.append(row)  # each row as it comes: a national run is long
        console.print(f"{row[0]}: {row[2]:,} berkas, {row[3] / 1e6:,.1f} MB, disk {row[4] / 1e6:,.1f} MB, "
                      f"{row[5]:.1f} dtk", highlight=False)

    seconds = suara(env, *publish, "--out", str(out))
    files, size = publication(out, 1)
    first_disk = disk_used(out)
    note(("penuh", f"{len(lines) - later:,}", files, size, first_disk, seconds))
    suara(env, "ingest", str(work / "later.jsonl"))
    suara(env, "tally")
    seconds = suara(env, *publish, "--out", str(out))
    files, size = publication(out, 2)
    note((f"inkremental (+{later:,} formulir)", f"{len(lines):,}", files, size, disk_used(out) - first_disk,
          seconds))
    if args.also_full:
        seconds = suara(env, *publish, "--out", str(whole))
        files, size = publication(whole, 1)
        note(("penuh, titik yang sama", f"{len(lines):,}", files, size, disk_used(whole), seconds))
    since = suara(env, "verify-snapshot", str(out), "--since", "1")
    verify = suara(env, "verify-snapshot", str(out))

    table = Table(title=f"suara publish: {args.provinces or 'seluruh negeri'}, {args.contests}")
    for column in ("publikasi", "formulir", "berkas ditulis", "bita ditulis", "disk (du)", "detik"):
        table.add_column(column, justify="left" if column == "publikasi" else "right")
    for name, count, files, size, disk, secs in rows:
        table.add_row(name, count, f"{files:,}", f"{size / 1e6:,.1f} MB", f"{disk / 1e6:,.1f} MB", f"{secs:.1f}")
    console.print(table)
    console.print(f"verify-snapshot --since 1 (increment saja): {since:.1f} dtk; "
                  f"verify-snapshot (seluruh pohon dan rantai 2 publikasi): {verify:.1f} dtk; "
                  "disk baris inkremental: pertambahan pohon (rekaman publikasi dan manifest yang lebih besar)")
    print(json.dumps({"provinces": args.provinces, "contests": args.contests, "forms": len(lines),
                      "later_forms": later, "verify_seconds": round(verify, 1),
                      "verify_since_seconds": round(since, 1),
                      "rows": [{"publication": r[0], "files": r[2], "bytes": r[3], "disk_bytes": r[4],
                                "seconds": round(r[5], 1)} for r in rows]}))


if __name__ == "__main__":
    main()
