"""Reading photos is bounded (api/reading_gate.py): each account has a budget of pages read, and
each process reads one request's photos at a time, answering 503 with Retry-After to a request
that cannot start soon; a form without photos never waits behind a reading. On SQLite and
PostgreSQL, over a real server."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import orjson
import pytest
from helpers import count_rows, ppwp_form
from PIL import Image

from suara.api import admission, reading_gate
from suara.api.limits import Rate
from suara.domain.access import Role
from suara.reading import reader
from suara.services.accounts import create_account, login

TPS = "3171011001001"
PASSWORD = "rahasia-sekali-123"


def blank_page() -> bytes:
    """A photo the reader turns away at once (a blank image: no form)."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (250, 250, 250)).save(out, "JPEG")
    return out.getvalue()


def pages(count: int) -> dict[str, tuple[str, bytes, str]]:
    return {f"page{n}": (f"h{n}.jpg", blank_page(), "image/jpeg") for n in range(1, count + 1)}


@pytest.fixture
def server(engine: Any, request: Any) -> tuple[str, dict[str, str], dict[str, str]]:
    create_account(engine, "kpps-a", PASSWORD, Role.KPPS, TPS, "test")
    create_account(engine, "kpps-b", PASSWORD, Role.KPPS, TPS, "test")
    return (request.getfixturevalue("live_server"),
            {"Authorization": f"Bearer {login(engine, 'kpps-a', PASSWORD, 'hp')[0]}"},
            {"Authorization": f"Bearer {login(engine, 'kpps-b', PASSWORD, 'hp')[0]}"})


def test_an_account_past_its_pages_read_is_refused_and_another_account_is_not(server: Any, engine: Any,
                                                                              monkeypatch: Any) -> None:
    base, first, second = server
    monkeypatch.setattr(reading_gate, "PAGES_READ_PER_ACCOUNT", Rate(per_minute=1, burst=6))

    def read(headers: dict[str, str], count: int) -> httpx.Response:
        return httpx.post(f"{base}/api/v1/read-form", files=pages(count), headers=headers, timeout=30)
    answer = read(first, 5)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "not_a_form"  # read: 1 page left
    # a submission with photos spends the same budget; refused, it stores nothing
    with_photos = httpx.post(f"{base}/api/v1/submissions", data={"form": orjson.dumps(ppwp_form(TPS)).decode()},
                             files=pages(2), headers={**first, "Idempotency-Key": "hp-a:0001"}, timeout=30)
    assert with_photos.status_code == 429 and int(with_photos.headers["retry-after"]) >= 1
    assert with_photos.json()["error"]["code"] == "rate_limited" and count_rows(engine) == 0
    assert read(first, 1).status_code == 422
    assert read(first, 1).status_code == 429
    assert read(second, 5).status_code == 422


def test_a_busy_reader_answers_503_with_retry_after_and_forms_without_photos_go_on(
        server: Any, engine: Any, monkeypatch: Any) -> None:
    base, first, second = server
    monkeypatch.setattr(reading_gate, "READER_WAIT_SECONDS", 0.3)
    reading, release = threading.Event(), threading.Event()
    real_read = reader.read_form

    def slow_read(*args: Any, **kwargs: Any) -> Any:  # the first reading holds the process's reader
        reading.set()
        release.wait(timeout=20)
        return real_read(*args, **kwargs)
    monkeypatch.setattr(reader, "read_form", slow_read)
    with ThreadPoolExecutor(1) as pool:
        try:
            held = pool.submit(httpx.post, f"{base}/api/v1/read-form", files=pages(1), headers=first, timeout=30)
            assert reading.wait(timeout=20)
            busy = httpx.post(f"{base}/api/v1/read-form", files=pages(1), headers=second, timeout=30)
            # the held reading is now older than the write admission's shed_after (0.4 s): a reading
            # is off its clock, so the form is not turned away as if the process were behind
            time.sleep(admission.DEFAULT_SHED_AFTER_MS / 1000)
            numbers = httpx.post(f"{base}/api/v1/submissions", json=ppwp_form(TPS),
                                 headers={**second, "Idempotency-Key": "hp-b:0001"}, timeout=30)
        finally:
            release.set()
        assert held.result().status_code == 422  # read once the gate opened: a blank page is no form
    assert busy.status_code == 503 and busy.headers["retry-after"] == str(reading_gate.READER_RETRY_SECONDS)
    assert busy.json()["error"]["code"] == "reader_busy"
    assert numbers.status_code == 201 and count_rows(engine) == 1
    again = httpx.post(f"{base}/api/v1/read-form", files=pages(1), headers=second, timeout=30)
    assert again.status_code == 422  # the reader is free again


@pytest.mark.parametrize("raw", ["0", "many", "65"])
def test_a_bad_readings_setting_is_refused_by_name(monkeypatch: Any, raw: str) -> None:
    monkeypatch.setenv("SUARA_READINGS_AT_ONCE", raw)
    with pytest.raises(ValueError, match="SUARA_READINGS_AT_ONCE"):
        reading_gate.readings_at_once()
