"""A submission's photos are read by the server and compared with its numbers (issue 15), on
SQLite and PostgreSQL.

The version keeps the server's reading and the device's record of which numbers were pre-filled
from a reading and what the officer did with each (machine_read, confirmed, changed); a number
the machine reads with confidence that the form states otherwise gets R16, which the anomaly
queue (A1) shows; a page whose QR names another TPS gets R13. The record is in the audit chain:
`suara verify` rebuilds it, and notices it changed behind the services' back."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pytest
from helpers import count_rows
from sqlalchemy import Engine, select, update

from suara.domain.access import Role
from suara.domain.machine_reading import MachineNumber, disagreements, number_paths, parse_origins
from suara.domain.machine_reading import MalformedReading as Malformed
from suara.reading import photograph, sheet
from suara.services.accounts import create_account, login
from suara.services.verify import verify
from suara.store.schema import form_versions
from suara.tally.fold import fold_pending

TPS = "3171011001001"
OTHER_TPS = "3171011001002"
PASSWORD = "rahasia-sekali-123"
WRITTEN = {  # what the officer wrote on the paper form: a form whose sums hold
    "administrasi.pemilih_dpt_l": 120, "administrasi.pemilih_dpt_p": 115, "administrasi.pemilih_dpt_j": 235,
    "administrasi.pengguna_dpt_l": 80, "administrasi.pengguna_dpt_p": 76, "administrasi.pengguna_dpt_j": 156,
    "administrasi.pengguna_dptb_l": 1, "administrasi.pengguna_dptb_p": 1, "administrasi.pengguna_dptb_j": 2,
    "administrasi.pengguna_non_dpt_l": 1, "administrasi.pengguna_non_dpt_p": 1, "administrasi.pengguna_non_dpt_j": 2,
    "administrasi.pengguna_total_l": 82, "administrasi.pengguna_total_p": 78, "administrasi.pengguna_total_j": 160,
    "administrasi.pemilih_disabilitas_j": 3,
    "administrasi.surat_suara_diterima": 240, "administrasi.surat_suara_dikembalikan": 1,
    "administrasi.surat_suara_tidak_digunakan": 79, "administrasi.surat_suara_digunakan": 160,
    "suara.1": 117, "suara.2": 36, "suara.3": 5, "suara_sah": 158, "suara_tidak_sah": 2, "suara_total": 160,
}


def form_of(values: dict[str, int]) -> dict[str, Any]:
    doc: dict[str, Any] = {"tps": TPS, "contest": "ppwp", "suara": {}, "administrasi": {}}
    for path, value in values.items():
        if path.startswith("suara."):
            doc["suara"][path.split(".")[1]] = value
        elif path.startswith("administrasi."):
            doc["administrasi"][path.split(".")[1]] = value
        else:
            doc[path] = value
    return doc


def photos(reference: Any, tps: str = TPS, truth: list[int | None] | None = None) -> dict[int, bytes]:
    """The three pages as written, photographed (font digits); `truth` gets what every box holds,
    in the reader's order (page by page, field by field)."""
    contest = reference.contest("ppwp")
    shots = {}
    for page in (1, 2, 3):
        layout = sheet.page_layout("ppwp", len(contest.candidates), page)
        filled, boxes = photograph.fill_page(sheet.render_page(contest, tps, page), layout, WRITTEN, seed=page)
        shots[page] = photograph.photograph(filled, photograph.Shot(tilt=8, tilt_direction=30 * page, blur=0.4),
                                            seed=page)
        if truth is not None:
            truth.extend(boxes)
    return shots


@pytest.fixture
def perfect_eye(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """A digit classifier that knows what was written (the boxes of photos(truth=...)): the path
    from the photos to R16 and the queue, whatever the shipped classifier's accuracy."""
    from suara.reading import digits

    truth: list[int | None] = []

    def classify(boxes: list[np.ndarray]) -> np.ndarray:
        assert len(boxes) == len(truth)  # every box cut out, in the order written
        rows = np.full((len(boxes), digits.CLASSES), 0.0001)
        for row, held in enumerate(truth):
            rows[row, digits.EMPTY if held is None else held] = 1.0
        return rows / rows.sum(axis=1, keepdims=True)

    monkeypatch.setattr(digits, "classify", classify)
    return truth


@pytest.fixture
def kpps(engine: Engine) -> dict[str, str]:
    create_account(engine, "kpps-foto", PASSWORD, Role.KPPS, TPS, "test")
    return {"Authorization": f"Bearer {login(engine, 'kpps-foto', PASSWORD, 'hp')[0]}"}


def send(client: Any, headers: dict[str, str], doc: dict[str, Any], pages: dict[int, bytes], key: str,
         reading: Any = None) -> Any:
    files: dict[str, Any] = {f"page{n}": (f"halaman{n}.jpg", data, "image/jpeg") for n, data in pages.items()}
    files["form"] = (None, orjson.dumps(doc), "application/json")
    if reading is not None:
        files["reading"] = (None, reading if isinstance(reading, bytes) else orjson.dumps(reading), "application/json")
    return client.post("/api/v1/submissions", files=files, headers={**headers, "Idempotency-Key": f"kunci-{key}"})


def stored_reading(engine: Engine, version_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        text = conn.execute(select(form_versions.c.reading).where(form_versions.c.id == version_id)).scalar_one()
    return dict(orjson.loads(text))


def test_the_version_keeps_the_reading_and_what_the_officer_did(client: Any, engine: Engine, reference: Any,
                                                                kpps: dict[str, str],
                                                                perfect_eye: list[int | None]) -> None:
    # the machine pre-filled every number; the officer confirmed suara.3 and changed suara.1
    # (117 on paper, 116 sent) and suara.2 (36 on paper, 37 sent): the sums still hold
    sent = {**WRITTEN, "suara.1": 116, "suara.2": 37}
    origins = {path: "machine_read" for path in WRITTEN} | {"suara.3": "confirmed", "suara.1": "changed",
                                                             "suara.2": "changed"}
    response = send(client, kpps, form_of(sent), photos(reference, truth=perfect_eye), "baca-1",
                    {"numbers": origins})
    assert response.status_code == 201, response.text
    body = response.json()
    kept = stored_reading(engine, body["version_id"])
    assert kept["origins"] == dict(sorted(origins.items()))
    machine = {path: MachineNumber(n["value"], n["confidence"], n["unsure"]) for path, n in kept["machine"].items()}
    assert set(machine) == set(WRITTEN)
    assert all(not read.unsure and read.value == WRITTEN[path] for path, read in machine.items())
    r16 = sorted(f["boxes"][0] for f in body["flags"] if f["rule"] == "R16")
    assert r16 == ["suara.1", "suara.2"]
    assert "116" in next(f["message"] for f in body["flags"] if f["boxes"] == ["suara.1"])
    assert "117" in next(f["message"] for f in body["flags"] if f["boxes"] == ["suara.1"])
    assert body["outcome"] == "stored_with_notes"
    # the anomaly queue shows the TPS under A1, naming R16
    with engine.begin() as conn:
        fold_pending(conn)
    client.app.state.publisher.refresh()
    queue = client.get("/api/v1/anomalies/ppwp/0").json()["flagged_tps"]["items"]
    [hit] = [item for item in queue if item["kode"] == TPS]
    assert "R16" in orjson.dumps(hit).decode()
    # the public record shows both, and the portal says what the officer did
    current = client.get(f"/api/v1/tps/ppwp/{TPS}").json()["current"]
    assert current["reading"]["origins"] == kept["origins"] and current["reading"]["machine"] == kept["machine"]
    page = client.get(f"/tps/ppwp/{TPS}").text
    assert "Angka dari foto: 23 dibaca mesin, 1 diperiksa petugas, 2 diubah petugas" in page
    english = client.get(f"/tps/ppwp/{TPS}?lang=en").text
    assert "3 checked by the officer" not in english and "1 checked by the officer, 2 changed by the officer" in english
    assert verify(engine).ok


def test_a_form_as_read_has_no_r16_and_a_changed_record_is_named_by_verify(client: Any, engine: Engine,
                                                                           reference: Any,
                                                                           kpps: dict[str, str]) -> None:
    response = send(client, kpps, form_of(WRITTEN), photos(reference), "baca-2")
    assert response.status_code == 201, response.text
    body = response.json()
    # the shipped classifier: what it reads with confidence is right, so the form as written has no R16
    machine = stored_reading(engine, body["version_id"])["machine"]
    assert all(n["unsure"] or n["value"] == WRITTEN[path] for path, n in machine.items())
    assert not [f for f in body["flags"] if f["rule"] == "R16"]
    version_id = body["version_id"]
    assert stored_reading(engine, version_id)["origins"] == {}  # the device pre-filled nothing
    assert verify(engine).ok
    with engine.begin() as conn:  # the record altered behind the services' back
        conn.execute(update(form_versions).where(form_versions.c.id == version_id).values(
            reading=orjson.dumps({"origins": {"suara.1": "confirmed"}}).decode()))
    report = verify(engine)
    assert not report.ok and any("reading" in p for p in report.problems)


def test_a_page_of_another_tps_raises_r13(client: Any, engine: Engine, reference: Any, kpps: dict[str, str]) -> None:
    pages = photos(reference)
    pages[3] = photos(reference, OTHER_TPS)[3]
    response = send(client, kpps, form_of(WRITTEN), pages, "baca-3")
    assert response.status_code == 201, response.text
    r13 = [f for f in response.json()["flags"] if f["rule"] == "R13"]
    assert len(r13) == 1 and OTHER_TPS in r13[0]["message"]
    kept = stored_reading(engine, response.json()["version_id"])
    assert "machine" not in kept and OTHER_TPS in kept["note"]


def test_a_bad_reading_record_is_refused_and_stores_nothing(client: Any, engine: Engine, reference: Any,
                                                             kpps: dict[str, str]) -> None:
    before = count_rows(engine, form_versions)
    pages = {2: photos(reference)[2]}
    for record, words in (({"numbers": {"suara.9": "confirmed"}}, "tidak ada di formulir"),
                          ({"numbers": {"suara.1": "guessed"}}, "harus salah satu"),
                          ({"numbers": []}, "harus objek"), ([1, 2], "harus objek"),
                          ({"numbers": {f"x{i}": "confirmed" for i in range(2001)}}, "lebih dari"),
                          (b"{not json", "JSON tidak sah")):
        response = send(client, kpps, form_of(WRITTEN), pages, "buruk", record)
        assert response.status_code == 422, record
        assert words in response.json()["error"]["message"]
    assert count_rows(engine, form_versions) == before


def test_photos_that_are_no_sheet_are_filed_without_a_reading(client: Any, engine: Engine,
                                                              kpps: dict[str, str]) -> None:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (800, 1000), (230, 225, 210)).save(out, "JPEG")
    response = send(client, kpps, form_of(WRITTEN), {1: out.getvalue()}, "bukan-lembar")
    assert response.status_code == 201, response.text
    assert not [f for f in response.json()["flags"] if f["rule"] in ("R13", "R16")]
    assert "note" in stored_reading(engine, response.json()["version_id"])


def test_disagreements_only_for_numbers_read_with_confidence() -> None:
    doc = form_of(WRITTEN)
    machine = {"suara.1": MachineNumber(617, 0.999, False), "suara.2": MachineNumber(38, 0.6, True),
               "suara_sah": MachineNumber(None, 0.0, True), "suara.3": MachineNumber(5, 0.999, False)}
    [flag] = disagreements(doc, machine, {"suara.1": "Paslon 01"})
    assert (flag.rule, flag.boxes) == ("R16", ("suara.1",))
    assert flag.message.startswith("Paslon 01: formulir 117, foto terbaca 617")
    assert dict(number_paths({"tps": TPS, "partai": {"3": {"suara_partai": 4, "caleg": {"2": 7}, "jumlah": 11}}})) == {
        "partai.3.suara_partai": 4, "partai.3.caleg.2": 7, "partai.3.jumlah": 11}
    assert parse_origins({"numbers": {"suara.1": "changed"}}, doc) == {"suara.1": "changed"}
    with pytest.raises(Malformed):
        parse_origins({"numbers": {"tps": "changed"}}, doc)
