"""Admission control: past SUARA_MAX_WRITES_IN_FLIGHT writes in one process, a write is answered
503 with Retry-After at once instead of queueing; reads go on being served (issue 11: 64
concurrent writers drove p99 to 2.1 s and nothing was shed)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from helpers import count_rows, ppwp_form

from suara.api import operator
from suara.domain.access import Role
from suara.services.accounts import create_account, login

PASSWORD = "rahasia-sekali-123"
TPS = "3171011001001"


@pytest.fixture
def server(engine, monkeypatch, request):
    monkeypatch.setenv("SUARA_MAX_WRITES_IN_FLIGHT", "2")  # read when the app takes its first request
    create_account(engine, "kpps-gambir", PASSWORD, Role.KPPS, TPS, "test")
    token = login(engine, "kpps-gambir", PASSWORD, "hp")[0]
    return request.getfixturevalue("live_server"), {"Authorization": f"Bearer {token}"}


def test_writes_beyond_the_bound_are_refused_at_once_and_reads_still_served(server, engine, monkeypatch):
    base, auth = server
    gate, entered = threading.Event(), threading.Semaphore(0)
    real_submit = operator.submit_with_photos

    def held(*args, **kwargs):  # two writes stay in flight until the gate opens
        entered.release()
        gate.wait(timeout=20)
        return real_submit(*args, **kwargs)
    monkeypatch.setattr(operator, "submit_with_photos", held)

    def submit(n: int) -> httpx.Response:
        return httpx.post(f"{base}/api/v1/submissions", json=ppwp_form(TPS, (n, 2, 3)),
                          headers={**auth, "Idempotency-Key": f"hp-1:{n:04d}"}, timeout=30)
    with ThreadPoolExecutor(2) as pool:
        try:
            held_writes = [pool.submit(submit, n) for n in (1, 2)]
            assert entered.acquire(timeout=20) and entered.acquire(timeout=20)
            shed = submit(3)
            shed_screen = httpx.post(f"{base}/ui/login", data={"username": "x", "password": "y"}, timeout=5)
            read = httpx.get(f"{base}/api/v1/results/ppwp/0", timeout=5)
        finally:
            gate.set()
        answered = [f.result() for f in held_writes]
    assert shed.status_code == 503 and shed.headers["retry-after"] == "1"
    assert shed.json()["error"]["code"] == "unavailable" and shed.json()["error"]["details"] == {"retry_after": 1}
    assert shed_screen.status_code == 503
    assert read.status_code == 200
    assert [r.status_code for r in answered] == [201, 201]
    assert count_rows(engine) == 2  # the refused one stored nothing
    assert submit(3).status_code == 201  # room again once the others are done
