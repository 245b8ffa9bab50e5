"""`suara publish` writes the public tree as a signed static snapshot; `verify-snapshot` checks it."""

from __future__ import annotations

import orjson
import pytest
from helpers import ppwp_form
from typer.testing import CliRunner

from suara.cli import app
from suara.services.submission import Submission, submit_forms


@pytest.fixture
def cli(db_url, engine, tmp_path, monkeypatch):
    monkeypatch.setenv("SUARA_DATABASE_URL", db_url)
    monkeypatch.setenv("SUARA_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output
    return invoke


def test_the_snapshot_is_the_served_tree_and_verifies(cli, client, engine, reference, tmp_path):
    submit_forms(engine, reference, [Submission(ppwp_form("3171011001001", (60, 122, 64))),
                                     Submission(ppwp_form("3171011001001", (70, 80), contest="pkwkp-31"))], fold=True)
    client.app.state.publisher.refresh()
    out = tmp_path / "snapshot"
    printed = cli("publish", "--out", str(out), "--contests", "ppwp,pkwkp")
    key = printed.split("(Ed25519): ")[1].split()[0]
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    files = manifest["files"]
    assert manifest["meta"]["contests"] == ["ppwp", "pkwkp-31"]  # in ballot order
    for path in ("sirekap/pemilu/hhcw/ppwp.json", "sirekap/pemilu/hhcw/ppwp/31/3171/317101/3171011001.json",
                 "sirekap/pemilu/hhcw/ppwp/31/3171/317101/3171011001/3171011001001.json",
                 "sirekap/pilkada/hhcw/pkwkp/31.json", "sirekap/wilayah/pemilu/ppwp/0.json",
                 "sirekap/wilayah/pemilu/ppwp/31/3171/317101/3171011001.json", "api/v1/results/ppwp/0",
                 "api/v1/tps/ppwp/3201011001002", "api/v1/contests", "sirekap/pemilu/ppwp.json"):
        assert path in files, path
        served = client.get(f"/{path}")
        assert served.status_code == 200, path
        if path.startswith("sirekap/pemilu/hhcw"):
            assert (out / path).read_bytes() == served.content, path  # byte for byte the served document
    assert not any(p.startswith("api/v1/results/pkwkp-31/32") for p in files)
    assert "OK" in cli("verify-snapshot", str(out), "--public-key", key)

    (out / "sirekap/pemilu/hhcw/ppwp.json").write_bytes(b'{"mode":"hhcw","chart":{"100025":999999}}')
    failed = cli("verify-snapshot", str(out), "--public-key", key, code=1)
    assert "sirekap/pemilu/hhcw/ppwp.json" in failed
    assert "key" in cli("verify-snapshot", str(out), "--public-key", "bm90IGEga2V5", code=1)


def test_verify_snapshot_of_a_missing_directory_fails_cleanly(cli, tmp_path):
    assert "missing" in cli("verify-snapshot", str(tmp_path / "nowhere"), code=1)
