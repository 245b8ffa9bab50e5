"""Accounts, passwords (argon2) and API tokens for devices: tokens expire and can be rotated.

Failed logins are not counted here: a count on the account let anyone who knew a username lock
its officer out. They are throttled per (username, address) by the API (api/limits.LoginThrottle),
so the owner still logs in from elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, select, update

from suara.domain.access import Role, check_scope
from suara.domain.regions import UnknownRegion
from suara.store import audit
from suara.store.schema import accounts, api_tokens

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10
DEFAULT_TOKEN_TTL_HOURS = 72.0  # a polling day and its recapitulation, then log in again
BAD_CREDENTIALS = "nama pengguna atau kata sandi salah"
# Argon2id with the RFC 9106 low-memory profile; SUARA_ARGON2_PROFILE=CHEAPEST is for test suites
# only, which create dozens of accounts per test.
_hasher = PasswordHasher.from_parameters(getattr(profiles, os.environ.get("SUARA_ARGON2_PROFILE",
                                                                          "RFC_9106_LOW_MEMORY")))
# Verified against when the username does not exist or is inactive, so every refusal costs one
# argon2 verification and takes the same time.
_DUMMY_HASH = _hasher.hash("suara-dummy-password")


def token_ttl() -> timedelta:
    """How long a device token lives (SUARA_TOKEN_TTL_HOURS, default 72)."""
    hours = float(os.environ.get("SUARA_TOKEN_TTL_HOURS", DEFAULT_TOKEN_TTL_HOURS))
    if not hours > 0:
        raise ValueError("SUARA_TOKEN_TTL_HOURS must be a positive number of hours")
    return timedelta(hours=hours)


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
            failed_logins=0, locked_until=None, created_at=now).returning(accounts.c.id)).scalar_one()
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
        live = [int(i) for i in conn.execute(select(api_tokens.c.id).where(
            api_tokens.c.account_id == row.id, api_tokens.c.revoked_at.is_(None)).order_by(api_tokens.c.id)).scalars()]
        conn.execute(update(accounts).where(accounts.c.id == row.id).values(active=False))
        conn.execute(update(api_tokens).where(api_tokens.c.id.in_(live)).values(revoked_at=now))
        audit.append(conn, [audit.AuditEvent("account.revoked", actor, f"account/{username}",
                                             {"tokens_revoked": live, "revoked_at": now.isoformat()})], now, head)


def login(engine: Engine, username: str, password: str, label: str) -> tuple[str, Principal]:
    """Check a password and issue a device token.

    Unknown, inactive and known accounts are refused alike (same error, one argon2 verification
    each) and a refusal writes nothing, so neither the answer nor its cost tells whether the
    account exists.
    """
    with engine.connect() as conn:  # a read: the slow hash below must not hold the write lock
        row = conn.execute(select(accounts.c.id, accounts.c.username, accounts.c.role, accounts.c.scope,
                                  accounts.c.active, accounts.c.password_hash)
                           .where(accounts.c.username == username)).first()
    if row is None or not row.active:
        _verify(_DUMMY_HASH, password)  # as long as a real check: the answer's time tells nothing
        raise AccountError("bad_credentials", BAD_CREDENTIALS)
    if not _verify(row.password_hash, password):
        raise AccountError("bad_credentials", BAD_CREDENTIALS)
    who = Principal(row.id, row.username, Role(row.role), row.scope)
    now = _now()
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        active = conn.execute(select(accounts.c.active).where(accounts.c.id == who.account_id)).scalar()
        if not active:  # revoked while the password was being checked
            raise AccountError("bad_credentials", BAD_CREDENTIALS)
        secret, _ = _issue(conn, who, label, now, head, who.actor)
    return secret, who


def _issue(conn: Connection, who: Principal, label: str, now: datetime, head: audit.ChainHead, actor: str,
           replaces: int | None = None) -> tuple[str, datetime]:
    """A new token for an account, with its audit event; inside the caller's transaction."""
    secret = secrets.token_urlsafe(32)
    expires = now + token_ttl()
    token_hash = _token_hash(secret)
    token_id = conn.execute(api_tokens.insert().values(
        account_id=who.account_id, token_hash=token_hash, label=label[:100], created_at=now, revoked_at=None,
        expires_at=expires).returning(api_tokens.c.id)).scalar_one()
    payload: dict[str, object] = {"token_id": int(token_id), "token_hash": token_hash, "label": label[:100],
                                  "created_at": now.isoformat(), "expires_at": expires.isoformat()}
    if replaces is not None:
        payload["replaces"] = replaces
    audit.append(conn, [audit.AuditEvent("token.rotated" if replaces is not None else "token.issued", actor,
                                         f"account/{who.username}", payload)], now, head)
    return secret, expires


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(engine: Engine, secret: str) -> Principal | None:
    """The account behind a bearer token, or None when the token is unknown, revoked or expired."""
    found = authenticate_until(engine, secret)
    return None if found is None else found[0]


def authenticate_until(engine: Engine, secret: str) -> tuple[Principal, datetime] | None:
    """authenticate(), with the moment the token expires (for a caller that remembers the answer)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(accounts.c.id, accounts.c.username, accounts.c.role, accounts.c.scope, api_tokens.c.expires_at)
            .join(api_tokens, api_tokens.c.account_id == accounts.c.id)
            .where(api_tokens.c.token_hash == _token_hash(secret), api_tokens.c.revoked_at.is_(None),
                   api_tokens.c.expires_at > _now(), accounts.c.active.is_(True))).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo is not None else row.expires_at.replace(tzinfo=UTC)
    return Principal(row.id, row.username, Role(row.role), row.scope), expires


def still_live(expires: datetime) -> bool:
    """Whether a token expiring at `expires` still works now (by the service's clock)."""
    return _now() < expires


def token_expiry(engine: Engine, secret: str) -> datetime | None:
    """When a token stops working (None for a token never issued)."""
    with engine.connect() as conn:
        return conn.execute(select(api_tokens.c.expires_at)
                            .where(api_tokens.c.token_hash == _token_hash(secret))).scalar()


def _live_token(conn: Connection, secret: str, now: datetime) -> tuple[int, Principal] | None:
    row = conn.execute(
        select(api_tokens.c.id, accounts.c.id.label("account_id"), accounts.c.username, accounts.c.role,
               accounts.c.scope)
        .join(accounts, api_tokens.c.account_id == accounts.c.id)
        .where(api_tokens.c.token_hash == _token_hash(secret), api_tokens.c.revoked_at.is_(None),
               api_tokens.c.expires_at > now, accounts.c.active.is_(True))).first()
    if row is None:
        return None
    return int(row.id), Principal(row.account_id, row.username, Role(row.role), row.scope)


def rotate_token(engine: Engine, secret: str, label: str | None = None) -> tuple[str, Principal, datetime]:
    """Swap a live token for a new one (a fresh expiry); the old one is revoked in the same
    transaction, so exactly one of them works at any moment."""
    now = _now()
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        live = _live_token(conn, secret, now)
        if live is None:
            raise AccountError("unauthenticated", "token tidak dikenal, sudah dicabut atau kedaluwarsa")
        old_id, who = live
        old_label = conn.execute(select(api_tokens.c.label).where(api_tokens.c.id == old_id)).scalar_one()
        conn.execute(update(api_tokens).where(api_tokens.c.id == old_id).values(revoked_at=now))
        new_secret, expires = _issue(conn, who, label or old_label, now, head, who.actor, replaces=old_id)
    return new_secret, who, expires


def revoke_token(engine: Engine, secret: str) -> bool:
    """Revoke one token (logging out), with its audit event; False when it was not live."""
    now = _now()
    with engine.begin() as conn:
        head = audit.lock_head(conn)
        row = conn.execute(select(api_tokens.c.id, api_tokens.c.expires_at, accounts.c.username, accounts.c.role)
                           .join(accounts, api_tokens.c.account_id == accounts.c.id)
                           .where(api_tokens.c.token_hash == _token_hash(secret),
                                  api_tokens.c.revoked_at.is_(None))).first()
        if row is None:
            return False
        conn.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(revoked_at=now))
        audit.append(conn, [audit.AuditEvent("token.revoked", f"{row.role}:{row.username}", f"account/{row.username}",
                                             {"token_id": int(row.id), "revoked_at": now.isoformat(),
                                              "expires_at": row.expires_at.isoformat()})], now, head)
    return True
