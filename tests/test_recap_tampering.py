"""Direct changes to the recapitulation's tables, made behind the services' back, are named by
`suara verify` (the chain replays every tier's records and status), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from helpers import ppwp_form
from sqlalchemy import delete, update

from suara.domain.access import Role
from suara.domain.policy import Policy
from suara.publish import recap_docs
from suara.services import recap
from suara.services.accounts import Principal
from suara.services.submission import Submission, submit_forms
from suara.services.verify import verify
from suara.store.schema import recap_records, recap_status
from suara.tally.fold import fold_all

PPK = Principal(7, "ppk-gambir", Role.PPK, "317101")
KPU_RI = Principal(8, "kpu-ri", Role.KPU_RI, "0")
GAMBIR_TPS = ("3171011001001", "3171011001002", "3171011001003", "3171011002001", "3171011002002",
              "3171011002901")


@pytest.fixture
def recorded(engine: Any, reference: Any) -> Any:
    """Gambir's TPS counted; its D Hasil recorded, closed, reopened by KPU RI and recorded again."""
    submit_forms(engine, reference, [Submission(ppwp_form(tps, (10 + i, 20, 30)), f"k-{tps}", "KPPS:t")
                                     for i, tps in enumerate(GAMBIR_TPS)], Policy.AS_IS)
    fold_all(engine)
    with engine.connect() as conn:
        line = recap_docs.publication_record(conn, reference, "ppwp", "317101")
    recap.record(engine, reference, PPK, PPK.actor, "ppwp", "317101", "kecamatan", line["rows"])
    recap.lock(engine, reference, PPK, PPK.actor, "ppwp", "317101")
    recap.reopen(engine, reference, KPU_RI, "ppwp", "317101", "berita acara salah ketik")
    recap.record(engine, reference, PPK, PPK.actor, "ppwp", "317101", "kecamatan", line["rows"])
    recap.lock(engine, reference, PPK, PPK.actor, "ppwp", "317101")
    report = verify(engine)
    assert report.ok, report.problems
    return engine


def _named(engine: Any, statement: Any, *fragments: str) -> None:
    with engine.begin() as conn:
        assert conn.execute(statement).rowcount != 0
    report = verify(engine)
    assert not report.ok
    assert any(all(f in p for f in fragments) for p in report.problems), report.problems


@pytest.mark.parametrize(("column", "value", "shown"), [
    ("status", "recorded", "status"),  # a closed tier quietly opened again
    ("locked_by", "KPU_RI:siapa-saja", "locked_by"),
    ("reopen_reason", "alasan lain", "reopen_reason"),
    ("revision", 1, "revision"),  # the first, replaced record made current again
])
def test_a_changed_tier_status_is_named(recorded, column, value, shown):
    _named(recorded, update(recap_status).values({column: value}), "status rekapitulasi", shown)


def test_changed_rows_of_a_record_are_named(recorded):
    _named(recorded, update(recap_records).where(recap_records.c.revision == 2)
           .values(rows='{"3171011001": {"votes": {"1": 999}}}'), "rekapitulasi ppwp 317101 revisi 2", "hash")


@pytest.mark.parametrize(("column", "value"), [
    ("recorded_by", "PPK:orang-lain"), ("recorded_at", datetime(2024, 3, 1, tzinfo=UTC)),
    ("minutes_public_sha256", "c" * 64),
])
def test_a_changed_record_column_is_named(recorded, column, value):
    _named(recorded, update(recap_records).where(recap_records.c.revision == 1).values({column: value}), column)


def test_a_record_deleted_or_inserted_directly_is_named(recorded, engine):
    _named(recorded, delete(recap_records).where(recap_records.c.revision == 1), "hilang dari basis data")


def test_a_tier_closed_directly_is_named(recorded):
    now = datetime.now(UTC)
    _named(recorded, recap_status.insert().values(contest="ppwp", kode="3171", tingkat="kabkota", status="locked",
                                                  revision=1, updated_at=now), "tidak tercatat di rantai audit")
