"""Checking a snapshot or any mirror of it (see snapshot.py for the layout and the trust model):
the signature over manifest.json, every file against the manifest, nothing missing, altered or
extra, and the chain of publication records behind it (snapshot_chain.py)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from suara.publish.snapshot import (
    CHAIN_DIR,
    FORMAT,
    MANIFEST,
    PUBLIC_KEY,
    RESERVED,
    SIGNATURE,
    Progress,
    check_path,
)
from suara.publish.snapshot_chain import (
    P_CHAIN,
    RECORD_NAME,
    check_chain,
    check_increment,
    record_path,
    signature_path,
)
from suara.publish.snapshot_keys import load_public_key, public_key_text

# --------------------------------------------------------------------------------------------
# Verifying

# Problem kinds
P_MANIFEST = "manifest"  # manifest.json missing, unreadable, malformed, unsupported, unsafe path
P_SIGNATURE = "signature"  # manifest.sig missing, malformed, or not valid for manifest.json
P_KEY = "key"  # no usable public key, or public-key.txt differs from the trusted key
P_MISSING = "missing"  # a file in the manifest is not in the directory (as a regular file)
P_ALTERED = "altered"  # a file's size or SHA-256 differs from the manifest
P_EXTRA = "extra"  # a file, symlink or other entry present that the manifest does not list
P_UNREADABLE = "unreadable"  # the directory or a file in it could not be read
# P_CHAIN (snapshot_chain): a publication record missing, unsigned, altered, unlinked or not adding up


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # one of the P_* constants
    path: str | None  # relative path concerned, if any
    detail: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path is not None else ""
        return f"{self.kind}{where}: {self.detail}"


@dataclass(slots=True)
class VerifyResult:
    directory: Path
    key_source: str  # "trusted" (given by the caller) or "directory" (public-key.txt)
    problems: list[Problem] = field(default_factory=list)
    files_checked: int = 0  # manifest entries whose content was hashed
    created: str | None = None  # from the manifest, if readable
    meta: Any = None  # from the manifest, if readable
    chain_head: Any = None  # {"seq", "hash"} of the audit chain, from the manifest, if it has one
    publication: Any = None  # {"number", "path", "sha256"} of the latest publication record, if any
    publications_checked: int = 0  # records of the chain checked

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def signature_valid(self) -> bool:
        return not any(p.kind in (P_SIGNATURE, P_KEY) for p in self.problems)

    def add(self, kind: str, path: str | None, detail: str) -> None:
        self.problems.append(Problem(kind, path, detail))


def _read(result: VerifyResult, directory: Path, name: str, kind: str) -> bytes | None:
    try:
        return (directory / name).read_bytes()
    except FileNotFoundError:
        result.add(kind, name, "file is missing")
    except OSError as exc:
        result.add(P_UNREADABLE, name, f"cannot read: {exc.strerror or exc}")
    return None


def _check_signature(
    result: VerifyResult, directory: Path, manifest: bytes, trusted: str | None
) -> Ed25519PublicKey | None:
    """Checks manifest.sig; returns the key it was checked with (None when there is none)."""
    in_dir = _read(result, directory, PUBLIC_KEY, P_KEY)
    key: Ed25519PublicKey | None = None
    if trusted is not None:
        try:
            key = load_public_key(trusted)
        except ValueError as exc:
            result.add(P_KEY, None, f"the trusted public key is unusable: {exc}")
        if key is not None and in_dir is not None:
            try:
                own = load_public_key(in_dir.decode("ascii"))
            except (ValueError, UnicodeDecodeError):
                own = None
            if own is None or public_key_text(own) != public_key_text(key):
                result.add(P_KEY, PUBLIC_KEY, "differs from the trusted public key")
    elif in_dir is not None:
        try:
            key = load_public_key(in_dir.decode("ascii"))
        except (ValueError, UnicodeDecodeError) as exc:
            result.add(P_KEY, PUBLIC_KEY, f"not a usable public key: {exc}")

    sig_text = _read(result, directory, SIGNATURE, P_SIGNATURE)
    if sig_text is None:
        return key
    try:
        signature = base64.b64decode(sig_text.strip(), validate=True)
    except (binascii.Error, ValueError):
        result.add(P_SIGNATURE, SIGNATURE, "not valid base64")
        return key
    if len(signature) != 64:
        result.add(P_SIGNATURE, SIGNATURE, f"{len(signature)} bytes, an Ed25519 signature has 64")
        return key
    if key is None:
        result.add(P_SIGNATURE, SIGNATURE, "cannot be checked: no usable public key")
        return key
    try:
        key.verify(signature, manifest)
    except InvalidSignature:
        which = "the trusted key" if trusted is not None else f"the key in {PUBLIC_KEY}"
        result.add(P_SIGNATURE, MANIFEST, f"signature does not match the manifest under {which}")
    return key


def _parse_manifest(result: VerifyResult, manifest: bytes) -> dict[str, tuple[int, str]] | None:
    """path -> (bytes, sha256) for the well-formed entries, or None if there are none to check."""
    try:
        doc = orjson.loads(manifest)
    except orjson.JSONDecodeError as exc:
        result.add(P_MANIFEST, MANIFEST, f"not valid JSON: {exc}")
        return None
    if not isinstance(doc, dict):
        result.add(P_MANIFEST, MANIFEST, "not a JSON object")
        return None
    if doc.get("format") != FORMAT:
        result.add(P_MANIFEST, MANIFEST, f"format is {doc.get('format')!r}, expected {FORMAT!r}")
    created = doc.get("created")
    result.created = created if isinstance(created, str) else None
    result.meta = doc.get("meta")
    result.chain_head = doc.get("chain_head")
    result.publication = doc.get("publication")
    files = doc.get("files")
    if not isinstance(files, dict):
        result.add(P_MANIFEST, MANIFEST, "has no 'files' object")
        return None
    entries: dict[str, tuple[int, str]] = {}
    for path, entry in files.items():
        try:
            check_path(path)
        except ValueError as exc:
            result.add(P_MANIFEST, path, f"unsafe or reserved path in manifest: {exc}")
            continue
        size = entry.get("bytes") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if (
            not isinstance(size, int)
            or isinstance(size, bool)
            or size < 0
            or not isinstance(digest, str)
            or len(digest) != 64
            or any(c not in "0123456789abcdef" for c in digest)
        ):
            result.add(P_MANIFEST, path, "manifest entry is not {sha256: hex, bytes: n}")
            continue
        entries[path] = (size, digest)
    return entries


def _walk(result: VerifyResult, directory: Path) -> dict[str, int]:
    """Relative path -> size of every regular file, reached without following symlinks.
    Symlinks and special files are reported as extra: the writer never makes them."""
    found: dict[str, int] = {}

    def onerror(exc: OSError) -> None:
        where = os.path.relpath(exc.filename, directory) if exc.filename else None
        result.add(P_UNREADABLE, where, f"cannot list: {exc.strerror or exc}")

    for root, dirs, names in os.walk(directory, onerror=onerror):
        rel_root = os.path.relpath(root, directory)
        prefix = "" if rel_root == "." else rel_root.replace(os.sep, "/") + "/"
        for d in dirs:
            if os.path.islink(os.path.join(root, d)):
                result.add(P_EXTRA, prefix + d, "symlink to a directory, not part of the snapshot")
        for n in names:
            rel = prefix + n
            try:
                st = os.lstat(os.path.join(root, n))
            except OSError as exc:
                result.add(P_UNREADABLE, rel, f"cannot stat: {exc.strerror or exc}")
                continue
            if stat.S_ISREG(st.st_mode):
                found[rel] = st.st_size
            else:
                kind = "symlink" if stat.S_ISLNK(st.st_mode) else "special file"
                result.add(P_EXTRA, rel, f"{kind}, not part of the snapshot")
    return found


def verify_snapshot(
    directory: Path, public_key: str | None = None, *, progress: Progress | None = None
) -> VerifyResult:
    """Check a snapshot directory against its signed manifest; never raises on bad input.

    `public_key` (base64 raw 32 bytes, or PEM) is the key to trust. Without it the key in the
    directory's public-key.txt is used, which only proves the directory agrees with itself:
    anyone who altered it could have re-signed it with a key of their own. A trusted key must
    come from the deployment, not from the copy being checked.

    Problems found: manifest missing or malformed; signature missing, malformed or invalid;
    public-key.txt unusable or not the trusted key; files missing, altered (size or SHA-256)
    or extra (anything not listed, apart from the three snapshot files at the top). `progress`,
    if given, is called with the number of listed files checked so far.
    """
    directory = Path(directory)
    result = VerifyResult(directory, "trusted" if public_key is not None else "directory")
    if not directory.is_dir():
        result.add(P_MISSING, None, f"{directory} is not a directory")
        return result
    manifest = _read(result, directory, MANIFEST, P_MANIFEST)
    if manifest is None:
        return result
    key = _check_signature(result, directory, manifest, public_key)
    entries = _parse_manifest(result, manifest)
    del manifest
    found = _walk(result, directory)
    if entries is None:
        return result

    for checked, (path, (size, digest)) in enumerate(sorted(entries.items()), start=1):
        actual_size = found.pop(path, None)
        if actual_size is None:
            result.add(P_MISSING, path, "listed in the manifest, not present")
        elif actual_size != size:
            result.add(P_ALTERED, path, f"{actual_size} bytes, manifest says {size}")
        else:
            try:
                with open(directory / path, "rb") as fh:
                    actual = hashlib.file_digest(fh, "sha256").hexdigest()
            except OSError as exc:
                result.add(P_UNREADABLE, path, f"cannot read: {exc.strerror or exc}")
            else:
                result.files_checked += 1
                if actual != digest:
                    result.add(P_ALTERED, path, "SHA-256 differs from the manifest")
        if progress is not None:
            progress(checked)

    last = result.publication.get("number") if isinstance(result.publication, dict) else None
    for path in sorted(found):
        record = RECORD_NAME.fullmatch(path)
        if record is not None and isinstance(last, int) and int(record.group(1)) <= last:
            continue  # a publication record, checked below
        if path not in RESERVED:
            # also catches files that the manifest lists under an unsafe path
            result.add(P_EXTRA, path, "present, not listed in the manifest")
    if result.publication is not None:
        _check_chain(result, directory, key, entries)
    return result


def _check_chain(result: VerifyResult, directory: Path, key: Ed25519PublicKey | None,
                 entries: dict[str, tuple[int, str]]) -> None:
    if key is None:
        result.add(P_CHAIN, CHAIN_DIR, "cannot be checked: no usable public key")
        return

    def read(name: str) -> bytes | None:
        try:
            return (directory / name).read_bytes()
        except OSError:
            return None

    result.publications_checked, problems = check_chain(read, key, result.publication, entries)
    for problem in problems:
        result.add(P_CHAIN, problem.path, problem.detail)


def verify_increments(directory: Path, since: int, public_key: str | None = None) -> VerifyResult:
    """What a mirror that verified the tree at publication `since` checks after syncing: the
    signed manifest.json, each record after `since` (signed, linked from the record `since` it
    holds), every file those records wrote (present, its size and SHA-256, as manifest.json
    lists it) and every file they removed (gone). Files the records do not name are not read."""
    directory = Path(directory)
    result = VerifyResult(directory, "trusted" if public_key is not None else "directory")
    manifest = _read(result, directory, MANIFEST, P_MANIFEST) if directory.is_dir() else None
    if manifest is None:
        if not result.problems:
            result.add(P_MISSING, None, f"{directory} is not a directory")
        return result
    key = _check_signature(result, directory, manifest, public_key)
    entries = _parse_manifest(result, manifest) or {}
    last = result.publication.get("number") if isinstance(result.publication, dict) else None
    if not isinstance(last, int) or key is None:
        result.add(P_CHAIN, MANIFEST, "names no publication record to check" if key else "no usable public key")
        return result
    if since > last:
        result.add(P_CHAIN, MANIFEST, f"names publication {last}, before {since}")
        return result
    previous = _read(result, directory, record_path(since), P_CHAIN) if since > 0 else None
    previous_sha256 = hashlib.sha256(previous).hexdigest() if previous is not None else None
    written: dict[str, tuple[int, str]] = {}  # each file as the latest record to write it says
    removed: dict[str, int] = {}
    for number in range(since + 1, last + 1):
        data = _read(result, directory, record_path(number), P_CHAIN)
        if data is None:
            return result
        doc, problems = check_increment(data, _read(result, directory, signature_path(number), P_CHAIN), key,
                                        number, previous_sha256)
        for problem in problems:
            result.add(P_CHAIN, problem.path, problem.detail)
        previous_sha256 = hashlib.sha256(data).hexdigest()
        result.publications_checked += 1
        if doc is None:
            return result
        for path, entry in doc["files"].items():
            written[path] = (entry["bytes"], entry["sha256"])
            removed.pop(path, None)
        for path in doc["removed"]:
            written.pop(path, None)
            removed[path] = number
    for path, (size, digest) in sorted(written.items()):
        if entries.get(path) != (size, digest):
            result.add(P_CHAIN, path, f"the publications and {MANIFEST} list it differently")
        _check_file(result, directory, path, size, digest)
    for path, number in sorted(removed.items()):
        if (directory / path).exists():
            result.add(P_EXTRA, path, f"removed by {record_path(number)}, still present")
    if result.publication.get("sha256") != previous_sha256:
        result.add(P_CHAIN, MANIFEST, f"names a {record_path(last)} other than the one present")
    return result


def _check_file(result: VerifyResult, directory: Path, path: str, size: int, digest: str) -> None:
    try:
        with open(directory / path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        result.add(P_MISSING, path, "written by a publication, not present")
        return
    except OSError as exc:
        result.add(P_UNREADABLE, path, f"cannot read: {exc.strerror or exc}")
        return
    result.files_checked += 1
    if len(data) != size:
        result.add(P_ALTERED, path, f"{len(data)} bytes, the publication says {size}")
    elif hashlib.sha256(data).hexdigest() != digest:
        result.add(P_ALTERED, path, "SHA-256 differs from the publication")
