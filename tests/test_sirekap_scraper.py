"""A scraper written against KPU's Sirekap publication walks the legislative, dapil, overseas and
Pilkada paths of a running Suara server (the small whole Pemilu), as it would walk KPU's: from
0.json down the children to every TPS document, checking shapes key by key, that tables add up
to charts, and that progress counts each contest's own TPS list."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from typing import Any

import httpx
import pytest
from helpers import ppwp_form

from suara.blobs.storage import blob_store_from_settings
from suara.services.submission import PagePhoto, Submission, submit_forms
from suara.store.reference import Reference
from suara.tally.fold import fold_all

PARTY_TPS_KEYS = ["chart", "kode_dapil", "caleg", "images", "administrasi", "psu", "ts", "status_suara",
                  "status_adm"]
PASLON_TPS_KEYS = ["mode", "chart", "images", "administrasi", "psu", "ts", "status_suara", "status_adm"]
PILKADA_TPS_KEYS = ["mode", "tungsura", "psu", "status_suara", "status_adm", "images", "ts"]
REGION_KEYS = ["ts", "psu", "mode", "chart", "table", "progres"]
PILKADA_KEYS = ["mode", "tungsura", "psu", "progres", "ts"]
ROW_EXTRAS = {"psu", "persen", "status_progress", "progres"}
PARTY_FORMS = {"pdpr": ["3171011001001", "3171011002901", "3172011001002", "3201011002003", "99AG010001002",
                        "9901010001003"],
               "pdprdp": ["3171011001002", "3172011001001", "3201021001002"],
               "pdprdk": ["3201011001001", "3201011002002", "3201021001001"]}
PASLON_FORMS = {"ppwp": ["3171011001001", "3201011001002", "9901010001001", "99AG010001002"],
                "pdpd-31": ["3171011002001"], "pdpd-32": ["3201011001001", "3201021001002"],
                "pkwkp-32": ["3201011001001", "3201011002002"], "pkwkk-3201": ["3201021001001"]}


def party_form(reference: Reference, contest: str, tps: str, seed: int) -> dict[str, Any]:
    """A consistent party-list form on the TPS's ballot, with votes that differ per party and list number."""
    ballot = reference.ballot(reference.contest(contest), tps)
    assert ballot is not None
    partai = {}
    for party, numbers in sorted(ballot.parties.items(), key=lambda kv: int(kv[0])):
        caleg = {n: (int(party) * 3 + int(n) + seed) % 7 for n in sorted(numbers, key=int)}
        own = seed + int(party)
        partai[party] = {"suara_partai": own, "caleg": caleg, "jumlah": own + sum(caleg.values())}
    sah = sum(b["jumlah"] for b in partai.values())
    return {"tps": tps, "contest": contest, "dapil": ballot.dapil, "partai": partai,
            "suara_sah": sah, "suara_tidak_sah": 1, "suara_total": sah + 1}


@pytest.fixture
def scraper(pemilu_engine, pemilu_reference, pemilu_live_server):
    """The server with forms of every contest filed and counted, and a client at its /sirekap."""
    ref = pemilu_reference
    blobs = blob_store_from_settings(os.environ["SUARA_BLOBS_URL"])
    photo = blobs.put(b"\xff\xd8 halaman dua")
    submissions = []
    for contest, codes in PARTY_FORMS.items():
        for seed, tps in enumerate(codes):
            photos = (PagePhoto(2, photo, photo, "image/jpeg", 640, 480),) if tps == "3171011001001" else ()
            submissions.append(Submission(party_form(ref, contest, tps, seed), f"{contest}-{tps}", photos=photos))
    for contest, codes in PASLON_FORMS.items():
        size = len(ref.contest(contest).candidates)
        for seed, tps in enumerate(codes):
            votes = tuple(seed * 5 + 10 * (i + 1) for i in range(size))
            submissions.append(Submission(ppwp_form(tps, votes, contest=contest), f"{contest}-{tps}"))
    results = submit_forms(pemilu_engine, ref, submissions)
    assert all(r.outcome.value.startswith("stored") for r in results), results
    fold_all(pemilu_engine)
    with httpx.Client(base_url=f"{pemilu_live_server}/sirekap", timeout=20) as client:
        yield client, ref


def get(client: httpx.Client, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, (path, response.text)
    return response.json()


def votes_of(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ROW_EXTRAS}


def walk(client: httpx.Client, ref: Reference, contest_key: str, base: str, codes: list[str],
         tps_docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Read one region document, check it, and follow its table down to the TPS documents."""
    contest = ref.contest(contest_key)
    scope = ref.scope(contest)
    kode = codes[-1] if codes else "0"
    doc = get(client, f"{base}/{'/'.join(codes)}.json" if codes else f"{base}.json")
    pilkada = contest.info.election_kind == "pilkada"
    assert list(doc) == (PILKADA_KEYS if pilkada else REGION_KEYS)
    assert doc["mode"] == "hhcw" and doc["psu"] == "Reguler"
    chart, table = (doc["tungsura"]["chart"], doc["tungsura"]["table"]) if pilkada else (doc["chart"], doc["table"])
    assert doc["progres"]["total"] == scope.tps_total(kode)  # the contest's own list
    if contest.is_party_list:
        assert "persen" not in chart  # one tool looks every chart key up in partai.json
    expected = (list(scope.tps_of(kode)) if len(kode) == 10 else sorted(c.kode for c in scope.children(kode)))
    assert list(table) == expected
    sums: Counter[str] = Counter()
    reported = 0
    for child, row in table.items():
        assert row["psu"] == "Reguler" and next(iter(row)) == "psu" and list(row)[-1] == "status_progress"
        if row["status_progress"]:
            sums.update(votes_of(row))
        if len(child) == 13:
            reported += row["status_progress"]
            tps_docs[child] = check_tps(client, ref, contest_key, f"{base}/{'/'.join([*codes, child])}.json",
                                        child, row)
        else:
            below = walk(client, ref, contest_key, base, [*codes, child], tps_docs)
            reported += below["progres"]["progres"]
            below_chart = below["tungsura"]["chart"] if pilkada else below["chart"]
            assert votes_of(row) == (votes_of(below_chart) if row["status_progress"] else {})
    assert doc["progres"]["progres"] == reported
    assert {k: v for k, v in sums.items() if v} == {k: v for k, v in votes_of(chart).items() if v}
    return doc


def check_tps(client: httpx.Client, ref: Reference, contest_key: str, path: str, tps: str,
              row: dict[str, Any]) -> dict[str, Any]:
    contest = ref.contest(contest_key)
    doc = get(client, path)
    assert len(doc["images"]) == contest.info.pages
    if contest.info.election_kind == "pilkada":
        assert list(doc) == PILKADA_TPS_KEYS and doc["mode"] == "hhcw"
        assert doc["status_suara"] == row["status_progress"] == (doc["tungsura"]["chart"] is not None)
        if doc["status_suara"]:
            assert doc["tungsura"]["chart"] == votes_of(row)
        return doc
    if contest.is_party_list:
        assert list(doc) == PARTY_TPS_KEYS
        assert doc["kode_dapil"] == ref.book.dapil_of(contest.kind, tps).kode
        standing = ref.book.standing(contest.kind, doc["kode_dapil"])
        assert doc["status_suara"] == row["status_progress"] == (doc["chart"] is not None)
        if doc["chart"] is not None:
            assert list(doc["chart"]) == list(standing) == list(doc["caleg"])
            for party, totals in doc["chart"].items():
                assert list(totals) == ["jml_suara_total", "jml_suara_partai"]
                assert list(doc["caleg"][party]) == [c.id for c in standing[party]]
                assert totals["jml_suara_total"] == totals["jml_suara_partai"] + sum(doc["caleg"][party].values())
                assert row[party] == totals["jml_suara_total"]
        return doc
    assert list(doc) == PASLON_TPS_KEYS and doc["mode"] == "hhcw"
    assert doc["status_suara"] == row["status_progress"] == (doc["chart"] is not None)
    if doc["chart"] is not None:
        assert next(iter(doc["chart"])) == "null" and doc["chart"]["null"] is None
        assert votes_of({k: v for k, v in doc["chart"].items() if k != "null"}) == votes_of(row)
    return doc


def test_the_legislative_trees_by_region_add_up_from_every_tps(scraper):
    client, ref = scraper
    partai = get(client, "/pemilu/partai.json")
    assert list(partai) == ["1", "2", "3", "4"]
    assert list(partai["1"]) == ["ts", "id_partai", "id_pilihan", "is_aceh", "nama", "nama_lengkap", "nomor_urut",
                                 "warna"]
    assert partai["3"]["id_partai"] == 100003 and partai["3"]["id_pilihan"] == partai["3"]["nomor_urut"] == 3
    for kind, filed in PARTY_FORMS.items():
        tps_docs: dict[str, dict[str, Any]] = {}
        national = walk(client, ref, kind, f"/pemilu/hhcw/{kind}", [], tps_docs)
        assert set(national["chart"]) <= set(partai)
        reported = {t for t, d in tps_docs.items() if d["status_suara"]}
        assert reported == set(filed)
        assert ("99" in national["table"]) == (kind == "pdpr")  # overseas votes count for the DPR only
    pdpd = {}
    for contest in ("pdpd-31", "pdpd-32"):
        provinsi = contest[-2:]
        walk(client, ref, contest, "/pemilu/hhcw/pdpd", [provinsi], pdpd)
        ids = [c.id for c in ref.contest(contest).candidates]
        assert list(get(client, f"/pemilu/caleg/dpd/{provinsi}.json")) == ids
    assert [d["chart"] for t, d in pdpd.items() if d["status_suara"] and t.startswith("31")] == [
        {"null": None, "357900": 10, "357901": 20, "357902": 30}]
    assert [e["kode"] for e in get(client, "/wilayah/pemilu/pdpd/0.json")] == ["31", "32"]


def test_a_tps_document_links_its_photos_on_this_server(scraper):
    client, _ = scraper
    doc = get(client, "/pemilu/hhcw/pdpr/31/3171/317101/3171011001/3171011001001.json")
    assert doc["images"][0] is None and doc["images"][2:] == [None, None, None]
    assert doc["images"][1].startswith(os.environ["SUARA_PUBLIC_BASE_URL"] + "/sirekap/formc/")
    assert "/pemilu/pdpr/31/71/01/10/01/3171011001001-" in doc["images"][1]
    assert httpx.get(doc["images"][1]).content == b"\xff\xd8 halaman dua"
    # the same TPS's photo shard in another contest
    ppwp = get(client, "/pemilu/hhcw/ppwp/31/3171/317101/3171011001/3171011001001.json")
    assert ppwp["images"] == [None, None, None] and ppwp["status_suara"] is True


def test_the_dapil_documents_add_up_to_the_tps_documents(scraper):
    client, ref = scraper
    book = ref.book
    for kind, lists in (("pdpr", [("0", "")]), ("pdprdp", [("31", "31"), ("32", "32")]),
                        ("pdprdk", [("3201", "32/3201")])):
        scope = ref.scope(ref.contest(kind))
        tps_docs: dict[str, dict[str, Any]] = {}
        walk(client, ref, kind, f"/pemilu/hhcw/{kind}", [], tps_docs)
        by_dapil: dict[str, Counter[str]] = defaultdict(Counter)
        for doc in tps_docs.values():
            if doc["chart"] is not None:
                for party, totals in doc["chart"].items():
                    by_dapil[doc["kode_dapil"]][party] += totals["jml_suara_total"]
                    by_dapil[doc["kode_dapil"]][f"P{party}"] += totals["jml_suara_partai"]
                    by_dapil[doc["kode_dapil"]].update(doc["caleg"][party])
        tps_of_dapil = Counter(book.dapil_of(kind, t).kode for t in scope.tps_of("0"))
        for region, path in lists:
            listing = get(client, f"/pemilu/hhcd/{kind}/{path or '0'}.json")
            assert list(listing) == ["ts", "mode", "chart", "table", "progres"] and listing["mode"] == "hhcw"
            assert "persen" not in listing["chart"]
            assert listing["progres"]["total"] == scope.tps_total(region)
            dapils = sorted(d.kode for d in book.dapil_map.dapils(kind)
                            if region in ("0", d.provinsi, d.kabkota))
            assert list(listing["table"]) == dapils
            sums: Counter[str] = Counter()
            for dapil, row in listing["table"].items():
                doc = get(client, f"/pemilu/hhcd/{kind}/{path + '/' if path else ''}{dapil}.json")
                standing = book.standing(kind, dapil)
                assert list(doc) == ["ts", "mode", "chart", "table", "progres"]
                assert list(doc["chart"]) == [*standing, "persen"] and list(doc["table"]) == list(standing)
                assert doc["progres"]["total"] == tps_of_dapil[dapil]
                reported = sum(1 for d in tps_docs.values() if d["kode_dapil"] == dapil and d["status_suara"])
                assert doc["progres"]["progres"] == reported
                for party, entry in doc["table"].items():
                    ids = [c.id for c in standing[party]]
                    assert list(entry) == [*ids, "jml_suara_total", "jml_suara_partai"]
                    assert doc["chart"][party] == entry["jml_suara_total"] == by_dapil[dapil][party]
                    assert entry["jml_suara_partai"] == by_dapil[dapil][f"P{party}"]
                    assert {i: entry[i] for i in ids} == {i: by_dapil[dapil][i] for i in ids}
                if row is None:
                    assert reported == 0
                    continue
                assert list(row) == [*standing, "persen"]
                assert row == {**votes_of(doc["chart"]), "persen": doc["chart"]["persen"]}
                sums.update(votes_of(row))
            assert {k: v for k, v in sums.items() if v} == {k: v for k, v in listing["chart"].items() if v}


def test_candidate_and_dapil_lists(scraper):
    client, ref = scraper
    book = ref.book
    for kind in ("pdpr", "pdprdp", "pdprdk"):
        for dapil in book.dapil_map.dapils(kind):
            lists = get(client, f"/pemilu/caleg/partai/{dapil.kode}.json")
            standing = book.standing(kind, dapil.kode)
            assert list(lists) == ["1", "2", "3", "4"]
            for party, entries in lists.items():
                if party not in standing:
                    assert entries is None
                    continue
                assert list(entries) == [c.id for c in standing[party]]
                for c in standing[party]:
                    assert list(entries[c.id]) == ["nama", "nomor_urut", "jenis_kelamin", "tempat_tinggal"]
                    assert (entries[c.id]["nama"], entries[c.id]["nomor_urut"]) == (c.nama, c.nomor_urut)
    assert get(client, "/wilayah/pemilu/pdpr/dapil_dpr.json") == [
        {"nama": "DKI JAKARTA I", "id": 5001, "kode": "3101"}, {"nama": "DKI JAKARTA II", "id": 5002, "kode": "3102"},
        {"nama": "JAWA BARAT I", "id": 5003, "kode": "3201"}]
    assert [e["kode"] for e in get(client, "/wilayah/pemilu/pdprdp/0.json")] == ["31", "32"]
    assert get(client, "/wilayah/pemilu/pdprdp/31.json") == [
        {"id_dapil": 310001, "kode_dapil": "310001", "nama_dapil": "DKI JAKARTA 1"},
        {"id_dapil": 310002, "kode_dapil": "310002", "nama_dapil": "DKI JAKARTA 2"}]
    assert [d["kode_dapil"] for d in get(client, "/wilayah/pemilu/pdprdk/32/3201.json")] == ["320101", "320102"]
    assert [r["kode"] for r in get(client, "/wilayah/pemilu/pdprdk/32/3201/320101.json")] == [
        "3201011002", "3201011001"]  # HARAPAN JAYA, PONDOK RAJEG: the dapil's desa by name
    assert [e["kode"] for e in get(client, "/wilayah/pemilu/pdprdk/0.json")] == ["32"]  # no DPRD kab/kota in DKI


def test_the_overseas_branch_as_kpu_lists_it(scraper):
    client, ref = scraper
    for kind in ("ppwp", "pdpr"):
        provinces = get(client, f"/wilayah/pemilu/{kind}/0.json")
        assert provinces[-1] == {"nama": "Luar Negeri", "id": 200001, "kode": "99", "tingkat": 1}
        assert [p["nama"] for p in provinces] == sorted(p["nama"] for p in provinces)
    ppln = get(client, "/wilayah/pemilu/ppwp/99.json")
    assert [(p["nama"], p["kode"], p["tingkat"]) for p in ppln] == [
        ("Abu Dhabi, Uni Emirat Arab", "9901", 2), ("Kuala Lumpur, Malaysia", "99AG", 2)]
    assert all(p["id"] == ref.tree.region_id(p["kode"]) and p["id"] > 200001 for p in ppln)
    path = "99"
    for code, tingkat in (("99AG", 2), ("99AG01", 3), ("99AG010001", 4)):
        if tingkat > 2:
            [entry] = get(client, f"/wilayah/pemilu/ppwp/{path}.json")
            assert entry == {"nama": "Kuala Lumpur, Malaysia", "id": ref.tree.region_id(code), "kode": code,
                             "tingkat": tingkat}
        path += f"/{code}"
    stations = get(client, "/wilayah/pemilu/ppwp/99/9901/990101/9901010001.json")
    assert [(s["nama"], s["kode"]) for s in stations] == [
        ("KSK 001", "9901010001003"), ("POS 001", "9901010001001"), ("TPS 001", "9901010001002")]
    assert all(s["tingkat"] == 5 and s["id"] == ref.tree.region_id(s["kode"]) for s in stations)
    national = get(client, "/pemilu/hhcw/ppwp.json")
    assert list(national["table"]) == ["31", "32", "99"]
    assert national["table"]["99"]["status_progress"] is True
    tps = get(client, "/pemilu/hhcw/ppwp/99/99AG/99AG01/99AG010001/99AG010001002.json")
    assert tps["status_suara"] and tps["chart"]["100025"] == 25
    dpr = get(client, "/pemilu/hhcw/pdpr/99/99AG/99AG01/99AG010001/99AG010001002.json")
    assert dpr["kode_dapil"] == "3102"  # overseas votes belong to DKI Jakarta II


def test_the_pilkada_trees_on_their_own_tps_list(scraper):
    client, ref = scraper
    governor: dict[str, dict[str, Any]] = {}
    walk(client, ref, "pkwkp-32", "/pilkada/hhcw/pkwkp", ["32"], governor)
    assert set(governor) == set(ref.scope(ref.contest("pkwkp-32")).tps_of("32"))
    assert "3201011002003" not in governor  # a Pemilu TPS, not on the Pilkada's list
    bupati: dict[str, dict[str, Any]] = {}
    walk(client, ref, "pkwkk-3201", "/pilkada/hhcw/pkwkk", ["32", "3201"], bupati)
    races = get(client, "/pilkada/hhcw/pkwkk/32.json")
    assert list(races) == PILKADA_KEYS and list(races["tungsura"]["chart"]) == ["progres"]
    row = races["tungsura"]["table"]["3201"]
    assert list(row) == ["psu", "1000547", "1000548", "progres", "status_progress"]
    assert row["progres"] == {"total": 4, "persen": 25.0, "progres": 1}
    assert races["progres"] == {"total": 4, "progres": 1}
    paslon = get(client, "/pilkada/paslon/pkwkk.json")
    assert list(paslon) == ["3201"] and list(paslon["3201"]) == ["1000547", "1000548"]
    assert [(p["nama"], p["nomor_urut"], list(p)) for p in paslon["3201"].values()] == [
        (c.nama, c.nomor_urut, ["ts", "nama", "warna", "nomor_urut"]) for c in ref.contest("pkwkk-3201").candidates]
    desa = get(client, "/wilayah/pilkada/pkwkp/32/3201/320101/3201011002.json")
    assert [t["kode"] for t in desa] == ["3201011002001", "3201011002002"]
    assert [e["kode"] for e in get(client, "/wilayah/pilkada/pkwkp/0.json")] == ["32"]


BAD_PATHS = [
    ("/pemilu/hhcd/pdpr/3199.json", "unknown_dapil"),
    ("/pemilu/hhcd/pdprdp/31/320001.json", "unknown_dapil"),
    ("/pemilu/hhcd/pdprdk/32/3201/320199.json", "unknown_dapil"),
    ("/pemilu/caleg/partai/9999.json", "unknown_dapil"),
    ("/pemilu/caleg/partai/3101/1.json", "not_found"),
    ("/pemilu/caleg/dpd/99.json", "unknown_contest"),
    ("/pemilu/hhcw/ppwp/99/99ZZ.json", "unknown_region"),
    ("/pemilu/hhcw/ppwp/99/99ag.json", "unknown_region"),
    ("/pemilu/hhcw/pdpr/99/99AG/99AG01/99AG010001/99AG010001009.json", "unknown_region"),
    ("/pemilu/hhcw/pdprdp/99.json", "outside_contest"),
    ("/pemilu/hhcw/pdprdk/99/9901.json", "outside_contest"),
    ("/pemilu/hhcw/pdprdk/31.json", "outside_contest"),
    ("/wilayah/pemilu/pdprdp/99.json", "outside_contest"),
    ("/pemilu/hhcd/pdprdp/99.json", "outside_contest"),
    ("/pemilu/hhcw/pdpd.json", "not_found"),
    ("/pemilu/hhcw/pdpd/99.json", "unknown_contest"),
    ("/pemilu/hr/pdpr.json", "not_found"),
    ("/pilkada/hhcw/pkwkp/32/3201/320101/3201011002/3201011002003.json", "unknown_region"),
]

def test_bad_paths_are_refused_with_the_error_shape(scraper):
    client, _ = scraper
    for path, code in BAD_PATHS:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == code and response.json()["error"]["message"], path
