"""The public read API, /api/v1, on SQLite and PostgreSQL: every endpoint, 304s and every error."""

from __future__ import annotations

import gzip

import pytest
from helpers import ppwp_form

from suara.services.submission import Submission, submit_forms


def publish(client, engine, reference, *docs, key_prefix="k"):
    submit_forms(engine, reference, [Submission(d, f"{key_prefix}{i}") for i, d in enumerate(docs)], fold=True)
    client.app.state.publisher.refresh()


def test_contests_and_candidates(client):
    body = client.get("/api/v1/contests").json()
    assert body["disclaimer"]["id"].startswith("Publikasi awal formulir C Hasil")
    keys = [c["key"] for c in body["contests"]]
    assert keys == ["pkwkk-3171", "pkwkp-31", "ppwp"]
    ppwp = next(c for c in body["contests"] if c["key"] == "ppwp")
    assert [c["nomor_urut"] for c in ppwp["candidates"]] == [1, 2, 3]
    assert ppwp["candidates"][1]["id"] == "100026"


def test_region_tree_and_search(client):
    nation = client.get("/api/v1/regions/0").json()
    assert [c["kode"] for c in nation["children"]] == ["31", "32"]
    assert nation["region"]["tps_total"] == 10
    desa = client.get("/api/v1/regions/3171011002").json()
    assert [t["kode"] for t in desa["tps"]] == ["3171011002001", "3171011002002", "3171011002901"]
    assert [b["kode"] for b in desa["breadcrumbs"]] == ["0", "31", "3171", "317101"]
    assert set(desa["contests"]) == {"ppwp", "pkwkp-31", "pkwkk-3171"}
    by_name = client.get("/api/v1/search", params={"q": "gambir"}).json()
    assert {(r["kode"], r["tingkat"]) for r in by_name["results"]} == {("317101", 3), ("3171011001", 4)}
    assert (by_name["total"], by_name["total_exact"], by_name["truncated"]) == (2, True, False)
    by_code = client.get("/api/v1/search", params={"q": "3171011002901"}).json()["results"]
    assert by_code[0] == {"kode": "3171011002901", "nama": "TPS 901", "tingkat": 5, "tingkat_nama": "tps",
                          "induk": "CIDENG", "provinsi": {"kode": "31", "nama": "DKI JAKARTA"}}
    cut = client.get("/api/v1/search", params={"q": "31", "limit": 2}).json()
    assert len(cut["results"]) == 2 and (cut["total"], cut["truncated"]) == (8, True)


def test_results_at_every_level_add_up(client, engine, reference):
    publish(client, engine, reference, ppwp_form("3171011001001", (60, 122, 64)),
            ppwp_form("3171011002901", (10, 20, 30)), ppwp_form("3201011001001", (1, 2, 3)))
    nation = client.get("/api/v1/results/ppwp/0").json()
    assert nation["totals"]["votes"] == {"1": 71, "2": 144, "3": 97}
    assert nation["totals"]["persen"] == {"1": "22.76", "2": "46.15", "3": "31.09"}
    assert nation["totals"]["tps_reported"] == 3 and nation["totals"]["tps_total"] == 10
    assert nation["totals"]["progress_persen"] == "30.00000"
    assert nation["as_of"]["tally_seq"] >= 1 and nation["as_of"]["time"].endswith("Z")
    rows = {r["kode"]: r for r in nation["children"]}
    assert rows["31"]["votes"] == {"1": 70, "2": 142, "3": 94} and rows["31"]["tps_total"] == 8
    assert rows["32"]["votes"] == {"1": 1, "2": 2, "3": 3}
    for kode, row in rows.items():
        assert client.get(f"/api/v1/results/ppwp/{kode}").json()["totals"] == {
            k: v for k, v in row.items() if k in nation["totals"]}
    desa = client.get("/api/v1/results/ppwp/3171011002").json()
    assert [r["kode"] for r in desa["children"]] == ["3171011002001", "3171011002002", "3171011002901"]
    assert desa["children"][2]["votes"] == {"1": 10, "2": 20, "3": 30}
    assert desa["children"][0]["tps_reported"] == 0 and desa["children"][0]["persen"]["1"] is None
    assert nation["totals"]["turnout"]["tps"] == 3


def test_results_name_an_example_tps_for_each_flagged_rule(client, engine, reference):
    broken = ppwp_form("3201011001002", (1, 2, 3))
    broken["suara"]["1"] = 0  # R8
    publish(client, engine, reference, ppwp_form("3171011001001"), broken)
    nation = client.get("/api/v1/results/ppwp/0").json()
    assert nation["totals"]["flag_counts"] == {"R8": 1}
    assert nation["flag_examples"] == {"R8": "3201011001002"}
    assert client.get("/api/v1/results/ppwp/3201011001").json()["flag_examples"] == {"R8": "3201011001002"}
    assert client.get("/api/v1/results/ppwp/31").json()["flag_examples"] == {}


def test_the_tps_record_shows_every_version_and_what_changed(client, engine, reference):
    publish(client, engine, reference, ppwp_form("3171011001001", (117, 100, 20)), key_prefix="a")
    fixed = ppwp_form("3171011001001", (17, 100, 20))
    broken = dict(fixed, suara_sah=999)
    publish(client, engine, reference, broken, key_prefix="b")
    publish(client, engine, reference, fixed, key_prefix="c")
    record = client.get("/api/v1/tps/ppwp/3171011001001").json()
    assert record["current"]["version_no"] == 3 and record["current"]["form"]["suara"]["1"] == 17
    assert [v["version_no"] for v in record["versions"]] == [3, 2, 1]
    second = record["versions"][1]
    assert [f["rule"] for f in second["flags"]] == ["R8", "R9"]
    assert second["flags"][0]["judul"] == "Jumlah suara sah tidak sama dengan jumlah perolehan paslon"
    assert second["flags"][0]["message"] == "Jumlah suara sah (999) tidak sama dengan jumlah suara semua pasangan calon (137)"
    assert second["flags"][0]["boxes"] == ["suara_sah", "suara.1", "suara.2", "suara.3"]
    # the API keeps the form's keys and adds the form's labels
    changed = {c["field"]: c for c in second["changes"]}
    assert changed["suara_sah"] == {"field": "suara_sah", "label": {"id": "Jumlah suara sah", "en": "Valid votes"},
                                    "from": 237, "to": 999}
    assert changed["suara.1"]["label"]["id"] == "Suara 1. ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR"
    assert (changed["suara.1"]["from"], changed["suara.1"]["to"]) == (117, 17)
    empty = client.get("/api/v1/tps/ppwp/3171011001002").json()
    assert empty["current"] is None and empty["versions"] == []
    assert empty["tps"]["desa"]["nama"] == "GAMBIR"


def test_etag_304_gzip_and_freshness_by_level(client, engine, reference):
    publish(client, engine, reference, *[ppwp_form(f"31710110010{n:02d}", (n, 2, 3)) for n in (1, 2, 3)])
    first = client.get("/api/v1/results/ppwp/0", headers={"Accept-Encoding": "gzip"})
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=5")
    again = client.get("/api/v1/results/ppwp/0", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    raw = client.get("/api/v1/results/ppwp/0", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    zipped = client.get("/api/v1/results/ppwp/0", headers={"Accept-Encoding": "gzip"}, )
    assert zipped.headers["content-encoding"] == "gzip" or len(raw.content) < 512
    assert client.get("/api/v1/results/ppwp/3171011001").headers["cache-control"].startswith("public, max-age=30")
    assert client.get("/api/v1/contests").headers["cache-control"] == "public, max-age=3600"
    province_etag = client.get("/api/v1/results/ppwp/32").headers["etag"]
    renders = client.app.state.publisher.renders
    client.get("/api/v1/results/ppwp/0")
    assert client.app.state.publisher.renders == renders  # served from the rendered document
    publish(client, engine, reference, ppwp_form("3171011001001", (9, 2, 3)), key_prefix="x")
    changed = client.get("/api/v1/results/ppwp/0", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["totals"]["votes"]["1"] == 9 + 2 + 3
    assert client.get("/api/v1/results/ppwp/32").headers["etag"] == province_etag  # untouched


def test_a_costly_document_is_rendered_again_only_once_its_share_of_time_is_up(client, engine, reference,
                                                                                 monkeypatch):
    # every document counts as costly here (no floor); the publisher's clock is ours
    from suara.publish import publisher as publisher_module

    monkeypatch.setattr(publisher_module, "RENDER_FLOOR_SECONDS", 0.0)
    publisher = client.app.state.publisher
    now = [100.0]
    publisher.clock = lambda: now[0]
    publish(client, engine, reference, ppwp_form("3171011001001", (1, 2, 3)))
    first = client.get("/api/v1/results/ppwp/0")
    kept = publisher.cached("api/v1/results/ppwp/0")
    assert kept.rendered_at == 100.0 and kept.render_cpu_seconds > 0
    assert kept.keep_until() == 100.0 + kept.render_cpu_seconds / publisher_module.RENDER_SHARE

    publish(client, engine, reference, ppwp_form("3171011001002", (4, 5, 6)), key_prefix="x")
    still = client.get("/api/v1/results/ppwp/0")
    assert still.headers["etag"] == first.headers["etag"]  # kept: its as_of still says the point it shows
    assert still.json()["as_of"] == first.json()["as_of"]
    assert still.json()["totals"]["votes"]["1"] == 1

    now[0] = kept.keep_until()  # its time is up: the next look drops it, and the next reader renders it
    publisher.refresh()
    fresh = client.get("/api/v1/results/ppwp/0")
    assert fresh.headers["etag"] != first.headers["etag"]
    assert fresh.json()["totals"]["votes"]["1"] == 1 + 4


def test_gzip_round_trip_is_the_same_document(client, engine, reference):
    publish(client, engine, reference, *[ppwp_form(f"31710110010{n:02d}", (n, 2, 3)) for n in (1, 2, 3)])
    raw = client.get("/api/v1/results/ppwp/0", headers={"Accept-Encoding": "identity"}).content
    response = client.get("/api/v1/results/ppwp/0", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == raw  # the client decompressed it
    assert len(gzip.compress(raw)) < len(raw)


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/api/v1/results/ppwp/99", 404, "unknown_region"),
    ("/api/v1/results/ppwp/3171011009", 404, "unknown_region"),
    ("/api/v1/results/dpr/31", 404, "unknown_contest"),
    ("/api/v1/results/pkwkp-31/32", 404, "outside_contest"),
    ("/api/v1/tps/ppwp/3171011001009", 404, "unknown_tps"),
    ("/api/v1/tps/pkwkk-3171/3172011001001", 404, "outside_contest"),
    ("/api/v1/results/ppwp/abc", 422, "invalid_request"),
    ("/api/v1/results/ppwp/123", 422, "invalid_request"),
    ("/api/v1/tps/ppwp/31710110010011", 422, "invalid_request"),
    ("/api/v1/results/PPWP%27--/0", 422, "invalid_request"),
    ("/api/v1/search?q=x", 422, "invalid_request"),
    ("/api/v1/search?q=gambir&limit=0", 422, "invalid_request"),
    ("/api/v1/search?q=gambir&limit=abc", 422, "invalid_request"),
    ("/api/v1/nothing", 404, "not_found"),
    ("/sirekap/pemilu/hhcw/ppwp/31/3199.json", 404, "unknown_region"),
    ("/sirekap/pemilu/hhcw/ppwp/32/3171.json", 404, "unknown_region"),
    ("/sirekap/pemilu/hhcw/ppwp/31/3171/317101/3171011001/3171011001009.json", 404, "unknown_region"),
    ("/sirekap/pemilu/hhcw/dpr.json", 404, "not_found"),
    ("/sirekap/pilkada/hhcw/pkwkp/32.json", 404, "unknown_contest"),
    ("/sirekap/wilayah/pemilu/ppwp/0", 404, "not_found"),
    ("/sirekap/%2E%2E/%2E%2E/etc/passwd", 404, "not_found"),  # kept escaped: /etc/passwd itself is a portal path
])
def test_every_error_has_the_one_error_shape(client, path, status, code):
    response = client.get(path)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_the_public_side_is_read_only(client, method):
    response = getattr(client, method)("/api/v1/results/ppwp/0")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_openapi_documents_every_route_and_its_access(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/results/{contest}/{kode}" in spec["paths"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["x-suara-access"], path
            # every read is public (some rate limited) except the officials' queues and screens, a
            # KPPS's own ballots, and /metrics once SUARA_METRICS_TOKEN is set
            if path == "/metrics":
                assert "SUARA_METRICS_TOKEN" in operation["x-suara-access"]
            elif method == "get" and not path.startswith(("/api/v1/corrections", "/api/v1/complaints", "/ui",
                                                          "/api/v1/kpps/")):
                assert operation["x-suara-access"] in ("public", "public, rate limited"), path
            if path.startswith("/ui") and path not in ("/ui/login", "/ui/logout"):
                assert operation["x-suara-access"] != "public", path


def test_csv_downloads_of_tps_and_of_a_level(client, engine, reference):
    import csv
    import io

    flagged = ppwp_form("3171011002901", (10, 20, 30))
    flagged["suara_sah"] = 61
    publish(client, engine, reference, ppwp_form("3171011001001", (60, 122, 64)), flagged)
    response = client.get("/api/v1/downloads/ppwp/3171/tps.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["kode_tps"] for r in rows] == ["3171011001001", "3171011001002", "3171011001003",
                                             "3171011002001", "3171011002002", "3171011002901"]
    first = rows[0]
    assert (first["ada_data"], first["suara_paslon_2"], first["suara_sah"], first["pemilih_dpt_j"]) == ("1", "122", "246", "280")
    assert rows[1]["ada_data"] == "0" and rows[1]["suara_paslon_1"] == ""
    assert rows[5]["catatan_aturan"] == "R8;R9" and rows[5]["nama_desa"] == "CIDENG"
    level = list(csv.DictReader(io.StringIO(client.get("/api/v1/downloads/ppwp/0/children.csv").text)))
    assert [(r["kode"], r["tps_masuk"], r["tps_total"], r["tps_bercatatan"]) for r in level] == [
        ("31", "2", "8", "1"), ("32", "0", "2", "0")]
    assert level[0]["suara_paslon_1"] == "70" and level[0]["persen_tps_masuk"] == "25.00000"
    assert client.get("/api/v1/downloads/ppwp/0/tps.csv").json()["error"]["code"] == "too_large"
    assert client.get("/api/v1/downloads/ppwp/3171011001/children.csv").status_code == 404
    assert client.get("/api/v1/downloads/pkwkp-31/32/tps.csv").status_code == 404


def test_nist_download_of_a_region(client, engine, reference):
    publish(client, engine, reference, ppwp_form("3171011001001", (60, 122, 64)))
    report = client.get("/api/v1/downloads/ppwp/3171/nist.json").json()
    assert report["@type"] == "ElectionResults.ElectionReport" and report["Status"] == "unofficial-partial"
    units = {u["@id"] for u in report["GpUnit"]}
    assert "ru-3171011001001" in units and "ru-3201011001001" not in units
    assert client.get("/api/v1/downloads/pkwkp-31/32/nist.json").status_code == 404
