"""Incremental publication (issue 14): after the first, `suara publish` writes only the documents
whose data changed, with a signed record chained to the previous one, and the tree it leaves is
the tree a full publication at the same tally point writes, but for the time stamps of the
documents that did not change. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import ppwp_form

from suara.publish import publication, snapshot_chain
from suara.publish.publication import PublishError
from suara.publish.snapshot_keys import load_or_create_signing_key, public_key_text
from suara.publish.snapshot_verify import (
    P_ALTERED,
    P_CHAIN,
    P_EXTRA,
    verify_increments,
    verify_snapshot,
)
from suara.publish.targets import DirectoryTarget
from suara.services.submission import Submission, submit_forms

BASE = "https://suara.example"
RECAP = ("sirekap/pemilu/hr/", "sirekap/pilkada/hr/")  # follow the recapitulation: rendered every time


@pytest.fixture
def key(tmp_path: Path):
    return load_or_create_signing_key(tmp_path / "data" / "signing-key.pem")


def file_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def documents_of(root: Path) -> dict[str, bytes]:
    return {p: b for p, b in file_tree(root).items() if p.startswith(("api/", "sirekap/"))}


def without_stamps(body: bytes) -> Any:
    """A document without what says when it was rendered: as_of (own API) and ts (Sirekap, on
    each candidate of a candidate list)."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("as_of", "ts")}
        return [strip(v) for v in value] if isinstance(value, list) else value
    return strip(orjson.loads(body))


def file(engine, reference, *forms: dict[str, Any]) -> None:
    submit_forms(engine, reference, [Submission(f) for f in forms], fold=True)


def publish(engine, reference, out: Path, key, **kwargs: Any) -> publication.PublicationResult:
    contests = [reference.contest("ppwp"), reference.contest("pkwkp-31")]
    return publication.publish(engine, reference, contests, BASE, DirectoryTarget(out), key, **kwargs)


def test_an_increment_writes_exactly_what_changed_and_leaves_the_tree_a_full_publish_writes(
        engine, reference, key, tmp_path):
    file(engine, reference, ppwp_form("3171011001001", (60, 122, 64)),
         ppwp_form("3171011001001", (70, 80), contest="pkwkp-31"))
    out = tmp_path / "public"
    first = publish(engine, reference, out, key)
    assert (first.number, first.full, first.removed) == (1, True, 0)
    before = documents_of(out)
    assert first.written == first.files == len(before)

    file(engine, reference, ppwp_form("3201011001002", (10, 20, 30)))  # one more PPWP form, in Jawa Barat
    second = publish(engine, reference, out, key)
    after = documents_of(out)
    whole = documents_of(tmp_path / "whole") if publish(engine, reference, tmp_path / "whole", key).full else {}

    assert (second.number, second.full, second.removed) == (2, False, 0)
    assert set(after) == set(whole) == set(before)
    record = orjson.loads((out / "manifests/manifest-2.json").read_bytes())
    written = set(record["files"])
    assert len(written) == second.written
    differing = {p for p in whole if without_stamps(whole[p]) != without_stamps(before[p])}
    # everything that differs is written, and nothing else but the recapitulation's few documents
    assert differing <= written and all(p.startswith(RECAP) for p in written - differing)
    assert {"api/v1/tps/ppwp/3201011001002", "api/v1/results/ppwp/0", "api/v1/results/ppwp/3201011001",
            "sirekap/pemilu/hhcw/ppwp/32/3201/320101/3201011001/3201011001002.json"} <= written
    assert not any("pkwkp-31" in p or "/pkwkp/" in p for p in written if not p.startswith(RECAP))  # did not move
    assert "api/v1/results/ppwp/31" not in written and "api/v1/regions/32" not in written
    for path in after:
        # written: as a full publication writes it; not written: as the first one did
        assert after[path] == (whole[path] if path in written else before[path]), path
        assert without_stamps(after[path]) == without_stamps(whole[path]), path

    checked = verify_snapshot(out, second.public_key)
    assert checked.ok, checked.problems
    assert checked.publications_checked == 2 and checked.files_checked == len(after)
    assert record["previous"] == {"number": 1, "sha256": hashlib.sha256(
        (out / "manifests/manifest-1.json").read_bytes()).hexdigest()}


def test_a_mirror_checks_an_increment_with_its_record_and_the_files_it_names(engine, reference, key, tmp_path):
    file(engine, reference, ppwp_form("3171011001001"))
    out = tmp_path / "public"
    publish(engine, reference, out, key)
    first_sha = hashlib.sha256((out / "manifests/manifest-1.json").read_bytes()).hexdigest()
    file(engine, reference, ppwp_form("3171011001002"))
    publish(engine, reference, out, key)
    data = (out / "manifests/manifest-2.json").read_bytes()
    doc, problems = snapshot_chain.check_increment(data, (out / "manifests/manifest-2.sig").read_bytes(),
                                                   key.public_key(), 2, first_sha)
    assert problems == [] and doc is not None
    for path, entry in doc["files"].items():
        assert hashlib.sha256((out / path).read_bytes()).hexdigest() == entry["sha256"]
    _, problems = snapshot_chain.check_increment(data, (out / "manifests/manifest-2.sig").read_bytes(),
                                                 key.public_key(), 2, "0" * 64)
    assert [p.detail for p in problems] == ["link broken: does not name the SHA-256 of manifests/manifest-1.json"]


def _resign(out: Path, key, name: str, content: dict[str, Any]) -> bytes:
    data = snapshot_chain.canonical(content)
    (out / name).write_bytes(data)
    (out / name.replace(".json", ".sig")).write_bytes(base64.b64encode(key.sign(data)) + b"\n")
    return data


def test_verify_names_a_tampered_record_a_broken_link_and_a_missing_one(engine, reference, key, tmp_path):
    file(engine, reference, ppwp_form("3171011001001"))
    out = tmp_path / "public"
    publish(engine, reference, out, key)
    file(engine, reference, ppwp_form("3172011001001"))
    publish(engine, reference, out, key)
    public = public_key_text(key)
    record = out / "manifests/manifest-2.json"
    original = record.read_bytes()

    record.write_bytes(original.replace(b'"full":false', b'"full":true '))  # same size, not what was signed
    problems = {(p.kind, p.path, p.detail) for p in verify_snapshot(out, public).problems}
    assert (P_CHAIN, "manifests/manifest-2.json", "signature missing or not valid for this record") in problems
    assert any(kind == P_CHAIN and path == "manifest.json" and "other than the one present" in detail
               for kind, path, detail in problems)

    # re-signed by the deployment's key, but linked to another predecessor: the link is named
    doc = orjson.loads(original)
    doc["previous"]["sha256"] = "f" * 64
    data = _resign(out, key, "manifests/manifest-2.json", doc)
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    manifest["publication"]["sha256"] = hashlib.sha256(data).hexdigest()
    _resign(out, key, "manifest.json", manifest)
    problems = [str(p) for p in verify_snapshot(out, public).problems]
    assert problems == [("chain manifests/manifest-2.json: link broken: does not name the SHA-256 of "
                         "manifests/manifest-1.json")]

    (out / "manifests/manifest-1.json").unlink()
    problems = [str(p) for p in verify_snapshot(out, public).problems]
    assert "chain manifests/manifest-1.json: record is missing; the chain stops here" in problems


def test_a_record_that_does_not_add_up_to_the_manifest_is_named(engine, reference, key, tmp_path):
    file(engine, reference, ppwp_form("3171011001001"))
    out = tmp_path / "public"
    publish(engine, reference, out, key)
    file(engine, reference, ppwp_form("3171011001003"))
    publish(engine, reference, out, key)
    doc = orjson.loads((out / "manifests/manifest-2.json").read_bytes())
    dropped = "api/v1/tps/ppwp/3171011001003"
    del doc["files"][dropped]  # the increment hides a file it wrote; the full manifest still has it
    data = _resign(out, key, "manifests/manifest-2.json", doc)
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    manifest["publication"]["sha256"] = hashlib.sha256(data).hexdigest()
    _resign(out, key, "manifest.json", manifest)
    problems = [str(p) for p in verify_snapshot(out).problems]
    assert len(problems) == 1 and "do not give its files (1 differ: " + dropped in problems[0]

    (out / "manifests/manifest-7.json").write_bytes(b"{}")  # beyond the chain: not part of the snapshot
    assert (P_EXTRA, "manifests/manifest-7.json") in {(p.kind, p.path) for p in verify_snapshot(out).problems}


def test_a_contest_left_out_later_is_removed_by_name_and_nothing_new_writes_nothing(engine, reference, key, tmp_path):
    file(engine, reference, ppwp_form("3171011001001"), ppwp_form("3171011001001", (70, 80), contest="pkwkp-31"))
    out = tmp_path / "public"
    publish(engine, reference, out, key)
    publication.publish(engine, reference, [reference.contest("ppwp")], BASE, DirectoryTarget(tmp_path / "ppwp"), key)
    gone = set(documents_of(out)) - set(documents_of(tmp_path / "ppwp"))
    assert "api/v1/results/pkwkp-31/31" in gone and "sirekap/pilkada/hhcw/pkwkp/31.json" in gone
    ppwp_only = publication.publish(engine, reference, [reference.contest("ppwp")], BASE, DirectoryTarget(out), key)
    record = orjson.loads((out / "manifests/manifest-2.json").read_bytes())
    assert not ppwp_only.full and set(record["removed"]) == gone and ppwp_only.removed == len(gone)
    assert not gone & set(file_tree(out)) and set(documents_of(out)) == set(documents_of(tmp_path / "ppwp"))
    assert verify_snapshot(out).ok
    previous = publication.read_previous(DirectoryTarget(out), key)
    tally_seq = orjson.loads((out / "manifest.json").read_bytes())["meta"]["tally_seq"]
    assert publication.up_to_date(previous, tally_seq, [reference.contest("ppwp")], BASE)
    assert not publication.up_to_date(previous, tally_seq, [reference.contest("ppwp")], "https://other.example")


def test_a_tree_signed_by_another_key_is_not_extended(engine, reference, key, tmp_path):
    file(engine, reference, ppwp_form("3171011001001"))
    out = tmp_path / "public"
    publish(engine, reference, out, load_or_create_signing_key(tmp_path / "other.pem"))
    with pytest.raises(PublishError, match="not signed by this deployment's key"):
        publish(engine, reference, out, key)
    assert verify_snapshot(out).ok


def test_a_stop_while_staging_leaves_the_previous_snapshot_as_it_was(engine, reference, key, tmp_path):
    file(engine, reference, ppwp_form("3171011001001"))
    out = tmp_path / "public"
    publish(engine, reference, out, key)
    before = file_tree(out)
    file(engine, reference, ppwp_form("3171011002001"))
    asked = iter([False, False, True])
    with pytest.raises(publication.Stopped):
        publish(engine, reference, out, key, should_stop=lambda: next(asked, True))
    assert file_tree(out) == before and verify_snapshot(out).ok
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".public")]  # the staging went too
    assert publish(engine, reference, out, key).number == 2 and verify_snapshot(out).ok


def test_a_mirror_checks_only_what_came_after_the_publication_it_verified(engine, reference, key, tmp_path):
    file(engine, reference, ppwp_form("3171011001001"))
    out = tmp_path / "public"
    publish(engine, reference, out, key)
    file(engine, reference, ppwp_form("3171011001002"))
    publish(engine, reference, out, key)
    file(engine, reference, ppwp_form("3171011001002", (61, 122, 64)))  # a correction of the same TPS
    third = publish(engine, reference, out, key)
    public = public_key_text(key)
    checked = verify_increments(out, 1, public)
    assert checked.ok, checked.problems
    assert checked.publications_checked == 2 and 0 < checked.files_checked < third.files // 4

    (out / "api/v1/results/ppwp/32").write_bytes(b"{}")  # not written after 1: not read by --since 1
    assert verify_increments(out, 1, public).ok
    assert not verify_increments(out, 0, public).ok  # from the first, full publication: every file
    (out / "api/v1/results/ppwp/0").write_bytes(b"{}")  # written by 3: named
    assert {(p.kind, p.path) for p in verify_increments(out, 2, public).problems} == {
        (P_ALTERED, "api/v1/results/ppwp/0")}
    assert verify_increments(out, 3, public).ok  # nothing after the last: only the signed manifest
    assert [p.kind for p in verify_increments(out, 4, public).problems] == [P_CHAIN]


def test_a_full_publication_over_a_chain_continues_it(engine, reference, key, tmp_path):
    file(engine, reference, ppwp_form("3171011001001"))
    out = tmp_path / "public"
    first = publish(engine, reference, out, key)
    again = publish(engine, reference, out, key, full=True)
    assert (again.number, again.full, again.reason, again.written) == (2, True, "diminta --full", first.files)
    record = orjson.loads((out / "manifests/manifest-2.json").read_bytes())
    assert record["full"] and record["previous"]["number"] == 1
    checked = verify_snapshot(out, public_key_text(key))
    assert checked.ok and checked.publications_checked == 2
