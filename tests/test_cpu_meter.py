"""bench/cpu_meter.py: where a benchmark's CPU went, by part of the deployment. The election-day
runs print it, and the README's budget for 1,000 writes and 5,000 reads a second rests on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from cpu_meter import DATABASE, OTHER, CpuMeter

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")

# a parent that starts a busy child and waits for it, then is busy itself, says so, and waits to
# be told to end: the child's CPU reaches the meter through the parent (ended and waited for)
BURNER = """
import subprocess, sys, time
def burn(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
if sys.argv[1:] == ["child"]:
    burn(0.3)
else:
    subprocess.run([sys.executable, __file__, "child"], check=True)
    burn(0.3)
    print("burnt", flush=True)
    sys.stdin.read()
"""


def _burner(tmp_path: Path) -> subprocess.Popen[bytes]:
    script = tmp_path / "burner.py"
    script.write_text(BURNER)
    return subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def test_cpu_is_counted_for_the_part_whose_tree_spent_it(tmp_path):
    meter = CpuMeter({})
    meter.start()
    burner = _burner(tmp_path)
    meter.name("burner", burner.pid)  # started after the meter: everything it spends is measured
    try:
        assert burner.stdout is not None and burner.stdout.readline() == b"burnt\n"
        meter.stop()
    finally:
        burner.communicate(b"")
    seconds_spent = meter.shares["burner"] / 100 * meter.seconds
    assert seconds_spent >= 0.55  # the parent's 0.3 s and its waited-for child's 0.3 s, less a tick each
    assert meter.machine_busy > 0
    assert set(meter.shares) <= {"burner", DATABASE, OTHER}  # other tests' servers run meanwhile
    per_operation = meter.per_operation_ms(2)
    assert per_operation["burner"] == pytest.approx(seconds_spent * 1000 / 2, abs=1)


def test_nothing_is_claimed_before_a_measurement():
    meter = CpuMeter({"harness": 1})
    meter.stop()  # never started
    assert meter.as_dict()["percent_of_a_core"] == {} and meter.per_operation_ms(10) == {}

