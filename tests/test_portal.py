"""The public portal's server-rendered pages (reading needs no JavaScript)."""

from __future__ import annotations

import re

import pytest
from helpers import audit_count, count_rows, ppwp_form

from suara.services.submission import Submission, submit_forms
from suara.store.schema import complaints


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
    assert "bukan hasil resmi" in nation.text and "<svg" in nation.text and "<rect width=" in nation.text
    assert 'href="/wilayah/ppwp/31"' in nation.text and "R8" in nation.text
    api = client.get("/api/v1/results/ppwp/0").json()["totals"]
    table = nation.text.split('id="candidates">')[1].split("</table>")[0]
    shown = re.findall(r'<td class="n">([\d.]+)</td><td class="n">([\d,]+)</td>', table)
    assert [int(v.replace(".", "")) for v, _ in shown] == [api["votes"][k] for k in ("1", "2", "3")]
    assert [p.replace(",", ".") for _, p in shown] == [api["persen"][k] for k in ("1", "2", "3")]
    for kode in ("31", "3171", "317101"):
        page = client.get(f"/wilayah/ppwp/{kode}")
        assert page.status_code == 200
    desa = client.get("/wilayah/ppwp/3171011001")
    assert 'href="/tps/ppwp/3171011001001"' in desa.text and "Pemilihan Gubernur DKI JAKARTA" in desa.text
    races = desa.text.split('class="contests">')[1].split("</nav>")[0]
    assert races.index("Presiden") < races.index("Gubernur") < races.index("Walikota")  # the presidency first
    tps = client.get("/tps/ppwp/3171011001003")
    assert tps.status_code == 200 and "Jumlah suara sah tidak sama dengan jumlah perolehan paslon" in tps.text
    assert "GANJAR PRANOWO - MAHFUD MD" in tps.text and "Riwayat versi" in tps.text
    assert "Belum ada data" in client.get("/tps/ppwp/3171011001002").text
    assert len(client.get("/wilayah/ppwp/0").content) < 100_000


def test_contest_switch_and_errors(client):
    province = client.get("/wilayah/ppwp/31")
    assert 'href="/wilayah/pkwkp-31/31"' in province.text
    assert client.get("/wilayah/pkwkp-31/31").status_code == 200
    for path, status in (("/wilayah/ppwp/99", 404), ("/wilayah/pkwkp-31/32", 404), ("/tps/ppwp/3171011009001", 404),
                         ("/wilayah/ppwp/abc", 422), ("/pengaduan/PGD-22222222", 404), ("/pengaduan/xyz", 404)):
        page = client.get(path)
        assert page.status_code == status, path
        # a reader gets a page to go on from, not JSON
        assert page.headers["content-type"].startswith("text/html") and 'href="/wilayah/ppwp/0"' in page.text
    assert client.get("/api/v1/results/ppwp/99").headers["content-type"].startswith("application/json")


def test_the_search_box_finds_regions_and_tps(client):
    page = client.get("/cari", params={"q": "gambir"})
    assert page.status_code == 200 and 'href="/wilayah/ppwp/317101"' in page.text
    tps = client.get("/cari", params={"q": "3171011002901"})
    assert 'href="/tps/ppwp/3171011002901"' in tps.text
    by_number = client.get("/cari", params={"q": "TPS 1 gambir"})
    assert 'href="/tps/ppwp/3171011001001"' in by_number.text and 'href="/wilayah/ppwp/317101"' not in by_number.text
    assert client.get("/cari", params={"q": "x"}).status_code == 422
    too_long = client.get("/cari", params={"q": "gambir" * 100})
    assert too_long.status_code == 422 and "paling banyak 64" in too_long.text
    assert "Tidak ada" in client.get("/cari", params={"q": "zzzz"}).text


def test_children_sort_by_any_column_without_javascript(client, engine, reference):
    publish(client, engine, reference, ppwp_form("3171011001001", (60, 122, 64)), ppwp_form("3201011001001", (1, 2, 3)),
            ppwp_form("3201011001002", (500, 2, 3)))
    def order(query):
        page = client.get(f"/wilayah/ppwp/0{query}").text
        table = page.split('class="children"')[1]
        return re.findall(r'<th scope="row"><a href="/wilayah/ppwp/(\d+)"', table), table
    assert order("")[0] == ["31", "32"]  # tree order by default
    by_votes, table = order("?urut=1&arah=turun")
    assert by_votes == ["32", "31"] and 'aria-sort="descending"' in table
    assert 'href="?urut=1&amp;arah=naik"' in table  # the same header flips the direction
    assert order("?urut=1&arah=naik")[0] == ["31", "32"]
    assert order("?urut=nama&arah=turun")[0] == ["32", "31"]  # JAWA BARAT after DKI JAKARTA, reversed
    assert order("?urut=bogus&arah=sideways")[0] == ["31", "32"]


def test_english_on_request_and_kept(client, engine, reference):
    publish(client, engine, reference, ppwp_form("3171011001001", (1060, 122, 64)))
    english = client.get("/wilayah/ppwp/0?lang=en")
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert "1 of 10 polling stations (10.00000%)" in english.text and "not the official result" in english.text
    assert "1,060" in english.text
    assert client.cookies.get("suara_lang") == "en"
    assert "Version history" in client.get("/tps/ppwp/3171011001001").text  # the cookie keeps the choice
    back = client.get("/wilayah/ppwp/0?lang=id")
    assert '<html lang="id">' in back.text and "1 dari 10 TPS (10,00000%)" in back.text and "1.060" in back.text


def test_file_a_complaint_from_the_tps_page_and_follow_it(client, engine, reference):
    publish(client, engine, reference, ppwp_form("3171011001001", (60, 122, 64)))
    page = client.get("/tps/ppwp/3171011001001")
    assert 'action="/tps/ppwp/3171011001001/pengaduan"' in page.text and "Belum ada pengaduan" in page.text
    sent = client.post("/tps/ppwp/3171011001001/pengaduan", data={"uraian": "Paslon 2 di foto 112, bukan 122."},
                       follow_redirects=False)
    assert sent.status_code == 303
    number = re.fullmatch(r"/pengaduan/(PGD-[A-Z0-9]{8})\?baru=1", sent.headers["location"]).group(1)
    status = client.get(sent.headers["location"])
    assert status.status_code == 200 and number in status.text and "diterima" in status.text
    assert client.get("/pengaduan", params={"nomor": number.lower()}, follow_redirects=True).url.path == \
        f"/pengaduan/{number}"
    assert number in client.get("/tps/ppwp/3171011001001").text
    assert client.get(f"/api/v1/complaints/{number}").json()["status"] == "received"


def test_a_refused_complaint_keeps_what_was_typed_and_files_nothing(client, engine):
    before = audit_count(engine)
    short = client.post("/tps/ppwp/3171011001001/pengaduan", data={"uraian": "salah"})
    assert short.status_code == 422 and "10-2000" in short.text and ">salah</textarea>" in short.text
    crossed = client.post("/tps/ppwp/3171011001001/pengaduan", data={"uraian": "angka tidak sama dengan foto"},
                          headers={"origin": "https://evil.example"})
    assert crossed.status_code == 403 and crossed.headers["content-type"].startswith("text/html")
    unknown = client.post("/tps/ppwp/3171011009001/pengaduan", data={"uraian": "angka tidak sama dengan foto"})
    assert unknown.status_code == 404
    uploaded = client.post("/tps/ppwp/3171011001001/pengaduan",
                           files={"uraian": ("pengaduan.bin", b"\x00\xff angka tidak sama dengan foto")})
    assert uploaded.status_code == 422 and "bukan berkas" in uploaded.text
    assert count_rows(engine, complaints) == 0 and audit_count(engine) == before


def test_pages_are_gzipped_for_browsers_that_take_it(client):
    packed = client.get("/wilayah/ppwp/0", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(packed.content)
    assert "bukan hasil resmi" in packed.text
    plain = client.get("/wilayah/ppwp/0", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == packed.text


def test_every_page_links_documents_that_exist(client, engine, reference):
    publish(client, engine, reference, ppwp_form("3171011001001", (60, 122, 64)))
    for path in ("/wilayah/ppwp/0", "/wilayah/ppwp/31", "/wilayah/ppwp/3171011001",
                 "/wilayah/pkwkp-31/31", "/tps/ppwp/3171011001001", "/tps/pkwkp-31/3171011001001"):
        page = client.get(path)
        assert page.status_code == 200, path
        links = re.findall(r'href="([^"]+)">(JSON|CSV[^<]*|Sirekap JSON)</a>', page.text.split('class="downloads"')[1])
        assert {name.split()[0] for _, name in links} == {"JSON", "CSV", "Sirekap"}, path
        for href, _ in links:
            document = client.get(href.replace("&amp;", "&"))
            assert document.status_code == 200, href
            assert len(document.content) > 2, href
    tps_csv = client.get("/api/v1/downloads/ppwp/3171011001/tps.csv").text
    assert "3171011001001" in tps_csv
    sirekap = client.get("/sirekap/pemilu/hhcw/ppwp/31/3171/317101/3171011001/3171011001001.json").json()
    assert sirekap["mode"] == "hhcw"  # KPU's TPS documents never say "tps"


def test_a_page_is_rendered_once_per_tally_point_and_language(client, engine, reference):
    pages = client.app.state.pages
    first = client.get("/wilayah/ppwp/0")
    renders = pages.renders
    again = client.get("/wilayah/ppwp/0")
    assert pages.renders == renders and again.text == first.text and again.headers["etag"] == first.headers["etag"]
    assert client.get("/wilayah/ppwp/0", headers={"if-none-match": first.headers["etag"]}).status_code == 304
    english = client.get("/wilayah/ppwp/0?lang=en")
    assert pages.renders == renders + 1 and "not the official result" in english.text
    assert client.get("/wilayah/ppwp/0?lang=id").text == first.text  # the cookie follows the choice
    publish(client, engine, reference, ppwp_form("3171011001001", (60, 122, 64)))
    moved = client.get("/wilayah/ppwp/0")
    assert moved.headers["etag"] != first.headers["etag"] and "1 dari 10 TPS" in moved.text


def test_region_pages_are_answered_before_routing_only_while_they_show_the_data_of_now(client, engine, reference,
                                                                                     monkeypatch):
    from suara.web import portal

    first = client.get("/wilayah/ppwp/0")
    english = client.get("/wilayah/ppwp/0", headers={"cookie": "suara_lang=en"})
    assert "not the official result" in english.text

    def not_routed(*_args, **_kwargs):
        raise AssertionError("the page was routed, not answered by the fast path")

    monkeypatch.setattr(portal, "region_recap", not_routed)  # the route would need it; the fast path does not
    again = client.get("/wilayah/ppwp/0")
    assert (again.status_code, again.text, again.headers["etag"]) == (200, first.text, first.headers["etag"])
    assert again.headers["cache-control"] == first.headers["cache-control"] == "public, max-age=5"
    assert again.headers["vary"] == "Accept-Encoding, Cookie" and "script-src 'self'" in again.headers[
        "content-security-policy"]
    assert client.get("/wilayah/ppwp/0", headers={"cookie": "suara_lang=en"}).text == english.text  # by the cookie's language
    assert client.get("/wilayah/ppwp/0", headers={"if-none-match": first.headers["etag"]}).status_code == 304
    zipped = client.get("/wilayah/ppwp/0", headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.text == first.text
    with pytest.raises(AssertionError, match="routed"):
        client.get("/wilayah/ppwp/0?urut=nomor")  # a query always goes to the route
    monkeypatch.undo()

    publish(client, engine, reference, ppwp_form("3171011001001", (60, 122, 64)))  # a new tally point
    moved = client.get("/wilayah/ppwp/0")
    assert "1 dari 10 TPS" in moved.text and moved.headers["etag"] != first.headers["etag"]
    assert "1 of 10 polling stations" in client.get("/wilayah/ppwp/0", headers={"cookie": "suara_lang=en"}).text
    monkeypatch.setattr(portal, "region_recap", not_routed)
    client.app.state.recap_watch.invalidate()  # the recapitulation changed here: its stamp is read again
    with pytest.raises(AssertionError, match="routed"):
        client.get("/wilayah/ppwp/0")


def test_searches_are_rate_limited_per_address(client):
    for _ in range(30):  # the burst
        assert client.get("/cari", params={"q": "gambir"}).status_code == 200
    refused = client.get("/cari", params={"q": "gambir"})
    assert refused.status_code == 429 and "terlalu banyak permintaan" in refused.text
    assert refused.headers["content-type"].startswith("text/html")
    assert client.get("/api/v1/search", params={"q": "gambir"}).status_code == 429  # the same budget


def test_readers_arriving_together_wait_for_one_rendering_of_a_document(client):
    import threading
    import time

    from suara.publish import routes

    publisher = client.app.state.publisher
    reference = client.app.state.reference
    real = routes.results(reference, "ppwp", "0")
    builds = []

    def slow(conn):  # a national document takes a while to render on election night
        builds.append(threading.get_ident())
        time.sleep(0.2)
        return real(conn)

    got = []
    readers = [threading.Thread(target=lambda: got.append(publisher.document("api/v1/results/ppwp/0", slow)))
               for _ in range(8)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert len(builds) == 1 and len({id(doc) for doc in got}) == 1 and len(got) == 8
    assert got[0].gzipped() is not None and not publisher._rendering  # compressed once, nothing left waiting


def test_while_one_reader_renders_a_new_tally_point_the_others_get_the_one_before(client, engine, reference):
    import threading

    from suara.publish import routes

    publisher = client.app.state.publisher
    key = "api/v1/results/ppwp/0"
    before = publisher.document(key, routes.results(client.app.state.reference, "ppwp", "0"))
    publish(client, engine, reference, ppwp_form("3171011001001", (60, 122, 64)))  # a new tally point
    assert publisher.cached(key) is None
    rendering, release = threading.Event(), threading.Event()
    real = routes.results(client.app.state.reference, "ppwp", "0")

    def slow(conn):
        rendering.set()
        release.wait(10)
        return real(conn)

    leader_got = []
    leader = threading.Thread(target=lambda: leader_got.append(publisher.document(key, slow)))
    leader.start()
    assert rendering.wait(10)
    meanwhile = publisher.document(key, slow)  # answered at once, not waiting for the leader
    assert meanwhile is before and meanwhile.tally_seq < publisher.tally_seq
    release.set()
    leader.join()
    assert leader_got[0].tally_seq == publisher.tally_seq and b'"tps_reported":1' in leader_got[0].body
    assert publisher.document(key, slow) is leader_got[0]  # and from now on the new one only
