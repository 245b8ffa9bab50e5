"""The per-process memory of who holds a bearer token (api/token_cache.py): kept a few seconds,
forgotten at once when revoked through the same process, never keeping a refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import ppwp_form

from suara.api.token_cache import TokenCache, ttl_from_env
from suara.domain.access import Role
from suara.services.accounts import Principal, create_account, login, revoke_account

TPS = "3171011001001"
LATER = datetime.now(UTC) + timedelta(days=1)  # a token's expiry well after the test
PASSWORD = "rahasia-sekali-123"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_holder_is_asked_again_only_after_the_ttl_and_a_refusal_is_never_kept() -> None:
    clock, asked = Clock(), []
    cache = TokenCache(ttl=5, clock=clock)
    who = Principal(1, "kpps-1", Role.KPPS, TPS)

    def ask() -> tuple[Principal, datetime] | None:
        asked.append(clock.now)
        return (who, LATER) if clock.now < 110 else None  # revoked elsewhere at 110

    assert cache.remembered("rahasia") is None  # never asked: the database must be
    assert cache.lookup("rahasia", ask) == who
    clock.now = 104.9
    assert cache.remembered("rahasia") == who and cache.remembered("lain") is None
    assert cache.lookup("rahasia", ask) == who and asked == [100.0]
    clock.now = 105.0
    assert cache.lookup("rahasia", ask) == who and asked == [100.0, 105.0]
    clock.now = 110.0  # held until 110, then asked: the revocation shows within the ttl
    assert cache.remembered("rahasia") is None
    assert cache.lookup("rahasia", ask) is None
    assert cache.lookup("rahasia", ask) is None and asked == [100.0, 105.0, 110.0, 110.0]


def test_forgetting_a_token_or_an_account_and_a_ttl_of_zero() -> None:
    cache = TokenCache(ttl=5)
    one, two = Principal(1, "a", Role.KPPS, TPS), Principal(2, "b", Role.KPPS, TPS)
    cache.lookup("s1", lambda: (one, LATER))
    cache.lookup("s2", lambda: (two, LATER))
    cache.forget("s1")
    assert cache.lookup("s1", lambda: None) is None
    cache.forget_account("b")
    assert cache.lookup("s2", lambda: None) is None
    never = TokenCache(ttl=0)
    never.lookup("s", lambda: (one, LATER))
    assert never.lookup("s", lambda: None) is None


def test_a_remembered_token_stops_at_its_expiry() -> None:
    cache, who = TokenCache(ttl=300), Principal(1, "a", Role.KPPS, TPS)
    cache.lookup("s", lambda: (who, datetime.now(UTC) - timedelta(seconds=1)))  # expired since it was asked
    assert cache.lookup("s", lambda: None) is None


@pytest.mark.parametrize("raw", ["soon", "-1", "301"])
def test_a_bad_ttl_setting_is_refused_by_name(monkeypatch: Any, raw: str) -> None:
    monkeypatch.setenv("SUARA_TOKEN_CACHE_SECONDS", raw)
    with pytest.raises(ValueError, match="SUARA_TOKEN_CACHE_SECONDS"):
        ttl_from_env()


def test_through_the_api_logout_and_account_revocation_stop_a_token_at_once(client: Any, engine: Any) -> None:
    create_account(engine, "kpps-c", PASSWORD, Role.KPPS, TPS, "test")
    create_account(engine, "ri-c", PASSWORD, Role.KPU_RI, "0", "test")
    device = {"Authorization": f"Bearer {login(engine, 'kpps-c', PASSWORD, 'hp')[0]}"}
    second = {"Authorization": f"Bearer {login(engine, 'kpps-c', PASSWORD, 'hp-2')[0]}"}
    ri = {"Authorization": f"Bearer {login(engine, 'ri-c', PASSWORD, 'pc')[0]}"}
    sent = client.post("/api/v1/submissions", json=ppwp_form(TPS), headers={**device, "Idempotency-Key": "device-c:0001"})
    assert sent.status_code == 201  # the holder is now remembered
    assert client.delete("/api/v1/auth/token", headers=device).status_code == 204
    again = client.post("/api/v1/submissions", json=ppwp_form(TPS), headers={**device, "Idempotency-Key": "device-c:0002"})
    assert again.status_code == 401
    assert client.post("/api/v1/submissions", json=ppwp_form(TPS),
                       headers={**second, "Idempotency-Key": "device-c:0003"}).status_code in (200, 201)
    assert client.delete("/api/v1/accounts/kpps-c", headers=ri).status_code == 204
    assert client.post("/api/v1/submissions", json=ppwp_form(TPS),
                       headers={**second, "Idempotency-Key": "device-c:0004"}).status_code == 401


def test_a_revocation_through_another_process_shows_within_the_ttl(client: Any, engine: Any) -> None:
    create_account(engine, "kpps-d", PASSWORD, Role.KPPS, TPS, "test")
    device = {"Authorization": f"Bearer {login(engine, 'kpps-d', PASSWORD, 'hp')[0]}"}
    assert client.post("/api/v1/submissions", json=ppwp_form(TPS),
                       headers={**device, "Idempotency-Key": "device-d:0001"}).status_code == 201
    revoke_account(engine, "kpps-d", "cli")  # as `suara users revoke` would, beside the server
    cache: TokenCache = client.app.state.token_cache
    assert client.post("/api/v1/submissions", json=ppwp_form(TPS, votes=(61, 122, 64)),
                       headers={**device, "Idempotency-Key": "device-d:0002"}).status_code != 401  # still remembered
    cache.clock = lambda: float("inf")  # the ttl has passed
    assert client.post("/api/v1/submissions", json=ppwp_form(TPS, votes=(62, 122, 64)),
                       headers={**device, "Idempotency-Key": "device-d:0003"}).status_code == 401
