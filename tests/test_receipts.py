"""Signed receipts: issued for every stored version (the same for a replay), checked against the
database and against a deployment's public API, on SQLite and PostgreSQL. A tampered receipt, a
receipt under another key and one naming a version the chain does not hold are refused."""

from __future__ import annotations

import base64
import dataclasses
import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from helpers import ppwp_form
from sqlalchemy import Engine, select

from suara.domain.access import Role
from suara.domain.audit import content_hash
from suara.domain.receipts import Receipt, ReceiptError, parse_receipt, sign
from suara.services.accounts import create_account
from suara.services.receipts import ReceiptCheck, check_local, check_remote, issue, version_event
from suara.services.submission import Submission, submit_forms
from suara.store import audit
from suara.store.schema import audit_events, form_versions
from suara.tally.fold import fold_all

KEY = Ed25519PrivateKey.generate()
TPS = "3171011001001"


def store(engine: Engine, reference: Any, *forms: dict[str, Any]) -> list[int]:
    results = submit_forms(engine, reference, [Submission(f, f"k-{content_hash(f)[:12]}", "kpps-1") for f in forms])
    return [r.version_id for r in results]  # type: ignore[union-attr]


def test_a_receipt_names_the_version_its_hash_and_its_chain_event(engine: Engine, reference: Any) -> None:
    [version_id] = store(engine, reference, ppwp_form(TPS))
    receipt = issue(engine, KEY, version_id)
    assert receipt is not None
    with engine.connect() as conn:
        row = conn.execute(select(form_versions).where(form_versions.c.id == version_id)).one()
        event = conn.execute(select(audit_events).where(audit_events.c.seq == receipt.chain_seq)).one()
    assert (receipt.tps, receipt.contest, receipt.version_no, receipt.content_hash) == (TPS, "ppwp", 1, row.content_hash)
    assert content_hash(ppwp_form(TPS)) == receipt.content_hash
    assert event.kind == "form.version" and orjson.loads(event.payload)["version_id"] == version_id
    assert (receipt.chain_hash, receipt.stored_at) == (event.hash, event.at)
    # deterministic: asked again (a replay of the submission), the very same receipt
    assert issue(engine, KEY, version_id) == receipt
    result = check_local(engine, receipt, KEY.public_key())
    assert result.valid and result.problems == [] and result.current_version == 1


def test_every_version_is_found_in_a_chain_with_other_events_between(engine: Engine, reference: Any) -> None:
    """The search by seq finds each version's event though accounts and batches sit between."""
    ids = []
    for n in range(7):
        ids += store(engine, reference, *[ppwp_form(TPS, (10 + n, k, 3)) for k in range(1, 2 + n % 3)])
        create_account(engine, f"saksi-{n}", "rahasia-sekali-123", Role.SAKSI, "31", "test")
    with engine.connect() as conn:
        truth = {orjson.loads(r.payload)["version_id"]: r.seq for r in
                 conn.execute(select(audit_events.c.seq, audit_events.c.payload).where(audit_events.c.kind == "form.version"))}
        assert len(truth) == len(ids) == 13
        for version_id in ids:
            assert version_event(conn, version_id).seq == truth[version_id]
        assert version_event(conn, max(ids) + 1) is None
    assert issue(engine, KEY, max(ids) + 1) is None


@pytest.mark.parametrize("field, value", [("version_no", 2), ("content_hash", "0" * 64), ("tps", "3171011001002"),
                                          ("stored_at", "2024-02-14T06:00:00+00:00")])
def test_a_tampered_receipt_fails_its_signature(engine: Engine, reference: Any, field: str, value: Any) -> None:
    [version_id] = store(engine, reference, ppwp_form(TPS))
    receipt = issue(engine, KEY, version_id)
    forged = dataclasses.replace(receipt, **{field: value})  # type: ignore[type-var]
    result = check_local(engine, forged, KEY.public_key())
    assert not result.valid
    assert any("tanda tangan tidak sah" in p for p in result.problems), result.problems


def test_a_receipt_under_another_key_is_refused(engine: Engine, reference: Any) -> None:
    [version_id] = store(engine, reference, ppwp_form(TPS))
    other = Ed25519PrivateKey.generate()
    receipt = issue(engine, other, version_id)
    result = check_local(engine, receipt, KEY.public_key())
    assert not result.valid and "bukan kunci yang diberikan" in result.problems[0]


def test_a_signed_receipt_for_a_version_the_chain_does_not_hold_is_refused(engine: Engine, reference: Any) -> None:
    """Even signed with the deployment's key (a leaked key, a bug): the record decides."""
    [version_id] = store(engine, reference, ppwp_form(TPS))
    genuine = issue(engine, KEY, version_id)
    with engine.connect() as conn:
        head = audit.head(conn)[0]
    beyond = sign(KEY, dataclasses.replace(genuine, version_no=2, chain_seq=head + 5))
    assert any("tidak ada di rantai" in p for p in check_local(engine, beyond, KEY.public_key()).problems)
    other_content = sign(KEY, dataclasses.replace(genuine, content_hash="ab" * 32))
    problems = check_local(engine, other_content, KEY.public_key()).problems
    assert any("content_hash di rantai" in p for p in problems), problems
    not_a_form = sign(KEY, dataclasses.replace(genuine, chain_seq=1))  # the first event: reference data
    problems = check_local(engine, not_a_form, KEY.public_key()).problems
    assert any("bukan penyimpanan versi formulir" in p or "hash di rantai" in p for p in problems), problems


def test_the_compact_form_and_a_link_hold_the_same_receipt(engine: Engine, reference: Any) -> None:
    [version_id] = store(engine, reference, ppwp_form(TPS))
    receipt = issue(engine, KEY, version_id)
    assert receipt is not None
    compact = receipt.compact()
    assert compact.startswith("SK1.") and len(compact) < 700
    assert parse_receipt(compact) == receipt
    assert parse_receipt(orjson.dumps(receipt.as_dict()).decode()) == receipt
    assert parse_receipt(f"https://suara.example/kwitansi?r={compact}") == receipt
    assert parse_receipt(receipt.as_dict()) == receipt


@pytest.mark.parametrize("text, says", [
    ("halo", "bukan kwitansi"), ("SK1.!!!", "rusak"), ('{"v": 1}', "kurang"), ("[1, 2]", "harus objek"),
    (('{"v": 2, "tps": "", "contest": "", "version_no": 1, "content_hash": "", "chain_seq": 1, "chain_hash": "", '
     '"stored_at": "", "key_id": "", "sig": ""}'), "versi kwitansi"),
    ("x" * 5000, "terlalu panjang")])
def test_text_that_is_not_a_receipt_says_why(text: str, says: str) -> None:
    with pytest.raises(ReceiptError, match=says):
        parse_receipt(text)


def settled(check: Callable[[], ReceiptCheck], done: Callable[[ReceiptCheck], bool] = lambda c: not c.pending,
            tries: int = 100) -> ReceiptCheck:
    """The check once the server's publisher has caught up with the tally (it refreshes every 0.25 s)."""
    for _ in range(tries):
        result = check()
        if done(result):
            return result
        time.sleep(0.1)
    return result


def test_a_receipt_checked_over_a_deployments_public_api(engine: Engine, reference: Any, live_server: str) -> None:
    [version_id] = store(engine, reference, ppwp_form(TPS))
    receipt = issue(engine, KEY, version_id)
    assert receipt is not None
    before_fold = check_remote(live_server, receipt, KEY.public_key())
    assert before_fold.valid or (before_fold.pending and not before_fold.problems)
    fold_all(engine)
    result = settled(lambda: check_remote(live_server, receipt, KEY.public_key()))
    assert result.valid, result.problems
    # a newer version (a correction) leaves the old receipt valid, and says which is current
    store(engine, reference, ppwp_form(TPS, (1, 2, 3)))
    fold_all(engine)
    later = settled(lambda: check_remote(live_server, receipt, KEY.public_key()), lambda c: c.current_version == 2)
    assert later.valid and later.current_version == 2
    tampered = dataclasses.replace(receipt, chain_hash="f" * 64)
    assert not check_remote(live_server, tampered, KEY.public_key()).valid
    forged = sign(KEY, dataclasses.replace(receipt, content_hash="0" * 64))
    problems = check_remote(live_server, forged, KEY.public_key()).problems
    assert any("content_hash" in p for p in problems), problems


def test_issue_skips_what_the_chain_does_not_hold(engine: Engine) -> None:
    assert issue(engine, KEY, 1) is None


def test_receipt_fields_are_signed_in_canonical_order() -> None:
    """The bytes signed are the canonical JSON of every field but sig: any language re-derives them."""
    receipt = sign(KEY, Receipt(TPS, "ppwp", 1, "a" * 64, 9, "b" * 64, "2024-02-14T06:00:00+00:00", ""))
    signed = receipt.signed_bytes()
    assert signed.startswith(b'{"chain_hash":"' + b"b" * 64) and b'"sig"' not in signed
    KEY.public_key().verify(base64.urlsafe_b64decode(receipt.sig + "=="), signed)
