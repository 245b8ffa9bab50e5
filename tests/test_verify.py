"""`suara verify` catches rollups, form versions and audit events changed behind the service's back."""

from __future__ import annotations

from helpers import ppwp_form
from sqlalchemy import delete, insert, update

from suara.services.submission import Submission, submit_forms
from suara.services.verify import verify
from suara.store.schema import audit_events, flagged_tps, form_versions, rollups
from suara.tally.fold import fold_all


def _election(engine, reference):
    docs = [ppwp_form(tps, votes) for tps, votes in [
        ("3171011001001", (10, 20, 30)), ("3171011001002", (40, 50, 60)), ("3201011001001", (7, 8, 9))]]
    submit_forms(engine, reference, [Submission(d) for d in docs])
    fold_all(engine)
    assert verify(engine).ok


def _tamper(engine, statement):
    with engine.begin() as conn:
        assert conn.execute(statement).rowcount == 1


def test_a_changed_rollup_is_named(engine, reference):
    _election(engine, reference)
    _tamper(engine, update(rollups).where(rollups.c.contest == "ppwp", rollups.c.kode == "31")
            .values(suara_sah=rollups.c.suara_sah + 1))
    report = verify(engine)
    assert not report.ok
    assert any("rollup ppwp/31" in p for p in report.problems)
    assert not any("rollup ppwp/32" in p for p in report.problems)


def test_a_changed_form_version_is_named(engine, reference):
    _election(engine, reference)
    _tamper(engine, update(form_versions).where(form_versions.c.id == 2)
            .values(payload=form_versions.c.payload.op("||")(" ")))
    assert any("versi #2: isi formulir diubah" in p for p in verify(engine).problems)  # any byte counts
    _tamper(engine, update(form_versions).where(form_versions.c.id == 2)
            .values(payload='{"tps":"3171011001002","contest":"ppwp","suara":{"1":400,"2":50,"3":60},'
                            '"suara_sah":510,"suara_tidak_sah":3,"suara_total":513}'))
    problems = verify(engine).problems
    assert any("versi #2: isi formulir diubah" in p for p in problems)
    assert any("rollup ppwp/0" in p for p in problems)


def test_a_rehashed_form_version_still_fails_against_the_audit_chain(engine, reference):
    _election(engine, reference)
    _tamper(engine, update(form_versions).where(form_versions.c.id == 1).values(content_hash="f" * 64))
    problems = verify(engine).problems
    assert any("versi #1" in p for p in problems)


def test_a_changed_audit_event_is_named(engine, reference):
    _election(engine, reference)
    with engine.connect() as conn:
        seq = conn.execute(audit_events.select().where(audit_events.c.kind == "form.version")
                           .order_by(audit_events.c.seq)).first().seq
    _tamper(engine, update(audit_events).where(audit_events.c.seq == seq).values(actor="someone else"))
    problems = verify(engine).problems
    assert any(f"audit #{seq}: isi peristiwa diubah" in p for p in problems)


def test_a_deleted_audit_event_breaks_the_chain(engine, reference):
    _election(engine, reference)
    with engine.connect() as conn:
        last = conn.execute(audit_events.select().order_by(audit_events.c.seq.desc())).first().seq
    _tamper(engine, delete(audit_events).where(audit_events.c.seq == last - 1))
    problems = verify(engine).problems
    assert any("urutan terputus" in p for p in problems)
    assert any(f"audit #{last}: prev_hash" in p for p in problems)


def test_a_changed_flagged_tps_index_is_named(engine, reference):
    bad = ppwp_form("3201011001002", (1, 2, 3))
    bad["suara"]["1"] = 0  # R8
    submit_forms(engine, reference, [Submission(bad)], fold=True)
    _election(engine, reference)
    _tamper(engine, delete(flagged_tps).where(flagged_tps.c.tps == "3201011001002"))
    assert any("ppwp/R8/3201011001002: tidak tercatat" in p for p in verify(engine).problems)
    with engine.begin() as conn:  # put the R8 row back, and make one up
        conn.execute(insert(flagged_tps), [{"contest": "ppwp", "rule": "R8", "tps": "3201011001002"},
                                           {"contest": "ppwp", "rule": "R3", "tps": "3171011001001"}])
    [problem] = verify(engine).problems  # the R8 row is back, so only the made-up R3 one is wrong
    assert "ppwp/R3/3171011001001: tercatat" in problem


def test_a_fold_while_verify_reads_is_not_a_problem(engine, reference, monkeypatch):
    """`suara verify` runs beside a live tally: a fold landing between its reads of the cursor and
    of the rollups must not look like tampering (PostgreSQL's READ COMMITTED gave each statement
    its own snapshot and did, in CI)."""
    import threading

    from suara.services import verify as verify_module
    from suara.tally.fold import pending

    _election(engine, reference)
    submit_forms(engine, reference, [Submission(ppwp_form("3171011001003", (1, 2, 3)))])
    folder = threading.Thread(target=lambda: fold_all(engine))
    real_tally_point = verify_module.tally_point

    def cursor_then_fold(conn):
        point = real_tally_point(conn)
        folder.start()
        if engine.dialect.name == "postgresql":
            folder.join()  # the fold commits before verify reads the rollups
        # on SQLite verify's transaction holds the write lock: the fold waits for it to end
        return point

    monkeypatch.setattr(verify_module, "tally_point", cursor_then_fold)
    report = verify(engine)
    folder.join()
    assert report.ok, report.problems
    assert report.pending == 1
    with engine.connect() as conn:
        assert pending(conn) == 0  # the thread did fold it
    monkeypatch.undo()
    assert verify(engine).ok and verify(engine).pending == 0
