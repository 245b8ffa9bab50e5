"""The official recapitulation in the Sirekap-compatible tree (/pemilu/hr/..., /pilkada/hr/...),
read from a running server as a scraper reads KPU's: on the small whole Pemilu, counted, with
some tiers recorded and closed, a minutes photo behind url_formd, documents that follow the
recapitulation as it moves, and bad paths refused. SQLite and PostgreSQL."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from suara.blobs.storage import blob_store_from_settings
from suara.domain.policy import Policy
from suara.publish import recap_docs, tree
from suara.services import recap
from suara.services.submission import PagePhoto, Submission, submit_forms
from suara.store import recap as recap_store
from suara.store.reference import Reference
from suara.synth import Synthesizer, SynthOptions
from suara.tally.fold import fold_all
from suara.tally.queries import rollup

HR_KEYS = ["ts", "chart", "table", "progress_d", "progress_d_child", "url_formd"]
PPWP_IDS = {"1": "100025", "2": "100026", "3": "100027"}
MINUTES = b"\xff\xd8 berita acara D Hasil"


@pytest.fixture
def hr(pemilu_engine: Engine, pemilu_reference: Reference, pemilu_live_server: str):
    """Every ballot of every TPS counted, a minutes photo in the server's blobs, a client at /sirekap."""
    ref = pemilu_reference
    forms = list(Synthesizer(ref, SynthOptions(seed=11, contests=("all",), error_rate=0.0)).forms())
    submit_forms(pemilu_engine, ref, [Submission(f, f"t:{f['contest']}:{f['tps']}", "test") for f in forms],
                 Policy.AS_IS)
    fold_all(pemilu_engine)
    digest = blob_store_from_settings(os.environ["SUARA_BLOBS_URL"]).put(MINUTES)
    with httpx.Client(base_url=f"{pemilu_live_server}/sirekap", timeout=20) as client:
        yield client, pemilu_engine, ref, PagePhoto(1, digest, digest, "image/jpeg", 640, 480)


def record(engine: Engine, ref: Reference, contest: str, kode: str, lock: bool = True,
           minutes: PagePhoto | None = None) -> recap_store.RecapRecord:
    """Record a tier as the published forms add up (a trusted import), closing it unless told not to."""
    with engine.connect() as conn:
        line = recap_docs.publication_record(conn, ref, contest, kode)
    stored = recap.record(engine, ref, None, "cli:test", contest, kode, line["tingkat"], line["rows"], minutes)
    return recap.lock(engine, ref, None, "cli:test", contest, kode) if lock else stored


def get(client: httpx.Client, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, (path, response.text)
    return response.json()


def by_id(votes: dict[str, int], ids: dict[str, str]) -> dict[str, int]:
    return {paslon: votes.get(nomor, 0) for nomor, paslon in ids.items()}


def progress(total: int, locked: int) -> dict[str, Any]:
    return {"persen": round(locked / total * 100, 2) if total else 0.0, "jml_wilayah": total,
            "jml_wilayah_publikasi": locked}


def test_nothing_recorded_yet_still_answers(hr):
    client, _, _, _ = hr
    nation = get(client, "/pemilu/hr/ppwp.json")
    # the recapitulation's documents say what they are, not the preliminary publication's words
    assert client.get("/pemilu/hr/ppwp.json").headers["x-suara-disclaimer"].startswith("Rekapitulasi berjenjang")
    assert list(nation) == HR_KEYS
    assert nation["chart"] == {"100025": 0, "100026": 0, "100027": 0} and nation["table"] == {}
    # 4 kecamatan and 2 PPLN (the first tier abroad), 3 kab/kota, 2 provinces; none closed
    assert nation["progress_d"] == {"da": progress(6, 0), "db": progress(3, 0), "dc": progress(2, 0)}
    assert list(nation["progress_d_child"]) == ["31", "32", "99"]
    assert nation["progress_d_child"]["99"] == {"da": progress(2, 0), "db": progress(0, 0), "dc": progress(0, 0)}
    assert nation["url_formd"] == [None]
    kabkota = get(client, "/pemilu/hr/ppwp/32/3201.json")
    assert kabkota["progress_d"] == {"da": progress(2, 0), "db": progress(1, 0)}
    assert kabkota["progress_d_child"] == {"320101": {"da": progress(1, 0)}, "320102": {"da": progress(1, 0)}}


def test_the_tree_shows_each_tier_as_recorded_and_closed(hr):
    client, engine, ref, minutes = hr
    for kode in ("317101", "317201", "3171", "3172", "9901"):
        record(engine, ref, "ppwp", kode, minutes=minutes if kode == "317101" else None)
    province = record(engine, ref, "ppwp", "31", lock=False, minutes=minutes)
    with engine.connect() as conn:
        published_31 = rollup(conn, "ppwp", "31")

    doc = get(client, "/pemilu/hr/ppwp/31.json")
    assert list(doc) == HR_KEYS and len(doc["ts"]) == 19
    assert doc["chart"] == by_id(published_31.votes, PPWP_IDS)  # recorded as the forms add up
    assert list(doc["table"]) == ["3171", "3172"]
    for child, row in doc["table"].items():
        assert row == by_id(province.rows[child].votes, PPWP_IDS)
    assert {k: sum(row[k] for row in doc["table"].values()) for k in doc["chart"]} == doc["chart"]
    # the province's own tier is recorded but its plenary has not closed it: not yet published
    assert doc["progress_d"] == {"da": progress(2, 2), "db": progress(2, 2), "dc": progress(1, 0)}
    assert doc["progress_d_child"] == {"3171": {"da": progress(1, 1), "db": progress(1, 1)},
                                       "3172": {"da": progress(1, 1), "db": progress(1, 1)}}
    assert doc["url_formd"] == [f"{os.environ['SUARA_PUBLIC_BASE_URL']}/api/v1/photos/{minutes.public_sha256}"]
    photo = httpx.get(doc["url_formd"][0])
    assert photo.status_code == 200 and photo.content == MINUTES and photo.headers["content-type"] == "image/jpeg"

    city = get(client, "/pemilu/hr/ppwp/31/3171.json")
    assert list(city["table"]) == ["317101"] and city["url_formd"] == [None]
    assert city["progress_d_child"] == {"317101": {"da": progress(1, 1)}}
    nation = get(client, "/pemilu/hr/ppwp.json")
    assert nation["table"] == {} and set(nation["chart"].values()) == {0}  # KPU RI has recorded nothing
    assert nation["progress_d"] == {"da": progress(6, 3), "db": progress(3, 2), "dc": progress(2, 0)}
    assert nation["progress_d_child"]["31"] == {"da": progress(2, 2), "db": progress(2, 2), "dc": progress(1, 0)}
    assert nation["progress_d_child"]["99"]["da"] == progress(2, 1)

    # abroad: each PPLN's total in the branch's table, its stations in its own document
    ppln = recap_store.get(engine, "ppwp", "9901")
    assert ppln is not None
    branch = get(client, "/pemilu/hr/ppwp/99.json")
    total = {k: sum(r.votes.get(k, 0) for r in ppln.rows.values()) for k in PPWP_IDS}
    assert branch["table"] == {"9901": by_id(total, PPWP_IDS)} == {"9901": branch["chart"]}
    stations = get(client, "/pemilu/hr/ppwp/99/9901.json")
    assert list(stations["table"]) == sorted(ppln.rows) and stations["progress_d_child"] == {}
    assert stations["progress_d"] == {"da": progress(1, 1), "db": progress(0, 0)}

    # the documents follow the recapitulation, not the tally: closing the province shows at once
    recap.lock(engine, ref, None, "cli:test", "ppwp", "31")
    assert get(client, "/pemilu/hr/ppwp/31.json")["progress_d"]["dc"] == progress(1, 1)
    assert get(client, "/pemilu/hr/ppwp.json")["progress_d"]["dc"] == progress(2, 1)

    # `suara publish` writes the same documents, byte for byte, at the same paths
    written = dict(tree.documents(engine, ref, [ref.contest("ppwp")], os.environ["SUARA_PUBLIC_BASE_URL"]))
    hr_paths = sorted(p for p in written if p.startswith("sirekap/pemilu/hr/"))
    assert hr_paths == ["sirekap/pemilu/hr/ppwp.json", "sirekap/pemilu/hr/ppwp/31.json",
                        "sirekap/pemilu/hr/ppwp/31/3171.json", "sirekap/pemilu/hr/ppwp/31/3172.json",
                        "sirekap/pemilu/hr/ppwp/32.json", "sirekap/pemilu/hr/ppwp/32/3201.json",
                        "sirekap/pemilu/hr/ppwp/99.json", "sirekap/pemilu/hr/ppwp/99/9901.json",
                        "sirekap/pemilu/hr/ppwp/99/99AG.json"]
    for path in hr_paths:
        assert written[path] == client.get(path.removeprefix("sirekap")).content, path


def test_the_pilkada_documents_carry_their_own_paslon(hr):
    client, engine, ref, _ = hr
    for kode in ("320101", "320102", "3201"):
        record(engine, ref, "pkwkk-3201", kode)
    race = ref.contest("pkwkk-3201")
    ids = {str(c.nomor_urut): c.id for c in race.candidates}
    doc = get(client, "/pilkada/hr/pkwkk/32/3201.json")
    assert list(doc) == HR_KEYS and list(doc["chart"]) == ["1000547", "1000548"]
    with engine.connect() as conn:
        assert doc["chart"] == by_id(rollup(conn, "pkwkk-3201", "3201").votes, ids)
    assert list(doc["table"]) == ["320101", "320102"]
    assert doc["progress_d"] == {"da": progress(2, 2), "db": progress(1, 1)}
    governor = get(client, "/pilkada/hr/pkwkp/32.json")
    assert list(governor["chart"]) == [c.id for c in ref.contest("pkwkp-32").candidates]
    assert governor["table"] == {} and governor["progress_d"]["db"] == progress(1, 0)
    assert get(client, "/pilkada/hr/pkwkp/32/3201.json")["progress_d"] == {"da": progress(2, 0), "db": progress(1, 0)}


BAD_PATHS = [
    ("/pemilu/hr/pdpr.json", "not_found"),  # the legislative recapitulation has no hr document
    ("/pemilu/hr/ppwp/0.json", "not_found"),
    ("/pemilu/hr/ppwp/33.json", "unknown_region"),
    ("/pemilu/hr/ppwp/32/3171.json", "unknown_region"),
    ("/pemilu/hr/ppwp/31/3171/317101.json", "not_found"),
    ("/pemilu/hr/ppwp/99/99AG/99AG01.json", "not_found"),
    ("/pemilu/hr/ppwp/99/99ZZ.json", "unknown_region"),
    ("/pilkada/hr/pkwkp/31.json", "unknown_contest"),
    ("/pilkada/hr/pkwkk/32.json", "not_found"),
    ("/pilkada/hr/pkwkk/31/3201.json", "unknown_region"),
    ("/pilkada/hr/pkwkk/32/3201/320101.json", "not_found"),
    ("/pilkada/hr/pkwkp.json", "not_found"),
]


def test_bad_paths_are_refused_with_the_error_shape(hr):
    client, _, _, _ = hr
    for path, code in BAD_PATHS:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == code and response.json()["error"]["message"], path
    assert httpx.get(f"{client.base_url.scheme}://{client.base_url.netloc.decode()}/api/v1/photos/{'0' * 64}"
                     ).status_code == 404
