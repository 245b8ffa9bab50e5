"""The recapitulation over HTTP, as an official and as a stranger would call it, on SQLite and
PostgreSQL: record with the minutes photo, lock, reopen, read beside the publication, the
discrepancy report as JSON and CSV, and bad input of every kind refused with nothing stored."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest
from helpers import count_rows
from PIL import Image

from suara.domain.access import Role
from suara.domain.policy import Policy
from suara.publish import recap_docs
from suara.services.accounts import create_account, login
from suara.services.submission import Submission, submit_forms
from suara.store.schema import recap_records, recap_status
from suara.synth import Synthesizer, SynthOptions
from suara.tally.fold import fold_all

PASSWORD = "rahasia-sekali-123"
BOUNDARY = "rekap-batas"


@pytest.fixture
def api(pemilu_client: Any, pemilu_engine: Any, pemilu_reference: Any) -> Any:
    forms = list(Synthesizer(pemilu_reference, SynthOptions(seed=2, contests=("ppwp", "pdpr"), error_rate=0.0)).forms())
    submit_forms(pemilu_engine, pemilu_reference, [Submission(f, f"t:{f['contest']}:{f['tps']}", "t") for f in forms],
                 Policy.AS_IS)
    fold_all(pemilu_engine)
    pemilu_client.app.state.publisher.refresh()
    tokens = {}
    for name, role, scope in (("ppk-gambir", Role.PPK, "317101"), ("ppk-cibinong", Role.PPK, "320101"),
                              ("kab-pusat", Role.KPU_KABKOTA, "3171"), ("kpu-ri", Role.KPU_RI, "0"),
                              ("kpps", Role.KPPS, "3171011001001")):
        create_account(pemilu_engine, name, PASSWORD, role, scope, "test")
        tokens[name] = {"Authorization": f"Bearer {login(pemilu_engine, name, PASSWORD, 'test')[0]}"}
    pemilu_client.tokens = tokens
    pemilu_client.engine = pemilu_engine
    pemilu_client.reference = pemilu_reference
    return pemilu_client


def line(api: Any, contest: str, kode: str) -> dict[str, Any]:
    with api.engine.connect() as conn:
        return recap_docs.publication_record(conn, api.reference, contest, kode)


def minutes_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (240, 240, 230)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def multipart(record: Any, photo: bytes | None, name: str = "minutes") -> bytes:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="record"\r\n\r\n'.encode() + orjson.dumps(record)]
    if photo is not None:
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="ba.jpg"\r\n'
                     f'Content-Type: image/jpeg\r\n\r\n'.encode() + photo)
    return b"\r\n".join(parts) + f"\r\n--{BOUNDARY}--\r\n".encode()


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def test_an_official_records_with_the_minutes_locks_and_the_public_reads_it(api):
    rows = line(api, "ppwp", "317101")["rows"]
    rows["3171011002"]["suara"]["1"] += 12
    rows["3171011002"]["suara"]["2"] -= 12
    sent = api.post("/api/v1/recap/ppwp/317101", content=multipart({"tingkat": "kecamatan", "rows": rows},
                                                                    minutes_jpeg()),
                    headers={**MULTIPART, **api.tokens["ppk-gambir"]})
    assert sent.status_code == 201, sent.text
    record = sent.json()
    assert record["status"] == "recorded" and record["foto_berita_acara"]
    locked = api.post("/api/v1/recap/ppwp/317101/lock", headers=api.tokens["ppk-gambir"])
    assert locked.status_code == 200 and locked.json()["status"] == "locked"
    doc = api.get("/api/v1/recap/ppwp/317101").json()
    assert doc["status"] == "locked" and doc["formulir"] == "D Hasil Kecamatan"
    assert "disclaimer" in doc and doc["as_of"]["tally_seq"] >= 1
    cideng = next(r for r in doc["rows"] if r["kode"] == "3171011002")
    assert cideng["selisih_publikasi"]["selisih"] == {"1": 12, "2": -12}
    assert doc["label_suara"]["1"]
    report = api.get("/api/v1/discrepancies/ppwp/31").json()
    assert report["jumlah"] == 1 and report["selisih"][0]["baris"] == "3171011002"
    assert report["selisih"][0]["besar"] == 24
    csv = api.get("/api/v1/discrepancies/ppwp/31.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "tingkat,kode,nama,baris,nama_baris,terhadap,besar,kunci,selisih"
    assert len(csv.text.splitlines()) == 3  # the two keys that differ
    # reopened by KPU RI with a reason, not by the PPK
    assert api.post("/api/v1/recap/ppwp/317101/reopen", json={"reason": "salah salin angka"},
                    headers=api.tokens["ppk-gambir"]).status_code == 403
    reopened = api.post("/api/v1/recap/ppwp/317101/reopen", json={"reason": "salah salin angka"},
                        headers=api.tokens["kpu-ri"])
    assert reopened.status_code == 200 and reopened.json()["reopen_reason"] == "salah salin angka"


def test_strangers_and_bad_input_are_refused_and_nothing_is_stored(api):
    good = {"rows": line(api, "ppwp", "317101")["rows"]}
    post = api.post
    ppk = api.tokens["ppk-gambir"]
    cases = [
        (post("/api/v1/recap/ppwp/317101", json=good), 401),
        (post("/api/v1/recap/ppwp/317101", json=good, headers=api.tokens["kpps"]), 403),
        (post("/api/v1/recap/ppwp/317101", json=good, headers=api.tokens["ppk-cibinong"]), 403),
        (post("/api/v1/recap/ppwp/317101", json=good, headers=api.tokens["kab-pusat"]), 403),
        (post("/api/v1/recap/ppwp/3171", json={"rows": line(api, "ppwp", "3171")["rows"]},
              headers=api.tokens["kab-pusat"]), 409),  # its kecamatan are not closed yet
        (post("/api/v1/recap/ppwp/317101", content=b"{not json", headers={**ppk, "Content-Type": "application/json"}),
         422),
        (post("/api/v1/recap/ppwp/317101", json=[1, 2], headers=ppk), 422),
        (post("/api/v1/recap/ppwp/317101", json={"rows": good["rows"], "extra": 1}, headers=ppk), 422),
        (post("/api/v1/recap/ppwp/317101", json={"tingkat": 5, "rows": good["rows"]}, headers=ppk), 422),
        (post("/api/v1/recap/ppwp/317101", json={"rows": {"3171011001": {"suara": {"1": 2**80}, "suara_sah": 1,
                                                                          "suara_tidak_sah": 0, "pengguna_total_j": 1}}},
              headers=ppk), 422),
        (post("/api/v1/recap/nope/317101", json=good, headers=ppk), 404),
        (post("/api/v1/recap/ppwp/3171011001", json=good, headers=ppk), 422),
        (post("/api/v1/recap/ppwp/31710!", json=good, headers=ppk), 422),
        (post("/api/v1/recap/ppwp/317101/lock", headers=ppk), 409),  # nothing recorded to close
        (post("/api/v1/recap/ppwp/317101/reopen", json={"reason": "x"}, headers=api.tokens["kpu-ri"]), 422),
        (post("/api/v1/recap/ppwp/317101", content=multipart(good, b"not an image"), headers={**MULTIPART, **ppk}),
         422),
        (post("/api/v1/recap/ppwp/317101", content=multipart(good, minutes_jpeg(), "page1"),
              headers={**MULTIPART, **ppk}), 422),
        (post("/api/v1/recap/ppwp/317101", content=multipart(good, minutes_jpeg())[:-20],
              headers={**MULTIPART, **ppk}), 400),  # cut off before its closing boundary
        (post("/api/v1/recap/ppwp/317101", content=b"x" * (5 * 1024 * 1024),
              headers={**ppk, "Content-Type": "application/json"}), 413),
    ]
    for number, (response, status) in enumerate(cases):
        assert response.status_code == status, (number, response.status_code, response.text)
        assert response.json()["error"]["message"], number
    assert count_rows(api.engine, recap_records) == count_rows(api.engine, recap_status) == 0
    for path in ("/api/v1/recap/ppwp/99", "/api/v1/recap/nope/0", "/api/v1/discrepancies/ppwp/3999",
                 "/api/v1/discrepancies/nope/0", "/api/v1/discrepancies/ppwp/0?limit=0",
                 "/api/v1/discrepancies/ppwp/0?offset=-1", "/api/v1/recap/ppwp/0%27"):
        answer = api.get(path)
        assert 400 <= answer.status_code < 500, (path, answer.status_code)
    empty = api.get("/api/v1/recap/ppwp/0").json()
    assert empty["status"] == "belum_dicatat" and {r["kode"] for r in empty["rows"]} == {"31", "32", "99"}
