"""Election night for the demo: a synthetic national election arriving TPS by TPS at a set rate.

Kab/kota are opened in a random order and their forms interleaved, so progress climbs across
the whole country at once rather than province by province. Every form goes through the
submission service with an idempotency key, so a restarted demo carries on where it stopped.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from suara.domain.policy import Policy
from suara.services.submission import Submission, submit_forms
from suara.store.reference import Reference
from suara.synth import Synthesizer, SynthOptions
from suara.tally.fold import fold_all

OPEN_KABS = 64  # kab/kota reporting at the same time
TICK_SECONDS = 0.5


@dataclass(frozen=True)
class NightOptions:
    seed: int = 1
    contests: tuple[str, ...] = ("ppwp",)
    duration_seconds: float = 600.0
    error_rate: float = 0.001


def interleaved(synthesizer: Synthesizer, seed: int) -> Iterator[dict[str, Any]]:
    """Forms of many kab/kota at once, in a random but repeatable order."""
    rng = random.Random(seed)
    kabs = list(synthesizer.kabs)
    rng.shuffle(kabs)
    pending = iter(kabs)
    streams: list[Iterator[dict[str, Any]]] = []
    while True:
        while len(streams) < OPEN_KABS and (kab := next(pending, None)) is not None:
            streams.append(synthesizer.forms_of_kab(kab))
        if not streams:
            return
        stream = rng.choice(streams)
        form = next(stream, None)
        if form is None:
            streams.remove(stream)
        else:
            yield form


def run(engine: Engine, reference: Reference, options: NightOptions,
        report: Callable[[int, int], None] | None = None, stop: Callable[[], bool] = lambda: False) -> int:
    """Submit the whole election over about `duration_seconds`; returns how many forms were sent."""
    synthesizer = Synthesizer(reference, SynthOptions(seed=options.seed, contests=options.contests,
                                                      error_rate=options.error_rate))
    total = synthesizer.total_forms()
    per_tick = max(1, round(total / max(options.duration_seconds, 1) * TICK_SECONDS))
    forms = interleaved(synthesizer, options.seed)
    sent = 0
    next_tick = time.monotonic()
    while not stop():
        batch = [form for _, form in zip(range(per_tick), forms)]
        if not batch:
            break
        submit_forms(engine, reference, [Submission(f, f"demo:{options.seed}:{f['contest']}:{f['tps']}", "demo")
                                         for f in batch], Policy.AS_IS)
        fold_all(engine)
        sent += len(batch)
        if report:
            report(sent, total)
        next_tick += TICK_SECONDS
        time.sleep(max(0.0, next_tick - time.monotonic()))
    return sent
