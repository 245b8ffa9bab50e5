"""Metrics of `suara publish --watch`: how far the published tree is behind the tally.

The watcher is a process of its own with no HTTP server, so it serves these on a port of its
own (`--metrics-port`, loopback by default) for Prometheus to scrape beside the API processes.
The lag is read when scraped: the tally point from the database against the one the target is
known to show.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from suara.tally.fold import tally_point


class WatchMetrics:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.registry = CollectorRegistry()
        self.publications = Counter("suara_snapshot_publications", "Publications written by this watcher",
                                    registry=self.registry)
        self.documents = Counter("suara_snapshot_documents_written", "Documents written by this watcher",
                                 registry=self.registry)
        self.failures = Counter("suara_snapshot_failures", "Publication attempts that failed and will be "
                                "tried again", registry=self.registry)
        self.shown_seq: int | None = None  # the tally point the target is known to show
        self.current_at = time.time()  # when the target was last known to show the tally's point
        self.published_at: float | None = None
        self.registry.register(_Lag(self))

    def shows(self, seq: int, published: Any = None) -> None:
        """The target shows tally point `seq` now: just published (`published`, a
        PublicationResult) or found current."""
        self.shown_seq = seq
        self.current_at = time.time()
        if published is not None:
            self.publications.inc()
            self.documents.inc(published.written)
            self.published_at = self.current_at

    def failed(self) -> None:
        self.failures.inc()

    def serve(self, port: int, host: str = "127.0.0.1") -> Any:
        """Serve /metrics from a daemon thread; returns the server (shutdown() stops it)."""
        server, _thread = start_http_server(port, host, registry=self.registry)
        return server


class _Lag:
    def __init__(self, watch: WatchMetrics) -> None:
        self.watch = watch

    def collect(self) -> Iterator[Metric]:
        try:
            with self.watch.engine.connect() as conn:
                seq = tally_point(conn)[0]
        except (DBAPIError, PoolTimeout):  # the database away: a value, not a failed scrape
            yield GaugeMetricFamily("suara_database_up", "Whether the scrape could read the database", value=0)
            return
        yield GaugeMetricFamily("suara_database_up", "Whether the scrape could read the database", value=1)
        shown = self.watch.shown_seq
        if shown is None:  # nothing published or checked yet
            return
        yield GaugeMetricFamily("suara_snapshot_tally_seq", "The tally point the published tree shows", value=shown)
        behind = max(0, seq - shown)
        yield GaugeMetricFamily("suara_snapshot_lag_seqs", "Tally folds the published tree is behind", value=behind)
        yield GaugeMetricFamily("suara_snapshot_lag_seconds", "At most how long the published tree has been "
                                "behind the tally (0 when current)",
                                value=max(0.0, time.time() - self.watch.current_at) if behind else 0.0)
        if self.watch.published_at is not None:
            yield GaugeMetricFamily("suara_snapshot_published_timestamp_seconds", "When this watcher last "
                                    "published (Unix time)", value=self.watch.published_at)
