"""Group commit (issue 14): submissions arriving together share one transaction, each caller gets
its own answer after the commit, and a crash in the middle loses nothing that was acknowledged.
On SQLite and PostgreSQL; the crash test SIGKILLs a real `suara serve` under load."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import MINI
from helpers import count_rows, ppwp_form, run_async
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from suara.domain.access import Role
from suara.domain.policy import Outcome, Policy
from suara.services import group_commit
from suara.services.accounts import create_account, login
from suara.services.group_commit import GroupCommitter
from suara.services.setup import init_database
from suara.services.submission import IdempotencyConflict, Submission
from suara.services.verify import verify
from suara.store.engine import make_engine
from suara.store.schema import form_versions
from suara.tally.fold import fold_all

GAMBIR = ("3171011001001", "3171011001002", "3171011001003", "3171011002001", "3171011002002", "3171011002901",
          "3172011001001", "3172011001002", "3201011001001", "3201011001002")


def test_submissions_arriving_together_share_a_transaction_and_each_gets_its_answer(engine, reference):
    committer = GroupCommitter(engine, reference, max_batch=64, max_wait=0.05)
    answers: dict[str, Any] = {}
    start = threading.Barrier(len(GAMBIR) + 1)

    def send(index: int, tps: str) -> None:
        start.wait()
        form = ppwp_form(tps, (10 + index, 20, 30))
        answers[tps] = committer.submit(Submission(form, f"dev-{tps}", f"KPPS:{tps}"), Policy.AS_IS)

    threads = [threading.Thread(target=send, args=(i, tps)) for i, tps in enumerate(GAMBIR)]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join()
    try:
        assert committer.stats.largest > 1 and committer.stats.submissions == len(GAMBIR)
        assert committer.stats.batches < len(GAMBIR)
        assert {tps: (a.tps, a.outcome, a.version_no) for tps, a in answers.items()} == {
            tps: (tps, Outcome.STORED, 1) for tps in GAMBIR}
        assert len({a.version_id for a in answers.values()}) == len(GAMBIR)
        # a retry with the same key, and one TPS sent twice at once: never two versions in a batch
        retry = committer.submit(Submission(ppwp_form(GAMBIR[0], (10, 20, 30)), f"dev-{GAMBIR[0]}", "KPPS:x"),
                                 Policy.AS_IS)
        assert retry.replayed and retry.version_id == answers[GAMBIR[0]].version_id
        twice = [committer.enqueue(Submission(ppwp_form(GAMBIR[1], (50 + n, 20, 30)), f"again-{n}", "KPPS:y"),
                                   Policy.AS_IS) for n in range(2)]
        assert sorted(f.result(10).version_no for f in twice) == [2, 3]
    finally:
        committer.stop()
    assert count_rows(engine) == len(GAMBIR) + 2
    fold_all(engine)
    assert verify(engine).ok


def test_a_failed_batch_answers_every_caller_with_the_error(engine, reference, monkeypatch):
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(group_commit, "submit_forms", refuse)
    committer = GroupCommitter(engine, reference, max_wait=0.05)
    try:
        futures = [committer.enqueue(Submission(ppwp_form(tps), f"k-{tps}", "KPPS:t"), Policy.AS_IS)
                   for tps in GAMBIR[:3]]
        for future in futures:
            with pytest.raises(OperationalError):
                future.result(10)
        monkeypatch.undo()  # the writer carries on with the next batch
        answer = committer.submit(Submission(ppwp_form(GAMBIR[0]), "k-after", "KPPS:t"), Policy.AS_IS)
        assert answer.version_no == 1
    finally:
        committer.stop()
    assert count_rows(engine) == 1


def test_coroutines_get_their_answers_on_their_loop_and_a_cancelled_one_spoils_nothing(engine, reference,
                                                                                        monkeypatch):
    """submit_async: a batch's answers reach their event loop together; a caller that went away
    (cancelled) leaves its stored version and every other answer alone; a failed batch raises
    in every coroutine."""
    committer = GroupCommitter(engine, reference, max_batch=64, max_wait=0.05)

    async def day() -> tuple[list[Any], Any]:
        sends = [asyncio.ensure_future(committer.submit_async(
            Submission(ppwp_form(tps, (10 + i, 20, 30)), f"co-{tps}", f"KPPS:{tps}"), Policy.AS_IS))
            for i, tps in enumerate(GAMBIR[:6])]
        await asyncio.sleep(0)  # all six are queued; the first goes away before the batch is stored
        sends[0].cancel()
        answers = await asyncio.wait_for(asyncio.gather(*sends[1:]), 20)  # a lost answer fails, not hangs
        # the same key with another body: an answer (409), though an IdempotencyConflict is an exception too
        conflict = await committer.submit_async(Submission(ppwp_form(GAMBIR[1], (99, 20, 30)), f"co-{GAMBIR[1]}",
                                                           "KPPS:x"), Policy.AS_IS)
        assert isinstance(conflict, IdempotencyConflict)
        return answers, await asyncio.gather(sends[0], return_exceptions=True)

    async def failing() -> list[Any]:
        return await asyncio.gather(*(committer.submit_async(Submission(ppwp_form(tps), f"no-{tps}", "KPPS:t"),
                                                             Policy.AS_IS) for tps in GAMBIR[6:8]),
                                    return_exceptions=True)
    try:
        answers, (cancelled,) = run_async(day())
        assert [(a.tps, a.outcome, a.version_no) for a in answers] == [(tps, Outcome.STORED, 1) for tps in GAMBIR[1:6]]
        assert isinstance(cancelled, asyncio.CancelledError)
        monkeypatch.setattr(group_commit, "submit_forms", lambda *a, **k: (_ for _ in ()).throw(
            OperationalError("INSERT", {}, Exception("database is locked"))))
        assert all(isinstance(e, OperationalError) for e in run_async(failing()))
    finally:
        committer.stop()
    assert count_rows(engine) == 6  # the cancelled caller's form was stored all the same: its retry replays it


# --- a crash in the middle of a batch -----------------------------------------------------------

PASSWORD = "rahasia-sekali-123"
ROUNDS = 3  # short for CI; the kill lands in a different place each round


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def crash_db(db_url: str) -> Iterator[str]:
    engine = make_engine(db_url)
    init_database(engine, **MINI)
    for tps in GAMBIR:
        create_account(engine, f"kpps-{tps}", PASSWORD, Role.KPPS, tps, "test")
    engine.dispose()
    yield db_url


def _serve(url: str, data: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = dict(os.environ, SUARA_DATABASE_URL=url, SUARA_DATA_DIR=str(data), SUARA_GROUP_COMMIT_WAIT_MS="5",
               SUARA_MAX_WRITES_IN_FLIGHT="64",
               SUARA_RESEND_GRACE_SECONDS="86400")  # every send a new version: many per TPS
    proc = subprocess.Popen([sys.executable, "-m", "suara.cli", "serve", "--port", str(port), "--workers", "1"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError("suara serve did not start")


def test_a_crash_mid_batch_loses_nothing_acknowledged(crash_db, tmp_path):
    engine = make_engine(crash_db)
    tokens = {tps: login(engine, f"kpps-{tps}", PASSWORD, "hp")[0] for tps in GAMBIR}
    acknowledged: dict[str, int] = {}  # idempotency key -> version id the server answered
    lock = threading.Lock()
    for round_no in range(ROUNDS):
        proc, port = _serve(crash_db, tmp_path)
        stop = threading.Event()

        def device(tps: str, port: int = port, stop: threading.Event = stop, round_no: int = round_no) -> None:
            n = 0
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
                while not stop.is_set():
                    key = f"r{round_no}-{tps}-{n}"
                    # numbers never sent before: the same numbers again would answer the stored version
                    form = ppwp_form(tps, (n % 250, round_no + 1, 3 + n // 250))
                    try:
                        answer = client.post("/api/v1/submissions", json=form, headers={
                            "Authorization": f"Bearer {tokens[tps]}", "Idempotency-Key": key})
                    except httpx.HTTPError:
                        return  # the server is gone
                    if answer.status_code in (200, 201):
                        with lock:
                            acknowledged[key] = answer.json()["version_id"]
                    n += 1

        threads = [threading.Thread(target=device, args=(tps,)) for tps in GAMBIR]
        for thread in threads:
            thread.start()
        time.sleep(1.0 + 0.4 * round_no)
        os.killpg(proc.pid, signal.SIGKILL)  # mid-batch: ten devices keep the writer busy
        proc.wait()
        stop.set()
        for thread in threads:
            thread.join()
    # every acknowledged key is stored exactly once, as the version it was answered with
    with engine.connect() as conn:
        stored = {row.idempotency_key.split(":", 1)[1]: row.id for row in conn.execute(
            select(form_versions.c.idempotency_key, form_versions.c.id)
            .where(form_versions.c.idempotency_key.is_not(None)))}
        duplicates = conn.execute(select(func.count()).select_from(form_versions)).scalar_one() - len(stored)
    assert acknowledged and duplicates == 0
    missing = {key: vid for key, vid in acknowledged.items() if stored.get(key) != vid}
    assert not missing, list(missing.items())[:5]
    fold_all(engine)
    report = verify(engine)
    assert report.ok, report.problems
    engine.dispose()
