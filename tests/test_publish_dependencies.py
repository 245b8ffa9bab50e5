"""What an incremental publication renders again rests on the dependencies tree.py gives each
path; they must cover what the server's builders declare (Built.depends_on), or an increment
would miss a document that changed. Checked over every document of the small whole Pemilu (the
dapil documents of the DPR and DPRD included), then an increment there against a full publication.
On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import orjson

from suara.publish import publication, routes, sirekap_routes, tree
from suara.publish.snapshot_keys import load_or_create_signing_key
from suara.publish.snapshot_verify import verify_snapshot
from suara.publish.targets import DirectoryTarget
from suara.publish.tree_groups import ALWAYS, STATIC
from suara.services.submission import Submission, submit_forms
from suara.synth import Synthesizer, SynthOptions

BASE = "http://127.0.0.1:8000"
KINDS = ("ppwp", "pdpr", "pdprdp", "pdprdk", "pdpd-31", "pkwkp-32", "pkwkk-3201")


def _builder(reference, path: str) -> routes.Builder | None:
    parts = path.split("/")
    if path.startswith("sirekap/"):
        return sirekap_routes.sirekap_document(reference, path[len("sirekap/"):], BASE)
    if parts[:3] == ["api", "v1", "results"]:
        return routes.results(reference, parts[3], parts[4])
    if parts[:3] == ["api", "v1", "tps"]:
        return routes.tps_record(reference, parts[3], parts[4])
    return None  # api/v1/contests and api/v1/regions/*: reference documents


def test_every_path_depends_on_at_least_what_its_builder_declares(pemilu_engine, pemilu_reference):
    reference = pemilu_reference
    contests = [reference.contest(k) for k in KINDS]
    seen: dict[str, int] = {"static": 0, "always": 0, "tracked": 0}
    with pemilu_engine.connect() as conn:
        for group in tree.groups(pemilu_engine, reference, contests, BASE):
            for path, declared in group.paths:
                builder = _builder(reference, path)
                built = builder(conn) if builder is not None else None
                actual = {d for d in (built.depends_on, *getattr(built, "also_depends_on", ())) if d is not None} \
                    if built is not None else set()
                if declared == ALWAYS:
                    assert "/hr/" in path and not actual, path  # the recapitulation: not the tally's
                    seen["always"] += 1
                elif declared == STATIC:
                    assert not actual, path
                    seen["static"] += 1
                else:
                    assert actual and actual <= set(declared), (path, actual, declared)
                    seen["tracked"] += 1
    assert all(seen.values()), seen


def test_an_increment_of_the_legislative_ballots_matches_a_full_publication(pemilu_engine, pemilu_reference,
                                                                             tmp_path: Path):
    reference = pemilu_reference
    forms = list(Synthesizer(reference, SynthOptions(seed=5, contests=("pdpr", "pdprdp"))).forms())
    half = len(forms) // 2
    submit_forms(pemilu_engine, reference, [Submission(f) for f in forms[:half]], fold=True)
    contests = [reference.contest(k) for k in ("pdpr", "pdprdp")]
    key = load_or_create_signing_key(tmp_path / "key.pem")
    out = tmp_path / "public"
    publication.publish(pemilu_engine, reference, contests, BASE, DirectoryTarget(out), key)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    submit_forms(pemilu_engine, reference, [Submission(f) for f in forms[half:half + 3]], fold=True)
    increment = publication.publish(pemilu_engine, reference, contests, BASE, DirectoryTarget(out), key)
    publication.publish(pemilu_engine, reference, contests, BASE, DirectoryTarget(tmp_path / "whole"), key)
    written = set(orjson.loads((out / "manifests/manifest-2.json").read_bytes())["files"])
    assert not increment.full and 0 < increment.written < increment.files // 2
    assert any(p.startswith("sirekap/pemilu/hhcd/") for p in written)  # dapil documents moved with their forms
    for path in (p for p in before if p.startswith(("api/", "sirekap/"))):
        whole = (tmp_path / "whole" / path).read_bytes()
        now = (out / path).read_bytes()
        assert now == (whole if path in written else before[path]), path
        if path not in written:  # unchanged but for the time it was rendered
            assert _unstamped(now) == _unstamped(whole), path
    assert verify_snapshot(out).ok


def _unstamped(body: bytes) -> object:
    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("as_of", "ts")}
        return [strip(v) for v in value] if isinstance(value, list) else value
    return strip(orjson.loads(body))
