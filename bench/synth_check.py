"""`suara synth`'s figures: forms per second for one province and for the whole Pemilu (about 4.1
million forms), and the national DPR party shares of the generated forms beside KPU's official
2024 result (the calibration check too slow for the test suite).

    .venv/bin/python bench/synth_check.py                    # province 33, then the whole Pemilu
    .venv/bin/python bench/synth_check.py --nation-contests pdpr   # the DPR check alone (faster)

Forms are generated and encoded as JSON (orjson, as `suara synth` writes them) but not written to
disk: a whole Pemilu is some 6 GB of JSON Lines. The baseline, measured in the same run, is the
presidential race alone. Nothing here is a test: the figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from collections import Counter

import orjson
from rich.console import Console
from rich.table import Table

from suara.reference import packaged_reference
from suara.store.reference import Reference
from suara.synth import DPR_NATIONAL_VOTES, DPR_TOTAL_VALID, Synthesizer, SynthOptions

console = Console(width=120)


def timed_run(reference: Reference, options: SynthOptions, dpr: Counter[str] | None = None) -> tuple[int, int, float]:
    """(forms, bytes of JSON, seconds) of one generation; DPR party totals into `dpr`."""
    synthesizer = Synthesizer(reference, options)
    forms = size = 0
    started = time.perf_counter()
    for form in synthesizer.forms():
        size += len(orjson.dumps(form)) + 1
        forms += 1
        if dpr is not None and form["contest"] == "pdpr":
            for party, block in form["partai"].items():
                dpr[party] += block["jumlah"]
    elapsed = time.perf_counter() - started
    if forms != synthesizer.total_forms():
        console.print(f"[red]total_forms() {synthesizer.total_forms():,} != {forms:,} generated[/red]")
    return forms, size, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--province", default="33", help="province of the first figure (default 33, Central Java)")
    parser.add_argument("--nation-contests", default="pemilu", help="contests of the national run ('' to skip)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    reference = packaged_reference()
    gc.collect()
    gc.freeze()  # as `suara synth` does: the reference stays out of the collector's way
    console.print(f"reference loaded in {time.perf_counter() - started:.1f} s")

    table = Table(title="suara synth: generation + JSON encoding")
    for column in ("run", "forms", "seconds", "forms/s", "MB of JSON"):
        table.add_column(column, justify="right" if column != "run" else "left")
    runs = [("ppwp", (args.province,), "ppwp (baseline)"), ("pemilu", (args.province,), "pemilu")]
    if args.nation_contests:
        runs.append((args.nation_contests, None, f"{args.nation_contests}, whole nation"))
    dpr: Counter[str] = Counter()
    for contests, provinces, label in runs:
        options = SynthOptions(seed=args.seed, provinces=provinces, contests=tuple(contests.split(",")),
                               error_rate=0.0 if provinces is None else 0.001)
        forms, size, seconds = timed_run(reference, options, dpr if provinces is None else None)
        where = f"province {args.province}" if provinces else "nation"
        table.add_row(f"{label} ({where})", f"{forms:,}", f"{seconds:.1f}", f"{forms / seconds:,.0f}",
                      f"{size / 1e6:,.0f}")
        console.print(f"{label}: {forms:,} forms in {seconds:.1f} s")
    console.print(table)
    console.print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")

    if dpr:
        assert reference.book is not None
        valid = sum(dpr.values())
        shares = Table(title=f"DPR, whole nation: generated vs official 2024 ({valid:,} valid votes generated, "
                             f"{DPR_TOTAL_VALID:,} official)")
        for column in ("party", "generated %", "official %", "difference (pp)"):
            shares.add_column(column, justify="right" if column != "party" else "left")
        worst = 0.0
        for party in reference.book.parties.values():
            got = dpr.get(str(party.nomor_urut), 0) / valid * 100
            official = DPR_NATIONAL_VOTES.get(party.singkatan, 0) / DPR_TOTAL_VALID * 100
            if got or official:
                worst = max(worst, abs(got - official))
                shares.add_row(party.singkatan, f"{got:.2f}", f"{official:.2f}", f"{got - official:+.2f}")
        console.print(shares)
        console.print(f"largest difference: {worst:.2f} percentage points")


if __name__ == "__main__":
    main()
