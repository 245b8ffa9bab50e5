"""Election night for the demo: a synthetic national election arriving TPS by TPS at a set rate.

Kab/kota are opened in a random order, the first round one in every province, and their forms
interleaved, so progress climbs across the whole country at once rather than province by
province. Within an open kab/kota every ballot advances together (each contest at the same
share of its TPS), as a TPS reports all its ballots: whichever race a reader switches to in a
place that has data has data too, the Pilkada and the DPD included.

Every form goes through the submission service with an idempotency key, so a restarted demo
carries on where it stopped: it first counts what is stored, names it, passes over those forms
without waiting, and sends only the rest at the night's pace. A night already complete sends
nothing. For a share of the TPS (`photo_share`), every form arrives with synthetic photos of its
pages, stored through the photo service's checks and blob store, as a KPPS would send them.
"""

from __future__ import annotations

import heapq
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from suara.blobs import BlobStore
from suara.domain.policy import Outcome, Policy
from suara.services.photos import CheckedPages, check_pages
from suara.services.submission import Submission, SubmissionResult, submit_forms
from suara.store.reference import Reference
from suara.store.schema import form_versions
from suara.synth import Synthesizer, SynthOptions
from suara.synth.photos import photographed, render_form
from suara.tally.fold import fold_all

OPEN_KABS = 16  # kab/kota reporting at the same time, every ballot of each at once
TICK_SECONDS = 0.5
KEY_PREFIX = "demo"


@dataclass(frozen=True)
class NightOptions:
    seed: int = 1
    contests: tuple[str, ...] = ("ppwp",)
    duration_seconds: float = 600.0
    error_rate: float = 0.001
    photo_share: float = 0.0  # share of TPS whose forms come with photos of their pages


@dataclass(frozen=True)
class NightStart:
    """What the night found in the database before sending anything."""

    total: int  # forms of the whole night
    stored: int  # of those, already in the database from an earlier run
    other_seed: bool  # the database holds a demo night of another seed

    @property
    def complete(self) -> bool:
        return self.stored >= self.total


def idempotency_key(seed: int, form: dict[str, Any]) -> str:
    return f"{KEY_PREFIX}:{seed}:{form['contest']}:{form['tps']}"


def _kab_order(kabs: Sequence[str], rng: random.Random) -> list[str]:
    """Random, but the first round takes one kab/kota of every province, so each province has
    data within the first minutes."""
    shuffled = list(kabs)
    rng.shuffle(shuffled)
    first: list[str] = []
    rest: list[str] = []
    seen: set[str] = set()
    for kab in shuffled:
        (rest if kab[:2] in seen else first).append(kab)
        seen.add(kab[:2])
    return first + rest


def _ballots_together(streams: list[tuple[Any, int, Iterator[dict[str, Any]]]]) -> Iterator[dict[str, Any]]:
    """The forms of one kab/kota, each contest kept at the same share of its TPS."""
    heap = [(1 / max(total, 1), i, 0, total) for i, (_, total, _) in enumerate(streams)]
    heapq.heapify(heap)
    while heap:
        _, i, sent, total = heapq.heappop(heap)
        form = next(streams[i][2], None)
        if form is None:
            continue
        yield form
        heapq.heappush(heap, ((sent + 2) / max(total, 1), i, sent + 1, total))


def interleaved(synthesizer: Synthesizer, seed: int) -> Iterator[dict[str, Any]]:
    """Forms of many kab/kota at once, in a random but repeatable order."""
    rng = random.Random(seed)
    pending = iter(_kab_order(synthesizer.kabs, rng))
    streams: list[Iterator[dict[str, Any]]] = []
    while True:
        while len(streams) < OPEN_KABS and (kab := next(pending, None)) is not None:
            streams.append(_ballots_together(synthesizer.contest_streams(kab)))
        if not streams:
            return
        stream = rng.choice(streams)
        form = next(stream, None)
        if form is None:
            streams.remove(stream)
        else:
            yield form


def stored_forms(engine: Engine, seed: int) -> tuple[int, bool]:
    """Demo forms of this seed already stored, and whether forms of another seed's night are."""
    with engine.connect() as conn:
        mine = conn.execute(select(func.count()).select_from(form_versions)
                            .where(form_versions.c.idempotency_key.like(f"{KEY_PREFIX}:{seed}:%"))).scalar_one()
        other = mine == 0 and conn.execute(
            select(form_versions.c.id).where(form_versions.c.idempotency_key.like(f"{KEY_PREFIX}:%")).limit(1)
        ).first() is not None
    return int(mine), other


def _already_stored(engine: Engine, keys: Sequence[str]) -> set[str]:
    with engine.connect() as conn:
        return {str(k) for k in conn.execute(select(form_versions.c.idempotency_key)
                                             .where(form_versions.c.idempotency_key.in_(keys))).scalars()}


def _place(reference: Reference, tps: str) -> str:
    """'TPS 003, GAMBIR, GAMBIR, KOTA JAKARTA PUSAT': how the sheet names its TPS."""
    tree = reference.tree
    names = [tree.station(tps).nama] + [tree.get(tps[:n]).nama for n in (10, 6, 4) if tps[:n] in tree]
    return ", ".join(names)


def _with_photos(reference: Reference, form: dict[str, Any], seed: int) -> CheckedPages:
    contest = reference.contest(form["contest"])
    pages = render_form(form, contest, _place(reference, form["tps"]), seed, reference.book)
    return check_pages({n: (data, "image/jpeg") for n, data in enumerate(pages, start=1)}, contest.info.pages)


def run(engine: Engine, reference: Reference, options: NightOptions,
        report: Callable[[int, int], None] | None = None, stop: Callable[[], bool] = lambda: False,
        blobs: BlobStore | None = None, started: Callable[[NightStart], None] | None = None,
        photo: Callable[[dict[str, Any]], None] | None = None) -> int:
    """Submit the whole election over about `duration_seconds`, after what an earlier run stored;
    returns how many forms are stored at the end (this run's and the earlier ones).

    `started` hears what was found before anything is sent (nothing is sent for a complete night
    or one of another seed); `photo` hears each form stored with photos (needs `blobs`)."""
    synthesizer = Synthesizer(reference, SynthOptions(seed=options.seed, contests=options.contests,
                                                      error_rate=options.error_rate))
    total = synthesizer.total_forms()
    stored, other_seed = stored_forms(engine, options.seed)
    start = NightStart(total, stored, other_seed)
    if started:
        started(start)
    if start.complete or other_seed:
        return stored
    per_tick = max(1, round(total / max(options.duration_seconds, 1) * TICK_SECONDS))
    forms = interleaved(synthesizer, options.seed)
    unseen = stored  # stored forms not yet met on the way: until then, each batch asks which are stored
    sent = stored
    next_tick = time.monotonic()
    while not stop():
        batch = [form for _, form in zip(range(per_tick), forms)]
        if not batch:
            break
        keys = [idempotency_key(options.seed, f) for f in batch]
        if unseen:
            known = _already_stored(engine, keys)
            unseen -= len(known)
            batch = [f for f, k in zip(batch, keys, strict=True) if k not in known]
            keys = [k for k in keys if k not in known]
            if not batch:  # all stored before: on at once, no waiting for forms already in
                next_tick = time.monotonic()
                continue
        pages: dict[int, CheckedPages] = {}
        if blobs is not None and options.photo_share > 0:
            pages = {i: _with_photos(reference, f, options.seed) for i, f in enumerate(batch)
                     if photographed(f["tps"], options.seed, options.photo_share)}
        submissions = [Submission(f, k, "demo", photos=pages[i].photos if i in pages else ())
                       for i, (f, k) in enumerate(zip(batch, keys, strict=True))]
        results = submit_forms(engine, reference, submissions, Policy.AS_IS)
        for i, checked in pages.items():  # the photos' blobs once their form is stored, as the service does
            result = results[i]
            if blobs is not None and isinstance(result, SubmissionResult) and result.outcome is not Outcome.REFUSED:
                checked.keep(blobs)
                if photo:
                    photo(batch[i])
        fold_all(engine)
        sent += len(batch)
        if report:
            report(sent, total)
        next_tick += TICK_SECONDS
        time.sleep(max(0.0, next_tick - time.monotonic()))
    return sent
