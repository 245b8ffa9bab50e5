"""`suara verify`, the photos: every referenced blob is re-hashed, and every stored blob must be
referenced.

- missing: a version names a photo the store does not have (also the short window after a
  crash between a form's commit and its photo write, until the device's retry repairs it);
- corrupted: the bytes no longer hash to their name (disk rot, tampering, a bad copy);
- orphan: a stored blob that no version (or recapitulation minutes) names. Suara writes a photo only once its form is
  stored, so an orphan was put there by something else (or by a version before that rule).

The store is listed before the references are read, on a connection of its own: a photo
written while verify runs is written after its form committed, so a blob that is listed has a
reference that the later read sees, and a busy deployment shows no false orphans.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Engine, select

from suara.blobs import BlobCorrupted, BlobNotFound, BlobStore
from suara.store.schema import recap_records, version_photos

Tick = Callable[[str, int], None]
TICK_EVERY = 1_000


class Problems(Protocol):
    def problem(self, text: str) -> None: ...


def check_blobs(engine: Engine, store: BlobStore, report: Problems, tick: Tick | None = None) -> int:
    """Name every missing, corrupted and orphan blob in `report`; returns how many blobs were read."""
    progress = tick or (lambda stage, n: None)
    stored = set(store.digests())
    with engine.connect() as conn:
        referenced: dict[str, str] = {}  # digest -> what names it (a form version, a tier's minutes)
        for version_id, original, public in conn.execute(
                select(version_photos.c.version_id, version_photos.c.sha256, version_photos.c.public_sha256)):
            referenced.setdefault(original, f"versi #{version_id}")
            referenced.setdefault(public, f"versi #{version_id}")
        for contest, kode, revision, original, public in conn.execute(
                select(recap_records.c.contest, recap_records.c.kode, recap_records.c.revision,
                       recap_records.c.minutes_sha256, recap_records.c.minutes_public_sha256)
                .where(recap_records.c.minutes_sha256.is_not(None))):
            for digest in (original, public):
                referenced.setdefault(digest, f"berita acara rekapitulasi {contest} {kode} revisi {revision}")
    checked = 0
    for digest in sorted(referenced):
        try:
            store.get(digest)  # re-hashes the bytes it reads
        except BlobNotFound:
            report.problem(f"foto {digest} ({referenced[digest]}): tidak ada di penyimpanan")
        except BlobCorrupted as exc:
            report.problem(f"foto {digest} ({referenced[digest]}): isinya rusak atau diubah "
                           f"(hash isi {exc.actual})")
        checked += 1
        if checked % TICK_EVERY == 0:
            progress("photos", TICK_EVERY)
    for digest in sorted(stored - referenced.keys()):
        report.problem(f"foto {digest}: tersimpan tetapi tidak dirujuk versi formulir atau rekapitulasi mana pun (yatim)")
    return checked
