"""Where a publication goes: a directory (for nginx, or to sync anywhere) or an S3-compatible
bucket (for a CDN to pull from), with the same paths and bytes.

A publication puts its documents, then commits: the publication record, then the public key,
the signature and manifest.json last, so that whoever reads manifest.json finds every file it
names already in place. Files that the publication removes go after the manifest.

Directory: documents are written into a hidden sibling staging directory first. A full
publication swaps the whole staged tree in by rename (snapshot.py); an increment moves its staged
files over the old ones, one rename each, then replaces the manifest. Until the moves start,
stopping leaves the previous snapshot exactly as it was.

S3: each document is uploaded as it is rendered (16 at a time), with the Content-Type and Cache-Control the
server sends for it; publication records are immutable (cached for a year), manifest.json and its
signature are not to be cached. Objects are replaced in place, so a publication stopped half way
leaves some documents newer than the manifest until the next one completes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from suara.publish.snapshot import (
    CHAIN_DIR,
    MANIFEST,
    STAGING_MARK,
    _is_snapshot_or_empty,
    _remove_leftovers,
    _swap_in,
)
from suara.publish.tree_groups import Rendered

MANIFEST_CACHE = "no-cache"
RECORD_CACHE = "public, max-age=31536000, immutable"
KEY_CACHE = "public, max-age=3600"
DELETE_BATCH = 1000  # S3 DeleteObjects takes at most 1000 keys
UPLOADERS = 16  # documents uploaded at once
# one thread writes the files: creating two million small files is the kernel's work, outside the
# interpreter lock, and when the disk holds a write back the rendering of the next documents goes
# on (more threads only contend for the same directories and journal)
FILE_WRITERS = 1


class BackgroundWrites:
    """Puts carried out by a few threads while the publication renders the next documents. At
    most `bound` wait in memory with their bodies; a put that failed is raised at the next
    submit or at drain, so that it stops the publication before its manifest."""

    def __init__(self, threads: int, bound: int, name: str) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self._room = threading.BoundedSemaphore(bound)
        self._failed: BaseException | None = None

    def submit(self, put: Callable[..., None], *args: Any) -> None:
        if self._failed is not None:
            raise self._failed
        self._room.acquire()
        try:
            self._pool.submit(put, *args).add_done_callback(self._done)
        except BaseException:
            self._room.release()
            raise

    def _done(self, future: Future[None]) -> None:
        self._room.release()
        if not future.cancelled() and future.exception() is not None and self._failed is None:
            self._failed = future.exception()

    def drain(self) -> None:
        """Wait for every put; raise the first that failed."""
        self._pool.shutdown(wait=True)
        if self._failed is not None:
            raise self._failed

    def cancel(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class Target(Protocol):
    description: str
    stages: bool  # documents wait in a staging area until commit (a stop before it changes nothing)

    def read(self, name: str) -> bytes | None: ...
    def begin(self, full: bool, keep_chain: bool) -> None: ...
    def put(self, rendered: Rendered) -> None: ...
    def commit(self, records: list[tuple[str, bytes]], top: list[tuple[str, bytes]]) -> None: ...
    def remove(self, paths: Iterable[str]) -> None: ...
    def abort(self) -> None: ...


class DirectoryTarget:
    stages = True

    def __init__(self, out_dir: Path) -> None:
        out_dir = Path(out_dir).absolute()
        if out_dir.is_symlink():
            out_dir = out_dir.resolve()
        if not out_dir.name or out_dir == out_dir.parent:
            raise ValueError(f"cannot write a snapshot to {out_dir}")
        if out_dir.exists() and not _is_snapshot_or_empty(out_dir):
            raise FileExistsError(f"{out_dir} exists and is not a suara snapshot (no {MANIFEST}); "
                                  "refusing to replace it")
        self.out_dir = out_dir
        self.description = str(out_dir)
        self._staging: Path | None = None
        self._full = True
        self._keep_chain = False
        self._written: list[str] = []
        self._writes: BackgroundWrites | None = None
        self._made: set[str] = set()  # directories of the staging tree made so far

    def read(self, name: str) -> bytes | None:
        try:
            return (self.out_dir / name).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def begin(self, full: bool, keep_chain: bool) -> None:
        parent = self.out_dir.parent
        parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(parent, self.out_dir.name)
        self._staging = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}{STAGING_MARK}", dir=parent))
        os.chmod(self._staging, 0o755)  # mkdtemp makes it 0700; the tree is for serving
        self._full, self._keep_chain, self._written = full, keep_chain, []
        self._writes, self._made = BackgroundWrites(FILE_WRITERS, 1024, "suara-file-put"), set()

    def put(self, rendered: Rendered) -> None:
        assert self._staging is not None and self._writes is not None, "begin() first"
        target = os.path.join(self._staging, rendered.path)
        parent = os.path.dirname(target)
        if parent not in self._made:  # made here, before any writer needs it
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        self._writes.submit(_write_new, target, rendered.body)
        self._written.append(rendered.path)

    def commit(self, records: list[tuple[str, bytes]], top: list[tuple[str, bytes]]) -> None:
        staging = self._staging
        assert staging is not None and self._writes is not None, "begin() first"
        self._writes.drain()  # every document is in place before the record that names it
        self._writes = None
        if self._full:
            chain = self.out_dir / CHAIN_DIR
            if self._keep_chain and chain.is_dir():
                (staging / CHAIN_DIR).mkdir()
                for entry in os.scandir(chain):  # hard links: the old records stay as they were
                    if entry.is_file(follow_symlinks=False):
                        os.link(entry.path, staging / CHAIN_DIR / entry.name)
            for name, data in (*records, *top):
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                (staging / name).write_bytes(data)
            _swap_in(staging, self.out_dir)
            self._staging = None
            return
        for path in self._written:
            destination = self.out_dir / path
            try:
                os.replace(staging / path, destination)
            except FileNotFoundError:  # a new directory (a contest published for the first time)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / path, destination)
        for name, data in (*records, *top):
            self._replace(name, data)
        shutil.rmtree(staging, ignore_errors=True)
        self._staging = None

    def _replace(self, name: str, data: bytes) -> None:
        destination = self.out_dir / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, destination)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def remove(self, paths: Iterable[str]) -> None:
        if self._full:
            return  # the swapped-in tree never had them
        for path in paths:
            (self.out_dir / path).unlink(missing_ok=True)

    def abort(self) -> None:
        if self._writes is not None:
            self._writes.cancel()
            self._writes = None
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None


def _write_new(path: str, body: bytes) -> None:
    with open(path, "xb") as fh:  # staged once under its final name: nobody reads the staging tree
        fh.write(body)


class S3Target:
    """Documents are uploaded by UPLOADERS threads (two million objects one at a time would take
    hours); the record and the manifest go up only once every document has."""

    stages = False

    def __init__(self, bucket: str, prefix: str, client: Any, description: str) -> None:
        self.bucket, self.prefix, self.client, self.description = bucket, prefix, client, description
        self._writes: BackgroundWrites | None = None

    def read(self, name: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except Exception as exc:
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if code in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        with response["Body"] as body:
            data: bytes = body.read()
        return data

    def begin(self, full: bool, keep_chain: bool) -> None:
        self._writes = BackgroundWrites(UPLOADERS, 4 * UPLOADERS, "suara-s3-put")  # bodies wait in memory

    def _put(self, name: str, data: bytes, content_type: str, cache_control: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data, ContentType=content_type,
                               CacheControl=cache_control)

    def put(self, rendered: Rendered) -> None:
        assert self._writes is not None, "begin() first"
        self._writes.submit(self._put, rendered.path, rendered.body, rendered.media_type, rendered.cache_control)

    def commit(self, records: list[tuple[str, bytes]], top: list[tuple[str, bytes]]) -> None:
        assert self._writes is not None, "begin() first"
        self._writes.drain()  # every document is up before the record that names it
        self._writes = None
        for name, data in records:
            self._put(name, data, _type_of(name), RECORD_CACHE)
        for name, data in top:  # manifest.json is last in `top`
            self._put(name, data, _type_of(name), KEY_CACHE if name.endswith(".txt") else MANIFEST_CACHE)

    def remove(self, paths: Iterable[str]) -> None:
        keys = [{"Key": self.prefix + p} for p in paths]
        for start in range(0, len(keys), DELETE_BATCH):
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys[start:start + DELETE_BATCH],
                                                                  "Quiet": True})

    def abort(self) -> None:
        if self._writes is not None:
            self._writes.cancel()
            self._writes = None


def _type_of(name: str) -> str:
    return "application/json" if name.endswith(".json") else "text/plain; charset=utf-8"


def target_from(destination: str | Path) -> DirectoryTarget | S3Target:
    """A directory, or `s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=...` (the style of
    SUARA_BLOBS_URL; credentials from the usual AWS environment variables, never the URL)."""
    text = str(destination)
    parts = urlsplit(text)
    if parts.scheme.lower() != "s3":
        return DirectoryTarget(Path(text))
    if not parts.netloc:
        raise ValueError(f"s3 URL needs a bucket (s3://bucket/prefix?endpoint=...): {text!r}")
    query = parse_qs(parts.query)
    unknown = set(query) - {"endpoint", "region"}
    if unknown:
        raise ValueError(f"unknown s3 URL parameters {sorted(unknown)}: {text!r}")
    prefix = unquote(parts.path).strip("/")
    endpoint = query.get("endpoint", [None])[-1]
    region = query.get("region", [None])[-1]

    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    # Path-style addressing, as for the blob store: S3-compatible servers on an IP and port have
    # no per-bucket DNS names.
    config = Config(s3={"addressing_style": "path"} if endpoint else {}, max_pool_connections=UPLOADERS)
    client = boto3.client("s3", endpoint_url=endpoint, region_name=region, config=config)
    return S3Target(parts.netloc, f"{prefix}/" if prefix else "", client, text.split("?")[0])
