"""The recapitulation on the public portal, SQLite and PostgreSQL: the box on every region page,
a tier beside the publication (/rekap), the discrepancy report (/selisih), and the discrepancies
of a region no plenary sits at (a desa's are its kecamatan's rows about it)."""

from __future__ import annotations

import html as html_text
import io
import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from PIL import Image
from test_recap import KPU_RI, PPWP_TIERS, counted, official, published, record_as_published  # noqa: F401

from suara.domain.access import Role
from suara.publish import recap_docs
from suara.services import recap
from suara.services.accounts import create_account, login
from suara.web import recap_pages
from suara.web.i18n import number as shown_number
from suara.web.recap_watch import RecapWatch

PASSWORD = "rahasia-sekali-123"


def number(value: int) -> str:
    return shown_number(value, "id")


def login_token(engine: Any, who: Any) -> str:
    create_account(engine, who.username, PASSWORD, who.role, who.scope, "test")
    return login(engine, who.username, PASSWORD, "test")[0]


def published_line(engine: Any, reference: Any, contest: str, kode: str) -> dict[str, Any]:
    return published(engine, reference, contest, kode)


def plant(rows: dict[str, Any]) -> None:
    """40 votes moved from paslon 2 to paslon 1 at Cideng."""
    rows["3171011002"]["suara"]["1"] += 40
    rows["3171011002"]["suara"]["2"] -= 40


def test_a_desa_has_the_discrepancies_of_its_kecamatans_rows_about_it(counted):  # noqa: F811
    engine, reference = counted
    record_as_published(engine, reference, "ppwp", "317101", official(Role.PPK, "317101"), change=plant)
    with engine.connect() as conn:
        cideng = recap_docs.discrepancies(conn, reference, "ppwp", "3171011002")
        gambir_desa = recap_docs.discrepancies(conn, reference, "ppwp", "3171011001")
        station = recap_docs.discrepancies(conn, reference, "ppwp", "3171011002001")
        kecamatan = recap_docs.discrepancies(conn, reference, "ppwp", "317101")
    assert [(d.kode, d.child, d.difference.differences) for d in cideng] == [
        ("317101", "3171011002", {"1": 40, "2": -40})]
    assert gambir_desa == [] and station == []  # a station's figures are not a row of any tier
    assert [(d.kode, d.child) for d in kecamatan] == [("317101", "3171011002")]


def test_the_overseas_branch_has_its_pplns_and_the_national_row_about_it(counted):  # noqa: F811
    engine, reference = counted
    for kode, who in PPWP_TIERS:
        record_as_published(engine, reference, "ppwp", kode, who)

    def more_abroad(rows: dict[str, Any]) -> None:
        rows["99"]["suara"]["3"] += 5
        rows["99"]["suara_sah"] += 5
        rows["99"]["pengguna_total_j"] += 5

    record_as_published(engine, reference, "ppwp", "0", KPU_RI, lock=False, change=more_abroad)
    with engine.connect() as conn:
        overseas = recap_docs.discrepancies(conn, reference, "ppwp", "99")
        jakarta = recap_docs.discrepancies(conn, reference, "ppwp", "31")
    assert {(d.kode, d.child, d.difference.against) for d in overseas} == {
        ("0", "99", "publikasi"), ("0", "99", "tingkat_bawah")}
    assert jakarta == []




@pytest.fixture
def site(counted, db_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:  # noqa: F811
    """The app on the counted small Pemilu, photos in tmp_path, the recapitulation's stamp read
    on every view (a real process trusts it for two seconds)."""
    from fastapi.testclient import TestClient

    from suara.api.app import create_app

    monkeypatch.setenv("SUARA_BLOBS_URL", str(tmp_path / "blobs"))
    with TestClient(create_app(db_url)) as client:
        client.app.state.recap_watch = RecapWatch(ttl=0)
        yield client


def text_of(html: str) -> str:
    """A page's words, tags dropped, white space folded: what a reader sees."""
    words = re.sub(r"\s+", " ", html_text.unescape(re.sub(r"<[^>]+>", " ", html)))
    return words.replace(" .", ".").replace(" ,", ",").replace(" :", ":")


def box_of(page: str) -> str:
    return text_of(page.split('class="recap-box')[1].split("</section>")[0])


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 150)).save(out, "JPEG")
    return out.getvalue()


def test_every_region_page_says_where_the_recapitulation_stands(site, counted):  # noqa: F811
    engine, reference = counted
    kecamatan = site.get("/wilayah/ppwp/317101")
    assert "D Hasil Kecamatan GAMBIR: belum dicatat" in box_of(kecamatan.text)
    assert "Tidak ada selisih rekapitulasi" in box_of(kecamatan.text)
    assert 'href="/rekap/ppwp/317101"' in kecamatan.text and 'href="/selisih/ppwp/317101"' in kecamatan.text
    assert "bukan hasil resmi" in kecamatan.text  # the preliminary publication's disclaimer stays
    record_as_published(engine, reference, "ppwp", "317101", official(Role.PPK, "317101"), lock=False, change=plant)
    recorded = box_of(site.get("/wilayah/ppwp/317101").text)
    assert "GAMBIR: dicatat" in recorded and "1 baris rekapitulasi di wilayah ini berbeda" in recorded
    desa = site.get("/wilayah/ppwp/3171011002")  # no plenary at a desa: its kecamatan's row about it
    assert "D Hasil" not in box_of(desa.text) and "1 baris rekapitulasi" in box_of(desa.text)
    assert 'href="/selisih/ppwp/3171011002"' in desa.text and 'href="/rekap/ppwp/3171011002"' not in desa.text
    assert "Tidak ada selisih" in box_of(site.get("/wilayah/ppwp/3171011001").text)
    assert "1 baris" in box_of(site.get("/wilayah/ppwp/0").text)
    assert "Tidak ada selisih" in box_of(site.get("/wilayah/ppwp/32").text)
    recap.lock(engine, reference, None, "ppk", "ppwp", "317101")
    assert "GAMBIR: ditetapkan" in box_of(site.get("/wilayah/ppwp/317101").text)
    english = box_of(site.get("/wilayah/ppwp/317101?lang=en").text)
    assert "GAMBIR: decided (closed)" in english and "differ from the publication or the tier below: 1" in english
    site.cookies.clear()  # back to Indonesian
    assert "hasil resmi" not in box_of(site.get("/wilayah/ppwp/0").text)
    # the contest certified: every region page says so, the nation's tier is the official result
    for kode, who in PPWP_TIERS:
        if kode != "317101":
            record_as_published(engine, reference, "ppwp", kode, who)
    record_as_published(engine, reference, "ppwp", "0", KPU_RI)
    nation = box_of(site.get("/wilayah/ppwp/0").text)
    assert "D Hasil Nasional INDONESIA: ditetapkan · hasil resmi" in nation
    assert "Hasil resmi pemilihan ini telah ditetapkan" in box_of(site.get("/wilayah/ppwp/3171011001").text)
    # a contest certified by each province: no national tier, each province's is the official one
    assert "D Hasil" not in box_of(site.get("/wilayah/pdprdp/0").text)
    assert "D Hasil Provinsi DKI JAKARTA: belum dicatat" in box_of(site.get("/wilayah/pdprdp/31").text)


def test_a_tier_beside_the_publication_and_the_tier_below(site, counted):  # noqa: F811
    engine, reference = counted
    before = site.get("/rekap/ppwp/317101")
    assert before.status_code == 200 and "belum dicatat" in text_of(before.text)
    assert "Rapat pleno tingkat ini belum mencatat" in before.text
    token = login_token(engine, official(Role.PPK, "317101"))
    line = published_line(engine, reference, "ppwp", "317101")
    plant(line["rows"])
    sent = site.post("/api/v1/recap/ppwp/317101", data={"record": orjson.dumps({"rows": line["rows"]}).decode()},
                     files={"minutes": ("ba.jpg", jpeg(), "image/jpeg")}, headers={"Authorization": f"Bearer {token}"})
    assert sent.status_code == 201, sent.text
    page = site.get("/rekap/ppwp/317101")
    words = text_of(page.text)
    assert "Rekapitulasi resmi sebagaimana dicatat, bukan publikasi awal" in words
    assert "bukan hasil resmi" in words  # the portal's disclaimer is still there
    assert "Status: dicatat" in words and "Dicatat (revisi 1) oleh PPK:ppk-317101" in words
    cideng = text_of(page.text.split('id="baris-3171011002"')[1].split("</details>")[0])
    doc = site.get("/api/v1/recap/ppwp/317101").json()
    row = next(r for r in doc["rows"] if r["kode"] == "3171011002")
    anies = f"1. ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR {number(row['rekapitulasi']['votes']['1'])} " \
            f"{number(row['publikasi']['votes']['1'])} +40"
    assert anies in cideng and "\u221240" in cideng  # names, not keys; the difference signed and marked
    assert cideng.count("<mark>") == 0 and page.text.split('id="baris-3171011002"')[1].count("<mark>") == 2
    assert "Tingkat bawah" not in cideng  # a kecamatan's desa have no tier below
    assert 'id="baris-3171011001"' in page.text and "ada selisih" not in \
        page.text.split('id="baris-3171011001"')[1].split("</details>")[0]
    photo = re.search(r'href="(/rekap/ppwp/317101/berita-acara/1)" class="zoomable"', page.text)
    assert photo is not None
    image = site.get(photo.group(1))
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert site.get("/rekap/ppwp/317101/berita-acara/2").status_code == 404
    # the kab/kota carries 7 more invalid votes up: its row differs from the kecamatan's own record
    recap.lock(engine, reference, None, "ppk", "ppwp", "317101")
    record_as_published(engine, reference, "ppwp", "317201", official(Role.PPK, "317201"))

    def plant_up(rows: dict[str, Any]) -> None:
        rows["317101"]["suara_tidak_sah"] += 7
        rows["317101"]["pengguna_total_j"] += 7

    record_as_published(engine, reference, "ppwp", "3171", official(Role.KPU_KABKOTA, "3171"), change=plant_up)
    kabkota = site.get("/rekap/ppwp/3171")
    gambir = text_of(kabkota.text.split('id="baris-317101"')[1].split("</details>")[0])
    assert "Suara tidak sah" in gambir and "+7" in gambir and "\u221240" in gambir and "+40" in gambir
    summary = text_of(kabkota.text.split('class="recap-rows"')[1].split("</table>")[0])
    assert "GAMBIR" in summary and "ditetapkan" in summary  # the status of the tier below
    recap.reopen(engine, reference, KPU_RI, "ppwp", "3171", "salah tulis suara tidak sah")
    reopened = text_of(site.get("/rekap/ppwp/3171").text)
    assert "Dibuka kembali oleh KPU_RI:kpu-ri" in reopened and "salah tulis suara tidak sah" in reopened
    english = text_of(site.get("/rekap/ppwp/3171?lang=en").text)
    assert "The official recapitulation as recorded, not the preliminary publication" in english
    assert "Difference from the tier below" in english and "Reason of the latest reopening" in english
    site.cookies.clear()


def test_the_discrepancy_report_largest_first_a_page_at_a_time(site, counted, monkeypatch):  # noqa: F811
    engine, reference = counted

    def plant_more(rows: dict[str, Any]) -> None:
        plant(rows)
        rows["3171011001"]["suara"]["3"] += 3
        rows["3171011001"]["suara"]["2"] -= 3

    record_as_published(engine, reference, "ppwp", "317101", official(Role.PPK, "317101"), change=plant_more)
    page = site.get("/selisih/ppwp/31")
    words = text_of(page.text)
    assert "2 selisih; ditampilkan 1-2" in words
    assert words.index("CIDENG 3171011002 80") < words.index("GAMBIR 3171011001 6")  # largest first
    assert "1. ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR: +40" in words
    assert 'href="/api/v1/discrepancies/ppwp/31.csv"' in page.text and 'href="/api/v1/discrepancies/ppwp/31' in page.text
    assert 'href="/rekap/ppwp/317101#baris-3171011002"' in page.text
    monkeypatch.setattr(recap_pages, "PER_PAGE", 1)
    second = site.get("/selisih/ppwp/31?hal=2")
    assert "2 selisih; ditampilkan 2-2" in text_of(second.text) and "GAMBIR 3171011001 6" in text_of(second.text)
    assert 'href="?hal=1"' in second.text and "Halaman 2 dari 2" in second.text
    assert "CIDENG" not in text_of(second.text).split("Rincian")[1]
    assert "Discrepancy report" in site.get("/selisih/ppwp/31?hal=2&lang=en").text
    site.cookies.clear()
    desa = text_of(site.get("/selisih/ppwp/3171011002").text)
    assert "1 selisih" in desa and "CIDENG 3171011002 80" in desa
    assert "Tidak ada selisih" in site.get("/selisih/ppwp/32").text


@pytest.mark.parametrize(("path", "status"), [
    ("/rekap/nope/317101", 404), ("/rekap/ppwp/3171011001", 422), ("/rekap/pdprdk/31", 404),
    ("/rekap/ppwp/99", 422), ("/rekap/ppwp/317101/berita-acara/0", 422), ("/rekap/ppwp/317101/berita-acara/1", 404),
    ("/selisih/ppwp/33", 404), ("/selisih/nope/0", 404), ("/selisih/ppwp/31?hal=0", 422),
    ("/selisih/pkwkp-32/31", 404),
])
def test_refusals_are_pages_in_words(site, path, status):
    page = site.get(path)
    assert page.status_code == status, path
    assert page.headers["content-type"].startswith("text/html") and 'href="/wilayah/ppwp/0"' in page.text


def test_a_box_being_rebuilt_is_served_as_it_was_and_statuses_are_read_once_per_stamp(counted):  # noqa: F811
    from suara.web.recap_watch import RegionRecap

    engine, reference = counted
    watch = RecapWatch()
    old = RegionRecap("D Hasil Nasional", "recorded", False, False, 3, "r1")
    assert watch.stale_box("ppwp", "0") is None  # nothing kept: this request builds it
    watch.keep_box("ppwp", "0", old, "1:a:1", 7)
    assert watch.cached_box("ppwp", "0", "1:a:1", 7) is old and watch.cached_box("ppwp", "0", "2:b:2", 7) is None
    assert watch.stale_box("ppwp", "0") is None  # the stamp moved: the first reader rebuilds it...
    assert watch.stale_box("ppwp", "0") is old  # ...and the others meanwhile get the box as it was
    watch.gave_up("ppwp", "0")
    assert watch.stale_box("ppwp", "0") is None  # a failed rebuild leaves it to the next reader
    with engine.connect() as conn:
        assert watch.statuses(conn, "ppwp", "s1") == {}
    record_as_published(engine, reference, "ppwp", "317101", official(Role.PPK, "317101"), lock=False)
    with engine.connect() as conn:
        assert watch.statuses(conn, "ppwp", "s1") == {}  # the same stamp: what was read
        assert watch.statuses(conn, "ppwp", "s2") == {"317101": "recorded"}
