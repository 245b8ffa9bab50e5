"""One publication of the public tree into a target (targets.py): the first is full; each one
after writes only the documents whose data changed since the tally point the previous one was
made at, and a signed record of it linked to the previous record (snapshot_chain.py).

What changed comes from the tally, as for the server's publisher: the rollups whose tally_seq
moved past the previous publication's (every region above a new form, a dapil, the nation) and
the TPS with a version folded since its cursor. A document is rendered again when one of the
(contest, region or TPS) pairs it depends on (tree.py) is among them, when it is new (a contest
published for the first time), or always for the recapitulation's few documents; a rendered
document whose bytes equal the published ones is left alone. Documents of the previous tree
that the new one no longer has (a contest left out) are removed, and the record lists them.

Unchanged documents keep the bytes they were published with, tally point (as_of) included, as
the server keeps a rendered document until what it shows changes; a full publication at the same
point differs from an increment only in those stamps.

A publication is full when there is no previous one, when asked (`full=True`), when the previous
snapshot has no chain (an older format), or when the photo base URL changed. The previous
manifest must be signed by the same key, else PublishError: a deployment never extends a tree
it did not sign.

Pure of Rich and printing; `progress(files, bytes)` and `should_stop()` are the caller's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from suara.domain.contests import Contest
from suara.publish import snapshot_chain, tree
from suara.publish.own import DISCLAIMER
from suara.publish.snapshot import FORMAT, MANIFEST, PUBLIC_KEY, SIGNATURE, _utc_text, check_path
from suara.publish.snapshot_keys import public_key_text
from suara.publish.targets import Target
from suara.publish.tree_groups import Dependency, Snapshot, Source, needs_render
from suara.store import audit
from suara.store.engine import one_snapshot
from suara.store.reference import Reference
from suara.tally.fold import tally_point
from suara.tally.queries import changed_since, tps_changed_between


class PublishError(Exception):
    """The target holds something this deployment must not extend or replace."""


class Stopped(Exception):
    """A stop was asked for while documents were being staged: the target is as it was."""


@dataclass(frozen=True, slots=True)
class Previous:
    number: int  # 0: no chain (an older snapshot)
    record_sha256: str | None
    meta: dict[str, Any]
    files: dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PublicationResult:
    number: int
    full: bool
    reason: str  # why full, or "" for an increment
    written: int  # documents written by this publication
    written_bytes: int
    removed: int
    files: int  # documents in the tree after it
    bytes: int
    tally_seq: int
    manifest_sha256: str
    public_key: str
    chain_head: tuple[int, str]


Progress = Callable[[int, int], None]


def read_previous(target: Target, key: Ed25519PrivateKey) -> Previous | None:
    """The publication the target holds, or None if it is empty."""
    manifest = target.read(MANIFEST)
    if manifest is None:
        return None
    if not snapshot_chain.signature_valid(key.public_key(), manifest, target.read(SIGNATURE)):
        raise PublishError(f"{target.description}: {MANIFEST} is not signed by this deployment's key; "
                           "refusing to extend it (publish into an empty place)")
    doc = orjson.loads(manifest)
    if doc.get("format") != FORMAT or not isinstance(doc.get("files"), dict):
        raise PublishError(f"{target.description}: {MANIFEST} is not a {FORMAT} manifest")
    publication = doc.get("publication")
    number, record_sha256 = 0, None
    if isinstance(publication, dict) and isinstance(publication.get("number"), int):
        number, record_sha256 = publication["number"], publication.get("sha256")
    meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
    return Previous(number, record_sha256, meta, doc["files"])


def full_reason(previous: Previous | None, full: bool, base_url: str) -> str:
    if previous is None:
        return "belum ada publikasi sebelumnya"
    if full:
        return "diminta --full"
    if previous.number == 0:
        return "snapshot lama tanpa rantai publikasi"
    if previous.meta.get("base_url") != base_url:
        return "URL dasar foto berubah"
    if not isinstance(previous.meta.get("tally_seq"), int) or not isinstance(previous.meta.get("last_version_id"), int):
        return "manifest sebelumnya tanpa titik tally"
    return ""


def up_to_date(previous: Previous | None, tally_seq: int, contests: Sequence[Contest], base_url: str) -> bool:
    """Whether the target already shows this tally point of these contests."""
    return (previous is not None and previous.number > 0 and previous.meta.get("tally_seq") == tally_seq
            and previous.meta.get("contests") == [c.key for c in contests]
            and previous.meta.get("base_url") == base_url)


def publish(engine: Engine, reference: Reference, contests: Sequence[Contest], base_url: str, target: Target,
            key: Ed25519PrivateKey, *, full: bool = False, progress: Progress | None = None,
            should_stop: Callable[[], bool] | None = None, created: datetime | None = None,
            previous: Previous | None | bool = True) -> PublicationResult:
    """Publish the chosen contests' tree into `target`, incrementally when it can (see above).
    `previous`: what read_previous(target, key) gave, when the caller has read it already."""
    with engine.connect() as conn:
        # one read transaction for the whole publication (REPEATABLE READ on PostgreSQL, a WAL
        # snapshot on SQLite): the point, the chain head, what changed since the last one and every
        # document agree, whatever the writers do meanwhile
        conn = one_snapshot(conn)
        seq, cursor, moment = tally_point(conn)
        chain_head = audit.head(conn)
        if previous is True or previous is False:
            previous = read_previous(target, key)
        reason = full_reason(previous, full, base_url)
        changed: set[Dependency] = set()
        old_files: dict[str, dict[str, Any]] = {}
        if previous is not None and not reason:
            changed = (changed_since(conn, previous.meta["tally_seq"])
                       | tps_changed_between(conn, previous.meta["last_version_id"], cursor))
            old_files = previous.files
        keep_chain = previous is not None and previous.number > 0
        meta = {"tally_seq": seq, "last_version_id": cursor, "tally_time": moment.isoformat(),
                "contests": [c.key for c in contests], "base_url": base_url, "disclaimer": DISCLAIMER["id"]}

        # The same contests as before: the same paths (the reference data does not change during an
        # election; load new reference data, then publish --full), so a desa whose rollup did not
        # move is passed over without listing its TPS, and nothing is removed.
        same_tree = not reason and previous is not None and previous.meta.get("contests") == meta["contests"]
        target.begin(bool(reason), keep_chain)
        try:
            written, seen = _write(Snapshot(conn), reference, contests, base_url, target, old_files, changed,
                                   bool(reason), same_tree, progress, should_stop)
        except BaseException:
            target.abort()
            raise
    removed = sorted(set(previous.files) - seen) if previous is not None and not same_tree else []
    files = dict(written) if reason else {**old_files, **written}
    for path in removed:
        files.pop(path, None)

    number = (previous.number if keep_chain and previous is not None else 0) + 1
    created_text = _utc_text(created or datetime.now(UTC))
    record = snapshot_chain.record(number, previous.record_sha256 if keep_chain and previous else None,
                                   full=bool(reason), created=created_text, meta=meta, chain_head=chain_head,
                                   files=written, removed=removed)
    record_sha256 = hashlib.sha256(record).hexdigest()
    manifest = snapshot_chain.canonical({
        "format": FORMAT, "created": created_text, "meta": meta, "files": files,
        "chain_head": {"seq": chain_head[0], "hash": chain_head[1]},
        "publication": {"number": number, "path": snapshot_chain.record_path(number), "sha256": record_sha256}})
    public = public_key_text(key)
    target.commit([(snapshot_chain.record_path(number), record),
                   (snapshot_chain.signature_path(number), snapshot_chain.sign(key, record))],
                  [(PUBLIC_KEY, (public + "\n").encode("ascii")), (SIGNATURE, snapshot_chain.sign(key, manifest)),
                   (MANIFEST, manifest)])
    target.remove(removed)
    return PublicationResult(number, bool(reason), reason, len(written), sum(e["bytes"] for e in written.values()),
                             len(removed), len(files), sum(e["bytes"] for e in files.values()), seq,
                             hashlib.sha256(manifest).hexdigest(), public, chain_head)


def _write(source: Source, reference: Reference, contests: Sequence[Contest], base_url: str, target: Target,
           old_files: dict[str, dict[str, Any]], changed: set[Dependency], full: bool, same_tree: bool,
           progress: Progress | None, should_stop: Callable[[], bool] | None
           ) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Render and put what has to be; returns the entries written and every path listed (all
    of the tree's, unless `same_tree` let gated groups pass unlisted)."""
    written: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    total = 0
    for group in tree.groups(source, reference, contests, base_url):
        if same_tree and group.gate is not None and group.gate not in changed:
            continue
        chosen = []
        for path, dependencies in group.paths:
            check_path(path)
            if path in seen:
                raise ValueError(f"document path given twice: {path!r}")
            seen.add(path)
            if full or path not in old_files or needs_render(dependencies, changed):
                chosen.append(path)
        if not chosen:
            continue
        if should_stop is not None and target.stages and should_stop():
            raise Stopped
        for rendered in group.render(None if full else chosen):
            entry: dict[str, Any] = {"bytes": len(rendered.body), "sha256": hashlib.sha256(rendered.body).hexdigest()}
            if not full and old_files.get(rendered.path) == entry:
                continue  # rendered again, same bytes: nothing to write
            target.put(rendered)
            written[rendered.path] = entry
            total += len(rendered.body)
            if progress is not None:
                progress(len(written), total)
    return written, seen
