"""One measured step in its own process, so that its peak memory is its own (bench/run.py)."""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

import orjson

from suara.config import Settings
from suara.services.ingest import ingest_file
from suara.services.verify import verify
from suara.store.engine import make_engine
from suara.store.reference import load_reference


def main() -> None:
    step, *args = sys.argv[1:]
    engine = make_engine(Settings.from_env().database_url)
    started = time.perf_counter()
    if step == "ingest":
        with engine.connect() as conn:
            reference = load_reference(conn)
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        report = ingest_file(engine, reference, Path(args[0]))
        result = {"forms": report.stored + report.stored_with_notes, "refused": report.refused}
    elif step == "verify":
        report = verify(engine)
        result = {"ok": report.ok, "versions": report.versions_checked, "problems": report.problems[:5]}
    else:
        raise SystemExit(f"unknown step {step}")
    result["seconds"] = time.perf_counter() - started
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    main()
