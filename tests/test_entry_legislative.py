"""The entry screen's legislative forms over HTTP, on the small whole Pemilu (tests/fixtures/pemilu-*):
the ballot switch of a TPS, the party-list C Hasil of its dapil, the live rules R14/R15, the
party-list JSON stored from the screen's fields, overseas stations and the correction screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from helpers import audit_count, count_rows, csrf_of, ppwp_form
from sqlalchemy import select

from suara.api.app import create_app
from suara.domain.access import Role
from suara.domain.policy import Policy
from suara.services.accounts import create_account
from suara.store.schema import form_versions
from suara.tally.fold import fold_all
from suara.web.entry import fields_of, form_doc

PASSWORD = "rahasia-sekali-123"
JAKARTA = "3171011001001"  # Jakarta Pusat: DPR dapil DKI JAKARTA II (3102), no DPRD kab/kota, no Pilkada here
BOGOR = "3201011001001"  # Pemilu and Pilkada TPS: all five ballots and two races
KUALA_LUMPUR = "99AG010001001"  # overseas (TPSLN): PPWP and DPR only


@pytest.fixture
def app(pemilu_engine: Any, db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(db_url)) as client:
        yield client


def log_in(client: TestClient, engine: Any, tps: str, username: str = "kpps-satu",
           role: Role = Role.KPPS) -> TestClient:
    create_account(engine, username, PASSWORD, role, tps, "test")
    page = client.get("/ui/login")
    response = client.post("/ui/login", data={"csrf": csrf_of(page.text), "username": username,
                                              "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303
    return client


def switch_of(page: str) -> list[str]:
    nav = re.search(r'<nav class="ballots".*?</nav>', page, re.DOTALL).group(0)  # type: ignore[union-attr]
    return re.findall(r'data-contest="([^"]+)"', nav)


def key_of(page: str) -> str:
    return re.search(r'name="key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def dpr_form(reference: Any, tps: str, tidak_sah: int = 4) -> dict[str, Any]:
    """A consistent DPR form of the TPS's dapil: every party and candidate with its own count."""
    ballot = reference.ballot(reference.contest("pdpr"), tps)
    partai = {}
    for p, listed in sorted(ballot.parties.items(), key=lambda kv: int(kv[0])):
        caleg = {c: int(p) + 2 * int(c) for c in sorted(listed, key=int)}
        partai[p] = {"suara_partai": int(p) + 2, "caleg": caleg, "jumlah": int(p) + 2 + sum(caleg.values())}
    sah = sum(b["jumlah"] for b in partai.values())
    return {"tps": tps, "contest": "pdpr", "dapil": ballot.dapil,
            "administrasi": ppwp_form(tps, (sah,), tidak_sah=tidak_sah)["administrasi"],
            "partai": partai, "suara_sah": sah, "suara_tidak_sah": tidak_sah, "suara_total": sah + tidak_sah}


def check(client: TestClient, csrf: str, contest: str, tps: str, fields: dict[str, str]) -> dict[str, Any]:
    response = client.post("/ui/check", json={"contest": contest, "tps": tps, "fields": fields},
                           headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_the_switch_lists_exactly_the_ballots_of_the_tps(app, pemilu_engine):
    log_in(app, pemilu_engine, JAKARTA)
    page = app.get("/ui/entry")
    assert page.status_code == 200
    assert switch_of(page.text) == ["ppwp", "pdpr", "pdpd-31", "pdprdp"]
    assert 'aria-current="page"' in page.text and "Presiden" in page.text  # the first ballot is open
    assert app.get("/ui/entry", params={"contest": "pdprdk"}).status_code == 404  # Jakarta has no DPRD kab/kota
    log_in(app, pemilu_engine, BOGOR, "kpps-bogor")
    bogor = app.get("/ui/entry", params={"contest": "pdprdk"})
    assert switch_of(bogor.text) == ["ppwp", "pdpr", "pdpd-32", "pdprdp", "pdprdk", "pkwkp-32", "pkwkk-3201"]
    assert "Dapil BOGOR 1" in bogor.text and 'name="dapil" value="320101"' in bogor.text
    dpd = app.get("/ui/entry", params={"contest": "pdpd-32"})  # DPD: one box per candidate of the province
    assert "CALON DPD EMPAT" in dpd.text and 'name="suara_2"' in dpd.text and 'name="suara_3"' not in dpd.text
    assert 'name="dapil"' not in dpd.text


def test_the_dpr_form_lists_the_parties_and_candidates_of_the_dapil(app, pemilu_engine, pemilu_reference):
    log_in(app, pemilu_engine, JAKARTA)
    page = app.get("/ui/entry", params={"contest": "pdpr"}).text
    assert "Dapil DKI JAKARTA II" in page and 'name="dapil" value="3102"' in page
    book = pemilu_reference.book
    standing = book.standing("pdpr", "3102")
    for party, listed in standing.items():
        assert f'id="partai-{party}"' in page and book.parties[int(party)].nama in page
        assert f'name="suara_partai_{party}"' in page and f'name="jumlah_{party}"' in page
        for caleg in listed:
            assert f'name="caleg_{party}_{caleg.nomor_urut}"' in page and caleg.nama in page
    shown = set(re.findall(r'name="caleg_(\d+)_(\d+)"', page))
    assert shown == {(p, str(c.nomor_urut)) for p, cs in standing.items() for c in cs}
    assert "PDPR 3101" not in page  # nobody of the other Jakarta dapil


def test_a_consistent_dpr_form_is_stored_once_as_party_list_json(app, pemilu_engine, pemilu_reference):
    app.app.state.policy = Policy.STRICT
    log_in(app, pemilu_engine, JAKARTA)
    page = app.get("/ui/entry", params={"contest": "pdpr"}).text
    doc = dpr_form(pemilu_reference, JAKARTA)
    fields = fields_of(doc)
    answer = check(app, csrf_of(page), "pdpr", JAKARTA, {**fields, "dapil": "3102"})
    assert answer["flags"] == [] and answer["error"] is None and answer["outcome"] == "Data Sudah Terkirim"
    post = {"csrf": csrf_of(page), "contest": "pdpr", "tps": JAKARTA, "key": key_of(page), "dapil": "3102", **fields}
    sent = app.post("/ui/submit", data=post)
    assert sent.status_code == 200 and '<h1 class="stored">Data Sudah Terkirim</h1>' in sent.text
    again = app.post("/ui/submit", data=post)  # the same page sent twice
    assert again.status_code == 200 and count_rows(pemilu_engine) == 1
    with pemilu_engine.connect() as conn:
        [stored] = conn.execute(select(form_versions.c.payload).where(form_versions.c.contest == "pdpr")).all()
    assert orjson.loads(stored.payload) == doc


def test_a_wrong_party_total_shows_r14_at_that_party(app, pemilu_engine, pemilu_reference):
    log_in(app, pemilu_engine, JAKARTA)
    page = app.get("/ui/entry", params={"contest": "pdpr"}).text
    doc = dpr_form(pemilu_reference, JAKARTA)
    doc["partai"]["2"]["jumlah"] += 10  # the party total written wrong; suara sah still adds the totals up
    doc["suara_sah"] += 10
    doc["suara_total"] += 10
    fields = {**fields_of(doc), "dapil": "3102"}
    answer = check(app, csrf_of(page), "pdpr", JAKARTA, fields)
    r14 = [f for f in answer["flags"] if f["rule"] == "R14"]
    assert len(r14) == 1 and r14[0]["partai"] == "2" and r14[0]["message"].startswith("Jumlah suara partai nomor 2 (")
    assert r14[0]["boxes"][0] == "partai.2.jumlah"
    # while the other blocks are still empty, the party typed in full is judged already
    typing = {k: v for k, v in fields.items() if k in ("suara_partai_2", "jumlah_2", "dapil") or k.startswith("caleg_2_")}
    partial = check(app, csrf_of(page), "pdpr", JAKARTA, typing)
    assert [(f["rule"], f.get("partai")) for f in partial["flags"]] == [("R14", "2")]
    assert partial["blank"] == len(re.findall(r'class="n" id="f-(?:suara_partai|caleg|jumlah|suara_sah|'
                                              r'suara_tidak_sah|suara_total)', page)) - 2 - len(doc["partai"]["2"]["caleg"])
    boxes = check(app, csrf_of(page), "pdpr", JAKARTA, {"caleg_1_2": "1200", "dapil": "3102"})
    assert [(f["rule"], f.get("partai")) for f in boxes["flags"]] == [("R15", "1")]
    typo = check(app, csrf_of(page), "pdpr", JAKARTA, {"caleg_1_2": "1o", "dapil": "3102"})
    assert typo["flags"] == [] and "caleg_1_2" in typo["error"]["message"]
    stored = app.post("/ui/submit", data={"csrf": csrf_of(page), "contest": "pdpr", "tps": JAKARTA,
                                          "key": key_of(page), **fields})
    assert stored.status_code == 200 and "R14" in stored.text  # as-is: stored as written, with the note


def test_refusals_of_the_party_list_form_store_nothing(app, pemilu_engine, pemilu_reference):
    log_in(app, pemilu_engine, JAKARTA)
    page = app.get("/ui/entry", params={"contest": "pdpr"}).text
    fields = fields_of(dpr_form(pemilu_reference, JAKARTA))
    base = {"csrf": csrf_of(page), "contest": "pdpr", "tps": JAKARTA, "key": key_of(page)}
    wrong_dapil = app.post("/ui/submit", data={**base, **fields, "dapil": "3101"})
    assert wrong_dapil.status_code == 422 and "3102" in wrong_dapil.text
    stranger = app.post("/ui/submit", data={**base, **fields, "dapil": "3102", "caleg_4_3": "5"})
    assert stranger.status_code == 422 and "bukan caleg partai 4" in stranger.text
    absent = app.post("/ui/submit", data={**base, **fields, "dapil": "3102", "suara_partai_5": "0", "jumlah_5": "0"})
    assert absent.status_code == 422 and "nomor 5 tidak ikut di dapil 3102" in absent.text
    refusals = (
        ("3201011001001", "pdpd-31", ppwp_form("3201011001001", contest="pdpd-31"), "di luar wilayah pdpd-31"),
        (KUALA_LUMPUR, "pdprdp", {**dpr_form(pemilu_reference, KUALA_LUMPUR), "contest": "pdprdp"},
         "di luar wilayah pdprdp"),  # overseas counts PPWP and DPR only
        ("3201011002003", "pkwkk-3201", ppwp_form("3201011002003", (1, 2), contest="pkwkk-3201"),
         "tidak ada dalam daftar TPS pilkada-2024"))  # a Pemilu TPS that the Pilkada list does not have
    for tps, contest, doc, refusal in refusals:
        log_in(app, pemilu_engine, tps, f"kpps-{tps.lower()}")
        events = audit_count(pemilu_engine)
        page = app.get("/ui/entry").text
        refused = app.post("/ui/submit", data={**fields_of(doc), "csrf": csrf_of(page), "contest": contest,
                                               "tps": tps, "key": key_of(page), "dapil": doc.get("dapil", "")})
        assert refused.status_code == 422 and refusal in refused.text
        assert audit_count(pemilu_engine) == events
    assert count_rows(pemilu_engine) == 0


def test_an_overseas_kpps_sees_only_ppwp_and_dpr(app, pemilu_engine):
    log_in(app, pemilu_engine, KUALA_LUMPUR, "kpps-kl")
    page = app.get("/ui/entry")
    assert page.status_code == 200 and switch_of(page.text) == ["ppwp", "pdpr"]
    assert "Kuala Lumpur" in page.text and "TPS 001 (TPS Luar Negeri)" in page.text
    dpr = app.get("/ui/entry", params={"contest": "pdpr"}).text
    assert "Dapil DKI JAKARTA II" in dpr  # overseas votes count in Jakarta II
    assert app.get("/ui/entry", params={"contest": "pdprdp"}).status_code == 404


def test_the_correction_screen_starts_from_the_stored_party_form(app, pemilu_engine, pemilu_reference):
    log_in(app, pemilu_engine, JAKARTA)
    page = app.get("/ui/entry", params={"contest": "pdpr"}).text
    doc = dpr_form(pemilu_reference, JAKARTA)
    sent = app.post("/ui/submit", data={"csrf": csrf_of(page), "contest": "pdpr", "tps": JAKARTA,
                                        "key": key_of(page), "dapil": "3102", **fields_of(doc)})
    assert sent.status_code == 200
    fold_all(pemilu_engine)  # the correction screen shows the current (tallied) version
    log_in(app, pemilu_engine, "317101", "ppk-gambir", Role.PPK)
    correct = app.get("/ui/correct", params={"tps": JAKARTA, "contest": "pdpr"})
    assert correct.status_code == 200 and 'action="/ui/corrections"' in correct.text
    written = doc["partai"]["3"]["caleg"]["2"]
    assert f'id="f-caleg_3_2" name="caleg_3_2" value="{written}"' in correct.text
    assert 'href="/ui/correct?contest=ppwp&amp;tps=3171011001001"' in correct.text
    changed = {**fields_of(doc), "caleg_3_2": str(written - 2), "jumlah_3": str(doc["partai"]["3"]["jumlah"] - 2),
               "suara_sah": str(doc["suara_sah"] - 2), "suara_total": str(doc["suara_total"] - 2)}
    proposed = app.post("/ui/corrections", data={"csrf": csrf_of(correct.text), "contest": "pdpr", "tps": JAKARTA,
                                                 "dapil": "3102", "reason": "caleg 3/2 salah baca", **changed})
    assert proposed.status_code == 200 and "diusulkan" in proposed.text


def test_the_screen_fields_and_the_form_json_are_one_to_one(pemilu_reference):
    doc = dpr_form(pemilu_reference, BOGOR)
    fields = {**fields_of(doc), "tps": BOGOR, "contest": "pdpr", "dapil": doc["dapil"]}
    assert form_doc(pemilu_reference, fields) == doc
    paslon = ppwp_form(BOGOR)
    assert form_doc(pemilu_reference, {**fields_of(paslon), "tps": BOGOR, "contest": "ppwp"}) == paslon
