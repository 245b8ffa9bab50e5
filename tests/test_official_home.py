"""Each role's home page after login (/ui), the correction form prefilled beside its photos for
every ballot shape, and a proposal read side by side and decided (/ui/corrections/{id}), over
HTTP on the small whole Pemilu (officials_scenario.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import csrf_of, ppwp_form
from officials_scenario import GAMBIR_TPS, PASSWORD, principal, record_gambir_tier, seed
from test_legislative_results import weighted_form

from suara.api.app import create_app
from suara.api.limits import Rate
from suara.domain.access import Role
from suara.domain.policy import Policy
from suara.services import corrections, recap
from suara.services.accounts import create_account
from suara.services.submission import Submission, submit_forms
from suara.tally.fold import fold_all
from suara.tally.queries import versions_of
from suara.web.entry import fields_of


class Cards(HTMLParser):
    """The text of every `li.card` by its data-contest (or data-id), nested lists included."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, str] = {}
        self._open: list[str | None] = []  # per open <li>: the card it starts, if any

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_data(" ")  # the text of two cells, not one word
        if tag == "li":
            found = dict(attrs)
            key = found.get("data-contest") or found.get("data-id")
            self._open.append(key if "card" in (found.get("class") or "") else None)
            if self._open[-1]:
                self.cards[str(key)] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for key in filter(None, self._open):
            self.cards[key] += data
            break

    @classmethod
    def of(cls, page: str) -> dict[str, str]:
        parser = cls()
        parser.feed(page)
        return {key: " ".join(text.split()) for key, text in parser.cards.items()}


def boxes_of(page: str) -> dict[str, str]:
    """The number boxes of an entry or correction form, as the page fills them."""
    return dict(re.findall(r'<input class="n" id="f-[^"]+" name="([^"]+)" value="([^"]*)"', page))


@pytest.fixture
def night(pemilu_engine: Any, pemilu_reference: Any, db_url: str, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("SUARA_BLOBS_URL", str(tmp_path / "blobs"))
    # officers of every role sign in here one after another from the test client's one address,
    # more than the per-address login limit lets through (tested in test_login_throttle.py)
    monkeypatch.setattr("suara.api.auth.LOGIN", Rate(per_minute=600, burst=100))
    seeded = seed(pemilu_engine, pemilu_reference, str(tmp_path / "blobs"))
    record_gambir_tier(pemilu_engine, pemilu_reference)
    with TestClient(create_app(db_url)) as client:
        yield {"client": client, "engine": pemilu_engine, "reference": pemilu_reference, **seeded}


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    token = csrf_of(client.get("/ui/login").text)
    answer = client.post("/ui/login", data={"csrf": token, "username": username, "password": PASSWORD},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui"


def home_of(client: TestClient, username: str) -> str:
    sign_in(client, username)
    page = client.get("/ui")
    assert page.status_code == 200
    return page.text


def test_a_kpps_lands_on_its_ballots_and_their_state(night):
    page = home_of(night["client"], "kpps-gambir")
    cards = Cards.of(page)
    # Jakarta counts no DPRD kab/kota; the misread presidential form carries its rules
    assert list(cards) == ["ppwp", "pdpr", "pdpd-31", "pdprdp"]
    assert "Tersimpan versi 1, dengan catatan R8, R11" in cards["ppwp"]
    assert "Tersimpan versi 1 1 usulan koreksi menunggu pengesahan KPU RI" in cards["pdpr"]  # its own re-send
    assert "Belum dikirim" in cards["pdpd-31"] and "Belum dikirim" in cards["pdprdp"]
    assert f'href="/ui/entry?contest=pdpd-31&amp;tps={GAMBIR_TPS}"' in page
    assert f'href="/tps/ppwp/{GAMBIR_TPS}"' in page and f'href="/tps/pdpd-31/{GAMBIR_TPS}"' not in page
    assert '<a href="/ui/entry">Formulir</a>' in page and "/ui/corrections" not in page
    assert night["client"].get("/ui/entry").status_code == 200  # the entry screen itself stays where it was


def test_each_official_sees_its_own_region(night):
    client, reference = night["client"], night["reference"]
    gambir = home_of(client, "ppk-gambir")
    cards = Cards.of(gambir)
    assert list(cards) == ["ppwp", "pdpr", "pdpd-31", "pdprdp"]  # no Pilkada: Jakarta holds none here
    assert "Masuk 2 dari 6 TPS (33,33%)" in cards["ppwp"] and "Masuk 1 dari 6 TPS (16,67%)" in cards["pdpr"]
    assert "TPS bercatatan 1" in cards["ppwp"] and "R8 Jumlah suara sah tidak sama" in cards["ppwp"]
    assert f'<a href="/tps/ppwp/{GAMBIR_TPS}">{GAMBIR_TPS}</a>' in gambir  # the flagged TPS on the portal
    assert f'href="/ui/correct?tps={GAMBIR_TPS}&amp;contest=ppwp"' in gambir
    assert "Koreksi menunggu 1" in cards["pdpr"] and "Pengaduan terbuka 1" in cards["ppwp"]
    assert "Rekapitulasi D Hasil Kecamatan: dicatat, belum ditetapkan" in cards["ppwp"]
    assert "D Hasil Kecamatan: belum dicatat" in cards["pdpr"]
    assert 'id="waiting-total">1<' in gambir and 'id="open-total">1<' in gambir
    for nav in ('href="/ui/corrections"', 'href="/ui/complaints"', 'href="/ui/rekap"', 'action="/ui/logout"'):
        assert nav in gambir

    cibinong = home_of(client, "ppk-cibinong")
    cards = Cards.of(cibinong)
    assert list(cards) == ["ppwp", "pdpr", "pdpd-32", "pdprdp", "pdprdk", "pkwkp-32", "pkwkk-3201"]
    assert "Masuk 1 dari 5 TPS (20,00%)" in cards["ppwp"] and "TPS bercatatan 0" in cards["ppwp"]
    assert "Masuk 0 dari 3 TPS" in cards["pkwkk-3201"]  # the Pilkada's own, shorter TPS list
    assert 'id="waiting-total">0<' in cibinong and 'id="open-total">0<' in cibinong
    assert GAMBIR_TPS not in cibinong and "GAMBIR" not in cibinong
    assert reference.scope(reference.contest("pkwkk-3201")).tps_total("320101") == 3

    jakpus = Cards.of(home_of(client, "kpu-jakpus"))
    assert "Rekapitulasi D Hasil Kabupaten/Kota: belum dicatat; tingkat bawah: 1 dari 1 belum ditetapkan" \
        in jakpus["ppwp"]
    dki = Cards.of(home_of(client, "kpu-dki"))
    assert "Masuk 2 dari 8 TPS (25,00%)" in dki["ppwp"] and "Koreksi menunggu 1" in dki["pdpr"]
    assert "D Hasil Provinsi: belum dicatat; tingkat bawah: 2 dari 2 belum ditetapkan" in dki["ppwp"]

    ppk = principal("ppk-gambir")
    recap.lock(night["engine"], reference, ppk, ppk.actor, "ppwp", "317101")  # the plenary closes its tier
    assert "D Hasil Kecamatan: ditetapkan (dikunci); tingkat bawah: tidak ada (dicatat dari formulir C Hasil)" \
        in Cards.of(home_of(client, "ppk-gambir"))["ppwp"]
    assert "D Hasil Kabupaten/Kota: belum dicatat; tingkat bawah: semua ditetapkan" \
        in Cards.of(home_of(client, "kpu-jakpus"))["ppwp"]


def test_observers_and_the_ppln_read_without_the_officials_screens(night):
    client = night["client"]
    ppln = home_of(client, "ppln-kl")
    cards = Cards.of(ppln)
    assert list(cards) == ["ppwp", "pdpr"]
    assert "Masuk 1 dari 2 TPS (50,00%)" in cards["ppwp"] and "D Hasil PPLN: belum dicatat" in cards["ppwp"]
    assert "/ui/corrections" not in ppln and "/ui/complaints" not in ppln and 'href="/ui/rekap"' in ppln
    saksi = home_of(client, "saksi-gambir")
    cards = Cards.of(saksi)
    assert "Masuk 2 dari 6 TPS" in cards["ppwp"] and "TPS bercatatan 1" in cards["ppwp"]
    assert "Koreksi menunggu" not in cards["ppwp"] and "Rekapitulasi" not in saksi
    assert "/ui/correct" not in saksi and "/ui/complaints" not in saksi
    assert client.get("/ui/corrections").status_code == 403
    create_account(night["engine"], "saksi-tps", PASSWORD, Role.SAKSI, GAMBIR_TPS, "test")
    watching = home_of(client, "saksi-tps")  # a witness of one TPS: its ballots, no form to fill
    assert "Tersimpan versi 1, dengan catatan R8, R11" in Cards.of(watching)["ppwp"]
    assert "/ui/entry" not in watching and f'href="/tps/ppwp/{GAMBIR_TPS}"' in watching


def test_kpu_ri_lands_on_its_authorisation_queue_then_the_nation(night):
    page = home_of(night["client"], "kpu-ri")
    assert page.index("Antrean pengesahan koreksi (1)") < page.index("Pemilihan di seluruh wilayah")
    queue = Cards.of(page)[str(night["resend"])]
    assert "Pemilihan Anggota DPR RI 2024" in queue and "TPS 001 GAMBIR" in queue
    assert "Diusulkan oleh KPPS kpps-gambir (dikirim ulang dari TPS)" in queue
    assert f'href="/ui/corrections/{night["resend"]}"' in page
    cards = Cards.of(page)
    assert "Masuk 4 dari 20 TPS (20,00%)" in cards["ppwp"]
    assert "DKI JAKARTA" in cards["pdpd-31"] and "BOGOR" in cards["pkwkk-3201"]
    assert "D Hasil Nasional: belum dicatat; tingkat bawah: 4 dari 4 belum ditetapkan" in cards["ppwp"]


def test_pages_without_a_session_or_for_nothing(night):
    client = night["client"]
    assert client.get("/ui", follow_redirects=False).headers["location"] == "/ui/login"
    assert client.get("/ui/corrections/1", follow_redirects=False).headers["location"] == "/ui/login"
    sign_in(client, "kpu-ri")
    missing = client.get("/ui/corrections/999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_correction"
    assert client.get("/ui/corrections/0").status_code == 422
    assert client.get("/ui/corrections/satu").status_code == 422


def test_the_correction_form_is_prefilled_for_every_ballot_shape_beside_its_photos(night):
    client, engine, reference = night["client"], night["engine"], night["reference"]
    dpd = ppwp_form(GAMBIR_TPS, (30, 20, 10), contest="pdpd-31")
    pilkada = ppwp_form("3201011001001", (140, 90), contest="pkwkp-32")
    bogor_dprd = weighted_form(reference, "pdprdk", "3201011001001", {"2": 4, "4": 1})
    sent = submit_forms(engine, reference, [Submission(d, f"prefill:{n}") for n, d in enumerate((dpd, pilkada, bogor_dprd))],
                        Policy.AS_IS)
    assert all(getattr(result, "version_id", None) for result in sent), sent
    fold_all(engine)
    with engine.connect() as conn:
        stored = {(c, t): versions_of(conn, c, t)[-1].form for c, t in (
            ("ppwp", GAMBIR_TPS), ("pdpr", GAMBIR_TPS), ("pdpd-31", GAMBIR_TPS), ("pkwkp-32", "3201011001001"),
            ("pdprdk", "3201011001001"))}
    sign_in(client, "kpu-dki")
    for contest in ("ppwp", "pdpr", "pdpd-31"):
        page = client.get("/ui/correct", params={"tps": GAMBIR_TPS, "contest": contest}).text
        assert boxes_of(page) == {**{name: "" for name in boxes_of(page)}, **fields_of(stored[(contest, GAMBIR_TPS)])}
        assert 'id="prefilled">Kotak terisi angka versi 1 yang dipublikasikan' in page
    ppwp = client.get("/ui/correct", params={"tps": GAMBIR_TPS, "contest": "ppwp"}).text
    photos = re.findall(r'<a href="(/api/v1/photos/[0-9a-f]{64})" class="zoomable"><img src="\1" '
                        r'alt="Foto halaman (\d) formulir C Hasil"', ppwp)
    assert [page for _, page in photos] == ["1", "2", "3"]
    assert client.get(photos[0][0]).headers["content-type"] == "image/jpeg"
    assert '<script src="/static/portal.js" defer>' in ppwp  # the portal's zoom
    dpr = client.get("/ui/correct", params={"tps": GAMBIR_TPS, "contest": "pdpr"}).text
    # the pages of the sheet printed for this TPS's dapil (its parties fill two), no more
    assert re.findall(r"Halaman (\d): belum ada foto", dpr) == ["1", "2"] and 'name="dapil" value="3102"' in dpr
    sign_in(client, "kpu-ri")  # not a proposer: the form is not its to open
    assert client.get("/ui/correct", params={"tps": GAMBIR_TPS}).status_code == 403
    sign_in(client, "ppk-cibinong")
    for contest in ("pkwkp-32", "pdprdk"):
        page = client.get("/ui/correct", params={"tps": "3201011001001", "contest": contest}).text
        assert boxes_of(page) == {**{name: "" for name in boxes_of(page)},
                                  **fields_of(stored[(contest, "3201011001001")])}
    empty = client.get("/ui/correct", params={"tps": "3201011002001", "contest": "ppwp"}).text
    assert "belum punya formulir Pemilihan Presiden dan Wakil Presiden 2024 yang dipublikasikan" in empty
    assert set(boxes_of(empty).values()) == {""}


def test_a_prefilled_correction_read_side_by_side_and_approved(night):
    client, engine = night["client"], night["engine"]
    sign_in(client, "ppk-gambir")
    form = client.get("/ui/correct", params={"tps": GAMBIR_TPS, "contest": "ppwp"}).text
    fields = {**boxes_of(form), "suara_1": "117", "contest": "ppwp", "tps": GAMBIR_TPS, "csrf": csrf_of(form),
              "reason": "angka 117 terbaca 617, lihat foto halaman 2"}
    proposed = client.post("/ui/corrections", data=fields)
    assert proposed.status_code == 200 and "Koreksi #2 diusulkan; menunggu pengesahan KPU RI." in proposed.text
    assert "Sahkan" not in proposed.text  # a PPK proposes, it does not authorise
    sign_in(client, "ppk-cibinong")
    assert client.get("/ui/corrections/2").status_code == 403  # another kecamatan's TPS

    sign_in(client, "kpu-ri")
    page = client.get("/ui/corrections/2").text
    assert "Diusulkan oleh <strong>PPK ppk-gambir</strong>" in page
    assert '<q id="reason">angka 117 terbaca 617, lihat foto halaman 2</q>' in page
    assert f'<a href="/tps/ppwp/{GAMBIR_TPS}">TPS 001 GAMBIR</a>' in page
    assert "Yang berubah (1 kotak)" in page
    assert ('<tr class="changed"><th scope="row">1. ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR <span class="mark">'
            'berubah</span></th><td class="n">617</td><td class="n new">117</td></tr>') in page
    assert '<th scope="row">Pemilih dalam DPT (laki-laki)</th><td class="n">140</td><td class="n new">140</td>' in page
    # the nation counts 617 + 50 + 90 + 5 for candidate 1 now; the correction takes 500 off
    assert ('<tr class="changed"><th scope="row">1. ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR</th>'
            '<td class="n">\u2212500</td><td class="n">762</td><td class="n new">262</td></tr>') in page
    assert "Jumlah di Nasional, kini dan sesudah koreksi disahkan" in page
    assert re.search(r'<li class="flag-hilang"><strong>R8</strong>[^<]*\(hilang dengan koreksi ini\)', page)
    assert len(re.findall(r'class="zoomable"><img src="/api/v1/photos/', page)) == 3
    decided = client.post("/ui/corrections/2/decision",
                          data={"csrf": csrf_of(page), "approve": "1", "reason": "sesuai foto halaman 2"})
    assert decided.status_code == 200 and "Koreksi #2 disahkan; angka barunya kini dipublikasikan." in decided.text
    assert 'class="state-stored">disahkan</strong> oleh KPU RI kpu-ri: <q>sesuai foto halaman 2</q>' in decided.text
    assert "Sahkan" not in decided.text and "Dibandingkan dengan versi 1" in decided.text
    again = client.post("/ui/corrections/2/decision", data={"csrf": csrf_of(page), "approve": "0",
                                                            "reason": "berubah pikiran"})
    assert again.status_code == 409
    record = client.get(f"/api/v1/tps/ppwp/{GAMBIR_TPS}").json()["current"]
    assert record["form"]["suara"]["1"] == 117 and sorted(record["photos"]) == ["1", "2", "3"]
    rejected = client.post(f"/ui/corrections/{night['resend']}/decision",
                           data={"csrf": csrf_of(page), "approve": "0", "reason": "foto tidak menunjukkan 11"})
    assert f"Koreksi #{night['resend']} ditolak; angka yang dipublikasikan tetap." in rejected.text
    listing = client.get("/ui/corrections").text
    assert "Antrean pengesahan (0)" in listing and "Sudah diputuskan (2)" in listing
    assert [c.status for c in corrections.listing(engine, principal("kpu-ri"), None)] == ["rejected", "approved"]
