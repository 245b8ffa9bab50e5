"""Creating a database: migrations, the region tree and the contest definitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from suara import reference as shipped
from suara.domain.audit import content_hash
from suara.domain.regions import RegionTree
from suara.store import audit, migrate
from suara.store.reference import (
    load_contests,
    load_tree,
    region_count,
    save_contests,
    save_regions,
)
from suara.tally.fold import init_state


@dataclass(frozen=True)
class InitSummary:
    regions_loaded: int
    contests: int
    counts: dict[str, int]


def init_database(
    engine: Engine,
    regions_csv: Path | None = None,
    contests_csv: Path | None = None,
    candidates_csv: Path | None = None,
    actor: str = "system",
) -> InitSummary:
    """Bring the schema to head and load the reference data once; safe to run again.

    Contest definitions are (re)loaded when given explicitly or when the database has none.
    """
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        audit.init_head(conn)
        init_state(conn)
        loaded = 0
        if region_count(conn) == 0:
            rows = list(shipped.region_rows(regions_csv))
            RegionTree(rows)  # refuse a broken tree before writing any of it
            loaded = save_regions(conn, rows)
            audit.append(conn, [audit.AuditEvent("reference.regions", actor, "regions",
                                                 {"rows": loaded, "sha256": content_hash([[r.kode, r.tingkat, r.nama, r.tps] for r in rows])})], now)
        tree = load_tree(conn)
        contests = load_contests(conn)
        if contests_csv or candidates_csv or not contests:
            items = shipped.read_contests(tree, contests_csv, candidates_csv)
            save_contests(conn, items)
            audit.append(conn, [audit.AuditEvent("reference.contests", actor, "contests",
                                                 {"contests": len(items)})], now)
            contests = {c.key: c for c in items}
        return InitSummary(loaded, len(contests), tree.counts())
