"""Reading a form from its photos over the API (POST /api/v1/read-form) and the command line
(suara form-sheet, suara read-form), on SQLite and PostgreSQL (issue 15).

The photos are the sheet's own pages for the test database's TPS, filled with font digits and
photographed. The API is for a KPPS on its own TPS only, checks photos as a submission does, and
stores nothing: no form version, no photo row, no blob, no audit event."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import audit_count, count_rows
from PIL import Image
from sqlalchemy import Engine
from typer.testing import CliRunner

from suara.cli import app
from suara.domain.access import Role
from suara.reading import photograph, sheet
from suara.reading.reader import NO_CLASSIFIER
from suara.services.accounts import create_account, login
from suara.store.schema import form_versions, version_photos

TPS = "3171011001001"
OTHER_TPS = "3171011001002"
PASSWORD = "rahasia-sekali-123"
VOTES = {"suara.1": 117, "suara.2": 36, "suara.3": 5, "suara_sah": 158, "suara_tidak_sah": 2, "suara_total": 160}


def _photo(reference: Any, page: int, tps: str = TPS, rotation: float = 0.0, seed: int = 1) -> bytes:
    contest = reference.contest("ppwp")
    layout = sheet.page_layout("ppwp", len(contest.candidates), page)
    filled, _ = photograph.fill_page(sheet.render_page(contest, tps, page), layout, VOTES, seed=seed)
    shot = photograph.Shot(tilt=15, tilt_direction=40 * page, rotation=rotation, blur=0.6, shadow=0.3)
    return photograph.photograph(filled, shot, seed=seed)


@pytest.fixture
def kpps(engine: Engine) -> dict[str, str]:
    create_account(engine, "kpps-baca", PASSWORD, Role.KPPS, TPS, "test")
    return {"Authorization": f"Bearer {login(engine, 'kpps-baca', PASSWORD, 'hp')[0]}"}


def _send(client: Any, headers: dict[str, str], pages: dict[int, bytes], query: str = "") -> Any:
    files = {f"page{n}": (f"halaman{n}.jpg", data, "image/jpeg") for n, data in pages.items()}
    return client.post(f"/api/v1/read-form{query}", files=files, headers=headers)


def _stored(engine: Engine, client: Any) -> tuple[int, int, int, int]:
    return (count_rows(engine, form_versions), count_rows(engine, version_photos), audit_count(engine),
            sum(1 for _ in client.app.state.blobs.digests()))


def test_a_kpps_reads_its_own_pages_and_nothing_is_stored(client: Any, engine: Engine, reference: Any,
                                                          kpps: dict[str, str]) -> None:
    before = _stored(engine, client)
    response = _send(client, kpps, {2: _photo(reference, 2), 3: _photo(reference, 3, rotation=180)}, "?contest=ppwp")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["tps"], body["contest"], body["stored"]) == (TPS, "ppwp", False)
    assert [(p["part"], p["page"], p["of"]) for p in body["pages"]] == [("page2", 2, 3), ("page3", 3, 3)]
    assert abs(abs(body["pages"][1]["rotation"]) - 180) < 20  # read the right way up from its markers
    assert [n["field"] for n in body["numbers"]] == list(VOTES)
    assert [n["page"] for n in body["numbers"]] == [2, 2, 2, 3, 3, 3]
    assert body["numbers"][0]["label"] == "Pasangan Calon Nomor Urut 01"
    for number in body["numbers"]:
        assert len(number["boxes"]) == 3 and all(b.startswith("data:image/png;base64,") for b in number["boxes"])
    if body["classified"]:  # the digit classifier is installed: the sure numbers must be right
        for number in body["numbers"]:
            assert number["unsure"] or number["value"] == VOTES[number["field"]], number["field"]
    else:
        assert body["notes"] == [NO_CLASSIFIER]
        assert body["unsure"] == list(VOTES) and not body["sure"]
    assert _stored(engine, client) == before


def test_a_page_of_another_tps_is_refused_under_r13(client: Any, engine: Engine, reference: Any,
                                                    kpps: dict[str, str]) -> None:
    response = _send(client, kpps, {2: _photo(reference, 2), 3: _photo(reference, 3, tps=OTHER_TPS)})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "other_tps" and "R13" in error["message"] and OTHER_TPS in error["message"]
    assert error["details"]["part"] == "page3" and error["details"]["rule"] == "R13"
    assert error["details"]["en"].startswith("photo 2: this page belongs to TPS")


def test_a_page_sent_as_another_part_is_refused(client: Any, reference: Any, kpps: dict[str, str]) -> None:
    response = _send(client, kpps, {1: _photo(reference, 2)})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "page_mismatch"
    assert response.json()["error"]["details"] == {"part": "page1", "page": 2}


def test_photos_that_are_no_form_or_no_photo_are_refused(client: Any, reference: Any, kpps: dict[str, str]) -> None:
    letter = Image.new("L", (900, 1200), 240)
    blank = _jpeg(letter)
    assert _send(client, kpps, {2: blank}).json()["error"]["code"] == "not_a_form"
    dark = photograph.photograph(sheet.render_page(reference.contest("ppwp"), TPS, 2),
                                 photograph.Shot(brightness=0.12), seed=2)
    assert _send(client, kpps, {2: dark}).json()["error"]["code"] == "too_dark"
    fake = _send(client, kpps, {2: b"\xff\xd8\xff\xe0 bukan foto"})
    assert fake.status_code == 422 and fake.json()["error"]["code"].startswith("photo_")
    assert _send(client, kpps, {}).json()["error"]["code"] == "missing_photo"
    assert _send(client, kpps, {2: blank}, "?contest=pdpr-9").status_code == 404
    files = {"form": ("f.json", b"{}", "application/json")}
    assert client.post("/api/v1/read-form", files=files, headers=kpps).json()["error"]["code"] == "bad_part"


def test_only_a_kpps_may_read(client: Any, engine: Engine, reference: Any) -> None:
    photo = {2: _photo(reference, 2)}
    assert _send(client, {}, photo).status_code == 401
    create_account(engine, "ppk-baca", PASSWORD, Role.PPK, "317101", "test")
    ppk = {"Authorization": f"Bearer {login(engine, 'ppk-baca', PASSWORD, 'hp')[0]}"}
    response = _send(client, ppk, photo)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def _jpeg(image: Image.Image) -> bytes:
    import io

    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture
def run(db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SUARA_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> Any:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_form_sheet_prints_a_contest_for_one_tps_and_read_form_reads_it_back(run: Any, tmp_path: Path,
                                                                            reference: Any) -> None:
    out = run("form-sheet", "--tps", TPS, "--contest", "pkwkk-3171", "--out", "lembar.pdf", "--png-dir", "png").output
    assert "3 halaman" in out
    data = (tmp_path / "lembar.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page\b", data)) == 3
    pngs = sorted((tmp_path / "png").iterdir())
    assert [p.name for p in pngs] == [f"pkwkk-3171-{TPS}-{n}.png" for n in (1, 2, 3)]
    page = Image.open(pngs[1])
    assert page.size == (sheet.PAGE_W, sheet.PAGE_H)
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(photograph.photograph(page, photograph.Shot(tilt=20, rotation=180), seed=3))
    answer = orjson.loads(run("read-form", str(photo), "--tps", TPS, "--json").stdout)
    assert (answer["contest"], answer["pages"][0]["page"], answer["stored"]) == ("pkwkk-3171", 2, False)
    paslon = len(reference.contest("pkwkk-3171").candidates)
    assert [n["field"] for n in answer["numbers"]] == [f"suara.{n}" for n in range(1, paslon + 1)]
    assert "boxes" not in answer["numbers"][0]
    table = run("read-form", str(photo)).output
    assert "halaman 2 dari 3" in table and "(terbalik)" in table and "PERIKSA" in table
    refused = run("read-form", str(photo), "--tps", OTHER_TPS, code=1).output
    assert "other_tps" in refused and "R13" in refused


def test_form_sheet_refuses_what_it_cannot_print(run: Any) -> None:
    assert "tidak dikenal" in run("form-sheet", "--tps", TPS, "--contest", "pdpr", "--out", "x.pdf", code=2).output
    assert "tidak ada" in run("form-sheet", "--tps", "3171011009999", "--contest", "ppwp", "--out", "x.pdf",
                              code=2).output
