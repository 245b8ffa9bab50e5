"""The lag of what `suara publish --watch` has published, on its own metrics port."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from helpers import free_port, ppwp_form
from test_observability import samples, value

from suara.publish.watch_metrics import WatchMetrics
from suara.services.submission import Submission, submit_forms


@dataclass
class Written:
    written: int


def test_the_published_tree_s_lag_behind_the_tally(engine, reference):
    watch = WatchMetrics(engine)
    server = watch.serve(free_port())
    url = f"http://127.0.0.1:{server.server_port}/metrics"
    try:
        before = samples(httpx.get(url).text)
        assert value(before, "suara_database_up") == 1
        assert ("suara_snapshot_lag_seqs", frozenset()) not in before  # nothing published or checked yet

        watch.shows(0, Written(7))  # a first publication, at tally point 0
        submit_forms(engine, reference, [Submission(ppwp_form())], fold=True)  # the tally moves to 1
        watch.current_at = time.time() - 100  # as if that publication were 100 s old
        behind = samples(httpx.get(url).text)
        assert value(behind, "suara_snapshot_tally_seq") == 0
        assert value(behind, "suara_snapshot_lag_seqs") == 1
        assert value(behind, "suara_snapshot_lag_seconds") >= 100
        assert value(behind, "suara_snapshot_publications_total") == 1
        assert value(behind, "suara_snapshot_documents_written_total") == 7

        watch.failed()
        watch.shows(1, Written(3))
        caught_up = samples(httpx.get(url).text)
        assert value(caught_up, "suara_snapshot_lag_seqs") == 0
        assert value(caught_up, "suara_snapshot_lag_seconds") == 0
        assert value(caught_up, "suara_snapshot_publications_total") == 2
        assert value(caught_up, "suara_snapshot_documents_written_total") == 10
        assert value(caught_up, "suara_snapshot_failures_total") == 1
    finally:
        server.shutdown()


def test_suara_publish_watch_serves_its_lag(engine, reference, db_url, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from test_serve_metrics import until

    submit_forms(engine, reference, [Submission(ppwp_form("3171011001001"))], fold=True)
    port = free_port()
    env = dict(os.environ, SUARA_DATABASE_URL=db_url, SUARA_DATA_DIR=str(tmp_path))
    watcher = subprocess.Popen([sys.executable, "-m", "suara.cli", "publish", "--out", str(tmp_path / "www"),
                                "--watch", "--interval", "0.2", "--metrics-port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/metrics"

    def scraped() -> dict:  # type: ignore[type-arg]
        assert watcher.poll() is None, watcher.stderr.read().decode() if watcher.stderr else ""
        try:
            return samples(httpx.get(url, timeout=2).text)
        except httpx.HTTPError:
            return {}

    try:
        until(lambda: value(scraped(), "suara_snapshot_tally_seq") == 1, "the first publication")
        first = scraped()
        assert value(first, "suara_snapshot_lag_seqs") == 0 and value(first, "suara_snapshot_publications_total") == 1
        assert value(first, "suara_snapshot_documents_written_total") > 0

        submit_forms(engine, reference, [Submission(ppwp_form("3171011001002"))], fold=True)
        until(lambda: value(scraped(), "suara_snapshot_tally_seq") == 2, "the increment")
        assert value(scraped(), "suara_snapshot_publications_total") == 2
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(timeout=30)
