"""docs/prometheus-alerts.yml is a complete rules file, and names only metrics the app exposes.
(promtool check rules, from Debian's prometheus, accepts it too; it is not a test dependency.)"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from suara.api.metrics import LiveCollector, LiveState
from suara.publish.watch_metrics import WatchMetrics

ALERTS = Path(__file__).parent.parent / "docs" / "prometheus-alerts.yml"
HISTOGRAM_SERIES = re.compile(r"_(bucket|count|sum)$")


def rules() -> list[dict]:  # type: ignore[type-arg]
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_every_rule_is_complete():
    found = rules()
    assert len(found) >= 10
    names = [rule["alert"] for rule in found]
    assert len(set(names)) == len(names)
    for rule in found:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule
        assert rule["labels"]["severity"] in ("page", "warning"), rule
        assert rule["annotations"]["summary"], rule
    # what the issue asks to alert on
    for needed in ("SuaraTallyLagging", "SuaraServerErrors", "SuaraWritesShed", "SuaraReplicaLagging",
                   "SuaraNotReady", "SuaraPublishLagging"):
        assert needed in names


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_rules_name_only_metrics_the_app_exposes(client, engine):
    exposed = {family.name for family in text_string_to_metric_families(client.get("/metrics").text)}
    # with a replica configured too (the database itself stands in for it here)
    exposed |= {family.name for family in LiveCollector(LiveState(engine, lambda: 0, lambda: engine), 0).collect()}
    watcher = WatchMetrics(engine)  # suara publish --watch --metrics-port
    watcher.shows(0, SimpleNamespace(written=1))
    exposed |= {family.name for family in text_string_to_metric_families(generate_latest(watcher.registry).decode())}
    used = {HISTOGRAM_SERIES.sub("", name) for rule in rules()
            for name in re.findall(r"\bsuara_\w+", rule["expr"])}
    counters = {name.removesuffix("_total") for name in used}
    assert counters <= exposed, counters - exposed
