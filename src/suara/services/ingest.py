"""Bulk ingest of a JSON Lines file of forms through the same submission service as the API."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from sqlalchemy import Engine

from suara.domain.policy import Outcome, Policy
from suara.services.submission import (
    IdempotencyConflict,
    Submission,
    SubmissionResult,
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


def _batches(path: Path, size: int, report: IngestReport) -> Iterator[list[tuple[int, object]]]:
    batch: list[tuple[int, object]] = []
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            report.lines = number
            if not raw.strip():
                continue
            try:
                doc = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                report.refuse(number, "bad_json", f"JSON tidak sah: {exc}")
                continue
            batch.append((number, doc))
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


def ingest_file(
    engine: Engine,
    reference: Reference,
    path: Path,
    policy: Policy = Policy.AS_IS,
    actor: str = "ingest",
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Submit every line; bad lines are reported by number and change nothing.

    Each line's idempotency key is the file's hash and the line number, so running the same
    file again (after a crash, say) stores nothing twice.
    """
    prefix = f"ingest:{file_digest(path)[:32]}"
    report = IngestReport()
    for batch in _batches(path, batch_size, report):
        # zero-padded so that keys arrive in index order
        submissions = [Submission(doc, f"{prefix}:{number:010d}", actor) for number, doc in batch]
        for (number, _), result in zip(batch, submit_forms(engine, reference, submissions, policy)):
            report.count(number, result)
        fold_all(engine)
        if progress:
            progress(len(batch))
    return report
