"""`suara publish --watch` is a process with one job (issue 14): it keeps a static tree current,
publishing an increment when the tally moves and nothing when it does not, and stops on SIGTERM
leaving a snapshot that verifies. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
from helpers import ppwp_form

from suara.publish.snapshot_verify import verify_snapshot
from suara.services.submission import Submission, submit_forms


def _until(check, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _number(out: Path) -> int:
    try:
        return int(orjson.loads((out / "manifest.json").read_bytes())["publication"]["number"])
    except (OSError, ValueError, KeyError):
        return 0


def test_watch_publishes_an_increment_after_new_forms_and_stops_on_sigterm(engine, reference, db_url, tmp_path):
    submit_forms(engine, reference, [Submission(ppwp_form("3171011001001"))], fold=True)
    out = tmp_path / "public"
    env = dict(os.environ, SUARA_DATABASE_URL=db_url, SUARA_DATA_DIR=str(tmp_path / "data"),
               SUARA_PUBLIC_BASE_URL="https://suara.example", COLUMNS="200")
    proc = subprocess.Popen([sys.executable, "-m", "suara.cli", "publish", "--out", str(out), "--watch",
                             "--interval", "0.2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        assert _until(lambda: _number(out) == 1), "no first publication"
        time.sleep(1)  # several looks at a tally that has not moved
        assert _number(out) == 1 and not (out / "manifests/manifest-2.json").exists()

        submit_forms(engine, reference, [Submission(ppwp_form("3172011001002", (5, 6, 7)))], fold=True)
        assert _until(lambda: _number(out) == 2), "no increment after new forms"
        record = orjson.loads((out / "manifests/manifest-2.json").read_bytes())
        assert not record["full"] and "api/v1/tps/ppwp/3172011001002" in record["files"]

        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output.decode(errors="replace")
    text = output.decode()
    assert "publikasi #1 penuh" in text and "publikasi #2 inkremental" in text and "publikasi #3" not in text
    checked = verify_snapshot(out)
    assert checked.ok and checked.publications_checked == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".public")]  # no staging left behind
