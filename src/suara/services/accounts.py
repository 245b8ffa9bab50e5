"""Accounts, passwords (argon2) and API tokens for devices, with lock-out after failed logins."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select, update

from suara.domain.access import Role, check_scope
from suara.domain.regions import UnknownRegion
from suara.store import audit
from suara.store.schema import accounts, api_tokens

MAX_FAILED_LOGINS = 5
LOCK_OUT = timedelta(minutes=15)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10
# Argon2id with the RFC 9106 low-memory profile; SUARA_ARGON2_PROFILE=CHEAPEST is for test suites
# only, which create dozens of accounts per test.
_hasher = PasswordHasher.from_parameters(getattr(profiles, os.environ.get("SUARA_ARGON2_PROFILE",
                                                                          "RFC_9106_LOW_MEMORY")))
# Verified against when the username does not exist, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("suara-dummy-password")


class AccountError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: int
    username: str
    role: Role
    scope: str

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.username}"


def _now() -> datetime:
    return datetime.now(UTC)


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_account(engine: Engine, username: str, password: str, role: Role, scope: str, actor: str,
                   known_region: bool = True) -> int:
    if not USERNAME.match(username):
        raise AccountError("bad_username", "nama pengguna: 3-64 huruf kecil, angka, titik, garis")
    if len(password) < MIN_PASSWORD:
        raise AccountError("weak_password", f"kata sandi minimal {MIN_PASSWORD} karakter")
    try:
        check_scope(role, scope)
    except (ValueError, UnknownRegion) as exc:
        raise AccountError("bad_scope", str(exc)) from None
    if not known_region:
        raise AccountError("unknown_region", f"wilayah tidak dikenal: {scope}")
    now = _now()
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        if conn.execute(select(accounts.c.id).where(accounts.c.username == username)).first():
            raise AccountError("exists", f"akun {username} sudah ada")
        password_hash = _hasher.hash(password)
        account_id = conn.execute(accounts.insert().values(
            username=username, password_hash=password_hash, role=role.value, scope=scope, active=True,
            failed_logins=0, locked_until=None, created_at=now)).inserted_primary_key[0]
        # the digest of the (salted) hash, never the hash: verify compares it, and it tells nobody
        # anything about the password
        audit.append(conn, [audit.AuditEvent("account.created", actor, f"account/{username}", {
            "account_id": int(account_id), "username": username, "role": role.value, "scope": scope,
            "active": True, "password_sha256": hashlib.sha256(password_hash.encode()).hexdigest()})], now, head)
    return int(account_id)


def list_accounts(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(accounts.c.id, accounts.c.username, accounts.c.role, accounts.c.scope, accounts.c.active,
                   accounts.c.locked_until).order_by(accounts.c.username))]


def revoke_account(engine: Engine, username: str, actor: str) -> None:
    """Deactivate an account and revoke all its tokens."""
    now = _now()
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        row = conn.execute(select(accounts.c.id).where(accounts.c.username == username)).first()
        if row is None:
            raise AccountError("unknown_account", f"akun {username} tidak ada")
        conn.execute(update(accounts).where(accounts.c.id == row.id).values(active=False))
        conn.execute(update(api_tokens).where(api_tokens.c.account_id == row.id, api_tokens.c.revoked_at.is_(None))
                     .values(revoked_at=now))
        audit.append(conn, [audit.AuditEvent("account.revoked", actor, f"account/{username}", {})], now, head)


def login(engine: Engine, username: str, password: str, label: str) -> tuple[str, Principal]:
    """Check a password and issue a device token; locks the account after repeated failures."""
    now = _now()
    with engine.begin() as conn:
        row = conn.execute(select(accounts).where(accounts.c.username == username).with_for_update()).first()
        if row is None:
            _verify(_DUMMY_HASH, password)
            raise AccountError("bad_credentials", "nama pengguna atau kata sandi salah")
        if not row.active:
            raise AccountError("bad_credentials", "nama pengguna atau kata sandi salah")
        if row.locked_until is not None and row.locked_until > now:
            raise AccountError("locked", f"akun terkunci sampai {row.locked_until.isoformat()} karena "
                                         "terlalu banyak percobaan gagal")
        if not _verify(row.password_hash, password):
            failed = row.failed_logins + 1
            locked = now + LOCK_OUT if failed >= MAX_FAILED_LOGINS else None
            conn.execute(update(accounts).where(accounts.c.id == row.id)
                         .values(failed_logins=0 if locked else failed, locked_until=locked))
            refused = True  # raised after the block, so that the count is committed
        else:
            refused = False
            conn.execute(update(accounts).where(accounts.c.id == row.id).values(failed_logins=0, locked_until=None))
            secret = secrets.token_urlsafe(32)
            conn.execute(api_tokens.insert().values(account_id=row.id, token_hash=_token_hash(secret),
                                                    label=label[:100], created_at=now, revoked_at=None))
    if refused:
        raise AccountError("bad_credentials", "nama pengguna atau kata sandi salah")
    return secret, Principal(row.id, row.username, Role(row.role), row.scope)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(engine: Engine, secret: str) -> Principal | None:
    """The account behind a bearer token, or None when the token is unknown or revoked."""
    with engine.connect() as conn:
        row = conn.execute(
            select(accounts.c.id, accounts.c.username, accounts.c.role, accounts.c.scope)
            .join(api_tokens, api_tokens.c.account_id == accounts.c.id)
            .where(api_tokens.c.token_hash == _token_hash(secret), api_tokens.c.revoked_at.is_(None),
                   accounts.c.active.is_(True))).first()
    return None if row is None else Principal(row.id, row.username, Role(row.role), row.scope)


def revoke_token(engine: Engine, secret: str) -> bool:
    with engine.begin() as conn:
        result = conn.execute(update(api_tokens).where(api_tokens.c.token_hash == _token_hash(secret),
                                                       api_tokens.c.revoked_at.is_(None)).values(revoked_at=_now()))
    return bool(result.rowcount)
