"""The audit chain anchored outside the database: heads in every document and snapshot, the
public chain listing, a witness that records heads, and the check of a mirror against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from helpers import ppwp_form
from sqlalchemy import select, update

from suara.domain.access import Role
from suara.domain.audit import check_published_chain, event_hash, parse_witness
from suara.publish import snapshot, snapshot_keys, snapshot_verify
from suara.services import accounts, witness
from suara.services.submission import Submission, submit_forms
from suara.store import audit
from suara.store.schema import audit_events, audit_head

PASSWORD = "rahasia-sekali-123"


def _night(engine: Any, reference: Any) -> None:
    accounts.create_account(engine, "kpps-gambir", PASSWORD, Role.KPPS, "3171011001001", "cli")
    accounts.login(engine, "kpps-gambir", PASSWORD, "hp")
    submit_forms(engine, reference, [Submission(ppwp_form("3171011001001", (10, 20, 30)), "k1", "KPPS:kpps-gambir"),
                                     Submission(ppwp_form("3201011001001", (7, 8, 9)), "k2")], fold=True)


def _head(engine: Any) -> str:
    with engine.connect() as conn:
        return audit.head_text(conn)


def test_documents_carry_the_chain_head_in_as_of_and_in_a_header(client, engine, reference):
    _night(engine, reference)
    client.app.state.publisher.refresh()
    head = _head(engine)
    seq, digest = head.split(":")
    for path in ("/api/v1/results/ppwp/0", "/api/v1/tps/ppwp/3171011001001", "/api/v1/contests"):
        for _ in range(2):  # rendered, then from the fast path
            answer = client.get(path)
            assert answer.headers["x-suara-chain-head"] == head
            assert answer.json()["as_of"]["chain_head"] == {"seq": int(seq), "hash": digest}
    sirekap = client.get("/sirekap/pemilu/hhcw/ppwp.json")
    assert sirekap.headers["x-suara-chain-head"] == head
    assert "chain_head" not in sirekap.text  # the Sirekap shapes stay as KPU publishes them
    assert client.get("/api/v1/downloads/ppwp/31/children.csv").headers["x-suara-chain-head"] == head


def test_the_chain_listing_checks_link_by_link_and_hides_private_bodies(client, engine, reference):
    _night(engine, reference)
    head = client.get("/api/v1/chain/head").json()
    assert f"{head['seq']}:{head['hash']}" == _head(engine)
    events, after = [], 0
    while after is not None:
        page = client.get(f"/api/v1/chain/events?after={after}&limit=2").json()
        assert len(page["events"]) <= 2
        events += page["events"]
        after = page["next_after"]
    assert [e["seq"] for e in events] == list(range(1, head["seq"] + 1))
    kinds = {e["kind"]: e for e in events}
    assert "payload" not in kinds["account.created"] and "payload" not in kinds["token.issued"]
    assert "password_sha256" not in orjson.dumps(events).decode()
    assert orjson.loads(kinds["form.version"]["payload"])["content_hash"]
    assert list(check_published_chain(events, {head["seq"]: head["hash"]})) == []
    forged = [dict(e) for e in events]
    version = next(e for e in forged if e["kind"] == "form.version")
    version["payload"] = version["payload"].replace('"outcome":"stored"', '"outcome":"refused"')
    assert any("body_sha256" in p for p in check_published_chain(forged, {}))
    assert any("dipotong" in p for p in check_published_chain(events[:-1], {head["seq"]: head["hash"]}))


def test_chain_listing_refuses_bad_numbers(client):
    for query in ("after=-1", "after=99999999999999999999", "limit=0", "limit=100000", "after=x"):
        answer = client.get(f"/api/v1/chain/events?{query}")
        assert answer.status_code == 422, query
        assert answer.json()["error"]["code"] == "invalid_request"


def test_a_witness_records_heads_and_catches_a_rewritten_mirror(live_server, engine, reference, tmp_path: Path):
    _night(engine, reference)
    record = tmp_path / "saksi.txt"
    [first] = witness.record(live_server, record)
    submit_forms(engine, reference, [Submission(ppwp_form("3171011001002", (1, 2, 3)), "k3")], fold=True)
    witness.record(live_server, record, count=2, every=0, sleep=lambda _: None)
    heads = parse_witness(record.read_text().splitlines())
    assert len(heads) == 2 and heads[first.seq] == first.hash
    checked = witness.check_mirror(live_server, heads)
    assert checked.ok, checked.problems
    assert checked.events == max(heads)
    # rewrite the first event's actor and re-hash everything after it, as a holder of the database could
    with engine.begin() as conn:
        prev = None
        for event in conn.execute(select(audit_events).order_by(audit_events.c.seq)).all():
            prev = prev or event.prev_hash
            actor = "forger" if event.seq == 1 else event.actor
            digest = event_hash(prev, event.seq, event.at, event.kind, actor, event.subject, event.payload)
            conn.execute(update(audit_events).where(audit_events.c.seq == event.seq)
                         .values(actor=actor, prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(update(audit_head).values(hash=prev))
    rewritten = witness.check_mirror(live_server, heads)
    assert any("ditulis ulang" in p for p in rewritten.problems), rewritten.problems


def test_the_snapshot_manifest_carries_the_chain_head(tmp_path: Path):
    key = snapshot_keys.load_or_create_signing_key(tmp_path / "key.pem")
    snapshot.write_snapshot(tmp_path / "snap", [("api/v1/contests", b"{}")], key, {}, chain_head=(7, "e" * 64))
    result = snapshot_verify.verify_snapshot(tmp_path / "snap", snapshot_keys.public_key_text(key))
    assert result.ok and result.chain_head == {"seq": 7, "hash": "e" * 64}


def test_the_command_line_checks_a_witness_and_a_mirror(live_server, engine, reference, db_url, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from suara.cli import app

    _night(engine, reference)
    monkeypatch.setenv("SUARA_DATABASE_URL", db_url)
    monkeypatch.setenv("SUARA_BLOBS_URL", str(tmp_path / "blobs"))
    runner = CliRunner()
    record = tmp_path / "saksi.txt"
    assert runner.invoke(app, ["witness", "--url", live_server, "--out", str(record)]).exit_code == 0
    assert record.read_text().startswith(_head(engine).replace(":", ",") + ",")
    ok = runner.invoke(app, ["verify", "--witness", str(record)])
    assert ok.exit_code == 0, ok.output
    mirror = runner.invoke(app, ["verify-chain", "--url", live_server, "--witness", str(record)])
    assert mirror.exit_code == 0 and "OK" in mirror.output, mirror.output
    seq = int(_head(engine).split(":")[0])
    record.write_text(f"{seq + 5},{'f' * 64},2024-02-14T20:00:00Z\n")  # a head this chain never had
    assert "dipotong" in runner.invoke(app, ["verify", "--witness", str(record)]).output
    assert runner.invoke(app, ["verify-chain", "--url", live_server, "--witness", str(record)]).exit_code == 1
    record.write_text("bukan berkas saksi\n")
    assert runner.invoke(app, ["verify", "--witness", str(record)]).exit_code == 2
