"""The submission service and the tally on SQLite and PostgreSQL."""

from __future__ import annotations

import copy

import pytest
from helpers import audit_count, count_rows, ppwp_form
from sqlalchemy import select

from suara.domain.policy import Outcome, Policy
from suara.services.submission import IdempotencyConflict, Submission, submit_forms
from suara.services.verify import verify
from suara.store.schema import form_versions
from suara.tally.fold import fold_all
from suara.tally.queries import rollup


def submit(engine, reference, *docs, policy=Policy.AS_IS, key=None):
    results = submit_forms(engine, reference, [Submission(d, key) for d in docs], policy)
    fold_all(engine)
    return results


def test_a_form_is_counted_at_every_level(engine, reference):
    [result] = submit(engine, reference, ppwp_form("3171011001001", (60, 122, 64)))
    assert result.outcome is Outcome.STORED and result.version_no == 1
    with engine.connect() as conn:
        for kode in ("0", "31", "3171", "317101", "3171011001"):
            totals = rollup(conn, "ppwp", kode)
            assert totals.votes == {"1": 60, "2": 122, "3": 64}, kode
            assert (totals.tps_reported, totals.suara_sah, totals.suara_tidak_sah) == (1, 246, 3)
            assert totals.tps_turnout == 1 and totals.pengguna_total == 249
        assert rollup(conn, "ppwp", "32").tps_reported == 0
        assert rollup(conn, "ppwp", "3172").tps_reported == 0
    assert verify(engine).ok


def test_a_new_version_replaces_the_old_in_the_count_and_keeps_it_readable(engine, reference):
    submit(engine, reference, ppwp_form("3171011001001", (117, 100, 20)))
    submit(engine, reference, ppwp_form("3171011002901", (10, 20, 30)))
    [second] = submit(engine, reference, ppwp_form("3171011001001", (17, 100, 20)))
    assert second.version_no == 2
    with engine.connect() as conn:
        national = rollup(conn, "ppwp", "0")
        assert national.votes == {"1": 27, "2": 120, "3": 50}
        assert national.tps_reported == 2
        versions = conn.execute(select(form_versions.c.version_no, form_versions.c.payload)
                                .where(form_versions.c.tps == "3171011001001")
                                .order_by(form_versions.c.version_no)).all()
        assert [v.version_no for v in versions] == [1, 2]
        assert '"1":117' in versions[0].payload
        latest = conn.execute(select(form_versions.c.id).where(form_versions.c.tps == "3171011001001")
                              .order_by(form_versions.c.version_no.desc())).first()
        assert latest.id == second.version_id
    assert verify(engine).ok


def test_flags_are_counted_per_rule_and_as_flagged_tps(engine, reference):
    bad = ppwp_form("3171011001002", (211, 3, 0))
    bad["suara_sah"], bad["suara_tidak_sah"], bad["suara_total"] = 211, 3, 214
    bad["suara"] = {"1": 211, "2": 3, "3": 0}  # the totals keyed in as paslon votes
    bad["suara_sah"] = 200
    bad["suara_total"] = 203
    [result] = submit(engine, reference, bad)
    assert result.outcome is Outcome.STORED_WITH_NOTES
    assert "R8" in {f.rule for f in result.flags}
    with engine.connect() as conn:
        national = rollup(conn, "ppwp", "0")
    assert national.tps_flagged == 1 and national.flag_counts["R8"] == 1
    # as-is: the numbers are counted exactly as written
    assert national.votes == {"1": 211, "2": 3}


def test_retries_with_one_key_are_counted_once(engine, reference):
    doc = ppwp_form("3171011001003", (1, 2, 3))
    first = submit(engine, reference, doc, key="device-7:abc")[0]
    again = [submit(engine, reference, copy.deepcopy(doc), key="device-7:abc")[0] for _ in range(2)]
    assert all(r.replayed and r.version_id == first.version_id for r in again)
    assert count_rows(engine) == 1
    with engine.connect() as conn:
        assert rollup(conn, "ppwp", "0").tps_reported == 1


def test_a_key_reused_with_another_body_is_a_conflict_and_changes_nothing(engine, reference):
    submit(engine, reference, ppwp_form("3171011001003", (1, 2, 3)), key="k1")
    events = audit_count(engine)
    [result] = submit(engine, reference, ppwp_form("3171011001003", (9, 2, 3)), key="k1")
    assert isinstance(result, IdempotencyConflict)
    assert count_rows(engine) == 1 and audit_count(engine) == events


def test_the_same_key_twice_in_one_batch_is_stored_once(engine, reference):
    doc = ppwp_form("3171011001003", (1, 2, 3))
    other = ppwp_form("3171011001003", (5, 2, 3))
    results = submit_forms(engine, reference, [Submission(doc, "k"), Submission(doc, "k"), Submission(other, "k")])
    assert results[0].version_no == 1 and results[1].replayed
    assert isinstance(results[2], IdempotencyConflict)
    assert count_rows(engine) == 1


@pytest.mark.parametrize(("mutate", "code"), [
    (lambda d: d.update(extra=1), "malformed"),
    (lambda d: d["suara"].update({"1": -1}), "malformed"),
    (lambda d: d["suara"].update({"1": 1.5}), "malformed"),
    (lambda d: d["suara"].update({"4": 1}), "malformed"),
    (lambda d: d["administrasi"].update(pemilih_dpt_j="280"), "malformed"),
    (lambda d: d.update(tps="3171011001009"), "unknown_tps"),
    (lambda d: d.update(tps="9999999999001"), "unknown_tps"),
    (lambda d: d.update(contest="pkwkp-99"), "unknown_contest"),
    (lambda d: d.update(tps="3201011001001", contest="pkwkp-31", suara={"1": 100, "2": 146}), "outside_contest"),
])
def test_bad_forms_are_refused_and_change_nothing(engine, reference, mutate, code):
    doc = ppwp_form("3171011001001", (100, 100, 46))
    mutate(doc)
    events = audit_count(engine)
    [result] = submit(engine, reference, doc, key="bad")
    assert result.outcome is Outcome.REFUSED and result.error_code == code
    assert result.message
    assert count_rows(engine) == 0
    assert audit_count(engine) == events


def test_strict_policy_refuses_errors_and_notes_warnings(engine, reference):
    error = ppwp_form("3171011001001", (100, 100, 46))
    error["suara_sah"] = 999
    warning = ppwp_form("3171011001002", (100, 100, 46))
    warning["administrasi"]["surat_suara_digunakan"] += 1  # R7 only (a warning) ...
    warning["administrasi"]["surat_suara_tidak_digunakan"] -= 1  # ... keeping R5 balanced
    clean = ppwp_form("3171011001003", (100, 100, 46))
    refused, noted, stored = submit(engine, reference, error, warning, clean, policy=Policy.STRICT)
    assert refused.outcome is Outcome.REFUSED and {f.rule for f in refused.flags} >= {"R8"}
    assert "R8" in refused.message
    assert noted.outcome is Outcome.STORED_WITH_NOTES and {f.rule for f in noted.flags} == {"R7"}
    assert stored.outcome is Outcome.STORED and not stored.flags
    assert count_rows(engine) == 2
    with engine.connect() as conn:
        assert rollup(conn, "ppwp", "0").tps_reported == 2


def test_pilkada_contests_roll_up_only_inside_their_region(engine, reference):
    submit(engine, reference,
           ppwp_form("3171011001001", (100, 146), contest="pkwkk-3171"),
           ppwp_form("3172011001001", (50, 60), contest="pkwkp-31"),
           ppwp_form("3171011001001", (70, 80), contest="pkwkp-31"))
    with engine.connect() as conn:
        assert rollup(conn, "pkwkk-3171", "3171").votes == {"1": 100, "2": 146}
        assert rollup(conn, "pkwkp-31", "31").votes == {"1": 120, "2": 140}
        assert rollup(conn, "pkwkp-31", "0").votes == {"1": 120, "2": 140}
        assert rollup(conn, "ppwp", "0").tps_reported == 0
    assert verify(engine).ok


def test_a_fold_is_exactly_once(engine, reference):
    submit_forms(engine, reference, [Submission(ppwp_form("3171011001001", (1, 2, 3)))])
    assert fold_all(engine) == 1
    assert fold_all(engine) == 0
    with engine.connect() as conn:
        assert rollup(conn, "ppwp", "0").votes == {"1": 1, "2": 2, "3": 3}


def test_verify_checks_rollups_as_of_the_tally_point_and_counts_pending(engine, reference):
    submit(engine, reference, ppwp_form("3171011001001", (1, 2, 3)))
    submit_forms(engine, reference, [Submission(ppwp_form("3171011001001", (4, 5, 6))),
                                     Submission(ppwp_form("3171011001002", (7, 8, 9)))])
    report = verify(engine)
    assert report.ok and report.pending == 2
    with engine.connect() as conn:
        assert rollup(conn, "ppwp", "0").votes == {"1": 1, "2": 2, "3": 3}
    assert fold_all(engine) == 2
    report = verify(engine)
    assert report.ok and report.pending == 0 and report.current_checked == 2
    with engine.connect() as conn:
        assert rollup(conn, "ppwp", "0").votes == {"1": 11, "2": 13, "3": 15}


def test_a_correction_folded_inline_is_in_the_national_rollup_when_answered(engine, reference):
    submit(engine, reference, ppwp_form("3171011001001", (117, 100, 20)))
    [corrected] = submit_forms(engine, reference, [Submission(ppwp_form("3171011001001", (17, 100, 20)), "fix-1")],
                               fold=True)
    assert corrected.version_no == 2
    with engine.connect() as conn:
        assert rollup(conn, "ppwp", "0").votes == {"1": 17, "2": 100, "3": 20}
    report = verify(engine)
    assert report.ok and report.pending == 0
