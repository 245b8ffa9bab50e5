"""A database that goes away gives 503 with Retry-After, not a 500 (issue 11)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import ppwp_form
from pg_server import drop_database
from sqlalchemy.engine import make_url

from suara.api.admission import database_unavailable
from suara.domain.access import Role
from suara.services.accounts import create_account, login

PASSWORD = "rahasia-sekali-123"
TPS = "3171011001001"


def _take_database_away(client, engine, db_url: str, request: pytest.FixtureRequest) -> None:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        for engine_in_use in (engine, client.app.state.writer, client.app.state.publisher.engine):
            engine_in_use.dispose()  # no connection left open on the old file
        path = Path(url.database)
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            if (path.parent / name).exists():
                os.replace(path.parent / name, path.parent / f"gone-{name}")
        path.mkdir()  # where the file was, something SQLite cannot open
    else:  # the database dropped under the running app, its open connections cut
        drop_database(request.getfixturevalue("pg_base_url"), url.database)


def test_writes_and_authenticated_reads_answer_503_while_the_database_is_away(client, engine, db_url, request):
    create_account(engine, "kpps-gambir", PASSWORD, Role.KPPS, TPS, "test")
    auth = {"Authorization": f"Bearer {login(engine, 'kpps-gambir', PASSWORD, 'hp')[0]}"}
    _take_database_away(client, engine, db_url, request)
    answers = [
        client.post("/api/v1/submissions", json=ppwp_form(TPS, (1, 2, 3)), headers={**auth, "Idempotency-Key": "hp-1:1"}),
        client.post("/api/v1/submissions", json=ppwp_form(TPS, (1, 2, 3)), headers={**auth, "Idempotency-Key": "hp-1:1"}),
        client.post("/api/v1/complaints", json={"contest": "ppwp", "tps": TPS, "text": "angka tidak sesuai foto"}),
        client.post("/api/v1/auth/token", json={"username": "kpps-gambir", "password": PASSWORD}),
        client.get("/api/v1/corrections", headers=auth),
    ]
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "unavailable" and int(answer.headers["retry-after"]) >= 1


def test_a_bug_in_a_statement_is_not_mistaken_for_an_outage(engine):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError) as raised, engine.begin() as conn:
        conn.execute(text("INSERT INTO regions (kode) VALUES (NULL)"))
    assert not database_unavailable(raised.value)
