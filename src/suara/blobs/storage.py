"""Content-addressed, append-only blob storage: a filesystem backend and an S3-compatible one.

A blob's name is the SHA-256 of its bytes, so storing the same photo twice is a no-op, a
name can be checked against its content on every read, and nothing is ever overwritten with
different bytes. There is deliberately no `delete`: photos are evidence, like form versions.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

# Exactly 64 lowercase hex digits: anything else (dots, slashes, upper case) is refused before
# it gets near a path or an object key, so a digest can never walk out of the store.
_DIGEST = re.compile(r"[0-9a-f]{64}")


class BlobError(Exception):
    """Base of the storage errors."""


class BlobNotFound(BlobError, LookupError):
    """No blob with that digest is stored."""

    def __init__(self, digest: str) -> None:
        super().__init__(f"blob {digest} not found")
        self.digest = digest


class BlobCorrupted(BlobError):
    """The stored bytes no longer hash to their name (disk rot, tampering, a bad copy)."""

    def __init__(self, digest: str, actual: str) -> None:
        super().__init__(f"blob {digest} is corrupted: its content hashes to {actual}")
        self.digest = digest
        self.actual = actual


class BlobStore(Protocol):
    """Append-only content-addressed storage. There is no delete on purpose."""

    def put(self, data: bytes) -> str:
        """Store `data` and return its SHA-256 hex digest; storing it again changes nothing."""
        ...

    def get(self, digest: str) -> bytes:
        """The bytes named `digest`; `BlobNotFound` if absent, `BlobCorrupted` if altered."""
        ...

    def exists(self, digest: str) -> bool:
        """Whether a blob named `digest` is stored."""
        ...

    def digests(self) -> Iterator[str]:
        """The name of every blob stored (for `suara verify`: orphans and re-hashing)."""
        ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_digest(digest: str) -> str:
    """Return `digest` if it is 64 lowercase hex digits, else raise ValueError."""
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
    return digest


def _verified(digest: str, data: bytes) -> bytes:
    actual = sha256_hex(data)
    if actual != digest:
        raise BlobCorrupted(digest, actual)
    return data


class FilesystemBlobStore:
    """Blobs as files at root/ab/cd/<digest> (two fan-out levels keep directories small)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_for(self, digest: str) -> Path:
        check_digest(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        path = self.path_for(digest)
        if path.exists() and self._intact(path, digest):
            return digest
        # Absent, or present but damaged: (re)write it. Same name, same bytes, so replacing a
        # damaged copy is a repair, not an overwrite of something else.
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write_atomically(path, data)
        return digest

    def get(self, digest: str) -> bytes:
        path = self.path_for(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(digest) from None
        return _verified(digest, data)

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    def digests(self) -> Iterator[str]:
        # Only names a blob can have, where it would be: a temp file of an interrupted write
        # (.tmp-*.part) is not a blob.
        for path in sorted(self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
            if path.is_file() and _DIGEST.fullmatch(path.name) and path.name[:2] == path.parent.parent.name \
                    and path.name[2:4] == path.parent.name:
                yield path.name

    @staticmethod
    def _intact(path: Path, digest: str) -> bool:
        try:
            return sha256_hex(path.read_bytes()) == digest
        except OSError:
            return False

    @staticmethod
    def _write_atomically(path: Path, data: bytes) -> None:
        # Temp file in the same directory, fsync, then os.replace: a reader sees either no file
        # or the whole file, never a partial one, and a 2xx answered after put() survives a
        # power cut (the directory is fsynced too, so the new name is durable).
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            # Blobs are immutable: read-only files say so (mkstemp's 0600 would hide them from
            # a web server that serves the tree directly).
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class S3BlobStore:
    """Blobs as objects `blobs/<digest>` in one bucket of any S3-compatible service.

    `client` is a boto3 S3 client (typed loosely so importing this module needs no boto3).
    """

    prefix = "blobs/"

    def __init__(self, bucket: str, client: Any) -> None:
        self.bucket = bucket
        self.client = client

    def key_for(self, digest: str) -> str:
        return self.prefix + check_digest(digest)

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        if self.exists(digest):
            return digest
        # Same digest means same bytes, so two racing puts of one photo write identical
        # objects: harmless, and no conditional write is needed (not every S3 clone has one).
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.key_for(digest),
            Body=data,
            ContentType="application/octet-stream",
        )
        return digest

    def get(self, digest: str) -> bytes:
        key = self.key_for(digest)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _is_not_found(exc):
                raise BlobNotFound(digest) from None
            raise
        with response["Body"] as body:
            data: bytes = body.read()
        return _verified(digest, data)

    def digests(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix):]
                if _DIGEST.fullmatch(name):
                    yield name

    def exists(self, digest: str) -> bool:
        key = self.key_for(digest)
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _is_not_found(exc):
                return False
            raise
        return True


def _is_not_found(exc: Exception) -> bool:
    # botocore's ClientError carries the S3 error code; HEAD answers have no body, so a
    # missing key shows up as a bare "404" there and as "NoSuchKey" on GET.
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


def blob_store_from_settings(url: str) -> BlobStore:
    """A store from a URL.

    - `file:///var/lib/suara/photos` or a plain path (`data/photos`): `FilesystemBlobStore`.
    - `s3://bucket?endpoint=http://127.0.0.1:9000&region=ap-southeast-3`: `S3BlobStore`;
      both query parameters are optional (no endpoint means AWS itself), and credentials come
      from the usual AWS environment variables / config files, never from the URL.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"file URL must be local (file:///path): {url!r}")
        return FilesystemBlobStore(Path(unquote(parts.path)))
    if scheme == "s3":
        return _s3_store(url, parts.netloc, parse_qs(parts.query))
    if scheme == "" or (len(scheme) == 1 and os.name == "nt"):  # plain path (or C:\ on Windows)
        if not url:
            raise ValueError("empty blob store URL")
        return FilesystemBlobStore(Path(url))
    raise ValueError(f"unsupported blob store URL (use file:///path, a path or s3://): {url!r}")


def _s3_store(url: str, bucket: str, query: dict[str, list[str]]) -> S3BlobStore:
    if not bucket:
        raise ValueError(f"s3 URL needs a bucket (s3://bucket?endpoint=...): {url!r}")
    unknown = set(query) - {"endpoint", "region"}
    if unknown:
        raise ValueError(f"unknown s3 URL parameters {sorted(unknown)}: {url!r}")
    endpoint = query.get("endpoint", [None])[-1]
    region = query.get("region", [None])[-1]

    # Imported here so the filesystem deployment never pays for importing boto3.
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    # Path-style addressing: S3-compatible servers (MinIO, Ceph, moto) on an IP and port have
    # no per-bucket DNS names, which virtual-hosted style would need.
    config = Config(s3={"addressing_style": "path"}) if endpoint else None
    client = boto3.client("s3", endpoint_url=endpoint, region_name=region, config=config)
    return S3BlobStore(bucket, client)
