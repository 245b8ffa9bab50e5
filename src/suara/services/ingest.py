"""Bulk ingest of a JSON Lines file of forms through the same submission service as the API."""

from __future__ import annotations

import hashlib
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine

from suara.domain.policy import Outcome, Policy
from suara.services.submission import (
    IdempotencyConflict,
    Submission,
    SubmissionResult,
    prepare,
    submit_forms,
)
from suara.store.reference import Reference
from suara.tally.fold import fold_all


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    code: str
    message: str


@dataclass
class IngestReport:
    stored: int = 0
    stored_with_notes: int = 0
    refused: int = 0
    replayed: int = 0
    lines: int = 0
    errors: list[LineError] = field(default_factory=list)
    refused_by_code: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)

    def count(self, line: int, result: SubmissionResult | IdempotencyConflict) -> None:
        if isinstance(result, IdempotencyConflict):
            self.refuse(line, "idempotency_conflict", "kunci idempoten sudah dipakai untuk isi yang lain")
            return
        if result.replayed:
            self.replayed += 1
            return
        if result.outcome is Outcome.REFUSED:
            self.refuse(line, result.error_code or "refused", result.message or "")
            return
        if result.outcome is Outcome.STORED:
            self.stored += 1
        else:
            self.stored_with_notes += 1
        self.flags.update({f.rule for f in result.flags})

    def refuse(self, line: int, code: str, message: str) -> None:
        self.refused += 1
        self.refused_by_code[code] += 1
        if len(self.errors) < 10_000:  # enough to act on, bounded so a bad file cannot exhaust memory
            self.errors.append(LineError(line, code, message))


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


Line = tuple[int, bytes]
Prepared = tuple[list[int], list[tuple[int, str]], list[Any]]  # line numbers, bad JSON, (check, doc hash)


def _raw_batches(path: Path, size: int, report: IngestReport) -> Iterator[list[Line]]:
    batch: list[Line] = []
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            report.lines = number
            if not raw.strip():
                continue
            batch.append((number, raw))
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


# The reference and policy a checking process works with, set before it forks (a national
# reference takes seconds to load; a forked child shares the parent's copy).
_WORKER: dict[str, Any] = {}


def _prepare(batch: list[Line]) -> Prepared:
    """Decode and check a batch of lines: the CPU-heavy half of an ingest, done in a second
    process while the first writes the previous batch."""
    numbers: list[int] = []
    docs: list[Any] = []
    bad: list[tuple[int, str]] = []
    for number, raw in batch:
        try:
            docs.append(orjson.loads(raw))
            numbers.append(number)
        except orjson.JSONDecodeError as exc:
            bad.append((number, f"JSON tidak sah: {exc}"))
    return numbers, bad, prepare(_WORKER["reference"], docs, _WORKER["policy"])


def _prepared(path: Path, size: int, report: IngestReport, workers: int) -> Iterator[Prepared]:
    batches = _raw_batches(path, size, report)
    if workers < 1 or multiprocessing.get_start_method(allow_none=True) not in (None, "fork"):
        yield from map(_prepare, batches)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        # imap keeps the workers one batch ahead of the writer, and memory to a few batches
        yield from pool.imap(_prepare, batches)


def ingest_file(
    engine: Engine,
    reference: Reference,
    path: Path,
    policy: Policy = Policy.AS_IS,
    actor: str = "ingest",
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> IngestReport:
    """Submit every line; bad lines are reported by number and change nothing.

    With workers >= 1, that many forked processes decode and check the lines (the rules need
    no database) while this process writes and folds, so two cores both work.

    Each line's idempotency key is the file's hash and the line number, so running the same
    file again (after a crash, say) stores nothing twice.
    """
    prefix = f"ingest:{file_digest(path)[:32]}"
    report = IngestReport()
    _WORKER.update(reference=reference, policy=policy)
    try:
        for numbers, bad, prepared in _prepared(path, batch_size, report, workers):
            for number, message in bad:
                report.refuse(number, "bad_json", message)
            # zero-padded so that keys arrive in index order; the form travels as its check
            submissions = [Submission(None, f"{prefix}:{number:010d}", actor, doc_hash=doc_hash)
                           for number, (_, doc_hash) in zip(numbers, prepared)]
            results = submit_forms(engine, reference, submissions, policy, prechecked=[c for c, _ in prepared])
            for number, result in zip(numbers, results):
                report.count(number, result)
            fold_all(engine)
            if progress:
                progress(len(numbers) + len(bad))
    finally:
        _WORKER.clear()
    return report
