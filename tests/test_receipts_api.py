"""Receipts over HTTP and on the command line: the submission's answer carries one (the same on a
replay), the public key and check endpoints, the /kwitansi page, `suara verify-receipt` against
the local database and against a served deployment; the KPPS's ballots endpoint."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from helpers import ppwp_form
from typer.testing import CliRunner

from suara.cli import app as cli
from suara.domain.access import Role
from suara.publish.snapshot_keys import public_key_text
from suara.services.accounts import create_account
from suara.tally.fold import fold_all

PASSWORD = "rahasia-sekali-123"
TPS = "3171011001001"


@pytest.fixture
def kpps(client: Any, engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A KPPS's bearer header; the deployment's signing key in tmp_path."""
    monkeypatch.setenv("SUARA_DATA_DIR", str(tmp_path))
    create_account(engine, "kpps-1", PASSWORD, Role.KPPS, TPS, "test")
    token = client.post("/api/v1/auth/token", json={"username": "kpps-1", "password": PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def submit(client: Any, kpps: dict[str, str], key: str = "kunci-0001", form: dict[str, Any] | None = None) -> Any:
    return client.post("/api/v1/submissions", json=form or ppwp_form(TPS), headers={**kpps, "Idempotency-Key": key})


def test_an_accepted_submission_answers_with_its_receipt_and_a_replay_with_the_same(client: Any, kpps: Any,
                                                                                    tmp_path: Path) -> None:
    first = submit(client, kpps)
    assert first.status_code == 201
    body = first.json()
    receipt = body["receipt"]
    assert (receipt["tps"], receipt["contest"], receipt["version_no"]) == (TPS, "ppwp", 1)
    assert body["receipt_url"].endswith("/kwitansi?r=" + body["receipt_compact"])
    assert (tmp_path / "signing-key.pem").exists()
    again = submit(client, kpps)
    assert again.status_code == 200 and again.json()["replayed"]
    assert again.json()["receipt"] == receipt and again.json()["receipt_compact"] == body["receipt_compact"]
    key = client.get("/api/v1/receipts/key").json()
    assert key["key_id"] == receipt["key_id"] and key["algorithm"] == "Ed25519"
    checked = client.get("/api/v1/receipts/check", params={"r": body["receipt_compact"]})
    assert checked.status_code == 200 and checked.json()["valid"] is True
    # a refused form gets no receipt: it is an error answer
    refused = submit(client, kpps, "kunci-0002", {**ppwp_form(TPS), "tps": "3171011001002"})
    assert refused.status_code == 403 and "receipt" not in refused.json()


def test_the_check_page_says_whether_a_receipt_checks_out(client: Any, kpps: Any) -> None:
    body = submit(client, kpps).json()
    page = client.get("/kwitansi", params={"r": body["receipt_url"]})
    assert page.status_code == 200
    assert "Kwitansi sah" in page.text and '<svg xmlns="http://www.w3.org/2000/svg"' in page.text
    assert body["receipt"]["content_hash"] in page.text
    tampered = {**body["receipt"], "version_no": 2}
    page = client.get("/kwitansi", params={"r": orjson.dumps(tampered).decode()})
    assert page.status_code == 200 and "Kwitansi tidak sah" in page.text and "tanda tangan tidak sah" in page.text
    english = client.get("/kwitansi", params={"r": body["receipt_compact"], "lang": "en"})
    assert "The receipt checks out" in english.text
    assert client.get("/kwitansi", params={"r": "bukan kwitansi"}).status_code == 422
    empty = client.get("/kwitansi")
    assert empty.status_code == 200 and "Kwitansi sah" not in empty.text
    qr = client.get("/kwitansi/qr.svg", params={"r": body["receipt_compact"]})
    assert qr.headers["content-type"] == "image/svg+xml" and qr.text.startswith("<svg")
    assert client.get("/kwitansi/qr.svg", params={"r": "https://example.org"}).status_code == 422


def test_the_ballots_of_the_kpps_own_tps(client: Any, engine: Any, kpps: Any) -> None:
    doc = client.get("/api/v1/kpps/ballots", headers=kpps).json()
    assert doc["tps"] == TPS and doc["contests"][0]["key"] == "ppwp"
    ppwp = doc["contests"][0]
    assert [c["nomor"] for c in ppwp["candidates"]] == ["1", "2", "3"]
    assert {"rule": "R9", "severity": "error", "left": ["suara_total"], "op": "=",
            "right": ["suara_sah", "suara_tidak_sah"], "constant": 0} in ppwp["equations"]
    assert client.get("/api/v1/kpps/ballots").status_code == 401
    create_account(engine, "saksi-1", PASSWORD, Role.SAKSI, "31", "test")
    token = client.post("/api/v1/auth/token", json={"username": "saksi-1", "password": PASSWORD}).json()["token"]
    assert client.get("/api/v1/kpps/ballots", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_the_ballots_of_a_pemilu_tps_carry_the_party_lists(pemilu_client: Any, pemilu_engine: Any) -> None:
    create_account(pemilu_engine, "kpps-dpr", PASSWORD, Role.KPPS, TPS, "test")
    token = pemilu_client.post("/api/v1/auth/token", json={"username": "kpps-dpr", "password": PASSWORD}).json()["token"]
    doc = pemilu_client.get("/api/v1/kpps/ballots", headers={"Authorization": f"Bearer {token}"}).json()
    kinds = [c["kind"] for c in doc["contests"]]
    assert kinds[:3] == ["ppwp", "pdpr", "pdpd"]
    dpr = doc["contests"][1]
    assert dpr["party_list"] and dpr["dapil"]["nama"] == "DKI JAKARTA II"
    # the pages to photograph are the printed sheet's: four parties and eleven candidates fit on
    # one vote page after the administrasi page; DPD two pages, PPWP three
    assert [c["pages"] for c in doc["contests"][:3]] == [3, 2, 2]
    first = dpr["parties"][0]
    r14 = [e for e in dpr["equations"] if e["rule"] == "R14" and e["left"] == [f"jumlah_{first['nomor']}"]]
    assert r14[0]["right"] == [f"suara_partai_{first['nomor']}"] + [f"caleg_{first['nomor']}_{c['nomor']}"
                                                                    for c in first["caleg"]]


def test_verify_receipt_on_the_command_line(client: Any, engine: Any, kpps: Any, tmp_path: Path, db_url: str,
                                            monkeypatch: pytest.MonkeyPatch, live_server: str) -> None:
    monkeypatch.setenv("SUARA_DATABASE_URL", db_url)
    body = submit(client, kpps).json()
    public_key = client.get("/api/v1/receipts/key").json()["public_key"]
    runner = CliRunner()
    receipt_file = tmp_path / "kwitansi.json"
    receipt_file.write_bytes(orjson.dumps(body["receipt"]))
    # the local database, with the deployment's own key (from SUARA_DATA_DIR)
    ok = runner.invoke(cli, ["verify-receipt", str(receipt_file)])
    assert ok.exit_code == 0, ok.output
    assert "OK: tanda tangan sah" in ok.output
    # a served deployment, from the link the QR code holds; its key must be given
    link = body["receipt_url"].replace("http://127.0.0.1:8000", live_server)
    fold_all(engine)
    for _ in range(100):  # until the served deployment's publisher has the folded version (0.25 s rounds)
        remote = runner.invoke(cli, ["verify-receipt", "--url", link, "--public-key", public_key])
        if remote.exit_code != 1:
            break
        time.sleep(0.1)
    assert remote.exit_code == 0, remote.output
    assert "diperiksa terhadap " + live_server in remote.output
    assert runner.invoke(cli, ["verify-receipt", "--url", link]).exit_code == 2  # no key: refused
    # tampered: exit 1 and why
    receipt_file.write_bytes(orjson.dumps({**body["receipt"], "content_hash": "0" * 64}))
    bad = runner.invoke(cli, ["verify-receipt", str(receipt_file), "--public-key", public_key])
    assert bad.exit_code == 1 and "TIDAK sah" in bad.output
    other_key = public_key_text(Ed25519PrivateKey.generate())
    wrong = runner.invoke(cli, ["verify-receipt", str(receipt_file), "--public-key", other_key])
    assert wrong.exit_code == 1 and "bukan kunci yang diberikan" in wrong.output
    garbage = tmp_path / "bukan.txt"
    garbage.write_text("halo")
    assert runner.invoke(cli, ["verify-receipt", str(garbage)]).exit_code == 2
