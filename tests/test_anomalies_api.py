"""GET /api/v1/anomalies/{contest}/{kode} on SQLite and PostgreSQL: every queued TPS with all its
screens, paging, the screen filter, the monitor's view, the thresholds in force, bad input as 4xx,
and a kecamatan read again only when its forms change."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import ppwp_form
from test_legislative_results import weighted_form

from suara.domain.anomalies import DEFAULT_THRESHOLDS, InvalidThresholds
from suara.services.submission import Submission, submit_forms


def publish(client: Any, engine: Any, reference: Any, *docs: dict[str, Any], prefix: str = "k") -> None:
    submit_forms(engine, reference, [Submission(d, f"{prefix}{i}") for i, d in enumerate(docs)], fold=True)
    client.app.state.publisher.refresh()


def get(client: Any, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.text)
    return dict(response.json())


def planted() -> list[dict[str, Any]]:
    """Gambir and Cideng (kecamatan 317101): an over-full TPS, a form that breaks R8, two identical
    forms; Bogor one clean TPS."""
    over = ppwp_form("3171011001002", (100, 50, 20))
    over["administrasi"]["pemilih_dpt_j"] = 150  # 173 voters on a register of 150
    broken = ppwp_form("3171011002001", (10, 20, 30))
    broken["suara_sah"] = 61
    return [ppwp_form("3171011001001", (60, 122, 64)), over, broken, ppwp_form("3171011002002", (60, 122, 64)),
            ppwp_form("3201011001001", (1, 2, 3))]


def test_every_queued_tps_with_all_its_screens_and_the_monitors_view(client, engine, reference):
    forms = planted()
    publish(client, engine, reference, *forms)
    doc = get(client, "/api/v1/anomalies/ppwp/0")
    queue = doc["flagged_tps"]
    assert queue["total"] == 4 and queue["pages"] == 1 and queue["page"] == 1
    screens = {item["kode"]: [s["id"] for s in item["screens"]] for item in queue["items"]}
    assert screens == {"3171011001001": ["A4"], "3171011001002": ["A1", "A2"], "3171011002001": ["A1"],
                       "3171011002002": ["A4"]}
    over = next(i for i in queue["items"] if i["kode"] == "3171011001002")
    a2 = next(s for s in over["screens"] if s["id"] == "A2")["values"]
    assert a2 == {"partisipasi": 1.1533, "pemilih_dpt": 150, "pengguna_total": 173, "satu_calon": False}
    assert over["desa"] == {"kode": "3171011001", "nama": "GAMBIR"} and over["record"] == "/api/v1/tps/ppwp/3171011001002"
    # the counted totals are the published ones; the monitor's view leaves the queue out, and says so
    results = get(client, "/api/v1/results/ppwp/0")["totals"]
    assert doc["counted"]["votes"] == results["votes"] and doc["counted"]["tps"] == 5
    assert doc["monitor_view"]["votes"] == {"1": 1, "2": 2, "3": 3} and doc["monitor_view"]["excluded_tps"] == 4
    assert doc["monitor_view"]["label"]["id"].startswith("Pandangan pemantau, bukan hasil resmi")
    assert doc["thresholds"] == DEFAULT_THRESHOLDS
    by_id = {s["id"]: s for s in doc["screens"]}
    assert list(by_id) == ["A1", "A2", "A3", "A4", "A5", "A6"]
    assert by_id["A2"]["count"] == 1 and by_id["A4"]["count"] == 2 and by_id["A2"]["queues"] == "tps"
    assert "100% DPT" in by_id["A2"]["penjelasan"]["id"] and "100% of the register" in by_id["A2"]["penjelasan"]["en"]
    assert by_id["A5"]["queues"] == "wilayah" and any("Mebane" in s for s in by_id["A5"]["sources"])
    assert doc["regions"][0]["kode"] == "0" and doc["regions"][0]["screens"] == []
    assert doc["fingerprint"]["leader"] == "2" and sum(map(sum, doc["fingerprint"]["counts"])) == 5
    assert doc["as_of"]["tally_seq"] >= 1 and doc["as_of"]["chain_head"]["seq"] >= 5
    assert doc["disclaimer"]["id"].startswith("Publikasi awal")


def test_pages_and_the_screen_filter(client, engine, reference):
    publish(client, engine, reference, *planted())
    first = get(client, "/api/v1/anomalies/ppwp/31?per_page=3")
    second = get(client, "/api/v1/anomalies/ppwp/31?per_page=3&page=2")
    assert first["flagged_tps"]["pages"] == 2 and len(first["flagged_tps"]["items"]) == 3
    assert [i["kode"] for i in first["flagged_tps"]["items"] + second["flagged_tps"]["items"]] == [
        "3171011001001", "3171011001002", "3171011002001", "3171011002002"]
    only = get(client, "/api/v1/anomalies/ppwp/31?screen=A1")
    assert [i["kode"] for i in only["flagged_tps"]["items"]] == ["3171011001002", "3171011002001"]
    assert only["monitor_view"]["excluded_tps"] == 2 and only["flagged_tps"]["screen"] == "A1"
    region_only = get(client, "/api/v1/anomalies/ppwp/31?screen=A5")
    assert region_only["flagged_tps"]["items"] == [] and region_only["monitor_view"]["excluded_tps"] == 0
    desa = get(client, "/api/v1/anomalies/ppwp/3171011002")  # judged with its kecamatan, kept to its own TPS
    assert [i["kode"] for i in desa["flagged_tps"]["items"]] == ["3171011002001", "3171011002002"]
    assert desa["regions"] == [] and desa["counted"]["tps"] == 2
    assert get(client, "/api/v1/anomalies/ppwp/32")["flagged_tps"]["total"] == 0


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/api/v1/anomalies/xx/0", 404, "unknown_contest"),
    ("/api/v1/anomalies/ppwp/3999", 404, "unknown_region"),
    ("/api/v1/anomalies/pkwkp-31/32", 404, "outside_contest"),
    ("/api/v1/anomalies/ppwp/0?page=2", 404, "no_page"),
    ("/api/v1/anomalies/ppwp/0?page=0", 422, "invalid_request"),
    ("/api/v1/anomalies/ppwp/0?page=abc", 422, "invalid_request"),
    ("/api/v1/anomalies/ppwp/0?per_page=501", 422, "invalid_request"),
    ("/api/v1/anomalies/ppwp/0?screen=A9", 422, "invalid_request"),
    ("/api/v1/anomalies/ppwp/31710", 422, "invalid_request"),
    ("/api/v1/anomalies/PPWP/0", 422, "invalid_request"),
])
def test_bad_input_is_a_4xx_in_the_one_error_shape(client, path, status, code):
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]


def test_a_kecamatan_is_read_again_only_when_its_forms_change(client, engine, reference):
    publish(client, engine, reference, *planted())
    screens = client.app.state.anomalies
    before = get(client, "/api/v1/anomalies/ppwp/0")
    read = screens.units_screened
    assert read == 2  # Gambir (317101) and Cibinong (320101); Penjaringan has no form yet
    again = client.get("/api/v1/anomalies/ppwp/0", headers={"If-None-Match": client.get(
        "/api/v1/anomalies/ppwp/0").headers["etag"]})
    assert again.status_code == 304 and screens.units_screened == read
    publish(client, engine, reference, ppwp_form("3172011001001", (5, 6, 70)), prefix="later")
    after = get(client, "/api/v1/anomalies/ppwp/0")
    assert screens.units_screened == read + 1  # only Penjaringan, whose rollup moved
    assert after["counted"]["tps"] == before["counted"]["tps"] + 1
    assert after["as_of"]["tally_seq"] > before["as_of"]["tally_seq"]


def test_thresholds_come_from_the_environment_and_bad_ones_stop_the_app(db_url, engine, monkeypatch):
    from fastapi.testclient import TestClient

    from suara.api.app import create_app

    monkeypatch.setenv("SUARA_ANOMALY_THRESHOLDS", '{"A7": 1}')
    with pytest.raises(InvalidThresholds, match="layar anomali tidak dikenal: 'A7'"):
        create_app(db_url)
    monkeypatch.setenv("SUARA_ANOMALY_THRESHOLDS", '{"A2": 102, "A4": 3}')
    with TestClient(create_app(db_url)) as client:
        doc = get(client, "/api/v1/anomalies/ppwp/0")
    assert doc["thresholds"] == {**DEFAULT_THRESHOLDS, "A2": 102.0, "A4": 3.0}
    a2 = next(s for s in doc["screens"] if s["id"] == "A2")
    assert a2["threshold"] == 102.0 and a2["default_threshold"] == 100 and "102% DPT" in a2["penjelasan"]["id"]


def test_suara_serve_refuses_bad_thresholds_with_a_message(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from suara.cli import app

    monkeypatch.setenv("SUARA_DATABASE_URL", f"sqlite:///{tmp_path}/none.db")
    monkeypatch.setenv("SUARA_ANOMALY_THRESHOLDS", '{"A3": 99}')
    result = CliRunner().invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "ambang A3 harus antara 2 dan 20" in " ".join(result.output.split())


def test_party_list_and_overseas_forms_are_screened_on_party_totals(pemilu_client, pemilu_engine, pemilu_reference):
    ref = pemilu_reference
    abroad = weighted_form(ref, "pdpr", "99AG010001002", {"2": 20, "4": 5})
    twin = weighted_form(ref, "pdpr", "99AG010001001", {"2": 20, "4": 5})
    gambir = weighted_form(ref, "pdpr", "3171011001001", {"1": 10, "3": 4})
    publish(pemilu_client, pemilu_engine, ref, abroad, twin, gambir)
    doc = get(pemilu_client, "/api/v1/anomalies/pdpr/99")
    assert [(i["kode"], [s["id"] for s in i["screens"]]) for i in doc["flagged_tps"]["items"]] == [
        ("99AG010001001", ["A4"]), ("99AG010001002", ["A4"])]
    assert doc["counted"]["votes"]["2"] == 2 * abroad["partai"]["2"]["jumlah"]
    nation = get(pemilu_client, "/api/v1/anomalies/pdpr/0")
    assert nation["counted"]["tps"] == 3 and nation["fingerprint"]["leader"] in {"1", "2"}
    assert set(nation["counted"]["votes"]) == {str(c["nomor_urut"]) for c in nation["contest"]["candidates"]}
