"""Photo storage, content-addressed by SHA-256.

- `storage`: the `BlobStore` interface (append-only: put / get / exists) with a filesystem
  backend (the embedded default) and an S3-compatible backend (production), and
  `blob_store_from_settings` to pick one from a URL.
- `photos`: `check_photo` decides what an upload really is by decoding it (JPEG, PNG or WebP
  only, size and pixel limits, truncation) and makes the public copy without GPS.
- `metadata`: the container-level rewriting behind the public copy (no re-encoding, so the
  public copy shows exactly the pixels the officer uploaded).
"""

from suara.blobs.photos import CheckedPhoto, PhotoLimits, PhotoRejected, check_photo
from suara.blobs.storage import (
    BlobCorrupted,
    BlobError,
    BlobNotFound,
    BlobStore,
    FilesystemBlobStore,
    S3BlobStore,
    blob_store_from_settings,
)

__all__ = [
    "BlobCorrupted",
    "BlobError",
    "BlobNotFound",
    "BlobStore",
    "CheckedPhoto",
    "FilesystemBlobStore",
    "PhotoLimits",
    "PhotoRejected",
    "S3BlobStore",
    "blob_store_from_settings",
    "check_photo",
]
