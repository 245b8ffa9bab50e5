"""The demo's recapitulation: a while after the forms, the plenaries of every tier record and
close their D Hasil, kecamatan and PPLN first, up to KPU RI, with a few discrepancies planted
for a monitor to find. Tiers already recorded (a resumed demo) are left as they stand."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine

from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.recap import RowFigures, tier_of
from suara.publish.recap_docs import publication_figures
from suara.services import recap
from suara.services.errors import ServiceError
from suara.store import recap as recap_store
from suara.store.reference import Reference
from suara.synth import recap as synth_recap

PLANTED_PER_CONTEST = 3


def actor_of(kode: str) -> str:
    """Who the chain names for the demo's plenaries."""
    tier = tier_of(kode).value
    return f"demo:pleno-{tier}-{kode}"


def _published(engine: Engine, scope: ContestScope, kode: str, children: list[str]) -> dict[str, RowFigures]:
    with engine.connect() as conn:
        return publication_figures(conn, scope, kode, children)


def play(engine: Engine, reference: Reference, contests: list[Contest], seconds_per_tier: float, seed: int,
         report: Callable[[str], None] = print, stop: Callable[[], bool] = lambda: False) -> int:
    """Record and close every tier of each contest; returns how many were recorded now."""
    done = 0
    for contest in contests:
        planted: list[synth_recap.Planted] = []
        with engine.connect() as conn:
            already = recap_store.statuses(conn, contest.key)
        # lines are made one tier at a time (a nation's DPR rows name every candidate), each read on
        # a short connection of its own: on SQLite an open one would hold the writers off
        for line in synth_recap.records(lambda *args: _published(engine, *args), reference, contest,
                                        PLANTED_PER_CONTEST, seed, planted):
            if stop():
                return done
            if already.get(line["kode"]) == recap_store.LOCKED:
                continue
            actor = actor_of(line["kode"])
            try:
                recap.record(engine, reference, None, actor, contest.key, line["kode"], line["tingkat"], line["rows"])
                recap.lock(engine, reference, None, actor, contest.key, line["kode"])
            except ServiceError as exc:  # a tier another process recorded meanwhile, say
                report(f"rekapitulasi {contest.key} {line['kode']}: {exc.message}")
                continue
            done += 1
            time.sleep(seconds_per_tier)
        for p in planted:
            report(f"rekapitulasi {contest.key}: selisih ditanam di {p.kode}, baris {p.row}: {p.change}")
    return done
