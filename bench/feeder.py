"""Submit forms at a fixed rate through the submission service; print (commit time, TPS reported)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import orjson

from suara.config import Settings
from suara.services.submission import Submission, submit_forms
from suara.store.engine import make_engine
from suara.store.reference import load_reference
from suara.tally.fold import fold_all
from suara.tally.queries import rollup

TICK = 0.1


def main() -> None:
    path, rate, seconds = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    engine = make_engine(Settings.from_env().database_url)
    with engine.connect() as conn:
        reference = load_reference(conn)
        reported = rollup(conn, "ppwp", "0").tps_reported
    docs = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    per_tick = max(1, int(rate * TICK))
    started = time.monotonic()
    for tick, start in enumerate(range(0, len(docs), per_tick)):
        if time.monotonic() - started > seconds:
            break
        batch = docs[start:start + per_tick]
        submit_forms(engine, reference, [Submission(d, f"fresh:{d['tps']}", "bench") for d in batch])
        fold_all(engine)
        reported += len(batch)
        print(f"{time.time():.4f} {reported}", flush=True)
        time.sleep(max(0.0, started + (tick + 1) * TICK - time.monotonic()))


if __name__ == "__main__":
    main()
