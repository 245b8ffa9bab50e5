"""Device tokens expire (SUARA_TOKEN_TTL_HOURS) and can be rotated; every issue, rotation and
revocation is an audit event that carries the expiry (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
from alembic import command
from helpers import ppwp_form
from sqlalchemy import select, text

from suara.domain.access import Role
from suara.services import accounts
from suara.services.accounts import authenticate, create_account, login
from suara.store import migrate
from suara.store.engine import make_engine
from suara.store.schema import api_tokens, audit_events

PASSWORD = "rahasia-sekali-123"
TPS = "3171011001001"


def _events(engine, kind: str) -> list[dict]:
    with engine.connect() as conn:
        return [orjson.loads(p) for p in conn.execute(select(audit_events.c.payload)
                                                       .where(audit_events.c.kind == kind)
                                                       .order_by(audit_events.c.seq)).scalars()]


def _later(monkeypatch, hours: float) -> None:
    """Move the service's clock on."""
    moved = datetime.now(UTC) + timedelta(hours=hours)
    monkeypatch.setattr(accounts, "_now", lambda: moved)


def test_a_token_stops_working_when_it_expires(client, engine, monkeypatch):
    monkeypatch.setenv("SUARA_TOKEN_TTL_HOURS", "2")
    create_account(engine, "kpps-gambir", PASSWORD, Role.KPPS, TPS, "test")
    before = datetime.now(UTC)
    answer = client.post("/api/v1/auth/token", json={"username": "kpps-gambir", "password": PASSWORD})
    assert answer.status_code == 201
    expires = datetime.fromisoformat(answer.json()["expires_at"])
    assert before + timedelta(hours=2) <= expires <= datetime.now(UTC) + timedelta(hours=2)
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    assert client.post("/api/v1/submissions", json=ppwp_form(TPS, (1, 2, 3)),
                       headers={**headers, "Idempotency-Key": "hp-1:0001"}).status_code == 201
    _later(monkeypatch, 2.01)
    refused = client.post("/api/v1/submissions", json=ppwp_form(TPS, (1, 2, 4)),
                          headers={**headers, "Idempotency-Key": "hp-1:0002"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"
    assert client.post("/api/v1/auth/token/rotate", headers=headers).status_code == 401  # too late to rotate
    [issued] = _events(engine, "token.issued")
    assert issued["expires_at"] == answer.json()["expires_at"] and issued["label"] == "device"


def test_rotation_swaps_the_token_and_revokes_the_old_one(client, engine):
    create_account(engine, "ppk-gambir", PASSWORD, Role.PPK, "317101", "test")
    old, _ = login(engine, "ppk-gambir", PASSWORD, "laptop")
    rotated = client.post("/api/v1/auth/token/rotate", headers={"Authorization": f"Bearer {old}"})
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()["token"]
    assert new != old and rotated.json()["username"] == "ppk-gambir" and rotated.json()["role"] == "PPK"
    assert client.get("/api/v1/corrections", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/api/v1/corrections", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    assert client.post("/api/v1/auth/token/rotate", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.post("/api/v1/auth/token/rotate").status_code == 401
    [issued], [rotation] = _events(engine, "token.issued"), _events(engine, "token.rotated")
    assert rotation["replaces"] == issued["token_id"] and rotation["label"] == "laptop"
    assert rotation["expires_at"] == rotated.json()["expires_at"]
    with engine.connect() as conn:
        tokens = {r.id: r for r in conn.execute(select(api_tokens))}
    assert tokens[issued["token_id"]].revoked_at is not None and tokens[rotation["token_id"]].revoked_at is None
    assert client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {new}"}).status_code == 204
    [revoked] = _events(engine, "token.revoked")
    assert revoked["token_id"] == rotation["token_id"] and revoked["expires_at"] == rotation["expires_at"]
    assert authenticate(engine, new) is None


def test_revoking_an_account_names_the_tokens_it_revokes(engine):
    create_account(engine, "saksi-dki", PASSWORD, Role.SAKSI, "31", "test")
    first, _ = login(engine, "saksi-dki", PASSWORD, "hp")
    second, _ = login(engine, "saksi-dki", PASSWORD, "laptop")
    accounts.revoke_account(engine, "saksi-dki", "KPU_RI:admin")
    ids = [e["token_id"] for e in _events(engine, "token.issued")]
    [revoked] = _events(engine, "account.revoked")
    assert revoked["tokens_revoked"] == ids and len(ids) == 2
    assert authenticate(engine, first) is None and authenticate(engine, second) is None


def test_migration_0005_gives_existing_tokens_an_expiry(db_url, monkeypatch):
    monkeypatch.setenv("SUARA_TOKEN_TTL_HOURS", "5")
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0004")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO api_tokens (account_id, token_hash, label, created_at) "
                          "VALUES (1, :hash, 'hp', :now)"), {"hash": "a" * 64, "now": now})
    migrate.upgrade(engine, "0005")
    with engine.connect() as conn:
        expires = conn.execute(select(api_tokens.c.expires_at)).scalar_one()
    assert now + timedelta(hours=5) <= expires <= datetime.now(UTC) + timedelta(hours=5)
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    with engine.connect() as conn:
        assert "expires_at" not in list(conn.execute(text("SELECT * FROM api_tokens")).keys())
    engine.dispose()
