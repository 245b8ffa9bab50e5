"""Hostile request bodies (issue 11): oversize and endless bodies, writes flooded before their
bodies are read, numbers too large for the database, truncated multipart, photos of refused forms."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.routing import iter_route_contexts
from helpers import count_rows, ppwp_form
from PIL import Image

from suara.api.body_limits import MAX_ROW_ID, RULES, BodyCaps, rule_for
from suara.blobs import FilesystemBlobStore
from suara.domain.access import Role
from suara.services.accounts import create_account, login
from suara.store.schema import complaints, form_versions

PASSWORD = "rahasia-sekali-123"
TPS = "3171011001001"
BOUNDARY = "suara-test-boundary"
ADDRESS = "203.0.113.9"


def jpeg(seed: int, size: tuple[int, int] = (640, 480), noise: bool = False) -> bytes:
    if noise:  # random pixels do not compress: a few hundred KB at this size
        rng = random.Random(seed)
        image = Image.frombytes("RGB", size, bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3)))
    else:
        image = Image.new("RGB", size, (seed % 256, 80, 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


@pytest.fixture
def tokens(client, engine):
    made = {}
    for name, role, scope in (("kpps-a", Role.KPPS, TPS), ("ppk-a", Role.PPK, "317101"), ("kpu-ri", Role.KPU_RI, "0")):
        create_account(engine, name, PASSWORD, role, scope, "test")
        made[name] = login(engine, name, PASSWORD, "hp")[0]
    return made


@pytest.fixture
def store(client, tmp_path: Path) -> FilesystemBlobStore:
    """A blob store of this test's own, so what it holds is what this test wrote."""
    client.app.state.blobs = FilesystemBlobStore(tmp_path / "blobs")
    return client.app.state.blobs


def stored_files(store: FilesystemBlobStore) -> list[Path]:
    return [p for p in store.root.rglob("*") if p.is_file()] if store.root.exists() else []


def bearer(token: str, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}


def multipart(form: dict[str, Any], pages: dict[int, bytes], closed: bool = True) -> bytes:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="form"\r\n\r\n'.encode() + orjson.dumps(form)]
    for page, data in pages.items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="page{page}"; '
                     f'filename="halaman{page}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode() + data)
    body = b"\r\n".join(parts) + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode() if closed else body


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


# --- calling the app as a server would: headers first, the body only when the app asks ------------


class Wire:
    """The client's side of one request: counts the body bytes the app pulled."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.pulled = 0
        self.calls = 0

    async def receive(self) -> dict[str, Any]:
        self.calls += 1
        if not self.chunks:
            return {"type": "http.disconnect"}
        chunk = self.chunks.pop(0)
        self.pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(self.chunks)}


def call(client, method: str, path: str, headers: dict[str, str], wire: Wire) -> tuple[int, dict[str, str], bytes]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "testserver", **headers}.items()],
             "client": (ADDRESS, 50000), "server": ("testserver", 80), "state": {}}
    client.portal.call(client.app, scope, wire.receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


COMPLAINT = orjson.dumps({"contest": "ppwp", "tps": TPS, "text": "angka di foto berbeda dengan data"})


@pytest.mark.parametrize(("path", "content_type"), [
    ("/api/v1/complaints", "application/json"),
    ("/api/v1/submissions", MULTIPART["Content-Type"]),
    ("/api/v1/corrections", "application/json"),
    ("/ui/submit", MULTIPART["Content-Type"]),
    ("/ui/login", "application/x-www-form-urlencoded"),
    (f"/tps/ppwp/{TPS}/pengaduan", "application/x-www-form-urlencoded"),
])
def test_a_declared_oversize_body_is_refused_before_a_byte_of_it_is_read(client, engine, path, content_type):
    wire = Wire([COMPLAINT])
    status, headers, body = call(client, "POST", path, {"content-type": content_type,
                                                        "content-length": str(200 * 1024 * 1024)}, wire)
    assert status == 413 and wire.calls == 0
    if not path.startswith("/tps/"):  # the portal answers with a page, like its other refusals
        error = orjson.loads(body)["error"]
        assert error["code"] == "too_large" and error["details"]["content_length"] == 200 * 1024 * 1024
    assert headers["connection"] == "close"
    assert count_rows(engine, complaints) == 0


def test_a_body_without_length_is_cut_off_once_it_passes_the_cap(client):
    chunk = b"x" * (16 * 1024)
    wire = Wire([chunk] * 256)  # 4 MB, chunked, no Content-Length
    status, _, body = call(client, "POST", "/api/v1/complaints", {"content-type": "application/json"}, wire)
    assert status == 413 and orjson.loads(body)["error"]["code"] == "too_large"
    assert wire.pulled <= BodyCaps().complaint + len(chunk)


def test_writes_are_rate_limited_before_their_body_is_read(client):
    class Exhausted:
        def __init__(self) -> None:
            self.keys: list[str] = []

        def take(self, key: str, rate: Any, cost: int = 1) -> float:
            self.keys.append(key)
            return 30.0

    client.app.state.limiter = limiter = Exhausted()
    wire = Wire([COMPLAINT])
    status, headers, body = call(client, "POST", "/api/v1/complaints",
                                 {"content-type": "application/json", "content-length": str(len(COMPLAINT))}, wire)
    assert status == 429 and wire.calls == 0
    assert headers["retry-after"] == "30" and orjson.loads(body)["error"]["code"] == "rate_limited"
    assert all(ADDRESS in key for key in limiter.keys)


def test_bodies_within_their_caps_go_through(client, engine, tokens, store):
    assert client.post("/api/v1/complaints", content=COMPLAINT, headers={"Content-Type": "application/json"}
                       ).status_code == 201
    sent = client.post("/api/v1/submissions", content=multipart(ppwp_form(TPS), {2: jpeg(1)}),
                       headers={**MULTIPART, **bearer(tokens["kpps-a"], "hp-a:0001")})
    assert sent.status_code == 201, sent.text


def test_every_capped_route_exists(client):
    """The caps are keyed by path: a renamed route must not silently fall back to the default."""
    paths = {(method, context.path) for context in iter_route_contexts(client.app.routes)
             for method in getattr(context.original_route, "methods", None) or ()}
    for rule in RULES:
        assert any(m == rule.method and rule.path.fullmatch(p.replace("{contest}", "ppwp").replace("{tps}", TPS))
                   for m, p in paths), rule
    assert rule_for("POST", f"/tps/ppwp/{TPS}/pengaduan").kind == "complaint"
    assert rule_for("POST", "/api/v1/corrections").kind == "json"


def test_a_streamed_upload_over_the_cap_is_refused_and_stores_nothing(client, engine, tokens, store):
    client.app.state.body_caps = BodyCaps(photo=64 * 1024, pages=3)  # 3 pages x 64 KiB + 80 KiB of form and overhead
    body = multipart(ppwp_form(TPS), {2: jpeg(2, noise=True)})
    assert len(body) > BodyCaps(photo=64 * 1024, pages=3).upload

    def stream():  # no Content-Length: sent chunked
        yield body

    response = client.post("/api/v1/submissions", content=stream(),
                           headers={**MULTIPART, **bearer(tokens["kpps-a"], "hp-a:0002")})
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert count_rows(engine, form_versions) == 0 and stored_files(store) == []


def test_a_photo_over_the_photo_cap_is_refused_while_it_streams(client, engine, tokens, store):
    client.app.state.body_caps = BodyCaps(photo=64 * 1024)
    big = jpeg(3, size=(240, 240), noise=True)  # about 100 KB: within the body cap, over the photo cap
    assert 64 * 1024 < len(big) < BodyCaps(photo=64 * 1024).upload
    response = client.post("/api/v1/submissions", content=multipart(ppwp_form(TPS), {1: big}),
                           headers={**MULTIPART, **bearer(tokens["kpps-a"], "hp-a:0003")})
    assert response.status_code == 413 and response.json()["error"]["code"] == "photo_too_large"
    assert count_rows(engine, form_versions) == 0 and stored_files(store) == []


# --- numbers the database cannot hold ------------------------------------------------------------


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_ids_too_large_for_the_database_are_a_422(client, engine, tokens, number):
    decided = client.post(f"/api/v1/corrections/{number}/decision", json={"approve": False, "reason": "tidak berdasar"},
                          headers=bearer(tokens["kpu-ri"]))
    assert decided.status_code == 422 and decided.json()["error"]["code"] == "invalid_request"
    filed = client.post("/api/v1/complaints", content=COMPLAINT, headers={"Content-Type": "application/json"})
    number_of = filed.json()["number"]
    moved = client.post(f"/api/v1/complaints/{number_of}/status", json={"status": "under_review"},
                        headers=bearer(tokens["ppk-a"]))
    assert moved.status_code == 200, moved.text
    corrected = client.post(f"/api/v1/complaints/{number_of}/status",
                            json={"status": "corrected", "correction_id": number}, headers=bearer(tokens["ppk-a"]))
    assert corrected.status_code == 422


def screen_session(client, token: str) -> str:
    """A signed-in browser: the session cookie and a CSRF pair, as /ui/login would set them."""
    csrf = "csrf-token-of-this-test-0123"
    client.cookies.set("suara_session", token)
    client.cookies.set("suara_csrf", csrf)
    return csrf


@pytest.mark.parametrize("number", [str(2**31), str(2**63), "9" * 5000])
def test_ids_too_large_for_the_database_are_a_422_on_the_screens(client, engine, tokens, number):
    csrf = screen_session(client, tokens["kpu-ri"])
    decided = client.post(f"/ui/corrections/{number}/decision", data={"csrf": csrf, "approve": "0",
                                                                       "reason": "tidak berdasar"})
    assert decided.status_code == 422
    filed = client.post("/api/v1/complaints", content=COMPLAINT, headers={"Content-Type": "application/json"})
    number_of = filed.json()["number"]
    assert client.post(f"/ui/complaints/{number_of}/status", data={"csrf": csrf, "status": "under_review"}
                       ).status_code == 200
    corrected = client.post(f"/ui/complaints/{number_of}/status", data={"csrf": csrf, "status": "corrected",
                                                                         "correction_id": number})
    assert corrected.status_code == 422
    assert client.get(f"/api/v1/complaints/{number_of}").json()["status"] == "under_review"


def test_a_portal_flag_out_of_range_is_a_422(client):
    assert client.get("/pengaduan/PGD-AAAAAAAA", params={"baru": str(2**64)}).status_code == 422


def test_the_row_id_bound_is_the_databases(engine):
    assert MAX_ROW_ID == 2**31 - 1  # corrections.id, complaints.correction_id: INTEGER on PostgreSQL


# --- half an upload ------------------------------------------------------------------------------


def test_a_multipart_body_without_its_closing_boundary_stores_nothing(client, engine, tokens, store):
    headers = {**MULTIPART, **bearer(tokens["kpps-a"], "hp-a:0004")}
    photo = jpeg(4)
    cut = client.post("/api/v1/submissions", content=multipart(ppwp_form(TPS), {2: photo}, closed=False),
                      headers=headers)
    assert cut.status_code == 400 and cut.json()["error"]["code"] == "bad_multipart"
    assert count_rows(engine, form_versions) == 0 and stored_files(store) == []
    retried = client.post("/api/v1/submissions", content=multipart(ppwp_form(TPS), {2: photo}), headers=headers)
    assert retried.status_code == 201, retried.text
    assert count_rows(engine, form_versions) == 1 and stored_files(store) != []


@pytest.mark.parametrize("body", [
    f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"form\"\r\n\r\n{{\"tps\"".encode(),  # cut in a part
    f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),  # a part without a name
    b"not multipart at all",
])
def test_a_malformed_multipart_body_is_a_400(client, engine, tokens, body):
    response = client.post("/api/v1/submissions", content=body,
                           headers={**MULTIPART, **bearer(tokens["kpps-a"], "hp-a:0005")})
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_multipart"
    assert count_rows(engine, form_versions) == 0


def test_the_entry_screen_refuses_half_an_upload_too(client, engine, tokens, store):
    csrf = screen_session(client, tokens["kpps-a"])
    fields = {"csrf": csrf, "contest": "ppwp", "tps": TPS, "key": "ui-0001", "suara_1": "60", "suara_2": "122",
              "suara_3": "64", "suara_sah": "246", "suara_tidak_sah": "3", "suara_total": "249"}
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}'.encode() for k, v in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="page2"; filename="h2.jpg"\r\n'
                 f'Content-Type: image/jpeg\r\n\r\n'.encode() + jpeg(5))
    body = b"\r\n".join(parts) + b"\r\n"
    cut = client.post("/ui/submit", content=body, headers=MULTIPART)
    assert cut.status_code == 400
    assert count_rows(engine, form_versions) == 0 and stored_files(store) == []
    whole = client.post("/ui/submit", content=body + f"--{BOUNDARY}--\r\n".encode(), headers=MULTIPART)
    assert whole.status_code == 200 and count_rows(engine, form_versions) == 1 and stored_files(store) != []


# --- photos of refused forms ---------------------------------------------------------------------


def test_a_photo_sent_with_a_refused_form_is_not_kept(client, engine, tokens, store):
    bad = ppwp_form(TPS)
    bad["suara_sah"] = "dua ratus"
    refused = client.post("/api/v1/submissions", content=multipart(bad, {1: jpeg(6)}),
                          headers={**MULTIPART, **bearer(tokens["kpps-a"], "hp-a:0006")})
    assert refused.status_code == 422
    assert count_rows(engine, form_versions) == 0 and stored_files(store) == []


def test_a_photo_sent_with_a_conflicting_retry_is_not_kept(client, engine, tokens, store):
    headers = {**MULTIPART, **bearer(tokens["kpps-a"], "hp-a:0007")}
    first = client.post("/api/v1/submissions", content=multipart(ppwp_form(TPS), {1: jpeg(7)}), headers=headers)
    assert first.status_code == 201
    kept = sorted(stored_files(store))
    other = client.post("/api/v1/submissions", content=multipart(ppwp_form(TPS), {1: jpeg(8)}), headers=headers)
    assert other.status_code == 409
    assert sorted(stored_files(store)) == kept


@pytest.mark.parametrize("digits", [19, 5000])
def test_a_vote_count_too_long_for_an_integer_is_refused_on_the_screens(client, engine, tokens, digits):
    csrf = screen_session(client, tokens["kpps-a"])
    fields = {"csrf": csrf, "contest": "ppwp", "tps": TPS, "key": f"ui-{digits}", "suara_1": "9" * digits,
              "suara_2": "122", "suara_3": "64", "suara_sah": "246", "suara_tidak_sah": "3", "suara_total": "249"}
    checked = client.post("/ui/check", json={"contest": "ppwp", "tps": TPS, "fields": fields},
                          headers={"X-CSRF-Token": csrf})
    assert checked.status_code == 200 and checked.json()["error"]["code"] == "malformed"
    sent = client.post("/ui/submit", data=fields, files={"page1": ("", b"", "application/octet-stream")})
    assert sent.status_code == 422 and count_rows(engine, form_versions) == 0


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain"])
def test_the_entry_screen_takes_no_body_it_cannot_read(client, engine, tokens, content_type):
    csrf = screen_session(client, tokens["kpps-a"])
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/ui/submit", content=f"csrf={csrf}&tps={TPS}".encode(), headers=headers)
    assert response.status_code in (400, 403) and count_rows(engine, form_versions) == 0
