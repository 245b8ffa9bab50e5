"""A scraper written against KPU's Sirekap publication, pointed at a running Suara server."""

from __future__ import annotations

import re
import time

import httpx
from helpers import ppwp_form

from suara.services.submission import Submission, submit_forms

TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ADMINISTRASI = {"suara_sah", "suara_total", "suara_tidak_sah"} | {
    f"{g}_{s}" for g in ("pemilih_dpt", "pengguna_dpt", "pengguna_dptb", "pengguna_non_dpt", "pengguna_total")
    for s in "jlp"}
PPWP_IDS = ["100025", "100026", "100027"]


def _election(engine, reference, live_server):
    forms = [ppwp_form("3171011001001", (60, 122, 64)), ppwp_form("3171011001003", (10, 20, 30)),
             ppwp_form("3201011001002", (5, 6, 7)),
             ppwp_form("3171011001001", (70, 80), contest="pkwkp-31"),
             ppwp_form("3172011001002", (1, 2), contest="pkwkp-31")]
    submit_forms(engine, reference, [Submission(f, f"s{i}") for i, f in enumerate(forms)], fold=True)
    client = httpx.Client(base_url=f"{live_server}/sirekap", timeout=10)
    client.get("/pemilu/hhcw/ppwp.json")  # the server's publisher picks the tally up within a second
    return forms, client


def _wait_fresh(client, path, reported):
    for _ in range(40):
        doc = client.get(path).json()
        if doc["progres"]["progres"] == reported:
            return doc
        time.sleep(0.1)
    raise AssertionError(f"{path} never showed {reported} TPS")


def test_a_scraper_walks_the_ppwp_tree_down_to_a_tps(engine, reference, live_server):
    _, client = _election(engine, reference, live_server)
    response = client.get("/pemilu/ppwp.json")
    assert response.headers["x-suara-disclaimer"].startswith("Publikasi awal formulir C Hasil, bukan hasil resmi")
    candidates = response.json()
    assert list(candidates) == PPWP_IDS
    for number, (cid, c) in enumerate(candidates.items(), start=1):
        assert TS.match(c["ts"]) and " - " in c["nama"] and c["warna"].startswith("#") and c["nomor_urut"] == number

    provinces = client.get("/wilayah/pemilu/ppwp/0.json").json()
    assert provinces == [{"nama": "DKI JAKARTA", "id": 31, "kode": "31", "tingkat": 1},
                         {"nama": "JAWA BARAT", "id": 32, "kode": "32", "tingkat": 1}]

    national = _wait_fresh(client, "/pemilu/hhcw/ppwp.json", 3)
    assert "rekapitulasi berjenjang" in client.get("/pemilu/hhcw/ppwp.json").headers["x-suara-disclaimer"]
    assert set(national) == {"mode", "chart", "progres", "table", "psu", "ts"}
    assert national["mode"] == "hhcw" and national["psu"] is None and TS.match(national["ts"])
    assert set(national["chart"]) == set(PPWP_IDS) | {"persen"}
    assert sum(v for k, v in national["chart"].items() if k != "persen") == 246 + 60 + 18
    assert national["progres"] == {"total": 10, "progres": 3} and national["chart"]["persen"] == 30.0

    path, doc, levels = "/pemilu/hhcw/ppwp", national, []
    for code in ("31", "3171", "317101", "3171011001"):
        levels.append(code)
        assert code in doc["table"]
        row = doc["table"][code]
        child = client.get(f"{path}/{'/'.join(levels)}.json").json()
        assert {k: v for k, v in row.items() if k in PPWP_IDS} == {k: child["chart"][k] for k in PPWP_IDS}
        assert row["persen"] == child["chart"]["persen"] and row["status_progress"] is True and row["psu"] is None
        wilayah = client.get(f"/wilayah/pemilu/ppwp/{'/'.join(levels[:-1]) or '0'}.json").json()
        assert code in [w["kode"] for w in wilayah]
        doc = child
    tps_list = client.get(f"/wilayah/pemilu/ppwp/{'/'.join(levels)}.json").json()
    assert [t["kode"] for t in tps_list] == ["3171011001001", "3171011001002", "3171011001003"]
    assert tps_list[0] == {"nama": "TPS 001", "id": 3171011001001, "kode": "3171011001001", "tingkat": 5}
    assert doc["table"]["3171011001002"] == {"psu": None, "persen": 0.0, "status_progress": False}

    tps = client.get(f"{path}/{'/'.join(levels)}/3171011001001.json").json()
    assert set(tps) == {"mode", "chart", "images", "administrasi", "psu", "ts", "status_suara", "status_adm"}
    assert tps["mode"] == "tps" and tps["chart"] == dict(zip(PPWP_IDS, (60, 122, 64)))
    assert tps["images"] == [None, None, None] and tps["status_suara"] and tps["status_adm"]
    assert set(tps["administrasi"]) == ADMINISTRASI
    assert tps["administrasi"]["suara_sah"] == 246 and tps["administrasi"]["pemilih_dpt_j"] == 280
    assert all(isinstance(v, int) for v in tps["administrasi"].values())
    assert {k: v for k, v in doc["table"]["3171011001001"].items() if k in PPWP_IDS} == tps["chart"]

    empty = client.get(f"{path}/{'/'.join(levels)}/3171011001002.json").json()
    assert empty["chart"] is None and empty["administrasi"] is None
    assert empty["images"] == [None, None, None] and not empty["status_suara"] and not empty["status_adm"]


def test_a_scraper_reads_the_pilkada_tree(engine, reference, live_server):
    _, client = _election(engine, reference, live_server)
    paslon = client.get("/pilkada/paslon/pkwkp.json").json()
    assert list(paslon) == ["31"] and list(paslon["31"]) == ["1000001", "1000002"]
    assert client.get("/wilayah/pilkada/pkwkp/0.json").json() == [
        {"nama": "DKI JAKARTA", "id": 31, "kode": "31", "tingkat": 1}]
    governor = _wait_fresh(client, "/pilkada/hhcw/pkwkp/31.json", 2)
    assert governor["mode"] == "hhcw" and governor["psu"] == "Reguler"
    chart = governor["tungsura"]["chart"]
    assert chart == {"1000001": 71, "1000002": 82, "progres": {"total": 8, "persen": 25.0, "progres": 2}}
    row = governor["tungsura"]["table"]["3171"]
    assert row["psu"] == "Reguler" and row["status_progress"] is True
    assert row["progres"] == {"total": 6, "persen": 16.66667, "progres": 1}
    assert {k: row[k] for k in ("1000001", "1000002")} == {"1000001": 70, "1000002": 80}
    kab = client.get("/pilkada/hhcw/pkwkp/31/3171.json").json()
    assert {k: v for k, v in kab["tungsura"]["chart"].items() if k != "progres"} == {"1000001": 70, "1000002": 80}
    tps = client.get("/pilkada/hhcw/pkwkp/31/3171/317101/3171011001/3171011001001.json").json()
    assert set(tps) == {"mode", "tungsura", "psu", "status_suara", "status_adm", "images", "ts"}
    assert tps["tungsura"]["chart"] == {"1000001": 70, "1000002": 80} and tps["psu"] == "Reguler"
    mayor = client.get("/pilkada/hhcw/pkwkk/31/3171.json").json()
    assert mayor["progres"] == {"total": 6, "progres": 0}
    assert client.get("/pilkada/hhcw/pkwkk/31/3172.json").status_code == 404
