"""Observability (issue 14): /metrics, /healthz and /readyz, request ids and the access log.

The app's metrics are its own (one registry per app), so every test reads the counts of the
requests it made itself."""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from helpers import ppwp_form, run_async
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, update
from test_db_outage import _take_database_away

from suara import logs
from suara.api.admission import WriteAdmission
from suara.api.metrics import LiveCollector, LiveState, Metrics
from suara.api.observe import UNMATCHED
from suara.domain.access import Role
from suara.services.accounts import create_account, login
from suara.services.submission import Submission, submit_forms
from suara.store.schema import form_versions
from suara.tally.fold import fold_all

PASSWORD = "rahasia-sekali-123"
TPS, OTHER_TPS = "3171011001001", "3171011001002"
RESULTS = "/api/v1/results/{contest}/{kode}"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape: (name, labels) -> value."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def scrape(client: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def kpps_of(engine: Engine, tps: str) -> dict[str, str]:
    create_account(engine, f"kpps-{tps}", PASSWORD, Role.KPPS, tps, "test")
    return {"Authorization": f"Bearer {login(engine, f'kpps-{tps}', PASSWORD, 'hp')[0]}"}


@pytest.fixture
def kpps(client: Any, engine: Engine) -> dict[str, str]:
    return kpps_of(engine, TPS)


def test_requests_are_counted_by_route_template_never_by_raw_path(client):
    for kode in ("0", "31", "3171", "0", "0"):  # the national document is served by the fast path after once
        assert client.get(f"/api/v1/results/ppwp/{kode}").status_code == 200
    assert client.get("/api/v1/results/ppwp/9999").status_code == 404
    for n in range(30):  # a crawler or an attacker inventing paths: one label for all of them
        assert client.get(f"/no/such/path/{n}").status_code == 404
    assert client.request("BREW", "/api/v1/results/ppwp/0").status_code == 405
    scraped = scrape(client)
    assert value(scraped, "suara_http_requests_total", method="GET", route=RESULTS, status="200") == 5
    assert value(scraped, "suara_http_requests_total", method="GET", route=RESULTS, status="404") == 1
    assert value(scraped, "suara_http_requests_total", method="GET", route=UNMATCHED, status="404") == 30
    assert value(scraped, "suara_http_requests_total", method="OTHER", route=RESULTS, status="405") == 1
    assert value(scraped, "suara_http_request_duration_seconds_count", method="GET", route=RESULTS) == 6
    routes = {dict(labels)["route"] for name, labels in scraped if name == "suara_http_requests_total"}
    assert routes == {RESULTS, UNMATCHED}, routes  # no raw path, no code of a region
    assert value(scrape(client), "suara_http_requests_total", method="GET", route="/metrics", status="200") == 1


def test_submissions_move_the_form_counters_and_the_batch_histogram(client, engine, kpps):
    officers = {TPS: kpps, OTHER_TPS: kpps_of(engine, OTHER_TPS)}

    def send(form: dict[str, Any], key: str) -> int:
        headers = {**officers[form["tps"]], "Idempotency-Key": key}
        return int(client.post("/api/v1/submissions", json=form, headers=headers).status_code)

    noted = ppwp_form(OTHER_TPS, (117, 100, 20))
    noted["suara"]["1"] = 617  # the sums no longer hold: stored with a note under the as-is policy
    assert send(ppwp_form(TPS, (60, 122, 64)), "device-1:0001") == 201
    assert send(ppwp_form(TPS, (60, 122, 64)), "device-1:0001") == 200  # a retry: the stored answer again
    assert send(ppwp_form(TPS, (61, 122, 64)), "device-1:0002") == 202  # other numbers: a proposal for KPU RI
    assert send(noted, "device-1:0003") == 201
    assert send({"tps": TPS, "contest": "ppwp", "suara": {"1": "banyak"}}, "device-1:0004") == 422
    scraped = scrape(client)
    for outcome in ("stored", "replayed", "proposed", "stored_with_notes", "refused"):
        assert value(scraped, "suara_forms_total", outcome=outcome) == 1, outcome
    # one at a time: five batches of one
    assert value(scraped, "suara_group_commit_batch_size_count") == 5
    assert value(scraped, "suara_group_commit_batch_size_sum") == 5
    assert value(scraped, "suara_group_commit_batch_size_bucket", le="1.0") == 5
    route = "/api/v1/submissions"
    assert value(scraped, "suara_http_requests_total", method="POST", route=route, status="201") == 2
    assert value(scraped, "suara_http_requests_total", method="POST", route=route, status="422") == 1


def test_a_batch_of_several_lands_in_its_bucket():
    metrics = Metrics()
    metrics.batch_stored([object()] * 5)  # answers without an outcome: idempotency conflicts
    scraped = samples(metrics.exposition().decode())
    assert value(scraped, "suara_group_commit_batch_size_bucket", le="4.0") == 0
    assert value(scraped, "suara_group_commit_batch_size_bucket", le="8.0") == 1
    assert value(scraped, "suara_forms_total", outcome="conflict") == 5


def test_requests_counted_in_memory_reach_the_histogram_as_one_at_a_time_would():
    # a process counts its requests in memory and adds them in one go (flush_requests); the
    # buckets, the count and the sum must be those of observing each request
    from prometheus_client import CollectorRegistry, Histogram

    from suara.api.metrics import LATENCY_BUCKETS

    durations = [0.0, 0.0004, 0.0005, 0.0006, 0.001, 0.003, 0.049, 0.05, 0.2, 0.99, 2.0, 9.9, 10.0, 10.5, 60.0]
    metrics = Metrics()
    for seconds in durations:
        metrics.observe_request("GET", "/api/v1/results/{contest}/{kode}", 200, seconds)
    metrics.observe_request("GET", "/api/v1/results/{contest}/{kode}", 304, 0.0001)
    scraped = samples(metrics.exposition().decode())
    one_at_a_time = Histogram("d", "d", buckets=LATENCY_BUCKETS, registry=CollectorRegistry())
    for seconds in [*durations, 0.0001]:
        one_at_a_time.observe(seconds)
    expected = {(s.name, s.labels.get("le")): s.value for s in one_at_a_time.collect()[0].samples}
    route = {"method": "GET", "route": "/api/v1/results/{contest}/{kode}"}
    for bound in [*LATENCY_BUCKETS, float("inf")]:
        le = "+Inf" if bound == float("inf") else str(bound)
        assert value(scraped, "suara_http_request_duration_seconds_bucket", le=le, **route) == \
            expected[("d_bucket", le)], le
    assert value(scraped, "suara_http_request_duration_seconds_count", **route) == len(durations) + 1
    assert value(scraped, "suara_http_request_duration_seconds_sum", **route) == pytest.approx(sum(durations) + 0.0001)
    assert value(scraped, "suara_http_requests_total", status="200", **route) == len(durations)
    assert value(scraped, "suara_http_requests_total", status="304", **route) == 1
    # counted once: a second scrape adds nothing
    again = samples(metrics.exposition().decode())
    assert value(again, "suara_http_requests_total", status="200", **route) == len(durations)


def test_shed_writes_are_counted():

    metrics = Metrics()
    sent: list[Any] = []

    async def never(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("a shed write must not reach the app")

    async def send(message: Any) -> None:
        sent.append(message)

    admission = WriteAdmission(never, bound=1, on_shed=metrics.writes_shed.inc)
    admission.started[0] = time.monotonic()  # one write already in the works: the bound is reached
    run_async(admission({"type": "http", "method": "POST", "path": "/api/v1/submissions"}, None, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 503
    assert value(samples(metrics.exposition().decode()), "suara_writes_shed_total") == 1


def test_the_tally_and_publish_lag_are_read_at_scrape_time(client, engine, reference):
    scraped = scrape(client)
    assert value(scraped, "suara_database_up") == 1
    assert value(scraped, "suara_tally_pending_versions") == 0
    assert value(scraped, "suara_tally_lag_seconds") == 0
    assert ("suara_replica_lag_seconds", frozenset()) not in scraped  # no replica configured: absent

    # a live state whose publisher is still at seq 0 and last caught up 100 s ago
    submit_forms(engine, reference, [Submission(ppwp_form(TPS))], fold=True)
    metrics = Metrics()
    metrics.refreshed_at = time.time() - 100
    collected = {family.name: family.samples[0].value
                 for family in LiveCollector(LiveState(engine, lambda: 0, lambda: None), metrics.refreshed_at).collect()}
    assert collected["suara_tally_seq"] == 1
    assert collected["suara_publish_lag_seqs"] == 1
    assert collected["suara_publish_lag_seconds"] >= 100


def _age_pending(engine: Engine, seconds: float) -> None:
    """Back-date the unfolded versions, as if they had been waiting that long."""
    from datetime import UTC, datetime, timedelta

    with engine.begin() as conn:
        conn.execute(update(form_versions).values(submitted_at=datetime.now(UTC) - timedelta(seconds=seconds)))


@pytest.fixture
def unfolded_app(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The app with a tally worker elsewhere (SUARA_SERVE_TALLY=0), so versions stay unfolded."""
    from fastapi.testclient import TestClient

    from suara.api.app import create_app

    monkeypatch.setenv("SUARA_SERVE_TALLY", "0")
    monkeypatch.setenv("SUARA_READY_MAX_TALLY_LAG_SECONDS", "60")
    monkeypatch.setenv("SUARA_READY_MAX_TALLY_LAG_VERSIONS", "2")
    with TestClient(create_app(db_url)) as test_client:
        yield test_client


def test_readyz_is_503_while_the_tally_lags_and_200_once_it_catches_up(unfolded_app, engine, reference):
    client = unfolded_app
    assert client.get("/readyz").json() == {"ready": True, "tally": {"seq": 0, "pending_versions": 0,
                                                                      "lag_seconds": 0.0}}
    tps_list = ("3171011001001", "3171011001002", "3171011002001")
    submit_forms(engine, reference, [Submission(ppwp_form(tps)) for tps in tps_list], fold=False)
    behind = client.get("/readyz")
    assert behind.status_code == 503 and behind.headers["cache-control"] == "no-store"
    details = behind.json()["error"]["details"]
    assert behind.json()["error"]["code"] == "not_ready"
    assert [r["code"] for r in details["reasons"]] == ["tally_behind_versions"]
    assert details["tally"]["pending_versions"] == 3

    _age_pending(engine, 3600)
    old = client.get("/readyz").json()["error"]["details"]
    assert [r["code"] for r in old["reasons"]] == ["tally_behind_seconds", "tally_behind_versions"]
    assert old["tally"]["lag_seconds"] >= 3600
    scraped = scrape(client)
    assert value(scraped, "suara_tally_pending_versions") == 3
    assert value(scraped, "suara_tally_lag_seconds") >= 3600
    assert value(scraped, "suara_ready") == 0

    fold_all(engine)
    assert client.get("/readyz").status_code == 200
    assert value(scrape(client), "suara_ready") == 1
    assert client.get("/healthz").status_code == 200


def test_readyz_is_503_while_the_database_is_away_and_healthz_stays_200(client, engine, db_url, request):
    _take_database_away(client, engine, db_url, request)
    ready = client.get("/readyz")
    assert ready.status_code == 503, ready.text
    assert [r["code"] for r in ready.json()["error"]["details"]["reasons"]] == ["database_unavailable"]
    assert int(ready.headers["retry-after"]) >= 1
    assert client.get("/healthz").status_code == 200  # alive: restarting it would not bring the database back
    scraped = scrape(client)  # the process's own counters still come, and say the database is away
    assert value(scraped, "suara_database_up") == 0
    assert ("suara_ready", frozenset()) in scraped and value(scraped, "suara_ready") == 0
    assert value(scraped, "suara_http_requests_total", method="GET", route="/readyz", status="503") == 1


@pytest.mark.parametrize("name", ["SUARA_READY_MAX_TALLY_LAG_SECONDS", "SUARA_READY_MAX_TALLY_LAG_VERSIONS"])
@pytest.mark.parametrize("bad", ["0", "-5", "banyak"])
def test_bad_readiness_limits_refuse_to_start(monkeypatch, name, bad):
    from suara.api.app import create_app

    monkeypatch.setenv(name, bad)
    with pytest.raises(ValueError, match=name):
        create_app("sqlite:///unused.db")


def test_metrics_want_the_token_when_one_is_set(client, monkeypatch):
    monkeypatch.setenv("SUARA_METRICS_TOKEN", "rahasia-prometheus")
    for headers in ({}, {"Authorization": "Bearer salah"}, {"Authorization": "Basic rahasia-prometheus"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert refused.json()["error"]["code"] == "unauthorized"
    allowed = client.get("/metrics", headers={"Authorization": "Bearer rahasia-prometheus"})
    assert allowed.status_code == 200 and "suara_http_requests_total" in allowed.text


def test_the_request_id_is_taken_when_valid_and_made_otherwise(client):
    given = client.get("/api/v1/results/ppwp/0", headers={"X-Request-Id": "4bf92f3577b34da6-a3ce929d0e0e4736"})
    assert given.headers["x-request-id"] == "4bf92f3577b34da6-a3ce929d0e0e4736"
    cached = client.get("/api/v1/results/ppwp/0", headers={"X-Request-Id": "dari-cache"})  # the fast path
    assert cached.headers["x-request-id"] == "dari-cache"
    made = {client.get("/healthz").headers["x-request-id"] for _ in range(3)}
    assert len(made) == 3 and all(re.fullmatch(r"[0-9a-f]{16}", rid) for rid in made)
    for bad in ("x" * 65, "ada spasi", 'kutip"', "-diawali-tanda", "baris\\nbaru", "ünï"):
        replaced = client.get("/healthz", headers={"X-Request-Id": bad.encode("utf-8")}).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{16}", replaced), (bad, replaced)
    refused = client.get("/api/v1/results/ppwp/9999", headers={"X-Request-Id": "tolak-1"})
    assert refused.status_code == 404 and refused.headers["x-request-id"] == "tolak-1"


def test_one_access_line_per_request_with_its_fields(client, caplog):
    caplog.set_level(logging.INFO, logger="suara.access")
    client.get("/api/v1/results/ppwp/3171", headers={"X-Request-Id": "baris-1"})
    [record] = [r for r in caplog.records if r.name == "suara.access"]
    fields = record.fields
    assert (fields["method"], fields["route"], fields["status"], fields["client"], record.request_id) == (
        "GET", RESULTS, 200, "testclient", "baris-1")
    assert isinstance(fields["duration_ms"], float) and fields["duration_ms"] >= 0
    assert re.fullmatch(r"GET /api/v1/results/\{contest\}/\{kode\} 200 \d+\.\d ms", record.getMessage())
    line = orjson.loads(logs.JsonFormatter().format(record))
    assert {"ts", "level", "logger", "msg", "method", "route", "status", "duration_ms", "request_id",
            "client"} <= set(line)
    assert (line["level"], line["logger"], line["route"], line["request_id"]) == (
        "info", "suara.access", RESULTS, "baris-1")


def test_access_log_of_writes_only_leaves_out_successful_reads(engine, db_url, kpps, caplog, monkeypatch):
    from fastapi.testclient import TestClient

    from suara.api.app import create_app

    monkeypatch.setenv("SUARA_ACCESS_LOG", "writes")
    caplog.set_level(logging.INFO, logger="suara.access")
    with TestClient(create_app(db_url)) as quiet:
        assert quiet.get("/api/v1/results/ppwp/3171").status_code == 200
        assert quiet.get("/api/v1/results/ppwp/9999").status_code == 404
        assert quiet.post("/api/v1/submissions", json=ppwp_form(TPS),
                          headers={**kpps, "Idempotency-Key": "device-1:0101"}).status_code == 201
    logged = [(r.fields["method"], r.fields["status"]) for r in caplog.records if r.name == "suara.access"]
    assert logged == [("GET", 404), ("POST", 201)]
    monkeypatch.setenv("SUARA_ACCESS_LOG", "some")
    with pytest.raises(ValueError, match="SUARA_ACCESS_LOG must be one of all, writes"):
        create_app(db_url)


def test_a_log_line_written_during_a_request_names_that_request(client, engine, db_url, request, kpps):
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.configure("json", stream)
    try:
        _take_database_away(client, engine, db_url, request)
        answer = client.post("/api/v1/submissions", json=ppwp_form(TPS),
                             headers={**kpps, "Idempotency-Key": "device-1:0009", "X-Request-Id": "saat-padam"})
        assert answer.status_code == 503
    finally:
        logs.stop_writer()  # what the writer thread has queued is written first
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines()]
    ours = [line for line in lines if line.get("request_id") == "saat-padam"]
    assert {line["logger"] for line in ours} >= {"suara.api", "suara.access"}, lines
    assert [line["status"] for line in ours if line["logger"] == "suara.access"] == [503]


def test_text_logs_and_a_bad_format_is_refused():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.configure("text", stream, background=False)
    try:
        logging.getLogger("suara.test").warning("halo %s", "dunia")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert re.search(r"WARNING suara\.test \[None\] halo dunia$", stream.getvalue().strip())
    with pytest.raises(ValueError, match="SUARA_LOG_FORMAT"):
        logs.log_format("xml")


def test_a_full_log_backlog_drops_records_instead_of_waiting():
    stream = io.StringIO()
    backlog = logs.Backlog(stream, logs.TextFormatter(), capacity=2)  # its writer thread not started
    for n in range(5):
        backlog.handle(logging.LogRecord("suara.access", logging.INFO, "", 0, f"baris {n}", None, None))
    assert len(backlog.records) == 2 and backlog.dropped == 3
    backlog.stop()  # writes what waits, in one write
    assert [line.rsplit(" ", 2)[1:] for line in stream.getvalue().splitlines()] == [["baris", "0"], ["baris", "1"]]
