"""Signed static snapshots of the public tree (verified by snapshot_verify, signed with the keys of
snapshot_keys).

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

`suara publish` writes this layout through publication.py, which adds the chain of publication
records under manifests/ (snapshot_chain.py) and publishes increments; `write_snapshot` writes a
standalone snapshot without a chain.

This module is pure: no Rich, no printing. Callers may pass `progress` callbacks.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from suara.publish.snapshot_keys import public_key_text

FORMAT = "suara-snapshot/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public-key.txt"
RESERVED = frozenset({MANIFEST, SIGNATURE, PUBLIC_KEY})
CHAIN_DIR = "manifests"  # the publication records (snapshot_chain), beside the documents
STAGING_MARK = ".suara-staging-"
OLD_MARK = ".suara-old-"

Progress = Callable[[int], None]

# --------------------------------------------------------------------------------------------
# Paths


def check_path(path: object) -> str:
    """`path` if it is a safe relative document path, else ValueError.

    Safe: a non-empty str of '/'-separated segments, none empty, '.' or '..', no backslash,
    no NUL, not absolute, not one of the snapshot's own files at the top level, not under manifests/.
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
    if path in RESERVED or path.split("/", 1)[0] == CHAIN_DIR:
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
