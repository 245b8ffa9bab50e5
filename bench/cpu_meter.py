"""Where a benchmark's CPU went, by the part of the deployment that spent it.

Reads /proc (Linux): each process's user + system time at `start()` and at `stop()`, grouped by
the part it belongs to. A process belongs to the first named root among its ancestors (the
`suara serve` process and its workers, the tally worker, the harness and its children), and any
PostgreSQL server process (its executable is `postgres`) to "database", whoever started it. A
process that ended between the two readings is not counted (pooled connections and workers live
through a run) unless its parent waited for it: a parent's reading includes its children that
ended and were waited for. Elsewhere (no /proc) the figures are empty.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
DATABASE = "database"
OTHER = "rest of the machine"


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, user + system ticks) of a live process, its children that ended and were
    waited for included (the harness's own processes end before the reading at `stop()`)."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), sum(int(f) for f in fields[11:15])


def _is_postgres(pid: int) -> bool:
    try:
        return os.path.basename(os.readlink(PROC / str(pid) / "exe")) == "postgres"
    except OSError:
        return False


def _name(pid: int) -> str:
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return "?"


def _machine_busy_ticks() -> tuple[int, int]:
    """(busy, total) ticks of all CPUs since boot, from the first line of /proc/stat."""
    values = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    """`roots`: part name -> the pid at the top of that part's process tree."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = {pid: name for name, pid in roots.items()}
        self._start: dict[int, int] = {}
        self._machine_start = (0, 0)
        self._started_at = 0.0
        self.shares: dict[str, float] = {}  # part -> % of one core, over start..stop
        self.rest: dict[str, float] = {}  # the rest of the machine's largest, by process name
        self.machine_busy = 0.0  # % of all the machine's cores busy, anything running
        self.seconds = 0.0

    def name(self, part: str, pid: int) -> None:
        """Name another root, for a part started after `start()`."""
        self.roots[pid] = part

    def _readings(self) -> dict[int, tuple[int, int]]:
        readings = {}
        for entry in PROC.iterdir() if PROC.is_dir() else ():
            if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
                readings[int(entry.name)] = stat
        return readings

    def _part(self, pid: int, readings: dict[int, tuple[int, int]]) -> str:
        if _is_postgres(pid):
            return DATABASE
        seen = 0
        while pid in readings and seen < 64:  # up the ancestors to a named root
            if pid in self.roots:
                return self.roots[pid]
            pid, seen = readings[pid][0], seen + 1
        return OTHER

    def start(self) -> None:
        if not PROC.is_dir():
            return
        self._start = {pid: ticks for pid, (_, ticks) in self._readings().items()}
        self._machine_start = _machine_busy_ticks()
        self._started_at = time.monotonic()

    def stop(self) -> None:
        if not PROC.is_dir() or not self._started_at:
            return
        self.seconds = time.monotonic() - self._started_at
        readings = self._readings()
        spent: Counter[str] = Counter()
        rest: Counter[str] = Counter()
        for pid, (_, ticks) in readings.items():
            used = ticks - self._start.get(pid, 0)
            if used > 0:
                part = self._part(pid, readings)
                spent[part] += used
                if part == OTHER:
                    rest[_name(pid)] += used
        self.shares = {part: self._percent(used) for part, used in spent.most_common()}
        self.rest = {name: self._percent(used) for name, used in rest.most_common(5)}
        busy, total = _machine_busy_ticks()
        busy_delta, total_delta = busy - self._machine_start[0], total - self._machine_start[1]
        self.machine_busy = round(100 * busy_delta / total_delta, 1) if total_delta else 0.0

    def _percent(self, ticks: int) -> float:
        return round(100 * ticks / TICKS / self.seconds, 1)

    def per_operation_ms(self, operations: float) -> dict[str, float]:
        """Milliseconds of CPU each part spent per operation, over the measured time."""
        if not operations or not self.seconds:
            return {}
        return {part: round(share / 100 * self.seconds * 1000 / operations, 3) for part, share in self.shares.items()}

    def as_dict(self) -> dict[str, object]:
        return {"seconds": round(self.seconds, 1), "machine_busy_percent": self.machine_busy,
                "percent_of_a_core": self.shares, "rest_of_the_machine_by_name": self.rest}
