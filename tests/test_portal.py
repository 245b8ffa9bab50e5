"""The public portal's server-rendered pages (reading needs no JavaScript)."""

from __future__ import annotations

import re

from helpers import ppwp_form

from suara.services.submission import Submission, submit_forms


def publish(client, engine, reference, *docs):
    submit_forms(engine, reference, [Submission(d) for d in docs], fold=True)
    client.app.state.publisher.refresh()


def test_drill_down_from_the_nation_to_a_tps(client, engine, reference):
    flagged = ppwp_form("3171011001003", (10, 20, 30))
    flagged["suara_sah"] = 61
    publish(client, engine, reference, ppwp_form("3171011001001", (60, 122, 64)), flagged,
            ppwp_form("3201011001001", (1, 2, 3)))
    assert client.get("/", follow_redirects=False).headers["location"] == "/wilayah/ppwp/0"
    nation = client.get("/wilayah/ppwp/0")
    assert nation.status_code == 200
    assert "3 dari 10 TPS (30,00000%)" in nation.text
    assert "bukan hasil resmi" in nation.text and "<svg" in nation.text
    assert 'href="/wilayah/ppwp/31"' in nation.text and "R8" in nation.text
    api = client.get("/api/v1/results/ppwp/0").json()["totals"]
    table = nation.text.split('<table class="candidates">')[1].split("</table>")[0]
    shown = re.findall(r'<td class="n">([\d.]+)</td><td class="n">([\d,]+)</td>', table)
    assert [int(v.replace(".", "")) for v, _ in shown] == [api["votes"][k] for k in ("1", "2", "3")]
    assert [p.replace(",", ".") for _, p in shown] == [api["persen"][k] for k in ("1", "2", "3")]
    for kode in ("31", "3171", "317101"):
        page = client.get(f"/wilayah/ppwp/{kode}")
        assert page.status_code == 200
    desa = client.get("/wilayah/ppwp/3171011001")
    assert 'href="/tps/ppwp/3171011001001"' in desa.text and "Pemilihan Gubernur DKI JAKARTA" in desa.text
    tps = client.get("/tps/ppwp/3171011001003")
    assert tps.status_code == 200 and "Jumlah suara sah tidak sama dengan jumlah perolehan paslon" in tps.text
    assert "GANJAR PRANOWO - MAHFUD MD" in tps.text and "Riwayat versi" in tps.text
    assert "Belum ada data" in client.get("/tps/ppwp/3171011001002").text
    assert len(client.get("/wilayah/ppwp/0").content) < 100_000


def test_contest_switch_and_errors(client):
    province = client.get("/wilayah/ppwp/31")
    assert 'href="/wilayah/pkwkp-31/31"' in province.text
    assert client.get("/wilayah/pkwkp-31/31").status_code == 200
    assert client.get("/wilayah/ppwp/99").status_code == 404
    assert client.get("/wilayah/pkwkp-31/32").status_code == 404
    assert client.get("/tps/ppwp/3171011009001").status_code == 404
    assert client.get("/wilayah/ppwp/abc").status_code == 422


def test_the_search_box_finds_regions_and_tps(client):
    page = client.get("/cari", params={"q": "gambir"})
    assert page.status_code == 200 and 'href="/wilayah/ppwp/317101"' in page.text
    tps = client.get("/cari", params={"q": "3171011002901"})
    assert 'href="/tps/ppwp/3171011002901"' in tps.text
    assert client.get("/cari", params={"q": "x"}).status_code == 422
    assert "Tidak ada" in client.get("/cari", params={"q": "zzzz"}).text
