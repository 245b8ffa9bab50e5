"""The operators' entry screen over HTTP: session, CSRF, live rule checks, the policy's outcome."""

from __future__ import annotations

import io
import re

import pytest
from helpers import count_rows, csrf_of, fields_of, ppwp_form
from PIL import Image

from suara.domain.access import Role
from suara.domain.policy import Policy
from suara.services.accounts import create_account
from suara.store.schema import corrections

PASSWORD = "rahasia-sekali-123"
TPS = "3171011001001"


@pytest.fixture
def browser(client, engine):
    create_account(engine, "kpps-gambir", PASSWORD, Role.KPPS, TPS, "test")
    page = client.get("/ui/login")
    assert page.status_code == 200 and "Kata sandi" in page.text
    response = client.post("/ui/login", data={"csrf": csrf_of(page.text), "username": "kpps-gambir",
                                              "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ui"  # the KPPS's home
    return client


def entry_page(client):
    page = client.get("/ui/entry")
    assert page.status_code == 200
    return page.text, csrf_of(page.text), re.search(r'name="key" value="([^"]+)"', page.text).group(1)


def test_the_screen_needs_a_session_and_a_csrf_token(client, engine):
    assert client.get("/ui/entry", follow_redirects=False).headers["location"] == "/ui/login"
    create_account(engine, "kpps-gambir", PASSWORD, Role.KPPS, TPS, "test")
    client.get("/ui/login")
    refused = client.post("/ui/login", data={"csrf": "forged", "username": "kpps-gambir", "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
    token = csrf_of(client.get("/ui/login").text)
    wrong = client.post("/ui/login", data={"csrf": token, "username": "kpps-gambir", "password": "salah-sekali"})
    assert wrong.status_code == 401 and "kata sandi salah" in wrong.text
    page = client.get("/ui/login")
    assert "content-security-policy" in page.headers and "script-src 'self'" in page.headers["content-security-policy"]


def test_rules_are_shown_while_typing(browser):
    page, csrf, _ = entry_page(browser)
    assert "ANIES RASYID BASWEDAN" in page and 'name="suara_3"' in page and "GAMBIR" in page
    doc = ppwp_form(TPS, (117, 100, 20))
    doc["suara_sah"] = 999
    answer = browser.post("/ui/check", json={"contest": "ppwp", "tps": TPS, "fields": fields_of(doc)},
                          headers={"X-CSRF-Token": csrf}).json()
    assert {f["rule"] for f in answer["flags"]} == {"R8", "R9"}
    assert any(f["judul"] == "Jumlah suara sah tidak sama dengan jumlah perolehan paslon" for f in answer["flags"])
    clean = browser.post("/ui/check", json={"contest": "ppwp", "tps": TPS, "fields": fields_of(ppwp_form(TPS))},
                         headers={"X-CSRF-Token": csrf}).json()
    assert clean["flags"] == [] and clean["outcome"] == "Data Sudah Terkirim"
    typo = browser.post("/ui/check", json={"contest": "ppwp", "tps": TPS,
                                           "fields": dict(fields_of(ppwp_form(TPS)), suara_1="6l7")},
                        headers={"X-CSRF-Token": csrf}).json()
    assert "suara.1" in typo["error"]["message"]
    assert browser.post("/ui/check", json={"contest": "ppwp", "tps": TPS, "fields": {}}).status_code == 403


def test_sending_shows_the_outcome_of_the_policy(browser, engine):
    browser.app.state.policy = Policy.STRICT
    _, csrf, key = entry_page(browser)
    broken = ppwp_form(TPS, (117, 100, 20))
    broken["suara_sah"] = 999
    refused = browser.post("/ui/submit", data={"csrf": csrf, "contest": "ppwp", "tps": TPS, "key": key,
                                               **fields_of(broken)})
    assert refused.status_code == 422 and "Data Tidak Terkirim" in refused.text and ">R8</code>" in refused.text
    assert "Jumlah suara sah (999) tidak sama dengan jumlah suara semua pasangan calon (237)" in refused.text
    assert '#f-suara_1">Suara 1. ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR</a>' in refused.text
    assert count_rows(engine) == 0
    noted = ppwp_form(TPS, (117, 100, 20))
    noted["administrasi"]["surat_suara_digunakan"] += 1
    noted["administrasi"]["surat_suara_tidak_digunakan"] -= 1
    response = browser.post("/ui/submit", data={"csrf": csrf, "contest": "ppwp", "tps": TPS, "key": key,
                                                **fields_of(noted)})
    assert response.status_code == 200 and "Data Sudah Terkirim, dengan Catatan</h1>" in response.text
    # the result points at the boxes to look at, by the form's labels, each linked to its box on the form
    assert "Surat suara digunakan (241) tidak sama dengan jumlah pengguna hak pilih (jumlah: 240)" in response.text
    back = f"/ui/entry?contest=ppwp&amp;tps={TPS}"
    assert (f'Periksa kotak: <a href="{back}#f-surat_suara_digunakan">Surat suara digunakan</a>; '
            f'<a href="{back}#f-pengguna_total_j">Jumlah pengguna hak pilih (jumlah)</a>') in response.text
    again = browser.post("/ui/submit", data={"csrf": csrf, "contest": "ppwp", "tps": TPS, "key": key,
                                             **fields_of(noted)})
    assert again.status_code == 200 and count_rows(engine) == 1  # the same page sent twice is stored once
    _, csrf, key = entry_page(browser)
    image = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 10, 10)).save(image, "JPEG")
    resent = browser.post("/ui/submit", data={"csrf": csrf, "contest": "ppwp", "tps": TPS, "key": key,
                                              **fields_of(ppwp_form(TPS, (17, 100, 20)))},
                          files={"page2": ("c1.jpg", image.getvalue(), "image/jpeg")})
    # other numbers for a TPS already published: a correction proposal, nothing published changes
    assert resent.status_code == 200 and "usulan koreksi" in resent.text and "KPU RI" in resent.text
    assert count_rows(engine) == 1 and count_rows(engine, corrections) == 1


def test_bad_sends_change_nothing(browser, engine):
    _, csrf, key = entry_page(browser)
    fields = fields_of(ppwp_form(TPS))
    assert browser.post("/ui/submit", data={"contest": "ppwp", "tps": TPS, "key": key, **fields}).status_code == 403
    other = browser.post("/ui/submit", data={"csrf": csrf, "contest": "ppwp", "tps": "3171011001002", "key": key,
                                             **fields})
    assert other.status_code == 403
    fake = browser.post("/ui/submit", data={"csrf": csrf, "contest": "ppwp", "tps": TPS, "key": key, **fields},
                        files={"page1": ("c1.jpg", b"bukan foto", "image/jpeg")})
    assert fake.status_code == 422 and "Data Tidak Terkirim" in fake.text
    assert browser.get("/ui/entry", params={"tps": "3171011001002"}).status_code == 403
    assert count_rows(engine) == 0
