"""The flagged-TPS index: the fold keeps it, flag_examples reads it, migration 0004 rebuilds it."""

from __future__ import annotations

from alembic import command
from helpers import ppwp_form
from sqlalchemy import delete, select

from suara.services.submission import Submission, submit_forms
from suara.services.verify import verify
from suara.store.migrate import alembic_config
from suara.store.schema import flagged_tps
from suara.tally.queries import flag_examples

LEVELS = ("3171011002", "317101", "3171", "31", "0")  # the desa of 3171011002901 up to the nation


def r8_form(tps: str, votes: tuple[int, ...] = (10, 20, 30)) -> dict:
    doc = ppwp_form(tps, votes)
    doc["suara"]["1"] -= 1  # paslon votes no longer add up to suara_sah: R8 and nothing else
    return doc


def submit(engine, reference, *docs):
    submit_forms(engine, reference, [Submission(d) for d in docs], fold=True)


def examples(engine, kode, rules=("R8", "R9")):
    with engine.connect() as conn:
        return flag_examples(conn, "ppwp", kode, rules)


def rows(engine):
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(flagged_tps.c.contest, flagged_tps.c.rule,
                                                            flagged_tps.c.tps)))


def test_a_clean_first_version_writes_no_row(engine, reference):
    submit(engine, reference, ppwp_form("3171011001001"), ppwp_form("3201011001001"))
    assert rows(engine) == []
    assert examples(engine, "0") == {}


def test_a_flagged_form_is_the_example_at_every_level_up_to_the_nation(engine, reference):
    submit(engine, reference, ppwp_form("3171011001001"), r8_form("3171011002901"))
    for kode in LEVELS:
        assert examples(engine, kode) == {"R8": "3171011002901"}, kode
    assert examples(engine, "3171011001") == {}  # the clean TPS's desa
    assert verify(engine).ok


def test_a_correction_without_the_flag_hands_the_example_to_another_tps(engine, reference):
    submit(engine, reference, r8_form("3171011001002"), r8_form("3171011002901"))
    assert examples(engine, "317101") == {"R8": "3171011001002"}  # the smallest code
    submit(engine, reference, ppwp_form("3171011001002"))  # version 2, the numbers put right
    assert examples(engine, "317101") == {"R8": "3171011002901"}
    assert examples(engine, "3171011001") == {}
    assert rows(engine) == [("ppwp", "R8", "3171011002901")]
    submit(engine, reference, ppwp_form("3171011002901"))
    assert examples(engine, "0") == {} and rows(engine) == []
    assert verify(engine).ok


def test_a_flag_moving_between_rules_moves_its_row(engine, reference):
    submit(engine, reference, r8_form("3171011001001"))
    nine = ppwp_form("3171011001001")
    nine["suara_total"] += 1  # sah + tidak sah no longer add up to the total: R9 (and R10)
    submit(engine, reference, nine)
    assert examples(engine, "0") == {"R9": "3171011001001"}
    assert "R8" not in {rule for _, rule, _ in rows(engine)}
    assert verify(engine).ok


def test_a_form_in_another_region_is_not_an_example_there(engine, reference):
    submit(engine, reference, r8_form("3201011001002"), ppwp_form("3171011001001"))
    assert examples(engine, "31") == {} and examples(engine, "3171011001") == {}
    assert examples(engine, "32") == {"R8": "3201011001002"}
    assert examples(engine, "0") == {"R8": "3201011001002"}


def test_migration_0004_backfills_the_rows_the_fold_keeps(engine, reference):
    submit(engine, reference, r8_form("3171011001001"), r8_form("3171011002901"), ppwp_form("3201011001001"))
    nine = ppwp_form("3171011002901")
    nine["suara_total"] += 1
    submit(engine, reference, nine, r8_form("3201011001001"))  # second versions, one now clean of R8
    # a version beyond the tally cursor is not counted yet, so not backfilled either
    submit_forms(engine, reference, [Submission(r8_form("3172011001001"))])
    folded = rows(engine)
    assert ("ppwp", "R8", "3171011001001") in folded and ("ppwp", "R9", "3171011002901") in folded
    assert not any(tps == "3172011001001" for _, _, tps in folded)
    with engine.begin() as conn:
        conn.execute(delete(flagged_tps))
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
        command.upgrade(config, "0004")
    assert rows(engine) == folded
