"""Suara's own documents for the legislative contests, the overseas branch and each election's
own TPS list: region results with parties and candidates, dapil documents, the seat projection,
CSV and the TPS record, on the small whole Pemilu (tests/fixtures/pemilu-*)."""

from __future__ import annotations

import csv
import io
from typing import Any

from helpers import ppwp_form
from test_pemilu_reference import ballot_lists, party_form

from suara.domain.seats import PROJECTION_LABEL, TIE_RULE
from suara.services.submission import Submission, submit_forms
from suara.store.reference import Reference
from suara.tally.fold import fold_all


def weighted_form(reference: Reference, contest: str, tps: str, weights: dict[str, int]) -> dict[str, Any]:
    """A consistent party-list form where party p gets weights[p] party-only votes and its
    candidate n gets weights[p] * n votes (parties not named get zeros)."""
    dapil, lists = ballot_lists(reference, contest, tps)
    partai = {}
    for party, numbers in lists.items():
        w = weights.get(party, 0)
        caleg = {n: w * int(n) for n in numbers}
        partai[party] = {"suara_partai": w, "caleg": caleg, "jumlah": w + sum(caleg.values())}
    doc = party_form(tps, contest, dapil, lists)
    sah = sum(b["jumlah"] for b in partai.values())
    doc.update(partai=partai, suara_sah=sah, suara_total=sah + 2)
    return doc


def publish(client, engine, reference, *docs):
    results = submit_forms(engine, reference, [Submission(d) for d in docs])
    assert all(r.version_id for r in results), results
    fold_all(engine)
    client.app.state.publisher.refresh()


def get(client, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.text)
    return response.json()


def test_region_results_of_a_party_list_contest(pemilu_client, pemilu_engine, pemilu_reference):
    ref = pemilu_reference
    gambir = weighted_form(ref, "pdpr", "3171011001001", {"1": 10, "2": 3})
    abroad = weighted_form(ref, "pdpr", "99AG010001002", {"1": 1, "4": 5})
    publish(pemilu_client, pemilu_engine, ref, gambir, abroad)

    nation = get(pemilu_client, "/api/v1/results/pdpr/0")
    parties = {str(p["nomor_urut"]): p for p in nation["partai"]}
    expected = {p: gambir["partai"][p]["jumlah"] + abroad["partai"][p]["jumlah"] for p in ("1", "2", "3", "4")}
    assert {p: parties[p]["suara"] for p in expected} == expected == {p: nation["totals"]["votes"][p] for p in expected}
    counted = sum(expected.values())
    assert parties["1"]["persen"] == nation["totals"]["persen"]["1"] == f"{100 * expected['1'] / counted:.2f}"
    assert parties["1"]["suara_partai"] == 11 and parties["4"]["suara_partai"] == 5
    # DPR lists candidates nationally: every candidate of every dapil, with votes where they came in
    assert nation["caleg_tercantum"] is True
    listed = [c for p in nation["partai"] for c in p["caleg"]]
    assert len(listed) == sum(len(cs) for d in ("3101", "3102", "3201")
                              for cs in ref.book.standing("pdpr", d).values())
    by_id = {c["id"]: c for c in listed}
    joko = ref.book.candidate("pdpr", "3102", "1", "1")
    assert by_id[joko.id] == {"dapil": "3102", "nomor_urut": 1, "id": joko.id, "nama": joko.nama,
                              "jenis_kelamin": joko.jenis_kelamin, "suara": 10 * 1 + 1 * 1}
    assert by_id[ref.book.candidate("pdpr", "3201", "1", "1").id]["suara"] == 0
    assert nation["totals"]["tps_total"] == 20 and nation["totals"]["tps_reported"] == 2

    # the overseas branch: letters in codes, its stations named with their method
    kl = get(pemilu_client, "/api/v1/results/pdpr/99AG010001")
    assert [(r["kode"], r["nama"], r["metode"]) for r in kl["children"]] == [
        ("99AG010001001", "TPS 001", "TPSLN"), ("99AG010001002", "KSK 001", "KSK")]
    assert [d["kode"] for d in kl["dapil"]] == ["3102"] and kl["dapil"][0]["nama"] == "DKI JAKARTA II"
    assert get(pemilu_client, "/api/v1/results/pdpr/99")["totals"]["tps_total"] == 5

    # DPRD provinsi lists no candidates nationally, but does from the province down
    dprdp = get(pemilu_client, "/api/v1/results/pdprdp/0")
    assert dprdp["caleg_tercantum"] is False and all("caleg" not in p for p in dprdp["partai"])
    assert get(pemilu_client, "/api/v1/results/pdprdp/31")["caleg_tercantum"] is True
    # DPRD kab/kota only from the kab/kota down; a province spanning several dapil names them all
    province = get(pemilu_client, "/api/v1/results/pdprdk/32")
    assert province["caleg_tercantum"] is False and [d["kode"] for d in province["dapil"]] == ["320101", "320102"]
    assert get(pemilu_client, "/api/v1/results/pdprdk/3201")["caleg_tercantum"] is True


def test_progress_counts_each_contests_own_tps_list(pemilu_client, pemilu_engine, pemilu_reference):
    ref = pemilu_reference
    publish(pemilu_client, pemilu_engine, ref, ppwp_form("3201011002001", (10, 20), contest="pkwkp-32"),
            weighted_form(ref, "pdprdk", "3201011001001", {"1": 2}))
    totals = {key: get(pemilu_client, f"/api/v1/results/{key}/{kode}")["totals"]
              for key, kode in (("ppwp", "0"), ("pdpr", "0"), ("pdprdp", "0"), ("pdprdk", "0"), ("pkwkp-32", "32"),
                                ("pkwkk-3201", "3201"), ("pdpd-31", "31"))}
    assert {k: t["tps_total"] for k, t in totals.items()} == {
        "ppwp": 20, "pdpr": 20, "pdprdp": 15, "pdprdk": 7, "pkwkp-32": 4, "pkwkk-3201": 4, "pdpd-31": 8}
    assert totals["pkwkp-32"]["tps_reported"] == 1 and totals["pkwkp-32"]["progress_persen"] == "25.00000"
    # the Pilkada desa lists its own TPS only; DPRD kab/kota lists neither Jakarta nor overseas
    desa = get(pemilu_client, "/api/v1/results/pkwkp-32/3201011002")
    assert [r["kode"] for r in desa["children"]] == ["3201011002001", "3201011002002"]
    assert [c["kode"] for c in get(pemilu_client, "/api/v1/results/pdprdk/0")["children"]] == ["32"]
    assert pemilu_client.get("/api/v1/results/pdprdk/31").status_code == 404
    assert pemilu_client.get("/api/v1/tps/pkwkp-32/3201011002003").status_code == 404
    assert pemilu_client.get("/api/v1/results/pdprdp/99").status_code == 404


def test_the_dapil_documents(pemilu_client, pemilu_engine, pemilu_reference):
    ref = pemilu_reference
    publish(pemilu_client, pemilu_engine, ref, weighted_form(ref, "pdpr", "3171011001001", {"1": 10, "3": 4}),
            weighted_form(ref, "pdpr", "9901010001003", {"2": 7}))
    listing = get(pemilu_client, "/api/v1/dapil/pdpr")
    assert [(d["kode"], d["nama"], d["kursi"], d["kursi_inferred"], d["tps_reported"], d["tps_total"])
            for d in listing["dapil"]] == [("3101", "DKI JAKARTA I", 3, False, 0, 2),
                                           ("3102", "DKI JAKARTA II", 3, False, 2, 11),
                                           ("3201", "JAWA BARAT I", 4, False, 0, 7)]
    assert [d["tps_total"] for d in get(pemilu_client, "/api/v1/dapil/pdprdk")["dapil"]] == [5, 2]
    assert get(pemilu_client, "/api/v1/dapil/pdprdp")["dapil"][0]["kursi_inferred"] is True

    doc = get(pemilu_client, "/api/v1/dapil/pdpr/3102")
    assert doc["dapil"]["nama"] == "DKI JAKARTA II"
    assert [m["kode"] for m in doc["dapil"]["wilayah"]] == ["3171", "99"]
    assert (doc["totals"]["tps_reported"], doc["totals"]["tps_total"]) == (2, 11)
    assert [p["nomor_urut"] for p in doc["partai"]] == [1, 2, 3, 4]  # the parties standing in 3102
    first = doc["partai"][0]
    assert first["suara"] == 10 + 10 * (1 + 2 + 3) and first["suara_partai"] == 10
    assert [c["suara"] for c in first["caleg"]] == [10, 20, 30]
    assert [c["nama"] for c in first["caleg"]] == [ref.book.candidate("pdpr", "3102", "1", n).nama for n in "123"]
    projection = doc["seat_projection"]
    assert projection["label"] == {"id": PROJECTION_LABEL.id, "en": PROJECTION_LABEL.en}
    assert projection["tie_rule"]["id"] == TIE_RULE.id and projection["seats"] == 3
    assert sum(p["seats"] for p in projection["parties"]) == 3
    for code, status in (("/api/v1/dapil/pdpr/9999", 404), ("/api/v1/dapil/ppwp", 404),
                         ("/api/v1/dapil/pdpd-31/3101", 404), ("/api/v1/dapil/pdpr/31x", 422)):
        assert pemilu_client.get(code).status_code == status, code


def test_the_seat_projection(pemilu_client, pemilu_engine, pemilu_reference):
    ref = pemilu_reference
    # party 1 wins big in 3101; party 4 stays under 4% nationally but leads in Bogor's dapil
    publish(pemilu_client, pemilu_engine, ref,
            weighted_form(ref, "pdpr", "3172011001001", {"1": 30, "2": 20, "3": 10}),
            weighted_form(ref, "pdpr", "3201011001001", {"1": 40, "2": 40, "3": 40, "4": 2}))
    doc = get(pemilu_client, "/api/v1/seats/pdpr")
    assert doc["label"]["id"] == PROJECTION_LABEL.id and doc["tie_rule"]["id"] == TIE_RULE.id
    threshold = {p["nomor_urut"]: p["passed"] for p in doc["threshold"]["parties"]}
    assert threshold == {1: True, 2: True, 3: True, 4: False}
    dapil = {d["kode"]: d for d in doc["dapil"]}
    assert {p["nomor_urut"]: p["seats"] for p in dapil["3101"]["parties"]} == {1: 2, 2: 1}
    assert 4 not in {p["nomor_urut"] for p in dapil["3201"]["parties"]}
    # 3101: totals 210 (party 1), 140 (party 2), 40 (party 3); Sainte-Laguë quotients 210, 140,
    # 70 (210/3), 46.7 (140/3), 40: three seats go 1, 2, 1
    assert dapil["3101"]["tie_decided"] is False
    elected = dapil["3101"]["parties"][0]["elected"]
    assert [c["nomor_urut"] for c in elected] == [3, 2]  # most votes first: n=3 has 90, n=2 60
    assert elected[0]["nama"] == ref.book.candidate("pdpr", "3101", "1", "3").nama
    assert dapil["3102"]["unallocated_seats"] == 3 and dapil["3102"]["parties"] == []
    assert {p["nomor_urut"]: p["seats"] for p in doc["parties"]} == {
        n: sum(p["seats"] for d in doc["dapil"] for p in d["parties"] if p["nomor_urut"] == n) for n in (1, 2, 3, 4)}
    # DPRD: no threshold
    dprd = get(pemilu_client, "/api/v1/seats/pdprdk")
    assert dprd["threshold"] is None and [d["kode"] for d in dprd["dapil"]] == ["320101", "320102"]
    assert pemilu_client.get("/api/v1/seats/ppwp").status_code == 404


def test_csv_of_a_party_list_contest(pemilu_client, pemilu_engine, pemilu_reference):
    ref = pemilu_reference
    form = weighted_form(ref, "pdpr", "3171011001001", {"1": 10, "3": 4})
    abroad = weighted_form(ref, "pdpr", "9901010001003", {"2": 7})
    publish(pemilu_client, pemilu_engine, ref, form, abroad)
    rows = list(csv.DictReader(io.StringIO(pemilu_client.get("/api/v1/downloads/pdpr/3171011001/tps.csv").text)))
    assert [r["kode_tps"] for r in rows] == ["3171011001001", "3171011001002", "3171011001003"]
    first = rows[0]
    assert (first["kode_dapil"], first["metode"], first["ada_data"]) == ("3102", "TPS", "1")
    assert first["jumlah_partai_1"] == str(form["partai"]["1"]["jumlah"]) and first["suara_partai_1"] == "10"
    joko = ref.book.candidate("pdpr", "3102", "1", "2")
    assert first[f"suara_caleg_{joko.id}"] == "20"
    overseas = list(csv.DictReader(io.StringIO(pemilu_client.get("/api/v1/downloads/pdpr/9901/tps.csv").text)))
    assert [(r["nama_tps"], r["metode"]) for r in overseas] == [("POS 001", "POS"), ("TPS 001", "TPSLN"),
                                                                ("KSK 001", "KSK")]
    # a province spans two dapil: party columns only
    level = pemilu_client.get("/api/v1/downloads/pdpr/31/children.csv").text
    header = level.splitlines()[0].split(",")
    assert "jumlah_partai_1" in header and "persen_partai_1" in header
    assert not any(h.startswith("suara_caleg_") for h in header)
    within = list(csv.DictReader(io.StringIO(pemilu_client.get("/api/v1/downloads/pdpr/3171/children.csv").text)))
    assert within[0][f"suara_caleg_{joko.id}"] == "20" and within[0]["tps_total"] == "6"


def test_the_tps_record_names_the_station_and_its_dapil(pemilu_client, pemilu_engine, pemilu_reference):
    ref = pemilu_reference
    form = weighted_form(ref, "pdpr", "99AG010001002", {"1": 2})
    publish(pemilu_client, pemilu_engine, ref, form)
    corrected = weighted_form(ref, "pdpr", "99AG010001002", {"1": 3})
    publish(pemilu_client, pemilu_engine, ref, corrected)
    doc = get(pemilu_client, "/api/v1/tps/pdpr/99AG010001002")
    tps = doc["tps"]
    assert (tps["nama"], tps["metode"], tps["metode_nama"], tps["sintetis"]) == (
        "KSK 001", "KSK", "Kotak Suara Keliling", True)
    assert tps["dapil"]["kode"] == "3102" and tps["desa"]["kode"] == "99AG010001"
    assert [p["nomor_urut"] for p in tps["daftar_calon"]] == [1, 2, 3, 4]
    assert tps["daftar_calon"][0]["caleg"][0]["nama"] == ref.book.candidate("pdpr", "3102", "1", "1").nama
    changes = {c["field"]: (c["from"], c["to"]) for c in doc["versions"][0]["changes"]}
    assert changes["partai.1.suara_partai"] == (2, 3) and changes["partai.1.caleg.1"] == (2, 3)
    assert get(pemilu_client, "/api/v1/tps/ppwp/9901010001001")["tps"]["metode"] == "POS"
    region = get(pemilu_client, "/api/v1/regions/9901010001")
    assert [t["nama"] for t in region["tps"]] == ["POS 001", "TPS 001", "KSK 001"]
    assert "pdprdp" not in region["contests"] and "pdpr" in region["contests"]
