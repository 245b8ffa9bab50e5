"""The officials' recapitulation screens on SQLite and PostgreSQL: a plenary's own tiers, a tier's
D Hasil recorded through the screen (prefilled from the publication, with the minutes photo),
closed by the plenary's decision, reopened by KPU RI; and every refusal shown in words with its
status (outside one's region 403, tiers below not closed 409, bad boxes 422)."""

from __future__ import annotations

import html as html_text
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import csrf_of
from PIL import Image
from test_recap import KPU_RI, PPWP_TIERS, counted, official, published, record_as_published  # noqa: F401

from suara.domain.access import Role
from suara.publish import recap_docs
from suara.services import recap
from suara.services.accounts import create_account
from suara.store import recap as recap_store
from suara.web.recap_watch import RecapWatch

PASSWORD = "rahasia-sekali-123"


@pytest.fixture
def site(counted, db_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:  # noqa: F811
    from fastapi.testclient import TestClient

    from suara.api.app import create_app

    monkeypatch.setenv("SUARA_BLOBS_URL", str(tmp_path / "blobs"))
    with TestClient(create_app(db_url)) as client:
        client.app.state.recap_watch = RecapWatch(ttl=0)
        yield client


def sign_in(client: Any, engine: Any, role: Role, scope: str) -> str:
    username = f"{role.value.lower()}-{scope.lower()}"
    create_account(engine, username, PASSWORD, role, scope, "test")
    client.cookies.clear()
    token = csrf_of(client.get("/ui/login").text)
    answer = client.post("/ui/login", data={"csrf": token, "username": username, "password": PASSWORD},
                         follow_redirects=False)
    assert answer.status_code == 303
    return username


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html_text.unescape(re.sub(r"<[^>]+>", " ", page)))


def boxes_of(page: str) -> dict[str, str]:
    """The form's number boxes as the browser would send them."""
    return dict(re.findall(r'name="(v\.[^"]+)" value="([^"]*)"', page))


def error_of(page: str) -> str:
    return text_of(page.split('id="error"')[1].split("</div>")[0].split("</p>")[0])


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (150, 120, 90)).save(out, "JPEG")
    return out.getvalue()


def test_a_ppk_records_its_kecamatan_through_the_screen_and_closes_it(site, counted):  # noqa: F811
    engine, reference = counted
    sign_in(site, engine, Role.PPK, "317101")
    listing = site.get("/ui/rekap")
    assert listing.status_code == 200
    assert "D Hasil Kecamatan GAMBIR" in text_of(listing.text.split('id="own-heading"')[1].split("</h2>")[0])
    tiers = text_of(listing.text.split('id="tiers"')[1].split("</ul>")[0])
    assert "Pemilihan Presiden dan Wakil Presiden 2024 Status: belum dicatat · tingkat bawah: tidak ada " \
           "(dicatat dari formulir C Hasil)" in tiers
    assert "Pemilihan Anggota DPR RI 2024" in tiers
    assert 'href="/ui/rekap/ppwp/317101"' in listing.text

    form = site.get("/ui/rekap/ppwp/317101")
    assert form.status_code == 200
    assert "Diisi dari jumlah formulir C Hasil; ubah sesuai berita acara pleno." in text_of(form.text)
    fields = boxes_of(form.text)
    line = published(engine, reference, "ppwp", "317101")
    assert fields["v.3171011002.s1"] == str(line["rows"]["3171011002"]["suara"]["1"])
    assert fields["v.3171011001.sah"] == str(line["rows"]["3171011001"]["suara_sah"])
    assert "1. ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR" in form.text  # names, not keys
    # the plenary moved 40 votes at Cideng; with the photo of its minutes
    fields["v.3171011002.s1"] = str(int(fields["v.3171011002.s1"]) + 40)
    fields["v.3171011002.s2"] = str(int(fields["v.3171011002.s2"]) - 40)
    sent = site.post("/ui/rekap/ppwp/317101", data={"csrf": csrf_of(form.text), **fields},
                     files={"minutes": ("ba.jpg", jpeg(), "image/jpeg")})
    assert sent.status_code == 200, error_of(sent.text) if 'id="error"' in sent.text else sent.text[-500:]
    assert "Rekapitulasi dicatat sebagai revisi 1" in text_of(sent.text)
    stored = recap_store.get(engine, "ppwp", "317101")
    assert stored is not None and stored.recorded_by == "PPK:ppk-317101" and stored.minutes_public_sha256
    assert stored.rows["3171011002"].votes["1"] == line["rows"]["3171011002"]["suara"]["1"] + 40
    assert "Diisi dari rekapitulasi yang tercatat (revisi 1)" in text_of(sent.text)
    assert site.get("/rekap/ppwp/317101/berita-acara/1").headers["content-type"] == "image/jpeg"
    assert "GAMBIR: dicatat" in text_of(site.get("/wilayah/ppwp/317101").text)

    # closing needs the plenary's decision said out loud
    unticked = site.post("/ui/rekap/ppwp/317101/kunci", data={"csrf": csrf_of(sent.text)})
    assert unticked.status_code == 422 and "centang pernyataan" in error_of(unticked.text)
    closed = site.post("/ui/rekap/ppwp/317101/kunci", data={"csrf": csrf_of(sent.text), "pleno": "1"})
    assert closed.status_code == 200 and "Rekapitulasi revisi 1 ditetapkan (dikunci)." in text_of(closed.text)
    assert 'id="rekap"' not in closed.text and "Perubahan perlu dibuka kembali oleh KPU RI" in closed.text
    assert "GAMBIR: ditetapkan" in text_of(site.get("/wilayah/ppwp/317101").text)
    again = site.post("/ui/rekap/ppwp/317101", data={"csrf": csrf_of(closed.text), **fields})
    assert again.status_code == 409 and "sudah ditetapkan (dikunci)" in error_of(again.text)
    assert recap_store.get(engine, "ppwp", "317101").revision == 1  # nothing changed


def test_bad_boxes_are_refused_in_words_beside_the_form(site, counted):  # noqa: F811
    engine, _ = counted
    sign_in(site, engine, Role.PPK, "317101")
    form = site.get("/ui/rekap/ppwp/317101")
    fields = boxes_of(form.text)
    token = csrf_of(form.text)
    anies = "CIDENG (3171011002), 1. ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR"
    cases = [
        ({"v.3171011002.s1": "12a"}, f"{anies}: harus bilangan bulat"),
        ({"v.3171011002.s1": ""}, f"{anies}: harus bilangan bulat 0..9999999000, bukan kosong"),
        ({"v.3171011002.s1": str(int(fields["v.3171011002.s1"]) + 1)}, "CIDENG (3171011002): suara sah"),
        ({"v.3172011001.s1": "5"}, "isian 'v.3172011001.s1' bukan bagian formulir tingkat ini"),
    ]
    for change, words in cases:
        refused = site.post("/ui/rekap/ppwp/317101", data={"csrf": token, **fields, **change})
        assert refused.status_code == 422, (change, refused.text[-300:])
        assert words in error_of(refused.text), error_of(refused.text)
        assert 'id="rekap"' in refused.text  # the form is still there, with what was typed
        if change.get("v.3171011002.s1"):
            assert boxes_of(refused.text)["v.3171011002.s1"] == change["v.3171011002.s1"]
    missing = dict(fields)
    missing.pop("v.3171011001.tidak_sah")
    refused = site.post("/ui/rekap/ppwp/317101", data={"csrf": token, **missing})
    assert refused.status_code == 422 and "GAMBIR (3171011001), Suara tidak sah: isian tidak ada" in error_of(refused.text)
    forged = site.post("/ui/rekap/ppwp/317101", data={"csrf": "palsu", **fields})
    assert forged.status_code == 403 and "CSRF" in forged.json()["error"]["message"]
    assert recap_store.get(engine, "ppwp", "317101") is None


def test_outside_its_region_and_before_the_tiers_below_close(site, counted):  # noqa: F811
    engine, reference = counted
    sign_in(site, engine, Role.PPK, "320101")
    other = site.get("/ui/rekap/ppwp/317101")
    assert other.status_code == 403 and "tidak memimpin rapat pleno rekapitulasi wilayah 317101" in error_of(other.text)
    own = site.get("/ui/rekap/ppwp/320101")
    fields = boxes_of(own.text)
    posted = site.post("/ui/rekap/ppwp/317101", data={"csrf": csrf_of(own.text), **fields})
    assert posted.status_code == 403 and "tidak memimpin rapat pleno" in error_of(posted.text)
    locked = site.post("/ui/rekap/ppwp/317101/kunci", data={"csrf": csrf_of(own.text), "pleno": "1"})
    assert locked.status_code == 403
    assert recap_store.get(engine, "ppwp", "317101") is None
    sign_in(site, engine, Role.KPPS, "3171011001001")
    assert site.get("/ui/rekap").status_code == 403

    # the kab/kota waits for its kecamatan: told which, and refused with 409 in words
    record_as_published(engine, reference, "ppwp", "317101", official(Role.PPK, "317101"), lock=False)
    sign_in(site, engine, Role.KPU_KABKOTA, "3171")
    listing = text_of(site.get("/ui/rekap").text)
    assert "Status: belum dicatat · tingkat bawah: 1 belum ditetapkan" in listing
    form = site.get("/ui/rekap/ppwp/3171")
    waiting = text_of(form.text.split('id="waiting"')[1].split("</div>")[0])
    assert "belum ditetapkan untuk 1 wilayah" in waiting and "GAMBIR (317101): dicatat" in waiting
    refused = site.post("/ui/rekap/ppwp/3171", data={"csrf": csrf_of(form.text), **boxes_of(form.text)})
    assert refused.status_code == 409
    assert "rekapitulasi tingkat di bawahnya belum ditetapkan (dikunci) untuk 1 wilayah, antara lain 317101" in \
        error_of(refused.text)
    recap.lock(engine, reference, None, "ppk", "ppwp", "317101")
    form = site.get("/ui/rekap/ppwp/3171")
    assert 'id="waiting"' not in form.text
    recorded = site.post("/ui/rekap/ppwp/3171", data={"csrf": csrf_of(form.text), **boxes_of(form.text)})
    assert recorded.status_code == 200 and "revisi 1" in text_of(recorded.text)
    assert "semua ditetapkan" in text_of(site.get("/ui/rekap").text)


def test_kpu_ri_closes_the_nation_and_reopens_a_tier_with_a_reason(site, counted):  # noqa: F811
    engine, reference = counted

    def plant(rows: dict[str, Any]) -> None:
        rows["3171011002"]["suara"]["1"] += 40
        rows["3171011002"]["suara"]["2"] -= 40

    for kode, who in PPWP_TIERS:
        record_as_published(engine, reference, "ppwp", kode, who, change=plant if kode == "317101" else None)
    sign_in(site, engine, Role.KPU_RI, "0")
    listing = site.get("/ui/rekap")
    tiers = text_of(listing.text.split('id="tiers"')[1].split("</ul>")[0])
    assert "D Hasil Nasional INDONESIA" in listing.text
    assert "Pemilihan Presiden dan Wakil Presiden 2024 Status: belum dicatat · tingkat bawah: semua ditetapkan" in tiers
    queue = text_of(listing.text.split('id="queue"')[1].split("</table>")[0])
    assert "D Hasil Kecamatan GAMBIR" in queue and 'href="/ui/rekap/ppwp/317101"' in listing.text
    nation = site.get("/ui/rekap/ppwp/0")
    closed = site.post("/ui/rekap/ppwp/0", data={"csrf": csrf_of(nation.text), **boxes_of(nation.text)})
    assert closed.status_code == 200
    locked = site.post("/ui/rekap/ppwp/0/kunci", data={"csrf": csrf_of(closed.text), "pleno": "1"})
    assert "ditetapkan (dikunci)" in text_of(locked.text)
    with engine.connect() as conn:
        assert recap_docs.certified(conn, reference.scope(reference.contest("ppwp")))
    assert "hasil resmi" in text_of(site.get("/wilayah/ppwp/0").text)

    # KPU RI opens another tier's screen: no form to record it, the reopen form instead
    kecamatan = site.get("/ui/rekap?contest=ppwp&kode=317101", follow_redirects=True)
    assert 'id="rekap"' not in kecamatan.text and 'id="reopen"' in kecamatan.text
    short = site.post("/ui/rekap/ppwp/317101/buka", data={"csrf": csrf_of(kecamatan.text), "alasan": "x"})
    assert short.status_code == 422 and "alasan wajib diisi, 5-1000 karakter" in error_of(short.text)
    under = site.post("/ui/rekap/ppwp/317101/buka", data={"csrf": csrf_of(kecamatan.text),
                                                           "alasan": "selisih 40 suara di Cideng"})
    assert under.status_code == 409 and "tingkat atasnya (3171) sudah ditetapkan" in error_of(under.text)
    for kode in ("0", "31", "3171"):
        screen = site.get(f"/ui/rekap/ppwp/{kode}")
        opened = site.post(f"/ui/rekap/ppwp/{kode}/buka", data={"csrf": csrf_of(screen.text),
                                                                 "alasan": "selisih 40 suara di Cideng"})
        assert opened.status_code == 200 and "dibuka kembali" in text_of(opened.text), kode
    reopened = site.post("/ui/rekap/ppwp/317101/buka", data={"csrf": csrf_of(kecamatan.text),
                                                              "alasan": "selisih 40 suara di Cideng"})
    assert reopened.status_code == 200 and "Dibuka kembali oleh KPU_RI:kpu_ri-0" in text_of(reopened.text)
    assert recap_store.get(engine, "ppwp", "317101").status == recap_store.RECORDED
    assert "selisih 40 suara di Cideng" in site.get("/rekap/ppwp/317101").text
    # a PPK cannot reopen
    sign_in(site, engine, Role.PPK, "317101")
    screen = site.get("/ui/rekap/ppwp/317101")
    assert 'id="reopen"' not in screen.text and 'id="rekap"' in screen.text
    refused = site.post("/ui/rekap/ppwp/317101/buka", data={"csrf": csrf_of(screen.text), "alasan": "coba buka"})
    assert refused.status_code == 403 and "hanya KPU RI" in error_of(refused.text)


def test_party_list_and_overseas_tiers_through_the_screen(site, counted):  # noqa: F811
    engine, reference = counted
    sign_in(site, engine, Role.PPK, "317101")
    form = site.get("/ui/rekap/pdpr/317101")
    fields = boxes_of(form.text)
    line = published(engine, reference, "pdpr", "317101")
    block = line["rows"]["3171011001"]["partai"]["1"]
    assert fields["v.3171011001.p1"] == str(block["suara_partai"]) and fields["v.3171011001.j1"] == str(block["jumlah"])
    for caleg_id, votes in block["caleg"].items():
        assert fields[f"v.3171011001.c1.{caleg_id}"] == str(votes)
    assert "Suara partai saja" in form.text and "JOKO PDPR 3102 P1 N1" in form.text
    sent = site.post("/ui/rekap/pdpr/317101", data={"csrf": csrf_of(form.text), **fields})
    assert sent.status_code == 200, error_of(sent.text) if 'id="error"' in sent.text else ""
    with engine.connect() as conn:
        assert recap_docs.discrepancies(conn, reference, "pdpr", "317101") == []  # as published
    wrong = dict(fields, **{"v.3171011001.j1": str(int(fields["v.3171011001.j1"]) + 1)})
    refused = site.post("/ui/rekap/pdpr/317101", data={"csrf": csrf_of(sent.text), **wrong})
    assert refused.status_code == 422 and "GAMBIR (3171011001)" in error_of(refused.text)
    assert 'class="child error-row" id="row-3171011001"' in refused.text

    sign_in(site, engine, Role.PPLN, "99AG")
    listing = text_of(site.get("/ui/rekap").text)
    assert "D Hasil PPLN Kuala Lumpur, Malaysia" in listing and "Status: belum dicatat" in listing
    stations = site.get("/ui/rekap/ppwp/99AG")
    fields = boxes_of(stations.text)
    assert {name.split(".")[1] for name in fields} == {"99AG010001001", "99AG010001002"}
    sent = site.post("/ui/rekap/ppwp/99AG", data={"csrf": csrf_of(stations.text), **fields})
    assert sent.status_code == 200 and recap_store.get(engine, "ppwp", "99AG") is not None
