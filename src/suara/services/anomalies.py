"""Running the anomaly screens over a region's counted forms, kecamatan by kecamatan.

A kecamatan is screened from its TPS's current versions (as of the tally cursor) and the result
is kept while the kecamatan's rollup has not moved: the fold stamps every rollup it touches with
its tally point, so a kecamatan whose rollup still carries the same point has the same forms.
The nation (7,277 kecamatan, 820,161 TPS a contest) is therefore read once; afterwards a request
re-reads only the kecamatan that changed. What is kept is bounded (MAX_WEIGHT bytes, roughly,
least recently used first out), and one screening runs at a time per process, so a crowd asking
for the nation waits for one computation instead of starting many.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping

from sqlalchemy import Connection, select

from suara.domain.anomalies import RegionScreening, UnitScreening, assemble, figures_of, screen_unit
from suara.domain.contests import Contest
from suara.domain.regions import NATIONAL
from suara.store.dialect import within_code
from suara.store.schema import rollups
from suara.tally.queries import current_versions

MAX_WEIGHT = 200_000_000  # bytes of kept kecamatan results: the whole nation of every Pemilu ballot fits
KEPT_REGIONS = 32  # assembled regions kept for paging through one region's queue
KECAMATAN = 3


class AnomalyScreens:
    def __init__(self, thresholds: Mapping[str, float], max_weight: int = MAX_WEIGHT) -> None:
        self.thresholds = dict(thresholds)
        self.max_weight = max_weight
        self._units: OrderedDict[tuple[str, str], tuple[int, UnitScreening]] = OrderedDict()
        self._regions: OrderedDict[tuple[str, str, int], RegionScreening] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()
        self.units_screened = 0  # kecamatan read from the forms, for tests and figures

    def screening(self, conn: Connection, contest: Contest, kode: str, tally_seq: int) -> RegionScreening:
        """The screening of a region (a desa is screened with its kecamatan) as of the tally
        point `conn` sees; `tally_seq` is that point, under which the result is kept."""
        key = (contest.key, kode, tally_seq)
        with self._lock:
            found = self._regions.get(key)
            if found is not None:
                self._regions.move_to_end(key)
                return found
            units = [self._unit(conn, contest, code, seq) for code, seq in self._kecamatan_of(conn, contest, kode)]
            screening = assemble(units, kode, self.thresholds, contest.nomor_keys)
            self._regions[key] = screening
            while len(self._regions) > KEPT_REGIONS:
                self._regions.popitem(last=False)
            return screening

    @staticmethod
    def _kecamatan_of(conn: Connection, contest: Contest, kode: str) -> list[tuple[str, int]]:
        """The kecamatan with counted forms in the region (a desa's own kecamatan), with the tally
        point their rollup last moved at."""
        root = kode[:6] if len(kode) > 6 else kode
        stmt = select(rollups.c.kode, rollups.c.tally_seq).where(rollups.c.contest == contest.key,
                                                                 rollups.c.tingkat == KECAMATAN)
        if root != NATIONAL:
            stmt = stmt.where(within_code(rollups.c.kode, root))
        return [(str(row.kode), int(row.tally_seq)) for row in conn.execute(stmt.order_by(rollups.c.kode))]

    def _unit(self, conn: Connection, contest: Contest, kecamatan: str, seq: int) -> UnitScreening:
        key = (contest.key, kecamatan)
        kept = self._units.get(key)
        if kept is not None and kept[0] == seq:
            self._units.move_to_end(key)
            return kept[1]
        keys = contest.nomor_keys
        figures = [figures_of(v.tps, v.form, v.flags, keys) for v in current_versions(conn, contest.key, kecamatan).values()]
        unit = screen_unit(kecamatan, figures, self.thresholds, keys)
        self.units_screened += 1
        if kept is not None:
            self._weight -= kept[1].weight
        self._units[key] = (seq, unit)
        self._units.move_to_end(key)
        self._weight += unit.weight
        while self._weight > self.max_weight and len(self._units) > 1:
            _, (_, dropped) = self._units.popitem(last=False)
            self._weight -= dropped.weight
        return unit
