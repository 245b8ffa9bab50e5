"""Admission control: past SUARA_MAX_WRITES_IN_FLIGHT writes in one process, a write is answered
503 with Retry-After at once instead of queueing; reads go on being served (issue 11: 64
concurrent writers drove p99 to 2.1 s and nothing was shed)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from helpers import count_rows, ppwp_form, run_async

from suara.domain.access import Role
from suara.services.accounts import create_account, login
from suara.services.group_commit import GroupCommitter

PASSWORD = "rahasia-sekali-123"
TPS = "3171011001001"


@pytest.fixture
def server(engine, monkeypatch, request):
    monkeypatch.setenv("SUARA_MAX_WRITES_IN_FLIGHT", "2")  # read when the app takes its first request
    monkeypatch.setenv("SUARA_RESEND_GRACE_SECONDS", "3600")  # one TPS sent three times: three versions
    create_account(engine, "kpps-gambir", PASSWORD, Role.KPPS, TPS, "test")
    token = login(engine, "kpps-gambir", PASSWORD, "hp")[0]
    return request.getfixturevalue("live_server"), {"Authorization": f"Bearer {token}"}


def test_writes_beyond_the_bound_are_refused_at_once_and_reads_still_served(server, engine, monkeypatch):
    base, auth = server
    gate, entered = threading.Event(), threading.Semaphore(0)
    real_submit = GroupCommitter.submit_async

    async def held(committer: GroupCommitter, *args: Any) -> Any:  # two writes stay in flight until the gate opens
        entered.release()
        await asyncio.to_thread(gate.wait, 20)
        return await real_submit(committer, *args)
    monkeypatch.setattr(GroupCommitter, "submit_async", held)

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


def test_a_write_is_shed_while_the_oldest_in_the_works_has_waited_too_long():
    """Below the count bound, the time the oldest admitted write has been in the works decides:
    a process that is behind turns new writes away at once, one that keeps up takes them."""
    import asyncio

    from suara.api.admission import WriteAdmission

    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await receive()  # its body: from here it is on the clock
        if scope["path"] == "/api/v1/slow":
            await release.wait()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def scenario():
        admission = WriteAdmission(slow_app, bound=100, shed_after=0.05)
        slow = asyncio.create_task(call(admission, "/api/v1/slow"))
        await asyncio.sleep(0.01)
        young = await call(admission, "/api/v1/submissions")  # the slow one is 10 ms old: admitted
        await asyncio.sleep(0.1)
        behind = await call(admission, "/api/v1/submissions")  # now 110 ms old: shed
        release.set()
        first = await slow
        after = await call(admission, "/api/v1/submissions")  # nothing in the works: admitted
        return young, behind, first, after, admission.shed
    assert run_async(scenario()) == (201, 503, 201, 201, 1)


async def _whole_body():
    return {"type": "http.request", "body": b"{}", "more_body": False}


async def call(admission, path, receive=_whole_body, headers=((b"content-length", b"2"),)):
    """One POST through the admission (with a body, unless `headers` say none); its status."""
    sent = []

    async def send(message):
        sent.append(message)
    await admission({"type": "http", "method": "POST", "path": path, "headers": list(headers)}, receive, send)
    return sent[0]["status"]


def test_a_slow_sender_or_a_reading_is_not_the_process_falling_behind():
    """A write's clock runs from when its whole body is in, and stops while it reads its photos
    (api/reading_gate.py): a sender trickling its body, or a long reading, does not get the
    other writes turned away, while a write waiting on the write path that long still does."""
    from suara.api.admission import WriteAdmission, off_the_clock

    body_done, reading_done, stored = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def app(scope, receive, send):
        await receive()
        if scope["path"] == "/api/v1/reads-photos":
            with off_the_clock(scope):
                await reading_done.wait()
        if scope["path"] == "/api/v1/stores-slowly":
            await stored.wait()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def trickled():  # a body whose last part takes as long as the sender likes
        await body_done.wait()
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def scenario():
        admission = WriteAdmission(app, bound=100, shed_after=0.05)
        trickling = asyncio.create_task(call(admission, "/api/v1/submissions", trickled))
        reading = asyncio.create_task(call(admission, "/api/v1/reads-photos"))
        await asyncio.sleep(0.2)  # both far older than shed_after
        beside_them = await call(admission, "/api/v1/submissions")
        body_done.set()
        reading_done.set()
        slow = asyncio.create_task(call(admission, "/api/v1/stores-slowly"))
        await asyncio.sleep(0.2)
        behind = await call(admission, "/api/v1/submissions")  # the slow store is the write path
        stored.set()
        return beside_them, behind, await trickling, await reading, await slow, admission.in_flight
    assert run_async(scenario()) == (201, 503, 201, 201, 201, 0)


def test_a_write_without_a_body_is_on_the_clock_at_once():
    """A route may never ask for an empty body: a write without one is on the clock from its
    admission, so one stuck on the write path still gets new writes shed."""
    from suara.api.admission import WriteAdmission

    stored = asyncio.Event()

    async def app(scope, receive, send):  # never reads a body
        if scope["path"] == "/api/v1/stores-slowly":
            await stored.wait()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def scenario():
        admission = WriteAdmission(app, bound=100, shed_after=0.05)
        slow = asyncio.create_task(call(admission, "/api/v1/stores-slowly", headers=()))
        await asyncio.sleep(0.2)
        behind = await call(admission, "/api/v1/submissions", headers=[(b"content-length", b"0")])
        stored.set()
        return behind, await slow, await call(admission, "/api/v1/submissions", headers=())
    assert run_async(scenario()) == (503, 201, 201)
