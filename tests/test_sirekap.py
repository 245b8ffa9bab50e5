"""A scraper written against KPU's Sirekap publication, pointed at a running Suara server (the
small fixture: PPWP and two Pilkada races); the legislative, dapil and overseas paths are walked
in test_sirekap_scraper.py."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import httpx
from helpers import ppwp_form

from suara.config import Settings
from suara.publish.sirekap import sort_by_nama
from suara.publish.sirekap_paths import photo_path
from suara.services.submission import PagePhoto, Submission, submit_forms

TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ADMINISTRASI = ["suara_sah", "suara_total", "pemilih_dpt_j", "pemilih_dpt_l", "pemilih_dpt_p", "pengguna_dpt_j",
                "pengguna_dpt_l", "pengguna_dpt_p", "pengguna_dptb_j", "pengguna_dptb_l", "pengguna_dptb_p",
                "suara_tidak_sah", "pengguna_total_j", "pengguna_total_l", "pengguna_total_p",
                "pengguna_non_dpt_j", "pengguna_non_dpt_l", "pengguna_non_dpt_p"]
PPWP_IDS = ["100025", "100026", "100027"]
REGION_KEYS = ["ts", "psu", "mode", "chart", "table", "progres"]
TPS_KEYS = ["mode", "chart", "images", "administrasi", "psu", "ts", "status_suara", "status_adm"]


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
    assert [list(p) for p in provinces] == [["nama", "id", "kode", "tingkat"]] * 2

    national = _wait_fresh(client, "/pemilu/hhcw/ppwp.json", 3)
    assert "rekapitulasi berjenjang" in client.get("/pemilu/hhcw/ppwp.json").headers["x-suara-disclaimer"]
    assert list(national) == REGION_KEYS
    assert national["mode"] == "hhcw" and national["psu"] == "Reguler" and TS.match(national["ts"])
    assert list(national["chart"]) == [*PPWP_IDS, "persen"]
    assert sum(v for k, v in national["chart"].items() if k != "persen") == 246 + 60 + 18
    assert national["progres"] == {"total": 10, "progres": 3} and national["chart"]["persen"] == 30.0
    assert list(national["table"]) == ["31", "32"]

    path, doc, levels = "/pemilu/hhcw/ppwp", national, []
    for code in ("31", "3171", "317101", "3171011001"):
        levels.append(code)
        row = doc["table"][code]
        child = client.get(f"{path}/{'/'.join(levels)}.json").json()
        assert list(row) == ["psu", *PPWP_IDS, "persen", "status_progress"]
        assert {k: row[k] for k in PPWP_IDS} == {k: child["chart"][k] for k in PPWP_IDS}
        assert row["persen"] == child["chart"]["persen"] and row["status_progress"] is True and row["psu"] == "Reguler"
        wilayah = client.get(f"/wilayah/pemilu/ppwp/{'/'.join(levels[:-1]) or '0'}.json").json()
        assert code in [w["kode"] for w in wilayah]
        assert [w["nama"] for w in wilayah] == sorted(w["nama"] for w in wilayah)
        doc = child
    tps_list = client.get(f"/wilayah/pemilu/ppwp/{'/'.join(levels)}.json").json()
    assert [t["kode"] for t in tps_list] == ["3171011001001", "3171011001002", "3171011001003"]
    assert tps_list[0] == {"nama": "TPS 001", "id": 3171011001001, "kode": "3171011001001", "tingkat": 5}
    assert doc["table"]["3171011001002"] == {"psu": "Reguler", "persen": 0.0, "status_progress": False}
    assert doc["table"]["3171011001001"]["persen"] == 100.0

    tps = client.get(f"{path}/{'/'.join(levels)}/3171011001001.json").json()
    assert list(tps) == TPS_KEYS
    assert tps["mode"] == "hhcw" and tps["chart"] == {"null": None, **dict(zip(PPWP_IDS, (60, 122, 64)))}
    assert next(iter(tps["chart"])) == "null"
    assert tps["images"] == [None, None, None] and tps["status_suara"] and tps["status_adm"]
    assert list(tps["administrasi"]) == ADMINISTRASI
    assert tps["administrasi"]["suara_sah"] == 246 and tps["administrasi"]["pemilih_dpt_j"] == 280
    assert all(isinstance(v, int) for v in tps["administrasi"].values())
    assert {k: doc["table"]["3171011001001"][k] for k in PPWP_IDS} == {k: tps["chart"][k] for k in PPWP_IDS}

    empty = client.get(f"{path}/{'/'.join(levels)}/3171011001002.json").json()
    assert empty["chart"] is None and empty["administrasi"] is None and empty["mode"] == "hhcw"
    assert empty["images"] == [None, None, None] and not empty["status_suara"] and not empty["status_adm"]
    assert client.get("/pemilu/hr/ppwp.json").json()["table"] == {}  # served, empty until KPU RI records


def test_a_scraper_reads_the_pilkada_tree(engine, reference, live_server):
    _, client = _election(engine, reference, live_server)
    paslon = client.get("/pilkada/paslon/pkwkp.json").json()
    assert list(paslon) == ["31"] and list(paslon["31"]) == ["1000001", "1000002"]
    # the Pilkada's lists name every province and kab/kota on its TPS list, with a race or not
    assert client.get("/wilayah/pilkada/pkwkp/0.json").json() == [
        {"nama": "DKI JAKARTA", "id": 31, "kode": "31", "tingkat": 1},
        {"nama": "JAWA BARAT", "id": 32, "kode": "32", "tingkat": 1}]
    assert [r["kode"] for r in client.get("/wilayah/pilkada/pkwkp/32.json").json()] == ["3201"]
    governor = _wait_fresh(client, "/pilkada/hhcw/pkwkp/31.json", 2)
    assert list(governor) == ["mode", "tungsura", "psu", "progres", "ts"]
    assert governor["mode"] == "hhcw" and governor["psu"] == "Reguler"
    chart = governor["tungsura"]["chart"]
    assert chart == {"1000001": 71, "1000002": 82, "progres": {"total": 8, "persen": 25.0, "progres": 2}}
    row = governor["tungsura"]["table"]["3171"]
    assert list(row) == ["psu", "1000001", "1000002", "progres", "status_progress"]
    assert row["psu"] == "Reguler" and row["status_progress"] is True
    assert row["progres"] == {"total": 6, "persen": 16.67, "progres": 1}
    assert {k: row[k] for k in ("1000001", "1000002")} == {"1000001": 70, "1000002": 80}
    kab = client.get("/pilkada/hhcw/pkwkp/31/3171.json").json()
    assert {k: v for k, v in kab["tungsura"]["chart"].items() if k != "progres"} == {"1000001": 70, "1000002": 80}
    tps = client.get("/pilkada/hhcw/pkwkp/31/3171/317101/3171011001/3171011001001.json").json()
    assert list(tps) == ["mode", "tungsura", "psu", "status_suara", "status_adm", "images", "ts"]
    assert tps["mode"] == "hhcw" and tps["tungsura"]["chart"] == {"1000001": 70, "1000002": 80}
    assert tps["images"] == [None, None, None]
    mayor = client.get("/pilkada/hhcw/pkwkk/31/3171.json").json()
    assert mayor["progres"] == {"total": 6, "progres": 0}
    races = client.get("/pilkada/hhcw/pkwkk/31.json").json()
    assert races["tungsura"]["chart"] == {"progres": {"total": 6, "persen": 0.0, "progres": 0}}
    assert races["tungsura"]["table"] == {"3171": {"psu": "Reguler", "progres": {"total": 6, "persen": 0.0,
                                                                                  "progres": 0},
                                                   "status_progress": False}}
    for path, code in (("/pilkada/hhcw/pkwkk/31/3172.json", "unknown_contest"),
                       ("/pilkada/hhcw/pkwkk/32.json", "unknown_contest"),
                       ("/pilkada/hhcw/pkwkp.json", "not_found"),
                       ("/pilkada/hhcw/pkwkp/31/3201.json", "unknown_region"),
                       ("/wilayah/pilkada/pkwkp/99.json", "unknown_region")):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == code, path


def test_photos_are_absolute_urls_that_the_server_resolves(client, engine, reference):
    blobs = client.app.state.blobs
    pages = {1: b"\xff\xd8 page one", 3: b"\xff\xd8 page three"}
    digests = {page: blobs.put(data) for page, data in pages.items()}
    photos = tuple(PagePhoto(page, digest, digest, "image/jpeg", 640, 480) for page, digest in digests.items())
    now = datetime(2024, 2, 14, 8, 30, tzinfo=UTC)
    submit_forms(engine, reference, [Submission(ppwp_form("3171011001001"), "p1", photos=photos),
                                     Submission(ppwp_form("3171011001003"), "p2")], now=now, fold=True)
    client.app.state.publisher.refresh()
    base = "/sirekap/pemilu/hhcw/ppwp/31/3171/317101/3171011001"
    tps = client.get(f"{base}/3171011001001.json").json()
    url = Settings.from_env().public_base_url
    assert tps["images"][1] is None
    assert tps["images"][0] == f"{url}/{photo_path('pemilu', 'ppwp', '3171011001001', now, digests[1])}"
    assert re.fullmatch(re.escape(url) + r"/sirekap/formc/[0-9a-f]{4}/pemilu/ppwp/31/71/01/10/01/"
                        r"3171011001001-20240214-153000--[0-9a-f-]{36}\.jpg", tps["images"][2])
    for page, image in ((1, tps["images"][0]), (3, tps["images"][2])):
        served = client.get(image)
        assert served.status_code == 200 and served.content == pages[page]
        assert served.headers["content-type"] == "image/jpeg"
    forged = tps["images"][0].replace("-153000--", "-153001--")
    assert client.get(forged).status_code == 404
    assert client.get(tps["images"][0].replace("3171011001001-", "3171011001003-")).status_code == 404
    # a form with no photos is still reported
    bare = client.get(f"{base}/3171011001003.json").json()
    assert bare["status_suara"] is True and bare["images"] == [None, None, None]


def test_region_lists_sort_by_name_in_byte_order():
    names = ["MALUKU", "Luar Negeri", "LAMPUNG", "TPS 001", "POS 001", "KSK 001"]
    entries = [{"nama": n, "kode": str(i)} for i, n in enumerate(names)]
    assert [e["nama"] for e in sort_by_nama(entries)] == ["KSK 001", "LAMPUNG", "Luar Negeri", "MALUKU",
                                                           "POS 001", "TPS 001"]
