"""How far the recapitulation has moved, as the portal's pages need to know it without asking the
database on every view: a stamp of the recapitulation (how many tiers are recorded, the latest
change), read again at most every couple of seconds per process, and what each region page's box
shows (the tier there, its status, the discrepancies inside), kept per stamp and, where records
lie in or around the region, per tally point (the discrepancies compare with the publication).

Writes through this process's own screens drop the stamp at once; another process's writes are
seen within `ttl` seconds, within the pages' own max-age. The stamp and the boxes are read from the
same engine (the replica when there is one), so no box is ever kept under a newer stamp than its own.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Connection, Engine, func, select
from starlette.concurrency import run_in_threadpool

from suara.domain.recap import TIER_NAMES, has_tier, tier_of, top_tiers
from suara.domain.regions import NATIONAL
from suara.publish import recap_docs
from suara.store import recap
from suara.store.reference import Reference
from suara.store.schema import recap_status

STAMP_SECONDS = 2.0


@dataclass(frozen=True)
class RegionRecap:
    """The recapitulation as a region page's box shows it."""

    formulir: str | None  # the tier's form where a plenary sits here (D Hasil Kecamatan, ...), else None
    status: str | None  # belum_dicatat / recorded / locked, for that tier
    official: bool  # a tier whose locking certifies its area's result (the nation, a province...), locked
    certified: bool  # every such tier of the contest locked: the contest's official result stands
    discrepancies: int  # rows inside (or about) the region that differ from the publication or the tier below
    version: str  # what the box depends on, for the page cache


class RecapWatch:
    def __init__(self, ttl: float = STAMP_SECONDS, capacity: int = 8192) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._stamp = ""
        self._read_at = -math.inf
        self._boxes: OrderedDict[tuple[str, str], tuple[RegionRecap, str, int | None]] = OrderedDict()
        self._statuses: dict[str, tuple[str, dict[str, str]]] = {}  # contest -> (stamp, kode -> status)
        self._computing: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def fresh_stamp(self) -> str | None:
        """The stamp, while it is young enough to trust without asking the database."""
        return self._stamp if time.monotonic() - self._read_at < self.ttl else None

    def read_stamp(self, engine: Engine) -> str:
        with engine.connect() as conn:
            count, latest, revisions = conn.execute(select(func.count(), func.max(recap_status.c.updated_at),
                                                           func.sum(recap_status.c.revision))).one()
        self._stamp, self._read_at = f"{count}:{latest}:{revisions or 0}", time.monotonic()
        return self._stamp

    def stamp(self, engine: Engine) -> str:
        return self.fresh_stamp() or self.read_stamp(engine)

    def invalidate(self) -> None:
        """This process just changed the recapitulation: read the stamp again on the next view."""
        self._read_at = -math.inf

    def cached_box(self, contest: str, kode: str, stamp: str, seq: int) -> RegionRecap | None:
        with self._lock:
            found = self._boxes.get((contest, kode))
        if found is None:
            return None
        box, box_stamp, box_seq = found
        return box if box_stamp == stamp and box_seq in (None, seq) else None

    def keep_box(self, contest: str, kode: str, box: RegionRecap, stamp: str, seq: int | None) -> None:
        with self._lock:
            self._boxes[(contest, kode)] = (box, stamp, seq)
            self._boxes.move_to_end((contest, kode))
            while len(self._boxes) > self.capacity:
                self._boxes.popitem(last=False)
            self._computing.discard((contest, kode))

    def stale_box(self, contest: str, kode: str) -> RegionRecap | None:
        """The box kept for an older stamp or tally point, while another request builds the new one:
        the national box compares every tier of a contest, and readers should not each wait for it."""
        with self._lock:
            found = self._boxes.get((contest, kode))
            if found is None or (contest, kode) not in self._computing:
                self._computing.add((contest, kode))
                return None
        return found[0]

    def gave_up(self, contest: str, kode: str) -> None:
        with self._lock:
            self._computing.discard((contest, kode))

    def statuses(self, conn: Connection, contest: str, stamp: str) -> dict[str, str]:
        """Every recorded tier's status of a contest, read once per stamp for all its region pages."""
        with self._lock:
            found = self._statuses.get(contest)
        if found is not None and found[0] == stamp:
            return found[1]
        statuses = recap.statuses(conn, contest)
        with self._lock:
            self._statuses[contest] = (stamp, statuses)
        return statuses


def watch_of(request: Request) -> RecapWatch:
    state = request.app.state
    watch: RecapWatch | None = getattr(state, "recap_watch", None)
    if watch is None:
        watch = state.recap_watch = RecapWatch()
    return watch


def region_recap_now(watch: RecapWatch, engine: Engine, reference: Reference, contest_key: str, kode: str,
                     stamp: str, seq: int) -> tuple[RegionRecap, int | None]:
    """The box of a region, and the tally point it depends on (None: on the stamp alone)."""
    contest = reference.contest(contest_key)
    scope = reference.scope(contest)
    here = has_tier(scope, kode)
    tops = top_tiers(scope)
    with engine.connect() as conn:
        statuses = watch.statuses(conn, contest.key, stamp)
        # rows about this region lie in its own tier and those inside it, or in a tier above a
        # region no plenary sits at: with none of those recorded there is nothing to compare
        relevant = any(kode == NATIONAL or k == NATIONAL or k.startswith(kode) or kode.startswith(k)
                       for k in statuses)
        count = len(recap_docs.discrepancies(conn, reference, contest.key, kode)) if relevant else 0
    status = statuses.get(kode, recap_docs.NOT_RECORDED) if here else None
    box = RegionRecap(TIER_NAMES[tier_of(kode)] if here else None, status,
                      here and kode in tops and status == recap.LOCKED,
                      bool(tops) and all(statuses.get(t) == recap.LOCKED for t in tops), count,
                      f"r{stamp}" + (f":{seq}" if relevant else ""))
    return box, seq if relevant else None


async def region_recap(request: Request, contest: str, kode: str) -> RegionRecap:
    """The box of a region page; asks the database only when the stamp is old or the box is not
    kept for this stamp (and tally point)."""
    watch = watch_of(request)
    publisher = request.app.state.publisher
    stamp = watch.fresh_stamp()
    if stamp is None:
        stamp = await run_in_threadpool(watch.read_stamp, publisher.public_engine)
    seq = publisher.as_of[0]
    kept = watch.cached_box(contest, kode, stamp, seq) or watch.stale_box(contest, kode)
    if kept is not None:
        return kept
    try:
        box, depends_on = await run_in_threadpool(region_recap_now, watch, publisher.public_engine,
                                                  request.app.state.reference, contest, kode, stamp, seq)
    except BaseException:
        watch.gave_up(contest, kode)
        raise
    watch.keep_box(contest, kode, box, stamp, depends_on)
    return box
