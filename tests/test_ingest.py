"""`suara ingest` files: bad lines are reported by number and change nothing; retries are harmless."""

from __future__ import annotations

import orjson
from helpers import count_rows, ppwp_form

from suara.domain.policy import Policy
from suara.services.ingest import ingest_file
from suara.services.verify import verify
from suara.tally.queries import rollup


def _write(path, lines):
    path.write_bytes(b"\n".join(line if isinstance(line, bytes) else orjson.dumps(line) for line in lines) + b"\n")
    return path


def test_bad_lines_are_reported_and_the_rest_goes_on(engine, reference, tmp_path):
    good = [ppwp_form("3171011001001", (10, 20, 30)), ppwp_form("3171011002001", (1, 2, 3))]
    unknown_key = ppwp_form("3171011001002", (1, 1, 1)) | {"catatan": "x"}
    negative = ppwp_form("3171011001003", (1, 1, 1))
    negative["suara"]["2"] = -5
    fractional = ppwp_form("3171011002002", (1, 1, 1))
    fractional["suara_tidak_sah"] = 0.5
    outside = ppwp_form("3201011001001", (1, 1), contest="pkwkk-3171")
    path = _write(tmp_path / "f.jsonl", [
        good[0], b'{"tps": "3171011001001", ', unknown_key, negative, fractional,
        ppwp_form("3171011009001", (1, 1, 1)), ppwp_form("3171011001001", (1, 1, 1), contest="dpr"),
        outside, b"[1, 2]", good[1],
    ])
    report = ingest_file(engine, reference, path)
    assert (report.stored, report.stored_with_notes, report.refused) == (2, 0, 8)
    by_line = {e.line: e.code for e in report.errors}
    assert by_line == {2: "bad_json", 3: "malformed", 4: "malformed", 5: "malformed", 6: "unknown_tps",
                       7: "unknown_contest", 8: "outside_contest", 9: "malformed"}
    assert "catatan" in next(e.message for e in report.errors if e.line == 3)
    assert "negatif" in next(e.message for e in report.errors if e.line == 4)
    assert count_rows(engine) == 2
    with engine.connect() as conn:
        assert rollup(conn, "ppwp", "0").votes == {"1": 11, "2": 22, "3": 33}
    assert verify(engine).ok


def test_ingesting_the_same_file_again_changes_nothing(engine, reference, tmp_path):
    path = _write(tmp_path / "f.jsonl", [ppwp_form(t, (5, 6, 7)) for t in ("3171011001001", "3172011001002")])
    first = ingest_file(engine, reference, path)
    second = ingest_file(engine, reference, path)
    assert first.stored == 2 and second.replayed == 2 and second.stored == 0
    assert count_rows(engine) == 2


def test_strict_ingest_counts_the_three_outcomes(engine, reference, tmp_path):
    error = ppwp_form("3171011001001", (10, 20, 30))
    error["suara_sah"] = 61
    warning = ppwp_form("3171011001002", (10, 20, 30))
    warning["administrasi"]["pemilih_dpt_j"] = 301  # over the TPS cap (R4)
    warning["administrasi"]["pemilih_dpt_l"], warning["administrasi"]["pemilih_dpt_p"] = 151, 150
    path = _write(tmp_path / "f.jsonl", [error, warning, ppwp_form("3171011001003", (1, 2, 3))])
    report = ingest_file(engine, reference, path, Policy.STRICT)
    assert (report.stored, report.stored_with_notes, report.refused) == (1, 1, 1)
    assert report.errors[0].line == 1 and report.errors[0].code == "rules_failed"
    assert report.flags == {"R4": 1}


def test_checking_in_a_second_process_stores_the_same_as_in_one(engine, reference, tmp_path):
    """The pipelined ingest (lines checked in a forked process) against the plain one, on batches
    small enough that several are in flight: same versions, hashes, flags and answers."""
    from sqlalchemy import select

    from suara.store.schema import form_versions

    forms = [ppwp_form(f"317101100{d}00{n}", (n, 2 * n, 3)) for d, n in ((1, 1), (1, 2), (1, 3), (2, 1), (2, 2))]
    forms[2]["suara_sah"] += 1  # R8, stored with a note
    path = _write(tmp_path / "f.jsonl", [*forms, b"{broken"])
    piped = ingest_file(engine, reference, path, batch_size=2, workers=1)
    with engine.connect() as conn:
        stored = conn.execute(select(form_versions.c.tps, form_versions.c.payload, form_versions.c.content_hash,
                                     form_versions.c.flags, form_versions.c.request_hash)
                              .order_by(form_versions.c.id)).all()
    again = ingest_file(engine, reference, path, batch_size=3, workers=0)  # the same file, checked in-process
    assert (piped.stored, piped.stored_with_notes, piped.refused) == (4, 1, 1)
    assert again.replayed == 5 and again.refused == 1 and count_rows(engine) == 5
    assert [row.tps for row in stored] == [f["tps"] for f in forms]
    assert all(orjson.loads(row.payload) == form for row, form in zip(stored, forms))
    assert verify(engine).ok
