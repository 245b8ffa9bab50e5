"""The portal in words (issue 13): the form's own labels in the version history and the flags,
statuses in Indonesian, unknown paths as pages, region tables with names and shares, times in
the region's own zone, and a search that says what it found and where, as the API does."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import ppwp_form

from suara.services.submission import Submission, submit_forms


def publish(client: Any, engine: Any, reference: Any, *subs: Submission) -> None:
    submit_forms(engine, reference, list(subs), fold=True)
    client.app.state.publisher.refresh()


def test_the_version_history_and_the_flags_speak_the_forms_words(client, engine, reference):
    first = ppwp_form("3171011001001", (60, 122, 64))
    second = ppwp_form("3171011001001", (60, 122, 64))
    second["administrasi"]["pengguna_dpt_j"] = 185  # J no longer L + P: R2, and R1 in the J column
    second["suara_sah"] = 273
    publish(client, engine, reference, Submission(first, "a"),
            Submission(second, "b", actor="PPK:ppk-gambir", reason="salah ketik"))
    page = client.get("/tps/ppwp/3171011001001").text
    history = page.split('class="history"')[1].split("</ol>")[0]
    assert "Pengguna hak pilih DPT (jumlah): 240 &rarr; 185" in history
    assert "Jumlah suara sah: 246 &rarr; 273" in history
    assert "administrasi." not in history and "suara_sah" not in history
    assert "oleh sistem (impor data)" in history and "oleh PPK ppk-gambir:" in history
    flags = page.split('class="flags"')[1].split("</ul>")[0]
    assert "Jumlah suara sah (273) tidak sama dengan jumlah suara semua pasangan calon (246)" in flags
    assert "Pengguna hak pilih DPT (jumlah: 185) tidak sama dengan laki-laki (120) + perempuan (120)" in flags
    assert '<code class="rule" title="Jumlah suara sah tidak sama dengan jumlah perolehan paslon">R8</code>' in flags
    assert "!=" not in flags and "_" not in re.sub(r"<[^>]+>", "", flags)
    english = client.get("/tps/ppwp/3171011001001", params={"lang": "en"}).text
    assert "Voters from the DPT who voted (total): 240 &rarr; 185" in english
    assert "Valid votes (273) do not equal the candidate pairs&#39; votes added up (246)" in english
    assert "by the system (data import)" in english
    # the region above names the rule in words, its id kept as a small code
    nation = client.get("/wilayah/ppwp/0", params={"lang": "id"}).text.split('class="flags"')[1].split("</ul>")[0]
    assert 'Jumlah suara sah tidak sama dengan jumlah perolehan paslon <code class="rule">R8</code>' in nation


def test_a_flag_stored_before_messages_had_words_still_shows(client, engine, reference):
    """Versions stored by an older Suara carry one message and no boxes: both languages show it."""
    from sqlalchemy import update

    from suara.store.schema import form_versions

    broken = ppwp_form("3171011001001", (60, 122, 64))
    broken["suara_sah"] = 250
    submit_forms(engine, reference, [Submission(broken, "a")], fold=True)
    old = '[{"rule":"R8","severity":"error","message":"suara_sah 250 != jumlah suara paslon 246"}]'
    with engine.begin() as conn:
        conn.execute(update(form_versions).values(flags=old))
    client.app.state.publisher.refresh()
    for lang in ("id", "en"):
        page = client.get("/tps/ppwp/3171011001001", params={"lang": lang}).text
        assert "suara_sah 250 != jumlah suara paslon 246 <code class=\"rule\"" in page, lang


def test_unknown_portal_paths_are_pages_and_the_apis_stay_json(client):
    for path in ("/nope", "/wilayah", "/etc/passwd", "/tps/ppwp", "/favicon.ico"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html"), path
        assert "Halaman tidak ditemukan" in page.text and f"Tidak ada halaman di alamat {path}." in page.text
        assert 'href="/wilayah/ppwp/0"' in page.text and page.headers["cache-control"] == "no-store"
    english = client.get("/nope", params={"lang": "en"})
    assert "Page not found" in english.text and "There is no page at /nope." in english.text
    for path in ("/api/v1/nothing", "/sirekap/nothing", "/static/nothing.css"):
        answer = client.get(path)
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("application/json"), path
    assert client.get("/wilayah/ppwp/abc", params={"lang": "en"}).text.count("invalid parameter") == 1


def test_region_tables_name_the_candidates_and_give_each_regions_shares(client, engine, reference):
    publish(client, engine, reference, Submission(ppwp_form("3171011001001", (60, 120, 20))),
            Submission(ppwp_form("3201011001001", (1, 2, 1))))
    page = client.get("/wilayah/ppwp/0").text
    table = page.split('class="children"')[1].split("</table>")[0]
    headers = re.findall(r'<th scope="col" class="n cand"[^>]*>(.*?)</th>', table)
    assert [re.sub(r"<span class=\"hidden\">.*?</span>|<[^>]+>", "", h).strip() for h in headers] == [
        "1 Anies-Muhaimin", "2 Prabowo-Gibran", "3 Ganjar-Mahfud"]
    assert "ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR" in headers[0]  # the whole name for screen readers
    jakarta = table.split('href="/wilayah/ppwp/31"')[1].split("</tr>")[0]
    assert re.findall(r'<td class="n">([\d.]+)<span class="share">([\d,]+%)</span></td>', jakarta) == [
        ("60", "30,00%"), ("120", "60,00%"), ("20", "10,00%")]
    # the table scrolls in its own box, named, reachable by keyboard, its first column kept in view
    assert '<div class="scroll sticky" role="region" aria-labelledby="children-heading" tabindex="0">' in page
    assert 'class="scroll-hint" id="children-hint" hidden' in page


def test_party_columns_are_headed_by_their_abbreviations(pemilu_client, pemilu_engine, pemilu_reference):
    from test_legislative_results import weighted_form

    doc = weighted_form(pemilu_reference, "pdpr", "3171011001001", {"1": 10, "3": 4})
    publish(pemilu_client, pemilu_engine, pemilu_reference, Submission(doc))
    table = pemilu_client.get("/wilayah/pdpr/0").text.split('class="children"')[1].split("</table>")[0]
    headers = re.findall(r'<span class="nomor">(\d+)</span> ([^<]+)<', table)
    assert headers[:2] == [("1", "PKB"), ("2", "Gerindra")]


def test_search_labels_levels_and_provinces_and_says_when_it_was_cut(client):
    page = client.get("/cari", params={"q": "gambir"}).text
    hits = page.split('class="search-hits"')[1].split("</ul>")[0]
    assert '<span class="level">Kecamatan</span> <a href="/wilayah/ppwp/317101">GAMBIR</a>' in hits
    assert '<span class="level">Desa/Kelurahan</span> <a href="/wilayah/ppwp/3171011001">GAMBIR</a>' in hits
    assert "KOTA JAKARTA PUSAT, DKI JAKARTA" in hits
    assert '<p id="search-count">2 hasil.</p>' in page
    tps = client.get("/cari", params={"q": "TPS 1 gambir", "lang": "en"}).text
    assert '<span class="level">Polling station</span> <a href="/tps/ppwp/3171011001001">TPS 001</a>' in tps


def test_the_portal_and_the_api_cut_a_search_alike(client, monkeypatch):
    from suara.domain import search

    monkeypatch.setattr("suara.web.portal.SEARCH_LIMIT", 3)
    page = client.get("/cari", params={"q": "31"}).text
    shown = re.findall(r'<li><span class="level">', page)
    assert len(shown) == 3
    assert "Menampilkan 3 dari 8 hasil; persempit pencarian" in page
    api = client.get("/api/v1/search", params={"q": "31", "limit": 3}).json()
    assert (len(api["results"]), api["total"], api["total_exact"], api["truncated"]) == (3, 8, True, True)
    codes = re.findall(r'<a href="/wilayah/ppwp/(\w+)">', page.split('class="search-hits"')[1])
    assert codes == [h["kode"] for h in api["results"]]
    assert client.get("/api/v1/search", params={"q": "gambir"}).json()["truncated"] is False
    assert search.SEARCH_LIMIT == 20  # the API's default limit is the portal's
    assert client.get("/api/v1/search", params={"q": "31"}).json()["results"] == client.get(
        "/api/v1/search", params={"q": "31", "limit": 20}).json()["results"]


# --- time: the server's, in the region's own zone ------------------------------------------------

ZONES = ("kode,tingkat,nama,tps\n"
         "31,1,DKI JAKARTA,\n3171,2,KOTA JAKARTA PUSAT,\n317101,3,GAMBIR,\n3171011001,4,GAMBIR,1-2\n"
         "51,1,BALI,\n5171,2,KOTA DENPASAR,\n517101,3,DENPASAR SELATAN,\n5171011001,4,SESETAN,1-2\n"
         "91,1,PAPUA,\n9171,2,KOTA JAYAPURA,\n917101,3,JAYAPURA UTARA,\n9171011001,4,GURABESI,1-2\n")


@pytest.fixture
def zones_client(db_url: str, tmp_path: Path) -> Any:
    """A tree across Indonesia's three zones: Jakarta (WIB), Bali (WITA), Papua (WIT)."""
    from fastapi.testclient import TestClient

    from suara.api.app import create_app
    from suara.services.setup import init_database
    from suara.store.engine import make_engine
    from suara.store.reference import load_reference

    (tmp_path / "wilayah.csv").write_text(ZONES)
    (tmp_path / "contests.csv").write_text("key,kind,region,nama,tps_cap\nppwp,ppwp,0,Presiden,300\n")
    (tmp_path / "candidates.csv").write_text("contest,nomor_urut,id,nama,warna\nppwp,1,1,A - B,#111111\n"
                                             "ppwp,2,2,C - D,#222222\nppwp,3,3,E - F,#333333\n")
    engine = make_engine(db_url)
    init_database(engine, regions_csv=tmp_path / "wilayah.csv", contests_csv=tmp_path / "contests.csv",
                  candidates_csv=tmp_path / "candidates.csv")
    with engine.connect() as conn:
        reference = load_reference(conn)
    submit_forms(engine, reference, [Submission(ppwp_form(t, (5, 6, 7))) for t in
                                     ("3171011001001", "5171011001001", "9171011001001")], fold=True)
    with TestClient(create_app(db_url)) as client:
        yield client
    engine.dispose()


@pytest.mark.parametrize("kode, tps, zone, hours", [("31", "3171011001001", "WIB", 7),
                                                   ("51", "5171011001001", "WITA", 8),
                                                   ("91", "9171011001001", "WIT", 9),
                                                   ("0", None, "WIB", 7)])
def test_times_are_the_servers_in_the_regions_zone(zones_client, kode, tps, zone, hours):
    client = zones_client
    as_of = client.get(f"/api/v1/results/ppwp/{kode}").json()["as_of"]["time"]
    local = (datetime.fromisoformat(as_of) + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M:%S")
    page = client.get(f"/wilayah/ppwp/{kode}").text
    assert f'<time datetime="{as_of}">Data per {local} {zone} (titik tally' in page
    assert f'data-zone="{zone}" data-offset="{hours * 60}"' in page  # the live script's zone
    if tps is None:
        return
    record = client.get(f"/api/v1/tps/ppwp/{tps}").json()
    stored = datetime.fromisoformat(record["versions"][0]["submitted_at"]) + timedelta(hours=hours)
    tps_page = client.get(f"/tps/ppwp/{tps}").text
    assert f"Versi 1, {stored:%Y-%m-%d %H:%M:%S} {zone}, oleh" in tps_page
    complaint = client.post(f"/tps/ppwp/{tps}/pengaduan", data={"uraian": "angka paslon 1 berbeda dengan foto"},
                            follow_redirects=True)
    assert re.search(rf"<dd>\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d {zone}</dd>", complaint.text)
