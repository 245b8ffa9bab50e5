"""Issuing receipts for stored form versions, and checking a receipt against a deployment's
record: the local database, or any deployment's public API (plain HTTP GETs)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, select

from suara.domain.audit import published_event, text_hash
from suara.domain.receipts import (
    FORM_EVENT,
    Receipt,
    RecordCheck,
    event_problems,
    key_id,
    record_check,
    sign,
    signature_problem,
)
from suara.publish.snapshot_keys import load_or_create_signing_key, public_key_text
from suara.store import audit
from suara.store.schema import audit_events, form_versions

TIMEOUT = 30
SIGNING_KEY_FILE = "signing-key.pem"  # in the data directory, beside the database: what `suara publish` signs with


class ReceiptKeys:
    """The deployment's signing key, loaded (or created) on first use: most processes that build
    an app never issue a receipt."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: Ed25519PrivateKey | None = None
        self._lock = threading.Lock()

    def private(self) -> Ed25519PrivateKey:
        with self._lock:
            if self._key is None:
                self._key = load_or_create_signing_key(self.path)
            return self._key

    def published(self) -> dict[str, str]:
        """What the deployment publishes so that anyone can check its receipts."""
        public = self.private().public_key()
        return {"algorithm": "Ed25519", "key_id": key_id(public), "public_key": public_key_text(public)}


def signing_key_path(data_dir: Path) -> Path:
    return Path(data_dir) / SIGNING_KEY_FILE


# --- issuing --------------------------------------------------------------------------------


_EVENT_COLUMNS = [audit_events.c[name] for name in audit.EVENT_COLUMNS]


def _form_event_from(conn: Connection, seq: int) -> Any | None:
    """The first form-version event at or after seq (None past the end)."""
    return conn.execute(select(*_EVENT_COLUMNS).where(audit_events.c.seq >= seq, audit_events.c.kind == FORM_EVENT)
                        .order_by(audit_events.c.seq).limit(1)).first()


def version_event(conn: Connection, version_id: int) -> Any | None:
    """The audit event that stored a form version (EVENT_COLUMNS), found by seq alone.

    Version ids are handed out under the chain head's lock in the order their events are
    appended, so along the chain the form-version events carry ever larger version ids: a
    search over seq (the primary key) finds one without an index on the events' bodies. It
    gallops back from the head first, since a receipt is nearly always asked for a version
    just stored: a few lookups, and about 2 log2(chain length) at worst (a replay of an old one).
    """
    seen: dict[int, float] = {}

    def version_at(seq: int) -> float:  # the version id of the first form event at or after seq
        if seq not in seen:
            row = _form_event_from(conn, seq)
            seen[seq] = float("inf") if row is None else int(orjson.loads(row.payload)["version_id"])
        return seen[seq]

    hi = audit.head(conn)[0] + 1  # nothing at or after it: "infinitely" late
    step = 1
    lo = hi - step
    while lo >= 1 and version_at(lo) >= version_id:
        hi, step = lo, step * 2
        lo = hi - step
    lo = max(lo, 0)  # version_at(lo) < version_id, or lo is before the chain
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if version_at(mid) >= version_id:
            hi = mid
        else:
            lo = mid
    row = _form_event_from(conn, hi)
    if row is None or int(orjson.loads(row.payload)["version_id"]) != version_id:
        return None
    return row


def issue_sealed(key: Ed25519PrivateKey, tps: str, contest: str, version_no: int,
                 sealed: tuple[str, int, str, str]) -> Receipt:
    """The receipt of a version just stored, from what its own transaction wrote (its content hash
    and its event's seq, hash and time): the same receipt `issue` finds in the chain later."""
    content_hash, seq, chain_hash, stored_at = sealed
    return sign(key, Receipt(tps, contest, version_no, content_hash, seq, chain_hash, stored_at, key_id=""))


def issue(engine: Engine, key: Ed25519PrivateKey, version_id: int) -> Receipt | None:
    """The signed receipt of a stored form version (None if no such version is in the chain)."""
    with engine.connect() as conn:
        version = conn.execute(select(form_versions.c.contest, form_versions.c.tps, form_versions.c.version_no,
                                      form_versions.c.content_hash)
                               .where(form_versions.c.id == version_id)).first()
        event = version_event(conn, version_id) if version is not None else None
    if version is None or event is None:
        return None
    return sign(key, Receipt(version.tps, version.contest, version.version_no, version.content_hash,
                             event.seq, event.hash, event.at, key_id=""))


# --- checking -------------------------------------------------------------------------------


@dataclass
class ReceiptCheck:
    """The verdict on a receipt: valid only when signed by the key and held by the record."""

    receipt: Receipt
    problems: list[str] = field(default_factory=list)
    pending: bool = False  # in the chain, not yet on the TPS's public record: ask again shortly
    current_version: int | None = None
    source: str = ""

    @property
    def valid(self) -> bool:
        return not self.problems and not self.pending

    def as_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "pending": self.pending, "problems": self.problems,
                "current_version": self.current_version, "source": self.source, "receipt": self.receipt.as_dict()}


def _verdict(receipt: Receipt, public: Ed25519PublicKey, event: Any | None,
             record: Callable[[], RecordCheck], source: str) -> ReceiptCheck:
    check = ReceiptCheck(receipt, source=source)
    if (problem := signature_problem(receipt, public)) is not None:
        check.problems.append(problem)
    check.problems.extend(event_problems(receipt, event))
    if not check.problems:  # the record is asked only about a receipt that is genuine so far
        found = record()
        check.problems.extend(found.problems)
        check.pending, check.current_version = found.pending, found.current_version
    return check


def check_local(engine: Engine, receipt: Receipt, public: Ed25519PublicKey) -> ReceiptCheck:
    """The receipt against this deployment's database: the chain event and the stored version."""
    with engine.connect() as conn:
        row = audit.event_at(conn, receipt.chain_seq)
        version = conn.execute(select(form_versions.c.payload, form_versions.c.content_hash)
                               .where(form_versions.c.tps == receipt.tps, form_versions.c.contest == receipt.contest,
                                      form_versions.c.version_no == receipt.version_no)).first()
        current = conn.execute(select(form_versions.c.version_no)
                               .where(form_versions.c.tps == receipt.tps, form_versions.c.contest == receipt.contest)
                               .order_by(form_versions.c.version_no.desc()).limit(1)).scalar()
    event = published_event(*row) if row is not None else None

    def record() -> RecordCheck:
        if version is None:
            return RecordCheck(((f"versi {receipt.version_no} TPS {receipt.tps} ({receipt.contest}) tidak ada di "
                                "basis data"),), current_version=current)
        if version.content_hash != receipt.content_hash or text_hash(version.payload) != receipt.content_hash:
            return RecordCheck((f"versi {receipt.version_no} di basis data berisi formulir lain",),
                               current_version=current)
        return RecordCheck(current_version=current)
    return _verdict(receipt, public, event, record, "basis data")


class ReceiptFetchError(RuntimeError):
    """The deployment could not be read (network, HTTP status or an answer of the wrong shape)."""


def _get(url: str) -> Any:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ReceiptFetchError(f"alamat harus http:// atau https://: {url}")
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}),
                                    timeout=TIMEOUT) as answer:
            return orjson.loads(answer.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise ReceiptFetchError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ReceiptFetchError(f"{url}: {exc}") from None
    except orjson.JSONDecodeError:
        raise ReceiptFetchError(f"{url}: jawaban bukan JSON") from None


def check_remote(base_url: str, receipt: Receipt, public: Ed25519PublicKey) -> ReceiptCheck:
    """The receipt against a deployment's (or a mirror's) public API: the chain event at its
    position and the TPS's public record."""
    base = base_url.rstrip("/")
    page = _get(f"{base}/api/v1/chain/events?after={receipt.chain_seq - 1}&limit=1")
    if not isinstance(page, dict) or not isinstance(page.get("events"), list):
        raise ReceiptFetchError(f"{base}: daftar peristiwa rantai tidak dikenal")
    event = next((e for e in page["events"] if isinstance(e, dict) and e.get("seq") == receipt.chain_seq), None)

    def record() -> RecordCheck:
        doc = _get(f"{base}/api/v1/tps/{receipt.contest}/{receipt.tps}")
        if not isinstance(doc, dict):
            return RecordCheck((f"catatan publik TPS {receipt.tps} ({receipt.contest}) tidak ada",))
        return record_check(receipt, doc)
    return _verdict(receipt, public, event, record, base)
