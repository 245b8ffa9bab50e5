"""For any sequence of submissions, re-submissions and folds, rollups equal a from-scratch recompute."""

from __future__ import annotations

from collections import Counter

from helpers import ppwp_form
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from suara.domain.audit import GENESIS
from suara.services.submission import Submission, submit_forms
from suara.services.verify import verify
from suara.store.schema import (
    audit_events,
    audit_head,
    flagged_tps,
    form_versions,
    rollups,
    tally_state,
)
from suara.tally.fold import fold_all, fold_once
from suara.tally.queries import rollup

TPS = ["3171011001001", "3171011001002", "3171011001003", "3171011002001", "3171011002901",
       "3172011001001", "3201011001002"]

votes = st.tuples(*(st.integers(0, 90) for _ in range(3)))  # within one TPS of 280 voters
submission = st.tuples(st.sampled_from(TPS), votes, st.booleans())  # (tps, votes, with an R8 error)
step = st.one_of(st.lists(submission, min_size=1, max_size=4), st.just("fold"), st.just("fold-one"))


def _reset(engine) -> None:
    with engine.begin() as conn:
        for table in (form_versions, rollups, flagged_tps, audit_events):
            conn.execute(delete(table))
        conn.execute(update(audit_head).values(seq=0, hash=GENESIS, last_version_id=0))
        conn.execute(update(tally_state).values(seq=0, last_version_id=0))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_rollups_equal_a_recompute_after_any_sequence(engine, reference, steps):
    _reset(engine)
    latest: dict[str, tuple[tuple[int, int, int], bool]] = {}
    for item in steps:
        if item == "fold":
            fold_all(engine)
        elif item == "fold-one":
            fold_once(engine, limit=2)
        else:
            docs = []
            for tps, v, broken in item:
                doc = ppwp_form(tps, v)
                if broken:
                    doc["suara_sah"] += 1
                docs.append(doc)
                latest[tps] = (v, broken)
            submit_forms(engine, reference, [Submission(d) for d in docs])
    fold_all(engine)
    report = verify(engine)
    assert report.ok, report.problems
    expected = Counter()
    for v, _ in latest.values():
        expected.update({str(i + 1): n for i, n in enumerate(v) if n})
    with engine.connect() as conn:
        national = rollup(conn, "ppwp", "0")
    assert national.votes == dict(expected)
    assert national.tps_reported == len(latest)
    assert national.tps_flagged == sum(1 for _, broken in latest.values() if broken)
