"""The portal's pages for the legislative contests, dapil, overseas stations and the Pilkada on
its own TPS list, over HTTP (tests/test_browser.py drives the ppwp pages in a browser)."""

from __future__ import annotations

import html
import re

from helpers import ppwp_form
from test_legislative_results import publish, weighted_form

from suara.domain.seats import PROJECTION_LABEL


def test_the_national_dpr_page_shows_party_bars(pemilu_client, pemilu_engine, pemilu_reference):
    ref = pemilu_reference
    publish(pemilu_client, pemilu_engine, ref, weighted_form(ref, "pdpr", "3171011001001", {"1": 10, "3": 4}),
            weighted_form(ref, "pdpr", "3201011001001", {"2": 5}))
    page = pemilu_client.get("/wilayah/pdpr/0")
    assert page.status_code == 200 and "bukan hasil resmi" in page.text
    api = pemilu_client.get("/api/v1/results/pdpr/0").json()
    assert "2 dari 20 TPS (10,00000%)" in page.text
    for party in api["contest"]["candidates"]:  # one bar per party, in its colour
        assert f'fill="{party["warna"]}"' in page.text and html.escape(party["nama"]) in page.text
    table = page.text.split('id="candidates">')[1].split("</table>")[0]
    shown = re.findall(r'<td class="n">([\d.]+)</td><td class="n">([\d,]+)</td>', table)
    assert [int(v.replace(".", "")) for v, _ in shown] == [api["totals"]["votes"][str(n)] for n in (1, 2, 3, 4)]
    assert [p.replace(",", ".") for _, p in shown] == [api["totals"]["persen"][str(n)] for n in (1, 2, 3, 4)]
    assert ">Partai<" in table
    # the nation spans every dapil: no candidate list here, the dapil pages have them
    assert "<details" not in page.text
    assert len(page.content) < 100_000
    # the race switch: the Pemilu's ballots covering the nation (DPD is per province)
    nav = page.text.split('class="contests">')[1].split("</nav>")[0]
    assert re.findall(r'href="/wilayah/([a-z0-9-]+)/0"', nav) == ["ppwp", "pdprdp", "pdprdk"]
    assert nav.index("/wilayah/ppwp/0") < nav.index('aria-current="page"') < nav.index("/wilayah/pdprdp/0")

    city = pemilu_client.get("/wilayah/pdpr/3171")
    assert city.status_code == 200
    assert '<a href="/dapil/pdpr/3102">Dapil DKI JAKARTA II</a>' in city.text
    lists = city.text.split("Perolehan suara partai dan calon")[1]
    assert lists.count("<details") == 4  # the four parties standing in DKI Jakarta II
    joko = ref.book.candidate("pdpr", "3102", "1", "3")
    assert f"<td>3</td><td>{html.escape(joko.nama)}</td><td class=\"n\">30</td>" in lists


def test_the_race_switch_lists_the_ballots_of_the_place(pemilu_client):
    desa = pemilu_client.get("/wilayah/ppwp/3201011002").text
    nav = desa.split('class="contests">')[1].split("</nav>")[0]
    keys = re.findall(r'href="/wilayah/([a-z0-9-]+)/3201011002"', nav)
    assert keys == ["pdpr", "pdpd-32", "pdprdp", "pdprdk", "pkwkp-32", "pkwkk-3201"]  # ppwp is the current one
    jakarta = pemilu_client.get("/wilayah/pdpr/3171").text.split('class="contests">')[1].split("</nav>")[0]
    assert "pdprdk" not in jakarta and "pdpd-31" in jakarta and "pkwkp" not in jakarta
    abroad = pemilu_client.get("/wilayah/ppwp/99AG").text.split('class="contests">')[1].split("</nav>")[0]
    assert re.findall(r'href="/wilayah/([a-z0-9-]+)/99AG"', abroad) == ["pdpr"]
    # a TPS that exists only on the Pemilu's list offers no Pilkada race
    tps = pemilu_client.get("/tps/ppwp/3201011002003").text.split('class="contests">')[1].split("</nav>")[0]
    assert "pkwkp-32" not in tps and "pdprdk" in tps


def test_a_dapil_page_shows_the_projection_labelled_as_such(pemilu_client, pemilu_engine, pemilu_reference):
    ref = pemilu_reference
    publish(pemilu_client, pemilu_engine, ref, weighted_form(ref, "pdpr", "3172011001001", {"1": 30, "2": 20, "3": 10}))
    page = pemilu_client.get("/dapil/pdpr/3101")
    assert page.status_code == 200
    assert "<h1>Dapil DKI JAKARTA I</h1>" in page.text and "1 dari 2 TPS (50,00000%)" in page.text
    assert html.escape(PROJECTION_LABEL.id) in page.text and "Aturan seri" in page.text
    projection = page.text.split('id="proyeksi"')[1]
    elected = ref.book.candidate("pdpr", "3101", "1", "3")
    assert html.escape(elected.nama) in projection
    assert page.text.count("<details") == 3 and '<a href="/wilayah/pdpr/3172">' in page.text
    english = pemilu_client.get("/dapil/pdpr/3101?lang=en")
    assert html.escape(PROJECTION_LABEL.en) in english.text and "Seat projection" in english.text
    for path, status in (("/dapil/pdpr/9999", 404), ("/dapil/ppwp/3101", 404), ("/dapil/pdpr/31a", 422)):
        refused = pemilu_client.get(path)
        assert refused.status_code == status and refused.headers["content-type"].startswith("text/html"), path


def test_an_overseas_station_is_named_with_its_method(pemilu_client, pemilu_engine, pemilu_reference):
    ref = pemilu_reference
    publish(pemilu_client, pemilu_engine, ref, weighted_form(ref, "pdpr", "99AG010001002", {"1": 2, "4": 1}),
            ppwp_form("9901010001001", (3, 4, 5), contest="ppwp"))
    page = pemilu_client.get("/tps/pdpr/99AG010001002")
    assert page.status_code == 200
    assert "<h1>KSK 001 (Kotak Suara Keliling) &middot; Kuala Lumpur, Malaysia</h1>" in page.text
    assert '<a href="/dapil/pdpr/3102">Dapil DKI JAKARTA II</a>' in page.text
    assert html.escape(ref.book.candidate("pdpr", "3102", "4", "2").nama) in page.text
    # the pages of the sheet printed for the station's dapil (its parties fill two), not the most a list may have
    assert page.text.count('class="nophoto"') == 2 and "Halaman 2: belum ada foto" in page.text
    desa = pemilu_client.get("/wilayah/ppwp/9901010001").text
    assert "POS 001 (Pos)" in desa and "TPS 001 (TPS Luar Negeri)" in desa and "KSK 001 (Kotak Suara Keliling)" in desa
    assert "/sirekap/pemilu/hhcw/pdpr/99/99AG/99AG01/99AG010001/99AG010001002.json" in page.text
    assert "mobile ballot box" in pemilu_client.get("/tps/pdpr/99AG010001002?lang=en").text


def test_the_pilkada_progress_counts_its_own_list(pemilu_client, pemilu_engine, pemilu_reference):
    publish(pemilu_client, pemilu_engine, pemilu_reference, ppwp_form("3201011002002", (10, 20), contest="pkwkp-32"))
    page = pemilu_client.get("/wilayah/pkwkp-32/32")
    assert page.status_code == 200 and "1 dari 4 TPS (25,00000%)" in page.text
    desa = pemilu_client.get("/wilayah/pkwkp-32/3201011002").text
    assert 'href="/tps/pkwkp-32/3201011002002"' in desa and "3201011002003" not in desa
    assert pemilu_client.get("/tps/pkwkp-32/3201011002003").status_code == 404


def test_every_legislative_page_links_what_exists(pemilu_client, pemilu_engine, pemilu_reference):
    ref = pemilu_reference
    publish(pemilu_client, pemilu_engine, ref, weighted_form(ref, "pdpr", "99AG010001002", {"1": 2}),
            weighted_form(ref, "pdprdk", "3201011001001", {"2": 1}))
    for path in ("/wilayah/pdpr/0", "/wilayah/pdpr/99AG010001", "/tps/pdpr/99AG010001002", "/dapil/pdpr/3102",
                 "/wilayah/pdprdk/3201011001", "/dapil/pdprdk/320101", "/tps/pdprdk/3201011001001"):
        page = pemilu_client.get(path)
        assert page.status_code == 200, path
        links = set(re.findall(r'href="(/[^"#?]*)"', page.text)) - {"/static/portal.css"}
        for link in sorted(links):
            assert pemilu_client.get(link).status_code == 200, (path, link)
