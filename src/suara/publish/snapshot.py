"""Signed static snapshots of the public tree, and their verification.

`write_snapshot` writes every published document as a static file, plus:

    manifest.json   {"format": "suara-snapshot/1", "created": "...Z", "meta": {...},
                     "chain_head": {"seq": <n>, "hash": "<hex>"},
                     "files": {"<path>": {"sha256": "<hex>", "bytes": <n>}, ...}}
                    canonical JSON: orjson, keys sorted, no whitespace
    manifest.sig    base64 of the 64-byte Ed25519 signature of the exact bytes of manifest.json
    public-key.txt  base64 of the raw 32-byte Ed25519 public key

Any web server or CDN can serve the directory as it is; anyone can check a copy with
`verify_snapshot`. The snapshot is exactly its manifest: no file is missing, altered or extra.

The chain head is the end of the deployment's audit chain when the snapshot was taken: signed
with the rest, it anchors the chain outside the database (`suara verify --witness` accepts the
manifest's head as a witness line), so a history rewritten later no longer matches the snapshot.

Trust: the key in `public-key.txt` only shows that the directory agrees with itself. Whoever
altered a mirror can sign their own manifest with their own key and replace that file too. To
show that a copy is what the deployment published, verify against a public key obtained from
the deployment through another channel (its website, the announcement, `suara` on the
deployment's machine) and pass it as `public_key`.

Replacing an older snapshot: the new tree is written into a hidden sibling staging directory
(`.<name>.suara-staging-*`, same file system) and swapped in by rename once it is complete and
signed. Readers of DIR see the old snapshot or the new one, never a mixture, a crash leaves the
old snapshot in place, and files of the old tree that the new one no longer has go with the
old tree, whether or not its manifest was intact. DIR must therefore not be a mount point
(point it at a sub-directory of the mount), and only one writer may target a DIR at a time.

This module is pure: no Rich, no printing. Callers may pass `progress` callbacks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "suara-snapshot/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public-key.txt"
RESERVED = frozenset({MANIFEST, SIGNATURE, PUBLIC_KEY})
STAGING_MARK = ".suara-staging-"
OLD_MARK = ".suara-old-"

Progress = Callable[[int], None]

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


# --------------------------------------------------------------------------------------------
# Paths


def check_path(path: object) -> str:
    """`path` if it is a safe relative document path, else ValueError.

    Safe: a non-empty str of '/'-separated segments, none empty, '.' or '..', no backslash,
    no NUL, not absolute, and not one of the snapshot's own files at the top level.
    """
    if not isinstance(path, str) or not path:
        raise ValueError(f"document path must be a non-empty string, got {path!r}")
    if path.startswith("/"):
        raise ValueError(f"document path must be relative: {path!r}")
    if "\\" in path or "\x00" in path:
        raise ValueError(f"document path contains a backslash or NUL: {path!r}")
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"document path has an empty, '.' or '..' segment: {path!r}")
    if path in RESERVED:
        raise ValueError(f"document path is reserved for the snapshot itself: {path!r}")
    return path


# --------------------------------------------------------------------------------------------
# Writing


@dataclass(frozen=True, slots=True)
class SnapshotSummary:
    out_dir: Path
    files: int  # documents written, not counting manifest.json / .sig / public-key.txt
    bytes: int  # their total size
    created: str  # ISO UTC, as in the manifest
    manifest_sha256: str  # hex SHA-256 of manifest.json: a short name for this snapshot
    public_key: str  # base64 raw, as in public-key.txt


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("created must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _is_snapshot_or_empty(directory: Path) -> bool:
    try:
        with os.scandir(directory) as entries:
            names = {e.name for e in entries}
    except NotADirectoryError:
        return False
    return not names or MANIFEST in names


def _remove_leftovers(parent: Path, name: str) -> None:
    """Staging and replaced trees left by a writer that was killed before cleaning up."""
    prefixes = (f".{name}{STAGING_MARK}", f".{name}{OLD_MARK}")
    with os.scandir(parent) as entries:
        leftovers = [
            e.path
            for e in entries
            if e.name.startswith(prefixes) and e.is_dir(follow_symlinks=False)
        ]
    for leftover in leftovers:
        shutil.rmtree(leftover, ignore_errors=True)


def write_snapshot(
    out_dir: Path,
    documents: Iterable[tuple[str, bytes]],
    key: Ed25519PrivateKey,
    meta: Mapping[str, Any],
    *,
    progress: Progress | None = None,
    created: datetime | None = None,
    chain_head: tuple[int, str] | None = None,
) -> SnapshotSummary:
    """Write `documents` as a signed static snapshot at `out_dir`, replacing any older one.

    `documents` is consumed once, lazily: only the manifest (path, hash, size) is kept in
    memory, never the bodies. Paths are relative and '/'-separated; an unsafe or duplicate
    path raises ValueError (and nothing at `out_dir` changes). `meta` goes into the manifest
    as is and must be JSON-serialisable by orjson (str keys). `progress`, if given, is called
    with the number of documents written so far after each one.

    If `out_dir` exists it must be empty or hold a snapshot (a manifest.json at its top);
    otherwise FileExistsError, so that a mistyped --out never wipes an unrelated directory.
    """
    out_dir = Path(out_dir).absolute()
    if out_dir.is_symlink():
        out_dir = out_dir.resolve()  # replace the tree the link points to, keep the link
    parent, name = out_dir.parent, out_dir.name
    if not name or out_dir == parent:
        raise ValueError(f"cannot write a snapshot to {out_dir}")
    if out_dir.exists() and not _is_snapshot_or_empty(out_dir):
        raise FileExistsError(
            f"{out_dir} exists and is not a suara snapshot (no {MANIFEST}); refusing to replace it"
        )
    created_text = _utc_text(created or datetime.now(UTC))
    try:
        meta_dict = orjson.loads(orjson.dumps(meta, option=orjson.OPT_SORT_KEYS))
    except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
        raise TypeError(f"snapshot meta is not JSON-serialisable: {exc}") from exc

    parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(parent, name)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}{STAGING_MARK}", dir=parent))
    try:
        os.chmod(staging, 0o755)  # mkdtemp makes it 0700; the tree is for serving
        files: dict[str, dict[str, Any]] = {}
        directories: set[str] = set()
        total = 0
        for path, body in documents:
            check_path(path)
            if path in files or path in directories:
                raise ValueError(f"document path given twice or as a directory: {path!r}")
            segments = path.split("/")
            for i in range(1, len(segments)):
                prefix = "/".join(segments[:i])
                if prefix in files:
                    raise ValueError(f"document path {path!r} runs through document {prefix!r}")
                if prefix not in directories:
                    (staging / prefix).mkdir(exist_ok=True)
                    directories.add(prefix)
            # Nobody reads the staging tree, so each file is written once under its final
            # name: the whole tree becomes visible at once, which is stronger than per-file
            # temp-and-replace and saves one rename per file.
            data = bytes(body)
            with open(staging / path, "xb") as fh:
                fh.write(data)
            files[path] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            total += len(data)
            if progress is not None:
                progress(len(files))

        content: dict[str, Any] = {"created": created_text, "files": files, "format": FORMAT, "meta": meta_dict}
        if chain_head is not None:
            content["chain_head"] = {"seq": chain_head[0], "hash": chain_head[1]}
        manifest = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
        del content
        count = len(files)
        del files  # the largest thing held; free it before signing and swapping
        signature = key.sign(manifest)
        public = public_key_text(key)
        (staging / MANIFEST).write_bytes(manifest)
        (staging / SIGNATURE).write_bytes(base64.b64encode(signature) + b"\n")
        (staging / PUBLIC_KEY).write_text(public + "\n", encoding="ascii")
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SnapshotSummary(
        out_dir=out_dir,
        files=count,
        bytes=total,
        created=created_text,
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
        public_key=public,
    )


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Put the finished `staging` tree at `out_dir`; the old tree, if any, is removed after."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}{OLD_MARK}", dir=out_dir.parent))
    os.rename(out_dir, old)  # POSIX: renaming a directory onto an empty one replaces it
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(old, out_dir)  # put the old snapshot back
        raise
    shutil.rmtree(old, ignore_errors=True)


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
) -> None:
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
        return
    try:
        signature = base64.b64decode(sig_text.strip(), validate=True)
    except (binascii.Error, ValueError):
        result.add(P_SIGNATURE, SIGNATURE, "not valid base64")
        return
    if len(signature) != 64:
        result.add(P_SIGNATURE, SIGNATURE, f"{len(signature)} bytes, an Ed25519 signature has 64")
        return
    if key is None:
        result.add(P_SIGNATURE, SIGNATURE, "cannot be checked: no usable public key")
        return
    try:
        key.verify(signature, manifest)
    except InvalidSignature:
        which = "the trusted key" if trusted is not None else f"the key in {PUBLIC_KEY}"
        result.add(P_SIGNATURE, MANIFEST, f"signature does not match the manifest under {which}")


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
    _check_signature(result, directory, manifest, public_key)
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

    for path in sorted(found):
        if path not in RESERVED:
            # also catches files that the manifest lists under an unsafe path
            result.add(P_EXTRA, path, "present, not listed in the manifest")
    return result
