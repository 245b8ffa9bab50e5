"""The anomaly screens' figures: how many TPS and regions a clean synthetic election puts in the
queues (the false-alarm rate, per screen), and how long the screening of the whole nation takes
from the forms alone (the pure screens, no database), kab/kota by kab/kota so memory stays small.

    .venv/bin/python bench/anomalies.py                          # PPWP, the whole nation
    .venv/bin/python bench/anomalies.py --contests pdpr --provinces 32,65
    .venv/bin/python bench/anomalies.py --database sqlite:///data/suara.db --region 32 --contest ppwp

With --database it times the service on a stored election instead: the first screening of a region
(every kecamatan read from its forms) and the next one (nothing changed: kept results). Nothing
here is a test: the figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import Counter, defaultdict

from suara.domain.anomalies import (
    DEFAULT_THRESHOLDS,
    UnitScreening,
    assemble,
    figures_of,
    screen_unit,
)
from suara.domain.form import parse_form
from suara.domain.regions import NATIONAL
from suara.domain.rules import check_form
from suara.reference import packaged_reference
from suara.synth import Synthesizer, SynthOptions


def peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def false_alarms(contests: tuple[str, ...], provinces: tuple[str, ...] | None, seed: int) -> None:
    reference = packaged_reference()
    synth = Synthesizer(reference, SynthOptions(seed=seed, provinces=provinces, contests=contests, error_rate=0.0))
    units: dict[str, list[UnitScreening]] = defaultdict(list)
    started = time.perf_counter()
    screening_seconds = 0.0
    forms = 0
    for kab in synth.kabs:
        by_unit: dict[tuple[str, str], list[object]] = defaultdict(list)
        for doc in synth.forms_of_kab(kab):
            forms += 1
            contest = reference.contest(doc["contest"])
            flags = [{"rule": f.rule} for f in check_form(parse_form(doc), contest)]
            by_unit[(contest.key, doc["tps"][:6])].append(figures_of(doc["tps"], doc, flags, contest.nomor_keys))
        began = time.perf_counter()
        for (key, kode), rows in by_unit.items():
            keys = reference.contest(key).nomor_keys
            units[key].append(screen_unit(kode, rows, DEFAULT_THRESHOLDS, keys))  # type: ignore[arg-type]
        screening_seconds += time.perf_counter() - began
    print(f"{forms:,} clean forms (seed {seed}) generated and screened in {time.perf_counter() - started:.1f} s, "
          f"of which the screens {screening_seconds:.1f} s; peak memory {peak_mib()} MiB")
    total_tps = total_queued = total_tests = total_flagged_regions = 0
    by_screen: Counter[str] = Counter()
    for key, screened in units.items():
        keys = reference.contest(key).nomor_keys
        began = time.perf_counter()
        region = assemble(screened, NATIONAL, DEFAULT_THRESHOLDS, keys)
        assembly = time.perf_counter() - began
        counts = Counter(name for item in region.flagged for name in item.screens)
        tests = region.tests
        flagged_regions = Counter(name for t in tests for name in t.screens)
        regions_flagged = sum(1 for t in tests if t.screens)
        print(f"{key}: {region.counted.tps:,} TPS, queued {len(region.flagged):,} "
              f"({100 * len(region.flagged) / max(1, region.counted.tps):.3f}%) {dict(sorted(counts.items()))}; "
              f"regions flagged {regions_flagged} of {len(tests)} tested {dict(sorted(flagged_regions.items()))}; "
              f"national assembly {assembly:.2f} s")
        total_tps += region.counted.tps
        total_queued += len(region.flagged)
        total_tests += len(tests)
        total_flagged_regions += regions_flagged
        by_screen.update(counts)
    if len(units) > 1:
        print(f"all: {total_tps:,} TPS forms, queued {total_queued:,} ({100 * total_queued / total_tps:.3f}%) "
              f"{dict(sorted(by_screen.items()))}; regions flagged {total_flagged_regions} of {total_tests}")


def service_timing(url: str, contest_key: str, region: str) -> None:
    from suara.services.anomalies import AnomalyScreens
    from suara.store.engine import make_engine
    from suara.store.reference import load_reference
    from suara.tally.fold import tally_point

    engine = make_engine(url, read_only=True)
    with engine.connect() as conn:
        reference = load_reference(conn)
    screens = AnomalyScreens(DEFAULT_THRESHOLDS)
    contest = reference.contest(contest_key)
    before = peak_mib()
    for attempt in ("first", "again"):
        with engine.connect() as conn:
            seq = tally_point(conn)[0]
            began = time.perf_counter()
            result = screens.screening(conn, contest, region, seq + (attempt == "again"))  # again: a new document
            took = time.perf_counter() - began
        print(f"{contest_key} {region} {attempt}: {result.counted.tps:,} TPS, {screens.units_screened} kecamatan read "
              f"from their forms so far, queued {len(result.flagged):,}, {took:.2f} s; peak memory {peak_mib()} MiB "
              f"(before {before} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contests", default="ppwp", help="synth contest names: ppwp, pdpr, pemilu, all, ...")
    parser.add_argument("--provinces", default="", help="comma-separated province codes (default: the nation)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", help="time the service on this stored election instead")
    parser.add_argument("--contest", default="ppwp")
    parser.add_argument("--region", default=NATIONAL)
    args = parser.parse_args()
    if args.database:
        service_timing(args.database, args.contest, args.region)
        return
    provinces = tuple(p for p in args.provinces.split(",") if p) or None
    false_alarms(tuple(args.contests.split(",")), provinces, args.seed)


if __name__ == "__main__":
    main()
