"""Blob stores: the filesystem backend, and the S3 backend over HTTP against moto's server.

The same behaviour tests run on both backends (`store` fixture); backend-specific tests
(file layout, corruption on disk or in the bucket, the URL factory) follow.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from suara.blobs import (
    BlobCorrupted,
    BlobNotFound,
    BlobStore,
    FilesystemBlobStore,
    S3BlobStore,
    blob_store_from_settings,
)

PHOTO = b"\xff\xd8\xff\xe0 pretend this is a C Hasil photo \xff\xd9"
PHOTO_DIGEST = hashlib.sha256(PHOTO).hexdigest()
REGION = "ap-southeast-3"  # Jakarta

BAD_DIGESTS = [
    "",
    "abc",
    PHOTO_DIGEST.upper(),
    PHOTO_DIGEST[:-1],
    PHOTO_DIGEST + "0",
    "../" + PHOTO_DIGEST[3:],
    "ab/cd/" + PHOTO_DIGEST[6:],
    PHOTO_DIGEST[:-1] + "\n",
    "g" * 64,
]


# --- the S3-compatible server ---------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 API on 127.0.0.1, a free port, for this module; dummy credentials."""
    with pytest.MonkeyPatch.context() as mp:
        # Dummy credentials, and no profile or config file of whoever runs the tests.
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_SESSION_TOKEN", "testing")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        mp.delenv("AWS_PROFILE", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def s3_client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION)


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    # moto's state lives as long as the server: a fresh bucket keeps tests independent.
    name = f"suara-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return name


@pytest.fixture
def s3_store(s3_endpoint: str, bucket: str) -> S3BlobStore:
    store = blob_store_from_settings(f"s3://{bucket}?endpoint={s3_endpoint}&region={REGION}")
    assert isinstance(store, S3BlobStore)
    return store


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "filesystem":
        return FilesystemBlobStore(tmp_path / "blobs")
    s3: S3BlobStore = request.getfixturevalue("s3_store")
    return s3


# --- behaviour shared by every backend ------------------------------------------------------


def test_put_returns_the_sha256_and_get_returns_the_bytes(store: BlobStore) -> None:
    assert not store.exists(PHOTO_DIGEST)
    digest = store.put(PHOTO)
    assert digest == PHOTO_DIGEST
    assert store.exists(digest)
    assert store.get(digest) == PHOTO


def test_put_is_idempotent(store: BlobStore) -> None:
    assert store.put(PHOTO) == store.put(PHOTO) == PHOTO_DIGEST
    assert store.get(PHOTO_DIGEST) == PHOTO


def test_different_bytes_get_different_names(store: BlobStore) -> None:
    other = PHOTO + b"\x00"
    a, b = store.put(PHOTO), store.put(other)
    assert a != b
    assert store.get(a) == PHOTO and store.get(b) == other


def test_empty_and_binary_blobs_round_trip(store: BlobStore) -> None:
    blob = bytes(range(256)) * 1000
    assert store.get(store.put(blob)) == blob
    assert store.get(store.put(b"")) == b""


def test_missing_blob_raises_not_found(store: BlobStore) -> None:
    with pytest.raises(BlobNotFound) as info:
        store.get(PHOTO_DIGEST)
    assert info.value.digest == PHOTO_DIGEST
    assert isinstance(info.value, LookupError)


@pytest.mark.parametrize("digest", BAD_DIGESTS)
def test_malformed_digests_are_refused(store: BlobStore, digest: str) -> None:
    store.put(PHOTO)
    with pytest.raises(ValueError):
        store.get(digest)
    with pytest.raises(ValueError):
        store.exists(digest)


def test_there_is_no_delete(store: BlobStore) -> None:
    # Photos are evidence: append-only, like form versions.
    assert not hasattr(store, "delete")


# --- filesystem -------------------------------------------------------------------------------


def test_filesystem_layout_and_atomic_write(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    digest = store.put(PHOTO)
    path = tmp_path / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == PHOTO
    # Only the blob itself: no temp file left behind by the write.
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [path]


def test_filesystem_put_does_not_rewrite_an_intact_blob(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    path = store.path_for(store.put(PHOTO))
    before = path.stat()
    store.put(PHOTO)
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_filesystem_corruption_is_detected_and_put_repairs_it(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    digest = store.put(PHOTO)
    path = store.path_for(digest)
    path.chmod(0o644)
    path.write_bytes(PHOTO.replace(b"C Hasil", b"C HASIL"))  # someone "fixed" a digit
    assert store.exists(digest)  # the name is there...
    with pytest.raises(BlobCorrupted) as info:
        store.get(digest)  # ...but the content is refused
    assert info.value.digest == digest and info.value.actual != digest
    store.put(PHOTO)  # uploading the true bytes again puts them back
    assert store.get(digest) == PHOTO


def test_filesystem_path_traversal_is_impossible(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    (tmp_path / "secret").write_bytes(b"not a blob")
    for digest in ("../secret", "../../" + "0" * 58, "/etc/passwd"):
        with pytest.raises(ValueError):
            store.get(digest)


# --- S3 over HTTP -----------------------------------------------------------------------------


def test_s3_objects_are_named_blobs_digest(s3_store: S3BlobStore, s3_endpoint: str) -> None:
    digest = s3_store.put(PHOTO)
    listing = s3_client(s3_endpoint).list_objects_v2(Bucket=s3_store.bucket)
    assert [o["Key"] for o in listing["Contents"]] == [f"blobs/{digest}"]


def test_s3_put_skips_the_upload_when_the_object_exists(
    s3_store: S3BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3_store.put(PHOTO)
    uploads: list[str] = []
    real_put = s3_store.client.put_object

    def counting_put(**kwargs: Any) -> Any:
        uploads.append(kwargs["Key"])
        return real_put(**kwargs)

    monkeypatch.setattr(s3_store.client, "put_object", counting_put)
    assert s3_store.put(PHOTO) == PHOTO_DIGEST
    assert uploads == []
    s3_store.put(b"another photo")
    assert len(uploads) == 1


def test_s3_corruption_is_detected(s3_store: S3BlobStore, s3_endpoint: str) -> None:
    digest = s3_store.put(PHOTO)
    # Overwrite the object behind the store's back, as a compromised bucket might.
    s3_client(s3_endpoint).put_object(
        Bucket=s3_store.bucket, Key=f"blobs/{digest}", Body=b"tampered"
    )
    with pytest.raises(BlobCorrupted):
        s3_store.get(digest)


def test_s3_errors_other_than_not_found_are_not_hidden(s3_endpoint: str) -> None:
    store = S3BlobStore("no-such-bucket-" + uuid.uuid4().hex[:8], s3_client(s3_endpoint))
    with pytest.raises(Exception) as info:
        store.get(PHOTO_DIGEST)
    # A missing bucket is a deployment error, not a missing photo.
    assert not isinstance(info.value, BlobNotFound)


# --- the factory ------------------------------------------------------------------------------


def test_factory_file_url_and_plain_path(tmp_path: Path) -> None:
    store = blob_store_from_settings(f"file://{tmp_path}/photos")
    assert isinstance(store, FilesystemBlobStore) and store.root == tmp_path / "photos"
    store = blob_store_from_settings(str(tmp_path / "photos"))
    assert isinstance(store, FilesystemBlobStore) and store.root == tmp_path / "photos"
    store = blob_store_from_settings("data/photos")
    assert isinstance(store, FilesystemBlobStore) and store.root == Path("data/photos")
    store = blob_store_from_settings("file:///var/lib/suara%20foto")
    assert isinstance(store, FilesystemBlobStore)
    assert store.root == Path("/var/lib/suara foto")


def test_factory_s3_url(s3_endpoint: str) -> None:
    store = blob_store_from_settings(f"s3://suara-photos?endpoint={s3_endpoint}&region={REGION}")
    assert isinstance(store, S3BlobStore)
    assert store.bucket == "suara-photos"
    assert store.client.meta.endpoint_url == s3_endpoint
    assert store.client.meta.region_name == REGION


def test_factory_s3_url_without_endpoint_means_aws(s3_endpoint: str) -> None:
    store = blob_store_from_settings("s3://suara-photos?region=ap-southeast-3")
    assert isinstance(store, S3BlobStore)
    assert "amazonaws.com" in store.client.meta.endpoint_url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "s3://",
        "s3://?endpoint=http://127.0.0.1:9000",
        "s3://bucket?endpoint=http://127.0.0.1:9000&secret=x",
        "http://example.org/photos",
        "file://otherhost/photos",
    ],
)
def test_factory_refuses_bad_urls(url: str) -> None:
    with pytest.raises(ValueError):
        blob_store_from_settings(url)
