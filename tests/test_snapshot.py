"""Signed static snapshots: written whole, and any alteration of a copy is caught and named."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from suara.publish.snapshot import FORMAT, write_snapshot
from suara.publish.snapshot_keys import load_or_create_signing_key, public_key_text
from suara.publish.snapshot_verify import (
    P_ALTERED,
    P_EXTRA,
    P_KEY,
    P_MANIFEST,
    P_MISSING,
    P_SIGNATURE,
    verify_snapshot,
)

DOCS = {
    "sirekap/pemilu/hhcw/ppwp.json": b'{"chart":{"100025":1}}',
    "sirekap/pemilu/hhcw/ppwp/31.json": b'{"kode":"31"}',
    "sirekap/pemilu/hhcw/ppwp/31/3171.json": b'{"kode":"3171"}',
    "api/v1/contests.json": b"[]",
    "api/v1/results/ppwp/31.json": b'{"suara_sah":60}',
    "README.txt": b"suara snapshot\n",
    "empty.json": b"",
}


def docs(items: dict[str, bytes] = DOCS) -> Iterator[tuple[str, bytes]]:
    yield from items.items()


@pytest.fixture
def key(tmp_path: Path) -> Ed25519PrivateKey:
    return load_or_create_signing_key(tmp_path / "data" / "signing-key.pem")


@pytest.fixture
def snap(tmp_path: Path, key: Ed25519PrivateKey) -> Path:
    out = tmp_path / "public"
    write_snapshot(out, docs(), key, {"tally_seq": 42, "election": "pemilu-2024"})
    return out


def kinds(result) -> set[tuple[str, str | None]]:
    return {(p.kind, p.path) for p in result.problems}


def test_written_snapshot_verifies(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    out = tmp_path / "public"
    seen: list[int] = []
    moment = datetime(2024, 2, 14, 12, 0, tzinfo=UTC)
    summary = write_snapshot(out, docs(), key, {"tally_seq": 42}, progress=seen.append,
                             created=moment)
    assert summary.files == len(DOCS)
    assert summary.bytes == sum(len(b) for b in DOCS.values())
    assert summary.public_key == public_key_text(key)
    assert seen == list(range(1, len(DOCS) + 1))

    for path, body in DOCS.items():
        assert (out / path).read_bytes() == body
    manifest_bytes = (out / "manifest.json").read_bytes()
    assert summary.manifest_sha256 == hashlib.sha256(manifest_bytes).hexdigest()
    manifest = orjson.loads(manifest_bytes)
    assert manifest_bytes == orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS)  # canonical
    assert manifest["format"] == FORMAT
    assert manifest["created"] == "2024-02-14T12:00:00Z"
    assert manifest["meta"] == {"tally_seq": 42}
    assert manifest["files"]["api/v1/contests.json"] == {
        "sha256": hashlib.sha256(b"[]").hexdigest(), "bytes": 2}
    assert set(manifest["files"]) == set(DOCS)
    assert (out / "public-key.txt").read_text().strip() == public_key_text(key)
    assert len(base64.b64decode((out / "manifest.sig").read_bytes())) == 64
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".public")]  # no staging left

    result = verify_snapshot(out)
    assert result.ok, result.problems
    assert result.files_checked == len(DOCS)
    assert result.key_source == "directory"
    assert result.meta == {"tally_seq": 42}
    trusted = verify_snapshot(out, public_key=public_key_text(key))
    assert trusted.ok and trusted.key_source == "trusted"
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    assert verify_snapshot(out, public_key=pem.decode()).ok


def test_changed_byte_is_caught(snap: Path) -> None:
    target = snap / "sirekap/pemilu/hhcw/ppwp/31.json"
    body = bytearray(target.read_bytes())
    body[3] ^= 1
    target.write_bytes(bytes(body))
    result = verify_snapshot(snap)
    assert kinds(result) == {(P_ALTERED, "sirekap/pemilu/hhcw/ppwp/31.json")}
    assert "SHA-256" in result.problems[0].detail
    assert result.signature_valid


def test_changed_size_is_caught(snap: Path) -> None:
    (snap / "empty.json").write_bytes(b"x")
    assert kinds(verify_snapshot(snap)) == {(P_ALTERED, "empty.json")}


def test_deleted_file_is_caught(snap: Path) -> None:
    (snap / "api/v1/results/ppwp/31.json").unlink()
    assert kinds(verify_snapshot(snap)) == {(P_MISSING, "api/v1/results/ppwp/31.json")}


def test_extra_file_is_caught(snap: Path) -> None:
    (snap / "api/v1/evil.js").write_bytes(b"alert(1)")
    (snap / "new").mkdir()
    (snap / "new" / "x.json").write_bytes(b"{}")
    assert kinds(verify_snapshot(snap)) == {(P_EXTRA, "api/v1/evil.js"), (P_EXTRA, "new/x.json")}


def test_symlink_is_caught(snap: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_bytes(DOCS["api/v1/contests.json"])
    (snap / "api/v1/contests.json").unlink()
    (snap / "api/v1/contests.json").symlink_to(outside)
    assert kinds(verify_snapshot(snap)) == {
        (P_EXTRA, "api/v1/contests.json"), (P_MISSING, "api/v1/contests.json")}


def test_edited_manifest_fails_signature(snap: Path) -> None:
    manifest = orjson.loads((snap / "manifest.json").read_bytes())
    path = "api/v1/results/ppwp/31.json"
    forged = b'{"suara_sah":61}'
    (snap / path).write_bytes(forged)
    manifest["files"][path] = {"sha256": hashlib.sha256(forged).hexdigest(), "bytes": len(forged)}
    (snap / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS))
    result = verify_snapshot(snap)
    assert kinds(result) == {(P_SIGNATURE, "manifest.json")}  # files match the forged manifest
    assert not result.signature_valid


def test_garbage_signature_is_caught(snap: Path) -> None:
    (snap / "manifest.sig").write_bytes(b"not base64 at all!!")
    assert kinds(verify_snapshot(snap)) == {(P_SIGNATURE, "manifest.sig")}
    (snap / "manifest.sig").write_bytes(base64.b64encode(os.urandom(64)))
    assert kinds(verify_snapshot(snap)) == {(P_SIGNATURE, "manifest.json")}
    (snap / "manifest.sig").write_bytes(base64.b64encode(b"short"))
    assert kinds(verify_snapshot(snap)) == {(P_SIGNATURE, "manifest.sig")}
    (snap / "manifest.sig").unlink()
    assert kinds(verify_snapshot(snap)) == {(P_SIGNATURE, "manifest.sig")}


def test_malformed_manifest_is_reported_not_raised(snap: Path) -> None:
    (snap / "manifest.json").write_bytes(b'{"format": "suara-snapshot/1", "files": ')
    result = verify_snapshot(snap)
    assert (P_MANIFEST, "manifest.json") in kinds(result)
    assert (P_SIGNATURE, "manifest.json") in kinds(result)

    (snap / "manifest.json").write_bytes(orjson.dumps(
        {"format": FORMAT, "files": {"../../etc/passwd": {"sha256": "0" * 64, "bytes": 1},
                                     "README.txt": {"sha256": "nope", "bytes": -1}}}))
    found = kinds(verify_snapshot(snap))
    assert (P_MANIFEST, "../../etc/passwd") in found
    assert (P_MANIFEST, "README.txt") in found

    (snap / "manifest.json").unlink()
    assert kinds(verify_snapshot(snap)) == {(P_MANIFEST, "manifest.json")}
    assert kinds(verify_snapshot(snap / "nowhere")) == {(P_MISSING, None)}


def test_wrong_trusted_key_fails(snap: Path) -> None:
    other = public_key_text(Ed25519PrivateKey.generate())
    result = verify_snapshot(snap, public_key=other)
    assert kinds(result) == {(P_SIGNATURE, "manifest.json"), (P_KEY, "public-key.txt")}
    assert kinds(verify_snapshot(snap, public_key="@@@")) >= {(P_KEY, None)}


def test_resigned_mirror_passes_alone_but_fails_the_trusted_key(
        snap: Path, key: Ed25519PrivateKey) -> None:
    """Why a trusted key must come from the deployment: a forger can re-sign everything."""
    forger = Ed25519PrivateKey.generate()
    manifest = (snap / "manifest.json").read_bytes()
    (snap / "manifest.sig").write_bytes(base64.b64encode(forger.sign(manifest)))
    (snap / "public-key.txt").write_text(public_key_text(forger))
    assert verify_snapshot(snap).ok
    assert not verify_snapshot(snap, public_key=public_key_text(key)).ok


@pytest.mark.parametrize("bad", [
    "/etc/passwd", "../x.json", "a/../../x.json", "a/..", "a\\b.json", "a//b.json", "./a.json",
    "", "manifest.json", "public-key.txt",
])
def test_unsafe_document_paths_are_refused(tmp_path: Path, key: Ed25519PrivateKey,
                                           bad: str) -> None:
    out = tmp_path / "public"
    with pytest.raises(ValueError):
        write_snapshot(out, [("ok.json", b"{}"), (bad, b"x")], key, {})
    assert not out.exists()
    assert not (tmp_path / "x.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["data"]  # staging cleaned up


def test_duplicate_and_conflicting_paths_are_refused(tmp_path: Path,
                                                     key: Ed25519PrivateKey) -> None:
    for pair in ([("a.json", b"1"), ("a.json", b"2")], [("a", b"1"), ("a/b.json", b"2")],
                 [("a/b.json", b"1"), ("a", b"2")]):
        with pytest.raises(ValueError):
            write_snapshot(tmp_path / "public", pair, key, {})


def test_failed_rewrite_keeps_the_old_snapshot(snap: Path, key: Ed25519PrivateKey) -> None:
    def broken() -> Iterator[tuple[str, bytes]]:
        yield "only.json", b"{}"
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write_snapshot(snap, broken(), key, {})
    assert verify_snapshot(snap).ok
    assert not (snap / "only.json").exists()


def test_rewrite_with_fewer_documents_leaves_no_stale_files(snap: Path,
                                                            key: Ed25519PrivateKey) -> None:
    fewer = {"api/v1/contests.json": b'["ppwp"]', "README.txt": b"v2\n"}
    summary = write_snapshot(snap, docs(fewer), key, {"tally_seq": 43})
    assert summary.files == 2
    on_disk = {p.relative_to(snap).as_posix() for p in snap.rglob("*") if p.is_file()}
    assert on_disk == set(fewer) | {"manifest.json", "manifest.sig", "public-key.txt"}
    assert not (snap / "sirekap").exists()
    assert (snap / "api/v1/contests.json").read_bytes() == b'["ppwp"]'
    assert verify_snapshot(snap, public_key=public_key_text(key)).ok
    assert not [p for p in snap.parent.iterdir() if p.name.startswith(".public")]


def test_refuses_to_replace_a_directory_that_is_not_a_snapshot(
        tmp_path: Path, key: Ed25519PrivateKey) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    with pytest.raises(FileExistsError):
        write_snapshot(home, docs(), key, {})
    assert (home / "thesis.tex").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    write_snapshot(empty, docs(), key, {})
    assert verify_snapshot(empty).ok


def test_key_file_is_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "signing-key.pem"
    first = load_or_create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    second = load_or_create_signing_key(path)
    assert public_key_text(second) == public_key_text(first)
    assert len(base64.b64decode(public_key_text(first))) == 32
    assert [p.name for p in path.parent.iterdir()] == ["signing-key.pem"]  # no temp left


def test_unusable_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "signing-key.pem"
    path.write_text("not a key")
    with pytest.raises(ValueError):
        load_or_create_signing_key(path)
