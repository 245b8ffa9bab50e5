"""Wrong passwords slow down the address that sends them, per username, with growing delays; they
never lock the owner out, and unknown usernames are answered exactly like known ones (issue 11:
five wrong passwords used to lock an officer out for 15 minutes, with a 423 that revealed the
account existed)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from suara.api.limits import LoginThrottle
from suara.domain.access import Role
from suara.services import accounts
from suara.services.accounts import AccountError, create_account, revoke_account

PASSWORD = "rahasia-sekali-123"
ATTACKER, OWNER = ("203.0.113.7", 40000), ("198.51.100.20", 40000)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_delays_grow_per_username_and_address_and_reset_on_success():
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    assert [throttle.admit("budi", "a") for _ in range(5)] == [0.0] * 5  # five free attempts
    waits = []
    for _ in range(12):
        wait = throttle.admit("budi", "a")
        waits.append(wait)
        clock.now += wait
        assert throttle.admit("budi", "a") == 0.0  # admitted once the delay is over
    assert waits[:5] == [1, 2, 4, 8, 16] and max(waits) == LoginThrottle.MAX_DELAY == waits[-1]
    assert throttle.admit("budi", "b") == 0.0  # another address is not slowed down
    assert throttle.admit("siti", "a") == 0.0  # nor another username from the same address
    throttle.succeeded("budi", "a")
    assert throttle.admit("budi", "a") == 0.0


def test_parallel_guesses_are_counted_before_their_answer():
    throttle = LoginThrottle(clock=Clock())
    admitted = [throttle.admit("budi", "a") == 0.0 for _ in range(20)]  # none answered yet
    assert sum(admitted) == LoginThrottle.FREE_FAILURES


def test_memory_is_bounded_by_dropping_the_longest_quiet_pairs():
    clock = Clock()
    throttle = LoginThrottle(clock=clock, max_keys=3)
    for _ in range(6):
        throttle.admit("budi", "a")
    for address in ("b", "c", "d"):
        clock.now += 1
        throttle.admit("siti", address)
    assert throttle.admit("budi", "a") == 0.0  # forgotten when the table was full


@pytest.fixture
def officer(engine):
    create_account(engine, "kpps-gambir", PASSWORD, Role.KPPS, "3171011001001", "test")
    return "kpps-gambir"


def _client(client, address: tuple[str, int]) -> TestClient:
    """Another client on the same running app, seen from another address."""
    other = TestClient(client.app, client=address)
    other.portal = client.portal  # share the running app's event loop and lifespan state
    return other


def _login(test_client, username: str, password: str):
    return test_client.post("/api/v1/auth/token", json={"username": username, "password": password})


def _no_address_rate_limit(client) -> None:
    """Only the per-(username, address) throttle is under test; the per-address rate limit on
    logins (which test_operator covers) would also refuse these attempts."""
    client.app.state.limiter.take = lambda key, rate, cost=1: 0.0


def test_wrong_passwords_never_lock_the_owner_out(client, officer):
    _no_address_rate_limit(client)
    attacker, owner = _client(client, ATTACKER), _client(client, OWNER)
    assert [_login(attacker, officer, "salah-sekali").status_code for _ in range(5)] == [401] * 5
    throttled = _login(attacker, officer, "salah-sekali")
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "rate_limited"
    assert int(throttled.headers["retry-after"]) >= 1
    assert _login(attacker, officer, PASSWORD).status_code == 429  # even the right password waits there
    logged_in = _login(owner, officer, PASSWORD)
    assert logged_in.status_code == 201, logged_in.text
    headers = {"Authorization": f"Bearer {logged_in.json()['token']}", "Idempotency-Key": "hp-owner-1"}
    assert owner.post("/api/v1/auth/token/rotate", headers=headers).status_code == 201


def test_unknown_and_known_usernames_are_answered_alike(client, officer):
    _no_address_rate_limit(client)
    attacker = _client(client, ATTACKER)
    known = [_login(attacker, officer, "salah-sekali") for _ in range(8)]
    unknown = [_login(attacker, "tidak-ada-orangnya", "salah-sekali") for _ in range(8)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 5 + [429] * 3
    assert [r.json()["error"]["code"] for r in known] == [r.json()["error"]["code"] for r in unknown]
    assert [r.json()["error"]["message"] for r in known[:5]] == [r.json()["error"]["message"] for r in unknown[:5]]


def test_the_login_screen_is_throttled_the_same_way(client, officer):
    _no_address_rate_limit(client)
    attacker, owner = _client(client, ATTACKER), _client(client, OWNER)
    for browser in (attacker, owner):
        browser.get("/ui/login")

    def post(browser, password):
        return browser.post("/ui/login", data={"csrf": browser.cookies["suara_csrf"], "username": officer,
                                               "password": password}, follow_redirects=False)
    assert [post(attacker, "salah-sekali").status_code for _ in range(5)] == [401] * 5
    assert post(attacker, PASSWORD).status_code == 429
    assert post(owner, PASSWORD).status_code == 303  # logged in from elsewhere


def test_every_refusal_costs_one_password_hash(engine, officer, monkeypatch):
    """Unknown, inactive and known accounts all verify one argon2 hash, so the time a refusal
    takes does not tell them apart either."""
    create_account(engine, "ppk-lama", PASSWORD, Role.PPK, "317101", "test")
    revoke_account(engine, "ppk-lama", "test")
    verified: list[str] = []
    real = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda stored, password: verified.append(stored) or real(stored, password))
    for username, password in ((officer, "salah-sekali"), ("tidak-ada", "salah-sekali"), ("ppk-lama", PASSWORD)):
        verified.clear()
        with pytest.raises(AccountError) as refused:
            accounts.login(engine, username, password, "hp")
        assert refused.value.code == "bad_credentials" and len(verified) == 1


def test_failed_logins_write_nothing(engine, officer):
    from helpers import audit_count

    before = audit_count(engine)
    for _ in range(7):
        with pytest.raises(AccountError):
            accounts.login(engine, officer, "salah-sekali", "hp")
    assert audit_count(engine) == before
    assert accounts.login(engine, officer, PASSWORD, "hp")[1].username == officer  # no lock-out in the store
