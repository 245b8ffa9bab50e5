"""Group commit: submissions that arrive within a few milliseconds of each other are checked and
stored in one transaction, and each caller gets its own answer once that transaction is durable.

Every writer serialises on the audit head, so one transaction per HTTP submission spends most of
its time queueing for that lock and flushing its commit. One writer thread per process takes
what has queued (up to `max_batch`, waiting at most `max_wait` after the first), stores it with
`submit_forms` (idempotency, versions, audit chain, as for one form) and then resolves each
caller's future. A crash before the commit loses the whole batch and acknowledges none of it; a
device retries with its idempotency key.

Two submissions of the same TPS and contest never share a batch: the second waits for the next
one, so a re-send is judged against a stored first version (services/resends.py).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from suara.domain.policy import Policy
from suara.services.submission import (
    IdempotencyConflict,
    Submission,
    SubmissionResult,
    submit_forms,
)

log = logging.getLogger("suara.group_commit")
Answer = SubmissionResult | IdempotencyConflict
DEFAULT_MAX_BATCH = 256
DEFAULT_MAX_WAIT = 0.002  # seconds after the first submission of a batch


@dataclass
class _Pending:
    submission: Submission
    policy: Policy
    future: Future[Answer] | None = None  # a thread's caller waits on this
    waiter: asyncio.Future[Answer] | None = None  # a coroutine's on this, settled on its own loop

    @property
    def pair(self) -> tuple[Any, Any]:
        doc = self.submission.doc
        return (doc.get("contest"), doc.get("tps")) if isinstance(doc, dict) else (None, id(self))


@dataclass
class BatchStats:
    batches: int = 0
    submissions: int = 0
    largest: int = 0
    sizes: list[int] = field(default_factory=list)  # the last batches' sizes (bounded)

    def record(self, size: int) -> None:
        self.batches += 1
        self.submissions += size
        self.largest = max(self.largest, size)
        self.sizes.append(size)
        del self.sizes[:-1000]


class GroupCommitter:
    """One writer thread per process; `submit` (or `enqueue`'s future) from any thread,
    `submit_async` from a coroutine."""

    def __init__(self, engine: Engine, reference: Any, max_batch: int = DEFAULT_MAX_BATCH,
                 max_wait: float = DEFAULT_MAX_WAIT,
                 on_batch: Callable[[int], None] | None = None,
                 on_answers: Callable[[list[Answer]], None] | None = None) -> None:
        self.engine = engine
        self.reference = reference
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.on_batch = on_batch
        self.on_answers = on_answers  # a stored batch's answers, in order (the metrics count outcomes)
        self.stats = BatchStats()
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._held: list[_Pending] = []  # submissions put off to the next batch (same TPS twice)
        self._thread = threading.Thread(target=self._run, name="suara-group-commit", daemon=True)
        self._stopping = threading.Event()
        self._thread.start()

    def enqueue(self, submission: Submission, policy: Policy) -> Future[Answer]:
        future: Future[Answer] = Future()
        self._put(_Pending(submission, policy, future=future))
        return future

    async def submit_async(self, submission: Submission, policy: Policy) -> Answer:
        """Store one submission with whatever else is waiting; the answer comes once it is
        durable, and waiting holds no thread."""
        waiter: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._put(_Pending(submission, policy, waiter=waiter))
        return await waiter

    def _put(self, pending: _Pending) -> None:
        if self._stopping.is_set():
            raise RuntimeError("group commit is stopping")
        self._queue.put(pending)

    def submit(self, submission: Submission, policy: Policy, timeout: float | None = None) -> Answer:
        """Store one submission with whatever else is waiting; blocks until it is durable."""
        return self.enqueue(submission, policy).result(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(timeout)

    # --- the writer thread -------------------------------------------------------------------

    def _next_batch(self) -> list[_Pending] | None:
        batch: list[_Pending] = []
        pairs: set[tuple[Any, Any]] = set()
        held, self._held = self._held, []
        for pending in held:
            self._add(pending, batch, pairs)
        if not batch:
            first = self._queue.get()
            if first is None:
                return None
            self._add(first, batch, pairs)
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self._stopping.set()
                break
            self._add(item, batch, pairs)
        return batch

    def _add(self, pending: _Pending, batch: list[_Pending], pairs: set[tuple[Any, Any]]) -> None:
        if pending.pair in pairs:
            self._held.append(pending)
        else:
            pairs.add(pending.pair)
            batch.append(pending)

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                break
            self._store(batch)
            if self._stopping.is_set() and not self._held and self._queue.empty():
                break

    def _store(self, batch: list[_Pending]) -> None:
        by_policy: dict[Policy, list[_Pending]] = {}
        for pending in batch:
            by_policy.setdefault(pending.policy, []).append(pending)
        for policy, group in by_policy.items():
            try:
                answers = submit_forms(self.engine, self.reference, [p.submission for p in group], policy)
            except Exception as exc:  # noqa: BLE001 -- whatever failed the batch, every caller hears it and the writer goes on
                log.warning("group commit of %d submissions failed: %s", len(group), exc)
                _settle(group, exc)
                continue
            self.stats.record(len(group))
            if self.on_batch is not None:
                self.on_batch(len(group))
            if self.on_answers is not None:
                self.on_answers(answers)
            _settle(group, answers)


def _settle(group: list[_Pending], outcome: Sequence[Answer] | Exception) -> None:
    """Give each caller its answer (`outcome`: the batch's answers in order), or the batch's
    failure (`outcome`: the exception; an IdempotencyConflict, an exception too, only ever comes
    as an answer). A coroutine's outcomes are handed to its event loop in one call per batch: one
    wake-up of the loop's thread, not one per caller."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[int, asyncio.Future[Answer]]]] = {}
    for index, pending in enumerate(group):
        if pending.waiter is not None:
            by_loop.setdefault(pending.waiter.get_loop(), []).append((index, pending.waiter))
        elif pending.future is not None:
            _resolve(pending.future, outcome, index)
    for loop, waiters in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle_on_loop, waiters, outcome)
        except RuntimeError:  # the loop has closed: its callers are gone
            log.warning("group commit: %d answers for a closed event loop", len(waiters))


def _settle_on_loop(waiters: list[tuple[int, asyncio.Future[Answer]]], outcome: Sequence[Answer] | Exception) -> None:
    for index, waiter in waiters:
        if not waiter.done():  # else its caller went away (the request was cancelled); the version is stored
            _resolve(waiter, outcome, index)


def _resolve(future: Future[Answer] | asyncio.Future[Answer], outcome: Sequence[Answer] | Exception, index: int) -> None:
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome[index])
