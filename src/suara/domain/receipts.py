"""Signed receipts (kwitansi) for accepted C Hasil forms, and how to check one.

A receipt says: the deployment stored version `version_no` of TPS `tps`'s `contest` form, whose
content hash is `content_hash`, as audit event `chain_seq` with hash `chain_hash`, at
`stored_at`. It is signed with the deployment's Ed25519 key (the key that signs `suara publish`
snapshots), named by `key_id`. Anyone can re-derive every check in any language:

- the signature is Ed25519 over the canonical JSON (keys sorted, no spaces, UTF-8) of every
  field but `sig`; `sig` is its base64url, without padding;
- the compact form (in a QR code or a link) is `SK1.` and the base64url of the canonical JSON
  of the whole receipt;
- the audit event at `chain_seq` of the public chain (`/api/v1/chain/events`) must have hash
  `chain_hash`, link correctly (domain/audit.py) and carry this TPS, contest, version number
  and content hash; the TPS's public record must hold that version, whose form hashes to
  `content_hash` (SHA-256 of its canonical JSON).

Ed25519 signatures are deterministic, so the receipt of a retried submission (same
idempotency key) is the very same receipt, byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from suara.domain.audit import body_digest, canonical, content_hash, link_hash

FORMAT = 1
COMPACT_PREFIX = "SK1."
FORM_EVENT = "form.version"
MAX_TEXT = 4096  # a receipt is about 600 characters; anything much longer is not one
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TPS = re.compile(r"^[0-9A-Z]{10}[0-9]{3}$")
_CONTEST = re.compile(r"^[a-z0-9-]{1,32}$")
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class ReceiptError(ValueError):
    """Text that is not a receipt (the message says why, in Indonesian)."""


@dataclass(frozen=True, slots=True)
class Receipt:
    tps: str
    contest: str
    version_no: int
    content_hash: str
    chain_seq: int
    chain_hash: str
    stored_at: str
    key_id: str
    sig: str = ""

    def body(self) -> dict[str, Any]:
        """Every signed field (all but the signature)."""
        # not dataclasses.asdict: its deep copy was most of the cost of a submission's receipt
        return {"v": FORMAT, **{name: getattr(self, name) for name in _SIGNED_FIELDS}}

    def signed_bytes(self) -> bytes:
        return canonical(self.body())

    def as_dict(self) -> dict[str, Any]:
        return {**self.body(), "sig": self.sig}

    def compact(self) -> str:
        return COMPACT_PREFIX + _b64(canonical(self.as_dict()))


_SIGNED_FIELDS = tuple(f.name for f in fields(Receipt) if f.name != "sig")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public: Ed25519PublicKey) -> str:
    """The first 16 hex digits of SHA-256 of the raw public key: names the key in a receipt."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, unsigned: Receipt) -> Receipt:
    signed = replace(unsigned, key_id=key_id(key.public_key()), sig="")
    return replace(signed, sig=_b64(key.sign(signed.signed_bytes())))


def signature_problem(receipt: Receipt, public: Ed25519PublicKey) -> str | None:
    """None when the receipt is signed by this key; otherwise why not."""
    if receipt.key_id != key_id(public):
        return (f"kwitansi ditandatangani kunci {receipt.key_id}, bukan kunci yang diberikan ({key_id(public)})")
    try:
        public.verify(_unb64(receipt.sig), receipt.signed_bytes())
    except (InvalidSignature, binascii.Error, ValueError):
        return "tanda tangan tidak sah: isi kwitansi diubah atau bukan dari penyelenggara ini"
    return None


def parse_receipt(value: str | Mapping[str, Any]) -> Receipt:
    """A receipt from its JSON (text or object), its compact form, or a link holding it (?r=)."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_TEXT:
            raise ReceiptError(f"terlalu panjang untuk sebuah kwitansi ({len(text)} karakter)")
        if text.startswith(("http://", "https://")):
            found = parse_qs(urlsplit(text).query).get("r") or [urlsplit(text).fragment.removeprefix("r=")]
            text = found[0].strip()
        if text.startswith(COMPACT_PREFIX):
            packed = text[len(COMPACT_PREFIX):]
            try:
                if not _B64URL.fullmatch(packed):
                    raise ValueError(packed)
                text = _unb64(packed).decode("utf-8")
                value = orjson.loads(text)
            except (binascii.Error, ValueError):  # JSONDecodeError is a ValueError
                raise ReceiptError("bentuk ringkas kwitansi rusak (bukan base64url dari JSON)") from None
            return _receipt_of(value) if isinstance(value, Mapping) else _not_an_object()
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise ReceiptError("bukan kwitansi: tempel JSON kwitansi, bentuk ringkasnya (SK1.…) atau tautannya")\
                from None
    if not isinstance(value, Mapping):
        return _not_an_object()
    return _receipt_of(value)


def _not_an_object() -> Receipt:
    raise ReceiptError("bukan kwitansi: harus objek JSON")


def _receipt_of(doc: Mapping[str, Any]) -> Receipt:
    expected = {"v", "tps", "contest", "version_no", "content_hash", "chain_seq", "chain_hash", "stored_at",
                "key_id", "sig"}
    missing, extra = sorted(expected - set(doc)), sorted(set(doc) - expected)
    if missing or extra:
        raise ReceiptError("bukan kwitansi: " + "; ".join(
            part for part in (f"kurang {', '.join(missing)}" if missing else "",
                              f"kunci tak dikenal {', '.join(extra)}" if extra else "") if part))
    if doc["v"] != FORMAT:
        raise ReceiptError(f"versi kwitansi tidak dikenal: {doc['v']!r}")
    checks = (("tps", _TPS), ("contest", _CONTEST), ("content_hash", _HEX64), ("chain_hash", _HEX64),
              ("key_id", _KEY_ID))
    for name, pattern in checks:
        if not isinstance(doc[name], str) or not pattern.fullmatch(doc[name]):
            raise ReceiptError(f"kwitansi: {name} tidak sah")
    for name in ("version_no", "chain_seq"):
        if type(doc[name]) is not int or not 1 <= doc[name] < 2**62:
            raise ReceiptError(f"kwitansi: {name} harus bilangan bulat positif")
    for name in ("stored_at", "sig"):
        if not isinstance(doc[name], str) or not 1 <= len(doc[name]) <= 100:
            raise ReceiptError(f"kwitansi: {name} tidak sah")
    return Receipt(doc["tps"], doc["contest"], doc["version_no"], doc["content_hash"], doc["chain_seq"],
                   doc["chain_hash"], doc["stored_at"], doc["key_id"], doc["sig"])


def event_problems(receipt: Receipt, event: Mapping[str, Any] | None) -> list[str]:
    """What is wrong between a receipt and the audit event at its chain position, given as the
    public chain listing gives it (seq, at, kind, prev_hash, body_sha256, hash, actor, subject,
    payload text). Empty when the chain holds exactly what the receipt says."""
    where = f"peristiwa #{receipt.chain_seq}"
    if event is None:
        return [f"{where} tidak ada di rantai audit"]
    problems = []
    if event.get("hash") != receipt.chain_hash:
        problems.append(f"{where}: hash di rantai {str(event.get('hash'))[:16]}…, kwitansi menyebut "
                        f"{receipt.chain_hash[:16]}…")
    try:
        link = link_hash(str(event["prev_hash"]), int(event["seq"]), str(event["at"]), str(event["kind"]),
                         str(event["body_sha256"]))
    except (KeyError, TypeError, ValueError):
        return [*problems, f"{where}: bentuk peristiwa tidak dikenal"]
    if link != event.get("hash"):
        problems.append(f"{where}: hash tidak cocok dengan isinya")
    if event["kind"] != FORM_EVENT or "payload" not in event:
        return [*problems, f"{where} bukan penyimpanan versi formulir ({event['kind']})"]
    if body_digest(str(event.get("actor")), str(event.get("subject")), str(event["payload"])) != event["body_sha256"]:
        problems.append(f"{where}: isi yang dipublikasikan tidak cocok dengan body_sha256")
    try:
        payload = orjson.loads(str(event["payload"]))
    except orjson.JSONDecodeError:
        return [*problems, f"{where}: isi peristiwa bukan JSON"]
    said = {"tps": receipt.tps, "contest": receipt.contest, "version_no": receipt.version_no,
            "content_hash": receipt.content_hash}
    for name, value in said.items():
        if payload.get(name) != value:
            problems.append(f"{where}: {name} di rantai {payload.get(name)!r}, kwitansi menyebut {value!r}")
    if event["at"] != receipt.stored_at:
        problems.append(f"{where}: dicatat {event['at']}, kwitansi menyebut {receipt.stored_at}")
    return problems


@dataclass(frozen=True, slots=True)
class RecordCheck:
    problems: tuple[str, ...] = ()
    pending: bool = False  # the version is in the chain but not yet on the public record (tally lag)
    current_version: int | None = None


def record_check(receipt: Receipt, tps_doc: Mapping[str, Any]) -> RecordCheck:
    """The receipt against a TPS's public record (GET /api/v1/tps/{contest}/{tps})."""
    versions = tps_doc.get("versions") or []
    current = max((int(v["version_no"]) for v in versions), default=None)
    mine = next((v for v in versions if v.get("version_no") == receipt.version_no), None)
    if mine is None:
        return RecordCheck(pending=True, current_version=current)
    if content_hash(mine.get("form")) != receipt.content_hash:
        return RecordCheck(((f"versi {receipt.version_no} di catatan publik TPS berisi formulir lain "
                            f"(hash {content_hash(mine.get('form'))[:16]}…)"),), current_version=current)
    return RecordCheck(current_version=current)
