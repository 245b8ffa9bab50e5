"""Accounts: argon2id hashes, scopes by role, revocation."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from suara.domain.access import Role
from suara.services.accounts import (
    AccountError,
    authenticate,
    create_account,
    list_accounts,
    login,
    revoke_account,
)


def test_the_production_profile_is_rfc_9106_low_memory():
    hasher = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
    stored = hasher.hash("rahasia-sekali-123")
    assert stored.startswith("$argon2id$") and "m=65536" in stored and hasher.verify(stored, "rahasia-sekali-123")


def test_accounts_are_stored_hashed_and_tokens_authenticate(engine):
    create_account(engine, "ppk-gambir", "rahasia-sekali-123", Role.PPK, "317101", "test")
    assert [a["username"] for a in list_accounts(engine)] == ["ppk-gambir"]
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM accounts").scalar_one()
    assert stored.startswith("$argon2id$") and "rahasia" not in stored
    secret, who = login(engine, "ppk-gambir", "rahasia-sekali-123", "laptop")
    assert authenticate(engine, secret) == who and who.scope == "317101"
    revoke_account(engine, "ppk-gambir", "test")
    assert authenticate(engine, secret) is None
    with pytest.raises(AccountError):
        login(engine, "ppk-gambir", "rahasia-sekali-123", "laptop")


@pytest.mark.parametrize(("username", "password", "role", "scope", "code"), [
    ("ab", "rahasia-sekali-123", Role.PPK, "317101", "bad_username"),
    ("Budi Santoso", "rahasia-sekali-123", Role.PPK, "317101", "bad_username"),
    ("budi", "pendek", Role.PPK, "317101", "weak_password"),
    ("budi", "rahasia-sekali-123", Role.PPK, "3171", "bad_scope"),
    ("budi", "rahasia-sekali-123", Role.KPPS, "317101", "bad_scope"),
    ("budi", "rahasia-sekali-123", Role.KPU_RI, "31", "bad_scope"),
    ("budi", "rahasia-sekali-123", Role.SAKSI, "abc", "bad_scope"),
])
def test_bad_accounts_are_refused(engine, username, password, role, scope, code):
    with pytest.raises(AccountError) as refused:
        create_account(engine, username, password, role, scope, "test")
    assert refused.value.code == code
    assert list_accounts(engine) == []
