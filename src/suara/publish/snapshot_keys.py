"""The deployment's Ed25519 key that signs snapshot manifests, and public keys to check them."""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# --------------------------------------------------------------------------------------------
# Keys


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The deployment's Ed25519 signing key at `path` (PEM, PKCS8, unencrypted).

    Created on first use with mode 0600 (parent directories created as needed) and reused
    afterwards. Creation is atomic: the key is written to a temporary file and linked into
    place, so a crash never leaves a half-written key and two processes starting together end
    up with the same key. Raises ValueError if the file exists but holds no Ed25519 private key.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, pem)
            os.fsync(fd)
            os.close(fd)
            fd = -1
            try:
                os.link(tmp, path)  # fails if someone else created the key meanwhile
                return key
            except FileExistsError:
                pass  # theirs wins; load it below
        finally:
            if fd >= 0:
                os.close(fd)
            os.unlink(tmp)
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not an unencrypted PEM private key ({exc})") from exc
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")  # noqa: TRY004 (bad file content)
    return loaded


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key as base64 of its raw 32 bytes (44 characters, no newline).

    This is the form written to `public-key.txt` and expected by `verify_snapshot`.
    """
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_public_key(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from base64 of its raw 32 bytes, or from a PEM
    (SubjectPublicKeyInfo) block. Raises ValueError on anything else."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise ValueError(f"not a PEM public key ({exc})") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"public key is not valid base64 ({exc})") from exc
    if len(raw) != 32:
        raise ValueError(f"public key has {len(raw)} bytes, an Ed25519 key has 32")
    return Ed25519PublicKey.from_public_bytes(raw)
