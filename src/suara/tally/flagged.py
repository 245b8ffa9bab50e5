"""The flagged-TPS index: which rules the counted version of each TPS carries.

Rollups count the flagged TPS of a region per rule; this table names them, so the portal can
link a count to an example TPS with one index range (queries.flag_examples). The fold keeps it
in step in the same transaction as the rollups; `suara verify` recomputes it from the versions.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, delete

from suara.domain.tally import rule_order
from suara.store.dialect import bulk_insert
from suara.store.schema import flagged_tps
from suara.tally.codec import rules_of_flags

# contest, tps, flags of the version counted so far (None: nothing counted yet), flags of the new one
Change = tuple[str, str, str | None, str]


def refresh(conn: Connection, changes: Iterable[Change]) -> None:
    """Move the rows of every TPS whose rules differ between its old and new counted version.

    Only the difference is written, by primary key: a first version without flags, the bulk of
    election night, costs no statement at all, and a correction touches only the rules it moves.
    """
    gone: list[dict[str, str]] = []
    added: list[dict[str, str]] = []
    for contest, tps, old, new in changes:
        before = rules_of_flags(old) if old is not None else frozenset()
        after = rules_of_flags(new)
        if before == after:
            continue
        gone.extend({"b_contest": contest, "b_rule": rule, "b_tps": tps} for rule in before - after)
        added.extend({"contest": contest, "rule": rule, "tps": tps}
                     for rule in sorted(after - before, key=rule_order))
    if gone:
        conn.execute(delete(flagged_tps).where(flagged_tps.c.contest == bindparam("b_contest"),
                                               flagged_tps.c.rule == bindparam("b_rule"),
                                               flagged_tps.c.tps == bindparam("b_tps")), gone)
    bulk_insert(conn, flagged_tps, added)
