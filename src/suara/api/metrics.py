"""Prometheus metrics: what each process counts as it works, and what a scrape reads live.

`suara serve` runs several worker processes behind one port, and a scrape reaches whichever
worker the kernel hands it to. So the counters and histograms live in prometheus-client's
multiprocess mode: each worker writes its values to memory-mapped files in
PROMETHEUS_MULTIPROC_DIR (`suara serve` makes a fresh one, or empties the one it is given), and
the worker that answers a scrape adds up every worker's files. Every scrape sees the whole
server, and counters never go back when a worker is respawned (its files stay and still count).

A process counts its requests in memory and adds them to those files every REQUEST_FLUSH_SECONDS
(and before it answers a scrape itself, and when it stops): three locked writes to the mapped
files per request were the largest part of a rendered document's own time. A scrape answered by
another worker may therefore miss up to that interval of this one's requests, which the next
scrape has; a worker killed outright loses that much.

What describes the database rather than a process (the tally's lag, a replica's lag) is read
when scraped, by the worker answering; so is this worker's publisher against the tally. Without
PROMETHEUS_MULTIPROC_DIR (tests, an embedded app) the values are plain in-process ones.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    values,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from sqlalchemy import Engine

from suara.api.admission import database_unavailable
from suara.api.readiness import ReadinessLimits
from suara.tally.lag import tally_lag

log = logging.getLogger("suara.metrics")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
TOKEN_ENV = "SUARA_METRICS_TOKEN"
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# seconds; the fast path answers in well under a millisecond, a write with photos in tens of ms
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
REQUEST_FLUSH_SECONDS = 0.1
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"  # any other verb an attacker makes up is one label, not one each
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w+_(\d+)\.db$")


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def metrics_token() -> str | None:
    """SUARA_METRICS_TOKEN: when set, /metrics wants it as a bearer token; absent, it is public."""
    return os.environ.get(TOKEN_ENV) or None


def token_matches(expected: str, authorization: str | None) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


class Metrics:
    """The process's metrics; one per app. The request middleware calls `observe_request` once
    per request, so label children are kept here and looked up with a dict, not `.labels()`."""

    def __init__(self) -> None:
        self.multiprocess_dir = multiprocess_dir()
        if self.multiprocess_dir is not None and values.ValueClass is values.MutexValue:
            # prometheus-client picks its value class when first imported; the directory may have
            # been named after that (a test, or `suara serve` setting it in its own process)
            values.ValueClass = values.get_value_class()
        disable_created_metrics()  # the multiprocess mode has no *_created series: the same output in both
        self.registry = CollectorRegistry()
        reg = self.registry
        self.requests = Counter("suara_http_requests", "HTTP requests answered, by route template and status",
                                ["method", "route", "status"], registry=reg)
        self.duration = Histogram("suara_http_request_duration_seconds",
                                  "Time to answer a request, by route template", ["method", "route"],
                                  buckets=LATENCY_BUCKETS, registry=reg)
        self.forms = Counter("suara_forms", "C Hasil submissions answered by the group commit, by outcome "
                             "(stored, stored_with_notes, refused, proposed, replayed, conflict)", ["outcome"],
                             registry=reg)
        self.batch_size = Histogram("suara_group_commit_batch_size", "Submissions stored per group-commit "
                                    "transaction", buckets=BATCH_BUCKETS, registry=reg)
        self.writes_shed = Counter("suara_writes_shed", "Writes refused at once with 503 because the "
                                   "process was overloaded (api/admission.py)", registry=reg)
        self.publisher_refreshed = Gauge(
            "suara_publisher_refreshed_timestamp_seconds", "When the publisher of the least recently "
            "refreshed worker last caught up with the tally (Unix time)", registry=reg, multiprocess_mode="livemin")
        self.workers = Gauge("suara_worker_processes", "Worker processes serving", registry=reg,
                             multiprocess_mode="livesum")
        self.workers.set(1)
        self._request_children: dict[tuple[str, str, int], Any] = {}
        self._duration_children: dict[tuple[str, str], Any] = {}
        # requests counted since the last flush: (method, route, status) -> count, and
        # (method, route) -> [count per latency bucket (+Inf last), sum of seconds]
        self._counted: dict[tuple[str, str, int], int] = {}
        self._timed: dict[tuple[str, str], list[float]] = {}
        self._counting = threading.Lock()  # the event loop counts, the refresher thread flushes
        self._flush_due = time.monotonic() + REQUEST_FLUSH_SECONDS
        self.refreshed_at = time.time()  # this process's publisher, for the live publish lag
        self.publisher_refreshed.set(self.refreshed_at)
        self.live: LiveState | None = None

    # --- counted as the process works ------------------------------------------------------

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._counting:
            key = (method, route, status)
            self._counted[key] = self._counted.get(key, 0) + 1
            timed = self._timed.get((method, route))
            if timed is None:
                timed = self._timed[(method, route)] = [0.0] * (len(LATENCY_BUCKETS) + 2)
            timed[bisect_left(LATENCY_BUCKETS, seconds)] += 1  # the first bucket whose bound >= seconds
            timed[-1] += seconds
        if time.monotonic() >= self._flush_due:
            self.flush_requests()

    def flush_requests(self) -> None:
        """Add the requests counted since the last flush to the (shared) counters and histograms."""
        with self._counting:
            counted, self._counted = self._counted, {}
            timed, self._timed = self._timed, {}
            self._flush_due = time.monotonic() + REQUEST_FLUSH_SECONDS
        for (method, route, status), count in counted.items():
            child = self._request_children.get((method, route, status))
            if child is None:
                child = self._request_children[(method, route, status)] = self.requests.labels(method, route,
                                                                                               str(status))
            child.inc(count)
        for (method, route), buckets in timed.items():
            histogram = self._duration_children.get((method, route))
            if histogram is None:
                histogram = self._duration_children[(method, route)] = self.duration.labels(method, route)
            # prometheus-client observes one value at a time; its child keeps a value per bucket
            # (not cumulative) and the sum, which take a count at once
            for bucket, in_bucket in zip(histogram._buckets, buckets[:-1], strict=True):
                if in_bucket:
                    bucket.inc(in_bucket)
            histogram._sum.inc(buckets[-1])

    def batch_stored(self, answers: list[Any]) -> None:
        """The group committer's callback, from its writer thread, before it answers the callers:
        one stored transaction. Counting must never keep an answer from its caller."""
        try:
            self.batch_size.observe(len(answers))
            for answer in answers:
                self.forms.labels(outcome_label(answer)).inc()
        except Exception:
            log.exception("counting a stored batch failed")

    def publisher_caught_up(self) -> None:
        self.refreshed_at = time.time()
        self.publisher_refreshed.set(self.refreshed_at)

    # --- a scrape ------------------------------------------------------------------------

    def exposition(self) -> bytes:
        """The text format: every worker's counters, then what is read live by this one."""
        self.flush_requests()
        if self.multiprocess_dir is None:
            counted = generate_latest(self.registry)
        else:
            forget_dead_workers(self.multiprocess_dir)
            merged = CollectorRegistry()
            prometheus_multiprocess.MultiProcessCollector(merged, str(self.multiprocess_dir))
            counted = generate_latest(merged)
        if self.live is None:
            return counted
        live = CollectorRegistry()
        live.register(LiveCollector(self.live, self.refreshed_at))
        return counted + generate_latest(live)


def outcome_label(answer: Any) -> str:
    outcome = getattr(answer, "outcome", None)
    if outcome is None:
        return "conflict"  # an idempotency key reused for other content
    if getattr(answer, "replayed", False):
        return "replayed"
    if getattr(answer, "correction_id", None) is not None:
        return "proposed"
    return str(outcome.value)


def forget_dead_workers(directory: Path) -> None:
    """Drop the live gauges of workers that are gone (Granian respawns a failed worker under a
    new pid); otherwise a dead worker's last refresh time would hold the minimum for ever."""
    for path in directory.iterdir():
        found = _LIVE_GAUGE_FILE.match(path.name)
        if found and not _alive(int(found.group(1))):
            prometheus_multiprocess.mark_process_dead(int(found.group(1)), str(directory))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def serving_multiprocess_dir() -> Iterator[Path]:
    """For `suara serve`, before its workers start: PROMETHEUS_MULTIPROC_DIR emptied of an earlier
    run's values (which must not add to this run's), or a fresh temporary one removed afterwards.
    A temporary one is named after the server's pid, so that one left by a killed server is
    removed by the next."""
    given = multiprocess_dir()
    if given is None:
        _remove_orphaned_dirs()
    directory = given or Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.db"):
        old.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)
    try:
        yield directory
    finally:
        if given is None:
            shutil.rmtree(directory, ignore_errors=True)


TEMP_PREFIX = "suara-metrics-"
_ORPHAN = re.compile(rf"^{TEMP_PREFIX}(\d+)-")


def _remove_orphaned_dirs() -> None:
    for path in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*"):
        found = _ORPHAN.match(path.name)
        if found and not _alive(int(found.group(1))):
            shutil.rmtree(path, ignore_errors=True)


@dataclass
class LiveState:
    """Where a scrape reads the live values: the tally's database, this worker's publisher
    (tally seq it has caught up to), and the replica's engine if one is configured."""

    engine: Engine
    publisher_seq: Callable[[], int]
    replica: Callable[[], Engine | None]
    readiness: ReadinessLimits = field(default_factory=ReadinessLimits)


class LiveCollector:
    """Read at scrape time. The database being away is itself a value (suara_database_up 0),
    not a failed scrape: Prometheus still gets the process's counters."""

    def __init__(self, live: LiveState, refreshed_at: float) -> None:
        self.live = live
        self.refreshed_at = refreshed_at

    def collect(self) -> Iterator[Metric]:
        try:
            with self.live.engine.connect() as conn:
                lag = tally_lag(conn)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            yield GaugeMetricFamily("suara_database_up", DATABASE_UP, value=0)
            yield GaugeMetricFamily("suara_ready", READY, value=0)
            return
        yield GaugeMetricFamily("suara_database_up", DATABASE_UP, value=1)
        yield GaugeMetricFamily("suara_ready", READY, value=0 if self.live.readiness.reasons(lag) else 1)
        yield GaugeMetricFamily("suara_tally_seq", "The tally's point: folds done so far", value=lag.tally_seq)
        yield GaugeMetricFamily("suara_tally_pending_versions", "Stored form versions not yet folded into the "
                                "rollups", value=lag.pending_versions)
        yield GaugeMetricFamily("suara_tally_lag_seconds", "Seconds since the oldest unfolded version was "
                                "submitted (0 when nothing waits)", value=lag.seconds())
        behind = max(0, lag.tally_seq - self.live.publisher_seq())
        yield GaugeMetricFamily("suara_publish_lag_seqs", "Tally folds the answering worker's published "
                                "documents have not caught up with", value=behind)
        yield GaugeMetricFamily("suara_publish_lag_seconds", "At most how long the answering worker's "
                                "documents have been stale (0 when current)",
                                value=max(0.0, time.time() - self.refreshed_at) if behind else 0.0)
        replica = self.live.replica()
        if replica is not None:
            yield from _replica_lag(replica)


def _replica_lag(replica: Engine) -> Iterator[Metric]:
    from suara.store.replica import replica_lag  # only a deployment with a replica needs it

    try:
        seconds = replica_lag(replica)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        yield GaugeMetricFamily("suara_replica_up", REPLICA_UP, value=0)
        return
    yield GaugeMetricFamily("suara_replica_up", REPLICA_UP, value=1)
    yield GaugeMetricFamily("suara_replica_lag_seconds", "Seconds the read replica trails the primary "
                            "(from pg_last_xact_replay_timestamp(); 0 when it has replayed all it received)",
                            value=seconds or 0.0)


DATABASE_UP = "Whether the scrape could read the database (1) or not (0)"
READY = "What /readyz answers now: 1 ready, 0 not (database unreadable or the tally too far behind)"
REPLICA_UP = "Whether the scrape could read the configured replica (1) or not (0)"
