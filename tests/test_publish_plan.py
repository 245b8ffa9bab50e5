"""`suara publish` says first what it will write (files, bytes, a warning when large), leaves out
contests with no form yet and names them, and shows its progress, on a terminal or in a log."""

from __future__ import annotations

import orjson
import pytest
from typer.testing import CliRunner

from suara.cli import app
from suara.cli_publish import bytes_text
from suara.publish import snapshot_plan, tree
from suara.services.submission import Submission, submit_forms
from suara.synth import Synthesizer, SynthOptions

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def filed(pemilu_engine, pemilu_reference):
    """The small Pemilu with every PPWP and DPR form stored, half the DPD Jakarta forms, and nothing else."""
    forms = list(Synthesizer(pemilu_reference, SynthOptions(seed=2, contests=("ppwp", "pdpr", "pdpd-31"))).forms())
    dpd = [f for f in forms if f["contest"] == "pdpd-31"]
    chosen = [f for f in forms if f["contest"] != "pdpd-31"] + dpd[: len(dpd) // 2]
    submit_forms(pemilu_engine, pemilu_reference, [Submission(f) for f in chosen], fold=True)
    return pemilu_engine


@pytest.fixture
def cli(db_url, filed, tmp_path, monkeypatch):
    monkeypatch.setenv("SUARA_DATABASE_URL", db_url)
    monkeypatch.setenv("SUARA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SUARA_PUBLIC_BASE_URL", BASE)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output
    return invoke


def test_the_plan_skips_contests_without_forms_and_estimates_the_tree(filed, pemilu_reference):
    contests = [pemilu_reference.contests[k] for k in ("ppwp", "pdpr", "pdpd-31", "pdpd-32", "pkwkp-32")]
    plan = snapshot_plan.plan_snapshot(filed, pemilu_reference, contests, BASE)
    assert [p.contest.key for p in plan.contests] == ["ppwp", "pdpr", "pdpd-31"]
    assert [c.key for c in plan.skipped] == ["pdpd-32", "pkwkp-32"]
    dpd = plan.contests[2]
    assert 0 < dpd.tps_reported < dpd.tps and dpd.regions_by_level[1] == 1 and dpd.regions_by_level[0] == 0

    written = list(tree.documents(filed, pemilu_reference, [p.contest for p in plan.contests], BASE))
    files, size = len(written), sum(len(body) for _, body in written)
    assert 0.8 * files <= plan.files <= 1.2 * files, (plan.files, files)
    assert 0.6 * size <= plan.bytes <= 1.5 * size, (plan.bytes, size)
    assert not plan.large


def test_publish_names_what_it_skips_and_writes_only_contests_with_data(cli, tmp_path):
    out = tmp_path / "snapshot"
    printed = cli("publish", "--out", str(out), "--contests", "ppwp,pdpd,pkwkp")
    assert "Dilewati, belum ada formulir: pdpd-32, pkwkp-32" in printed
    assert "2 pemilihan; perkiraan" in printed and "Peringatan" not in printed
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["meta"]["contests"] == ["ppwp", "pdpd-31"]
    skipped = ("pkwkp-32", "pdpd-32", "/pkwkp/", "pdpd/32")  # their results, region and TPS documents
    assert not [path for path in manifest["files"] if any(s in path for s in skipped)]
    assert "api/v1/results/pdpd-31/31" in manifest["files"]
    # no terminal here: the progress comes as lines, about one every 5 per cent of the estimate
    lines = [line for line in printed.splitlines() if line.startswith("publish: ")]
    assert 15 <= len(lines) <= 25 and "dari sekitar" in lines[0]
    assert f"{len(manifest['files']):,}".replace(",", ".") + " berkas" in printed
    assert "OK" in cli("verify-snapshot", str(out))


def test_a_large_snapshot_is_warned_about_and_nothing_with_data_writes_nothing(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot_plan, "LARGE_SNAPSHOT_BYTES", 1000)
    printed = cli("publish", "--out", str(tmp_path / "big"), "--contests", "ppwp")
    assert "Peringatan: snapshot besar" in printed and "--contests" in printed
    printed = cli("publish", "--out", str(tmp_path / "none"), "--contests", "pilkada", code=1)
    assert "pkwkp-32, pkwkk-3201" in printed and "tidak ada yang ditulis" in printed
    assert not (tmp_path / "none").exists()


def test_sizes_read_in_decimal_units_with_a_decimal_comma():
    assert [bytes_text(n) for n in (999, 1_500, 103_013_304, 9_400_000_000)] == [
        "999 B", "1,5 KB", "103,0 MB", "9,4 GB"]
