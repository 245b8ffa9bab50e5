"""`suara verify` and the photos' bytes (issue 11): every referenced blob re-hashed; missing,
corrupted and orphan blobs named."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from helpers import ppwp_form
from PIL import Image
from test_blobs import bucket, s3_endpoint, s3_store  # noqa: F401 - moto's S3, shared fixtures
from typer.testing import CliRunner

from suara.blobs import FilesystemBlobStore, S3BlobStore
from suara.cli import app
from suara.domain.policy import Policy
from suara.services.photos import submit_with_photos
from suara.services.submission import Submission, SubmissionResult
from suara.services.verify import verify
from suara.tally.fold import fold_all

TPS = "3171011001001"


def jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (seed % 256, 80, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def store(tmp_path: Path) -> FilesystemBlobStore:
    return FilesystemBlobStore(tmp_path / "blobs")


@pytest.fixture
def filed(engine, reference, store) -> list[str]:
    """One stored form with photos of pages 1 and 2; returns their digests."""
    result = submit_with_photos(store, engine, reference, Submission(ppwp_form(TPS), "hp:1", "kpps-a"),
                                {1: (jpeg(1), "image/jpeg"), 2: (jpeg(2), "image/jpeg")}, Policy.AS_IS)
    assert isinstance(result, SubmissionResult) and result.version_id is not None
    fold_all(engine)
    return sorted(store.digests())


def overwrite(path: Path, data: bytes) -> None:
    os.chmod(path, 0o644)  # blobs are written read-only
    path.write_bytes(data)


def test_intact_photos_pass(engine, store, filed):
    assert len(filed) == 2
    report = verify(engine, blobs=store)
    assert report.ok, report.problems


def test_a_changed_photo_file_is_named(engine, store, filed):
    overwrite(store.path_for(filed[0]), jpeg(99))
    problems = verify(engine, blobs=store).problems
    assert [p for p in problems if filed[0] in p and "rusak" in p], problems
    assert not any(filed[1] in p for p in problems)


def test_a_missing_photo_file_is_named(engine, store, filed):
    store.path_for(filed[1]).unlink()
    problems = verify(engine, blobs=store).problems
    assert [p for p in problems if filed[1] in p and "tidak ada" in p], problems


def test_an_orphan_blob_is_named(engine, store, filed):
    orphan = store.put(jpeg(7))
    problems = verify(engine, blobs=store).problems
    assert problems == [f"foto {orphan}: tersimpan tetapi tidak dirujuk versi formulir atau rekapitulasi mana pun (yatim)"]


def test_a_refused_form_leaves_no_blob_behind(engine, reference, store):
    bad = ppwp_form(TPS)
    bad["suara_sah"] = "dua ratus"
    result = submit_with_photos(store, engine, reference, Submission(bad, "hp:2", "kpps-a"),
                                {1: (jpeg(3), "image/jpeg")}, Policy.AS_IS)
    assert isinstance(result, SubmissionResult) and result.version_id is None
    assert list(store.digests()) == []
    assert verify(engine, blobs=store).ok


def test_the_filesystem_listing_skips_what_is_not_a_blob(store):
    digest = store.put(b"bukti")
    (store.path_for(digest).parent / ".tmp-abc.part").write_bytes(b"half")  # an interrupted write
    (store.root / "README").write_text("not a blob")
    misplaced = store.root / "00" / "00" / digest  # a blob's name, in the wrong place
    misplaced.parent.mkdir(parents=True)
    misplaced.write_bytes(b"bukti")
    assert list(store.digests()) == [digest]


def test_the_s3_listing_names_every_blob(s3_store: S3BlobStore):  # noqa: F811 - the fixture from test_blobs
    digests = {s3_store.put(bytes([n]) * 10) for n in range(3)}
    assert set(s3_store.digests()) == digests


def test_suara_verify_names_an_orphan_and_exits_1(engine, db_url, store, filed, monkeypatch, tmp_path):
    monkeypatch.setenv("SUARA_DATABASE_URL", db_url)
    monkeypatch.setenv("SUARA_BLOBS_URL", str(store.root))
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["verify"]).exit_code == 0
    orphan = store.put(b"bukan foto siapa pun")
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 1 and orphan in result.output
