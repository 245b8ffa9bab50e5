"""Paths of the Sirekap-compatible tree: region codes in path segments, and the form photos'
URLs in the shape KPU gave them (shared/spec/sirekap-api.md, "One TPS").

KPU's photo URLs read `https://sirekap-obj-formc.kpu.go.id/{shard}/pemilu/{contest}/{desa code
in pairs}/{tps}-{YYYYMMDD}-{HHMMSS}--{uuid}.jpg`. Ours keep that tail under our own public base
URL and `/sirekap/formc`, so a tool that reads the file name finds the same parts, and our
server resolves the URL back to the photo: the shard is the first 4 hex digits of SHA-256 of
the TPS code (the same for one TPS in every contest, as at KPU), the time is the version's
submission in WIB and the uuid is the first 128 bits of the public copy's SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.localtime import WIB
from suara.domain.regions import NATIONAL, RegionTree, is_code_text, level_of
from suara.publish import sirekap
from suara.publish.routes import STATIC, Builder, Built, NotFound, _point
from suara.store.reference import Reference
from suara.store.schema import form_versions, version_photos

SEGMENT_LENGTHS = (2, 4, 6, 10, 13)
PHOTO_PREFIX = "sirekap/formc"
PHOTO_NAME = re.compile(r"^(?P<tps>[0-9A-Z]{13})-\d{8}-\d{6}--(?P<uuid>[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})\.jpg$")


class BadPath(LookupError):
    """A path whose segments are not a chain of region codes, one level per segment."""


def region_code(codes: Sequence[str]) -> str:
    """'31/3171/317101' -> '317101': each segment one level down, inside the one before it;
    ['0'] is the nation. Says nothing about whether the code exists."""
    if list(codes) == [NATIONAL]:
        return NATIONAL
    if not codes or len(codes) > len(SEGMENT_LENGTHS):
        raise BadPath("/".join(codes))
    for depth, code in enumerate(codes):
        if (len(code) != SEGMENT_LENGTHS[depth] or not is_code_text(code)
                or (depth and not code.startswith(codes[depth - 1]))):
            raise BadPath("/".join(codes))
    return codes[-1]


def chain(kode: str) -> list[str]:
    """The path segments of a region or TPS: '317101' -> ['31', '3171', '317101']."""
    if kode == NATIONAL:
        return []
    return [kode[:n] for n in SEGMENT_LENGTHS if n <= len(kode)]


def region_path(base: str, kode: str) -> str:
    """'pemilu/hhcw/ppwp' + '3171' -> 'pemilu/hhcw/ppwp/31/3171.json' (the nation: base.json)."""
    segments = chain(kode)
    return f"{base}/{'/'.join(segments)}.json" if segments else f"{base}.json"


def shard(tps: str) -> str:
    return hashlib.sha256(tps.encode()).hexdigest()[:4]


def photo_path(group: str, kind: str, tps: str, submitted_at: datetime, digest: str) -> str:
    """The photo's path below the public base URL."""
    pairs = "/".join(tps[i:i + 2] for i in range(0, 10, 2))
    stamp = submitted_at.astimezone(WIB).strftime("%Y%m%d-%H%M%S")
    return f"{PHOTO_PREFIX}/{shard(tps)}/{group}/{kind}/{pairs}/{tps}-{stamp}--{uuid.UUID(digest[:32])}.jpg"


def photo_url(base_url: str, group: str, kind: str, tps: str, submitted_at: datetime, digest: str) -> str:
    return f"{base_url.rstrip('/')}/{photo_path(group, kind, tps, submitted_at, digest)}"


def find_photo(conn: Connection, kinds: dict[str, tuple[str, str]], path: str) -> tuple[str, str] | None:
    """The public photo a photo path names, as (sha256, media type); None when it names none.

    kinds maps a contest key to its (group, kind) path segments. The path is rebuilt from what
    is stored and must match exactly, so each photo has one URL.
    """
    name = PHOTO_NAME.match(path.rsplit("/", 1)[-1])
    if name is None:
        return None
    prefix = name["uuid"].replace("-", "")
    stmt = (select(version_photos.c.public_sha256, version_photos.c.media_type, form_versions.c.contest,
                   form_versions.c.submitted_at)
            .join(form_versions, form_versions.c.id == version_photos.c.version_id)
            .where(form_versions.c.tps == name["tps"]))
    for row in conn.execute(stmt):
        where = kinds.get(row.contest)
        if where is None or not row.public_sha256.startswith(prefix):
            continue
        if photo_path(*where, name["tps"], row.submitted_at, row.public_sha256) == path:
            return str(row.public_sha256), str(row.media_type)
    return None


# --- shared by the route modules ----------------------------------------------------------------

def contest_of(reference: Reference, key: str) -> Contest:
    contest = reference.contests.get(key)
    if contest is None:
        raise NotFound("unknown_contest", f"tidak ada pemilihan {key!r}")
    return contest


def static(render: Any) -> Builder:
    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        return Built(render(moment), None, STATIC, seq)
    return build


def resolve(scope: ContestScope, codes: Sequence[str]) -> str:
    """The region or TPS a path's segments name, inside the contest; NotFound otherwise (a DPRD
    path under 99 is outside its contest)."""
    try:
        kode = region_code(codes)
    except BadPath:
        raise NotFound("unknown_region", f"wilayah tidak dikenal: {'/'.join(codes)}") from None
    known = scope.tree.has_tps(kode) if len(kode) == 13 else kode in scope.tree
    if not known:
        raise NotFound("unknown_region", f"wilayah tidak dikenal: {'/'.join(codes)}")
    if not scope.contest.covers(kode):
        raise NotFound("outside_contest", f"wilayah {kode} di luar wilayah pemilihan {scope.contest.key}")
    return kode


def list_entries(tree: RegionTree, kode: str, children: Sequence[Any], tps: Sequence[str],
                 station_names: Any) -> list[dict[str, Any]]:
    if level_of(kode) == 4:
        entries = [sirekap.region_entry(station_names(t), tree.region_id(t), t, 5) for t in tps]
    else:
        entries = [sirekap.region_entry(c.nama, tree.region_id(c.kode), c.kode, c.tingkat) for c in children]
    return sirekap.sort_by_nama(entries)


def scope_list(scope: ContestScope, kode: str) -> list[dict[str, Any]]:
    """Children (or, under a desa, the TPS with their station names) the contest covers."""
    return list_entries(scope.tree, kode, scope.children(kode), list(scope.tps_of(kode)),
                        lambda t: scope.station(t).nama)
