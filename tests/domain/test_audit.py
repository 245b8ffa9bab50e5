"""The audit hash chain."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from suara.domain.audit import GENESIS, canonical, content_hash, event_hash

EVENT: dict[str, Any] = {
    "prev_hash": GENESIS,
    "seq": 1,
    "at": "2024-02-14T13:05:00Z",
    "kind": "form.stored",
    "actor": "kpps:3101011001005",
    "subject": "3101011001005/ppwp",
    "payload_text": canonical({"suara": {"1": 60, "2": 122, "3": 64}, "suara_sah": 246, "version": 1}).decode(),
}


def test_genesis_is_64_zeros() -> None:
    assert GENESIS == "0" * 64


def test_event_hash_is_a_sha256_hex_digest_and_deterministic() -> None:
    h = event_hash(**EVENT)
    assert len(h) == 64 and all(c in "0123456789abcdef" for c in h)
    assert event_hash(**EVENT) == h


def test_event_hash_covers_exactly_the_documented_body() -> None:
    body = b'["kpps:3101011001005","3101011001005/ppwp"]\n' + EVENT["payload_text"].encode()
    digest = hashlib.sha256(body).hexdigest()
    link = '["' + GENESIS + '",1,"2024-02-14T13:05:00Z","form.stored","' + digest + '"]'
    assert event_hash(**EVENT) == hashlib.sha256(link.encode()).hexdigest()


CHANGES = [
    ("prev_hash", "f" * 64),
    ("prev_hash", "0" * 63 + "1"),
    ("seq", 2),
    ("at", "2024-02-14T13:05:01Z"),
    ("kind", "form.corrected"),
    ("actor", "kpps:3101011001006"),
    ("subject", "3101011001005/pkwkp-31"),
    ("payload_text", canonical({"suara": {"1": 60, "2": 122, "3": 65}, "suara_sah": 246, "version": 1}).decode()),
    ("payload_text", canonical({"suara": {"1": 60, "2": 122, "3": 64}, "suara_sah": 246, "version": 2}).decode()),
    ("payload_text", canonical({"suara": {"1": 60, "2": 122, "3": 64}, "suara_sah": 246}).decode()),
    ("payload_text", "null"),
    ("payload_text", ""),
]


@pytest.mark.parametrize(("field", "value"), CHANGES)
def test_event_hash_changes_with_any_field(field: str, value: Any) -> None:
    assert event_hash(**{**EVENT, field: value}) != event_hash(**EVENT)


def test_fields_cannot_be_swapped() -> None:
    swapped = {**EVENT, "actor": EVENT["subject"], "subject": EVENT["actor"]}
    assert event_hash(**swapped) != event_hash(**EVENT)


def test_field_boundaries_cannot_shift() -> None:
    shifted = {**EVENT, "actor": EVENT["actor"] + '","', "subject": EVENT["subject"][3:]}
    assert event_hash(**shifted) != event_hash(**EVENT)


def test_chain_links_depend_on_previous_hash() -> None:
    first = event_hash(**EVENT)
    second = event_hash(**{**EVENT, "prev_hash": first, "seq": 2})
    tampered_first = event_hash(**{**EVENT, "payload_text": '{"suara_sah":999}'})
    assert event_hash(**{**EVENT, "prev_hash": tampered_first, "seq": 2}) != second


def test_canonical_is_key_order_independent() -> None:
    a = {"b": 1, "a": {"y": [1, 2], "x": "z"}, "c": None}
    b = {"c": None, "a": {"x": "z", "y": [1, 2]}, "b": 1}
    assert list(a) != list(b)
    assert canonical(a) == canonical(b)
    assert content_hash(a) == content_hash(b)


def test_canonical_format() -> None:
    assert canonical({"b": 1, "a": [1, "x"], "ñ": "é"}) == '{"a":[1,"x"],"b":1,"ñ":"é"}'.encode()


def test_canonical_keeps_list_order() -> None:
    assert canonical([1, 2]) != canonical([2, 1])
    assert content_hash({"a": [1, 2]}) != content_hash({"a": [2, 1]})


def test_content_hash_is_sha256_of_canonical() -> None:
    value = {"tps": "3101011001005", "suara_sah": 246}
    assert content_hash(value) == hashlib.sha256(b'{"suara_sah":246,"tps":"3101011001005"}').hexdigest()
