"""The chain of publications behind a snapshot: every `suara publish` into the same place writes,
beside the full manifest of the current state (manifest.json, snapshot.py), a signed record of
what that publication changed, linked to the one before it:

    manifests/manifest-<n>.json  {"format": "suara-publication/1", "number": n,
                                  "previous": {"number": n-1, "sha256": "<hex of its bytes>"} | null,
                                  "full": true|false, "created", "meta", "chain_head",
                                  "files": {"<path>": {"sha256", "bytes"}, ...},  # written by it
                                  "removed": ["<path>", ...]}                    # deleted by it
    manifests/manifest-<n>.sig   base64 Ed25519 signature of its exact bytes

A full publication (the first, or `--full`) lists every file; an increment only what it wrote.
manifest.json names the latest record ("publication": {"number", "path", "sha256"}), so the
signed full manifest, the records and the files all have to agree: replaying the records from
the first lists exactly the files of manifest.json. A mirror that holds a verified state at
publication k checks publication k+1 with nothing but its record and the files it names
(`check_increment`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from suara.publish.snapshot import CHAIN_DIR

PUBLICATION_FORMAT = "suara-publication/1"
P_CHAIN = "chain"  # a publication record missing, unsigned, altered, out of order, or not adding up
RECORD_NAME = re.compile(rf"{CHAIN_DIR}/manifest-([1-9][0-9]*)\.(json|sig)")

Entry = tuple[int, str]  # (bytes, sha256)
Read = Callable[[str], bytes | None]


def record_path(number: int) -> str:
    return f"{CHAIN_DIR}/manifest-{number}.json"


def signature_path(number: int) -> str:
    return f"{CHAIN_DIR}/manifest-{number}.sig"


def canonical(content: Mapping[str, Any]) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return base64.b64encode(key.sign(data)) + b"\n"


def signature_valid(key: Ed25519PublicKey, data: bytes, signature_text: bytes | None) -> bool:
    if signature_text is None:
        return False
    try:
        key.verify(base64.b64decode(signature_text.strip(), validate=True), data)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def record(number: int, previous_sha256: str | None, *, full: bool, created: str, meta: Mapping[str, Any],
           chain_head: tuple[int, str] | None, files: Mapping[str, Mapping[str, Any]],
           removed: list[str]) -> bytes:
    """The canonical bytes of publication `number`'s record."""
    content: dict[str, Any] = {
        "format": PUBLICATION_FORMAT, "number": number, "full": full, "created": created, "meta": dict(meta),
        "previous": None if previous_sha256 is None else {"number": number - 1, "sha256": previous_sha256},
        "files": files, "removed": sorted(removed)}
    if chain_head is not None:
        content["chain_head"] = {"seq": chain_head[0], "hash": chain_head[1]}
    return canonical(content)


@dataclass(frozen=True, slots=True)
class ChainProblem:
    path: str | None
    detail: str


def _entries(files: object) -> dict[str, Entry] | None:
    if not isinstance(files, dict):
        return None
    found: dict[str, Entry] = {}
    for path, entry in files.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("bytes"), int) \
                or not isinstance(entry.get("sha256"), str):
            return None
        found[path] = (entry["bytes"], entry["sha256"])
    return found


def _parse_record(data: bytes, number: int) -> dict[str, Any] | str:
    """The record as a dict, or why it is not one."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return f"not valid JSON: {exc}"
    if not isinstance(doc, dict) or doc.get("format") != PUBLICATION_FORMAT:
        return f"not a {PUBLICATION_FORMAT} record"
    if doc.get("number") != number:
        return f"says it is publication {doc.get('number')!r}, its name says {number}"
    if not isinstance(doc.get("removed"), list) or _entries(doc.get("files")) is None:
        return "has no well-formed 'files' and 'removed'"
    return doc


def check_increment(data: bytes, signature: bytes | None, key: Ed25519PublicKey, number: int,
                    previous_sha256: str | None) -> tuple[dict[str, Any] | None, list[ChainProblem]]:
    """Publication `number`'s record, checked on its own: signed by `key`, well formed, linked to
    the record whose SHA-256 is `previous_sha256` (None: it must be the first). Returns the
    parsed record (None when unusable) and the problems found."""
    name = record_path(number)
    problems: list[ChainProblem] = []
    if not signature_valid(key, data, signature):
        problems.append(ChainProblem(name, "signature missing or not valid for this record"))
    doc = _parse_record(data, number)
    if isinstance(doc, str):
        return None, [*problems, ChainProblem(name, doc)]
    previous = doc.get("previous")
    if previous_sha256 is None:
        if previous is not None:
            problems.append(ChainProblem(name, "names a predecessor, but none comes before it"))
        if doc.get("full") is not True:
            problems.append(ChainProblem(name, "the first publication must be full"))
    elif not isinstance(previous, dict) or previous.get("number") != number - 1 \
            or previous.get("sha256") != previous_sha256:
        problems.append(ChainProblem(name, f"link broken: does not name the SHA-256 of {record_path(number - 1)}"))
    return doc, problems


def check_chain(read: Read, key: Ed25519PublicKey, publication: object,
                files: Mapping[str, Entry]) -> tuple[int, list[ChainProblem]]:
    """Every record from the first to the one manifest.json names (`publication`): each signed
    and linked to the one before, tally points never going back, and the files they list, replayed
    in order, exactly `files` (manifest.json's). Returns how many records were checked."""
    if not isinstance(publication, dict) or not isinstance(publication.get("number"), int) \
            or publication["number"] < 1:
        return 0, [ChainProblem("manifest.json", "'publication' does not name a publication number")]
    last = publication["number"]
    if publication.get("path") != record_path(last):
        return 0, [ChainProblem("manifest.json", f"'publication' path is not {record_path(last)}")]
    problems: list[ChainProblem] = []
    state: dict[str, Entry] = {}
    previous_sha256: str | None = None
    previous_seq = -1
    for number in range(1, last + 1):
        data = read(record_path(number))
        if data is None:
            problems.append(ChainProblem(record_path(number), "record is missing; the chain stops here"))
            return number - 1, problems
        doc, found = check_increment(data, read(signature_path(number)), key, number, previous_sha256)
        problems.extend(found)
        previous_sha256 = hashlib.sha256(data).hexdigest()
        if doc is None:
            return number, problems
        seq = doc["meta"].get("tally_seq") if isinstance(doc.get("meta"), dict) else None
        if isinstance(seq, int):
            if seq < previous_seq:
                problems.append(ChainProblem(record_path(number), f"tally point {seq} is before the previous "
                                                                  f"publication's {previous_seq}"))
            previous_seq = seq
        written = _entries(doc["files"]) or {}
        if doc.get("full") is True:
            state = {}
        state.update(written)
        for path in doc["removed"]:
            state.pop(path, None)
    if publication.get("sha256") != previous_sha256:
        problems.append(ChainProblem("manifest.json", f"names a {record_path(last)} other than the one present"))
    if state != dict(files):
        differing = sorted(p for p in state.keys() | files.keys() if state.get(p) != files.get(p))
        shown = ", ".join(differing[:5]) + (" ..." if len(differing) > 5 else "")
        problems.append(ChainProblem("manifest.json", f"the publications replayed do not give its files "
                                                      f"({len(differing)} differ: {shown})"))
    return last, problems
