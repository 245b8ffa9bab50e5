"""Submitting forms with photos over HTTP: checks by decoding, GPS removed publicly, R13, integrity."""

from __future__ import annotations

import io

import orjson
import pytest
from helpers import count_rows, ppwp_form
from PIL import Image
from sqlalchemy import update

from suara.domain.access import Role
from suara.services.accounts import create_account, login
from suara.services.verify import verify
from suara.store.schema import form_versions, version_photos
from suara.tally.fold import fold_all

PASSWORD = "rahasia-sekali-123"


def jpeg(seed: int, gps: bool = False, size: tuple[int, int] = (640, 480)) -> bytes:
    image = Image.new("RGB", size, (seed % 256, 80, 120))
    exif = Image.Exif()
    exif[0x0112] = 1
    if gps:
        exif[0x8825] = {1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


@pytest.fixture
def kpps(client, engine):
    headers = {}
    for name, tps in (("kpps-a", "3171011001001"), ("kpps-b", "3171011001002")):
        create_account(engine, name, PASSWORD, Role.KPPS, tps, "test")
        headers[tps] = {"Authorization": f"Bearer {login(engine, name, PASSWORD, 'hp')[0]}"}
    return headers


def send(client, headers, tps, key, pages, votes=(60, 122, 64)):
    files = {f"page{p}": (f"halaman{p}.jpg", data, "image/jpeg") for p, data in pages.items()}
    return client.post("/api/v1/submissions", data={"form": orjson.dumps(ppwp_form(tps, votes)).decode()},
                       files=files, headers={**headers[tps], "Idempotency-Key": key})


def test_photos_are_stored_and_published_without_gps(client, engine, kpps):
    response = send(client, kpps, "3171011001001", "hp-a:0001", {1: jpeg(1), 2: jpeg(2, gps=True), 3: jpeg(3)})
    assert response.status_code == 201, response.text
    fold_all(engine)
    client.app.state.publisher.refresh()
    tps = client.get("/sirekap/pemilu/hhcw/ppwp/31/3171/317101/3171011001/3171011001001.json").json()
    assert all(url and url.startswith("http") and "/sirekap/formc/" in url for url in tps["images"])
    public = client.get(tps["images"][1])
    assert public.status_code == 200 and public.headers["content-type"] == "image/jpeg"
    assert 0x8825 not in Image.open(io.BytesIO(public.content)).getexif()
    record = client.get("/api/v1/tps/ppwp/3171011001001").json()
    assert client.get(record["current"]["photos"]["2"]).content == public.content
    with engine.connect() as conn:
        row = conn.execute(version_photos.select().where(version_photos.c.page == 2)).first()
    assert row.sha256 != row.public_sha256  # the original, with GPS, stays for officials only
    assert client.get(f"/api/v1/photos/{row.sha256}").status_code == 404
    assert client.app.state.blobs.exists(row.sha256)
    assert verify(engine).ok


def test_retries_with_photos_are_counted_once_and_other_photos_conflict(client, engine, kpps):
    pages = {2: jpeg(7)}
    assert [send(client, kpps, "3171011001001", "hp-a:0002", pages).status_code for _ in range(3)] == [201, 200, 200]
    assert count_rows(engine) == 1 and count_rows(engine, version_photos) == 1
    assert send(client, kpps, "3171011001001", "hp-a:0002", {2: jpeg(8)}).status_code == 409


def test_a_photo_filed_for_another_tps_is_flagged_r13(client, engine, kpps):
    shared = jpeg(9)
    send(client, kpps, "3171011001001", "hp-a:0003", {2: shared})
    second = send(client, kpps, "3171011001002", "hp-b:0001", {2: shared})
    assert second.status_code == 201
    assert [f["rule"] for f in second.json()["flags"]] == ["R13"]
    assert "3171011001001" in second.json()["flags"][0]["message"]


@pytest.mark.parametrize(("data", "code"), [
    (b"bukan gambar sama sekali", "photo_not_an_image"),
    (b"", "photo_not_an_image"),
    (jpeg(1)[:2000], "photo_corrupt"),
])
def test_fake_or_broken_photos_are_refused_and_change_nothing(client, engine, kpps, data, code):
    response = send(client, kpps, "3171011001001", "hp-a:0004", {2: data})
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert count_rows(engine) == 0


def test_a_decompression_bomb_is_refused(client, engine, kpps):
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")  # small on disk, 100 megapixels decoded
    response = send(client, kpps, "3171011001001", "hp-a:0005", {2: buffer.getvalue()})
    assert response.status_code == 422 and response.json()["error"]["code"] == "photo_too_many_pixels"
    assert count_rows(engine) == 0


def test_verify_names_a_changed_photo_row(client, engine, kpps):
    send(client, kpps, "3171011001001", "hp-a:0006", {2: jpeg(11)})
    fold_all(engine)
    assert verify(engine).ok
    with engine.begin() as conn:
        conn.execute(update(version_photos).values(public_sha256="0" * 64))
    problems = verify(engine).problems
    assert any("foto versi #1" in p for p in problems)


def test_bad_multipart_parts_are_refused(client, engine, kpps):
    headers = {**kpps["3171011001001"], "Idempotency-Key": "hp-a:0007"}
    no_form = client.post("/api/v1/submissions", files={"page2": ("a.jpg", jpeg(1), "image/jpeg")}, headers=headers)
    assert no_form.status_code == 422 and no_form.json()["error"]["code"] == "missing_form"
    extra = client.post("/api/v1/submissions", data={"form": orjson.dumps(ppwp_form("3171011001001", (1, 2, 3))).decode()},
                        files={"page9": ("a.jpg", jpeg(1), "image/jpeg")}, headers=headers)
    assert extra.status_code == 422
    assert count_rows(engine, form_versions) == 0
