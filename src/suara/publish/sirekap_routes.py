"""Which document of the Sirekap-compatible tree a path names, and how to build it.

The paths are KPU's (shared/spec/sirekap-api.md). Every contest is counted on its own
election's TPS list: children, TPS lists and progress ("progres.total") come from
`reference.scope(contest)`, never from the base tree. The dapil paths are in
sirekap_dapil_routes; the official recapitulation (/pemilu/hr/..., /pilkada/hr/...) in
sirekap_recap, whose builders the server caches by the recapitulation's state, not the tally's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.regions import NATIONAL, OVERSEAS, level_of
from suara.domain.tally import Totals
from suara.publish import sirekap, sirekap_dapil_routes, sirekap_legislative, sirekap_recap
from suara.publish.routes import FRESHNESS, Builder, Built, NotFound, _point
from suara.publish.sirekap_paths import (
    BadPath,
    contest_of,
    list_entries,
    photo_url,
    region_code,
    resolve,
    scope_list,
    static,
)
from suara.store.reference import Reference
from suara.tally.queries import CurrentVersion, current_versions, photos_of, rollup, rollups_of

PILKADA_KINDS = ("pkwkp", "pkwkk")
NATIONAL_KINDS = ("ppwp", "pdpr", "pdprdp", "pdprdk")  # one contest for the nation, keyed by kind
PEMILU_KINDS = (*NATIONAL_KINDS, "pdpd")
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True, slots=True)
class BuiltMany(Built):
    """A document that shows several contests (a province's bupati/walikota races): the
    publisher drops it when any of them changes."""

    also_depends_on: tuple[tuple[str, str], ...] = ()


def sirekap_document(reference: Reference, path: str, base_url: str = DEFAULT_BASE_URL) -> Builder:
    """Resolve a path of the Sirekap tree (without the /sirekap prefix, with .json); photo URLs
    in TPS documents start with base_url."""
    if not path.endswith(".json"):
        raise NotFound("not_found", f"tidak ada dokumen {path!r}")
    parts = path[: -len(".json")].split("/")
    match parts:
        case ["pemilu", "ppwp"]:
            return static(lambda moment: sirekap.candidates_doc(contest_of(reference, "ppwp"), moment))
        case ["pilkada", "paslon", kind] if kind in PILKADA_KINDS:
            chosen = [c for c in reference.contests.values() if c.kind == kind]
            return static(lambda moment: sirekap.pilkada_candidates_doc(chosen, moment))
        case ["pemilu", "partai"] | ["pemilu", "caleg", *_] | ["wilayah", "pemilu", "pdpr", "dapil_dpr"]:
            return sirekap_dapil_routes.ballots(reference, parts)
        case ["wilayah", "pemilu", "pdprdp", p] if p != NATIONAL:
            return sirekap_dapil_routes.dapil_list(reference, "pdprdp", [p])
        case ["wilayah", "pemilu", "pdprdk", p, k]:
            return sirekap_dapil_routes.dapil_list(reference, "pdprdk", [p, k])
        case ["wilayah", "pemilu", "pdprdk", p, k, d] if sirekap_dapil_routes.is_dapil(reference, "pdprdk", d):
            return sirekap_dapil_routes.dapil_list(reference, "pdprdk", [p, k, d])
        case ["wilayah", "pemilu", "pdpd", *codes]:
            return _pdpd_list(reference, codes)
        case ["wilayah", "pemilu", kind, *codes] if kind in NATIONAL_KINDS:
            return _region_list(reference.scope(contest_of(reference, kind)), codes)
        case ["wilayah", "pilkada", kind, *codes] if kind in PILKADA_KINDS:
            return _pilkada_list(reference, kind, codes)
        case ["pemilu", "hhcw", kind, *codes] if kind in NATIONAL_KINDS:
            return _hhcw(reference, contest_of(reference, kind), codes, base_url)
        case ["pemilu", "hhcw", "pdpd", p, *codes]:
            return _hhcw(reference, contest_of(reference, f"pdpd-{p}"), [p, *codes], base_url)
        case ["pemilu", "hhcd", *rest]:
            return sirekap_dapil_routes.hhcd(reference, rest)
        case ["pilkada", "hhcw", "pkwkp", p, *codes]:
            return _hhcw(reference, contest_of(reference, f"pkwkp-{p}"), [p, *codes], base_url)
        case ["pilkada", "hhcw", "pkwkk", p]:
            return _pilkada_races(reference, p)
        case ["pilkada", "hhcw", "pkwkk", p, k, *codes]:
            return _hhcw(reference, contest_of(reference, f"pkwkk-{k}"), [p, k, *codes], base_url)
        case ["pemilu", "hr", *_] | ["pilkada", "hr", *_]:
            return sirekap_recap.document(reference, parts, base_url)
    raise NotFound("not_found", f"tidak ada dokumen {path!r}")


# --- region lists ------------------------------------------------------------------------------

def _region_list(scope: ContestScope, codes: list[str]) -> Builder:
    kode = resolve(scope, codes)
    if len(kode) == 13:
        raise NotFound("not_found", "daftar wilayah berhenti di desa")
    return static(lambda _: scope_list(scope, kode))


def _pdpd_list(reference: Reference, codes: list[str]) -> Builder:
    """DPD races are per province: 0.json lists the provinces with a race, below it the race's own."""
    if codes in ([], [NATIONAL]):
        races = [c for c in reference.contests.values() if c.kind == "pdpd"]
        tree = reference.tree
        return static(lambda _: sirekap.sort_by_nama(
            sirekap.region_entry(tree.get(c.region).nama, tree.region_id(c.region), c.region, 1)
            for c in races if c.region in tree))
    return _region_list(reference.scope(contest_of(reference, f"pdpd-{codes[0]}")), codes)


def _pilkada_list(reference: Reference, kind: str, codes: list[str]) -> Builder:
    """The Pilkada election's own lists: every province and kab/kota with Pilkada TPS, whether or
    not it has a race of this kind (DI Yogyakarta has no governor race but lists its kab/kota)."""
    races = [c for c in reference.contests.values() if c.kind == kind]
    if not races:
        raise NotFound("unknown_contest", f"tidak ada pemilihan {kind}")
    tree = reference.tree_of(races[0])
    kode = NATIONAL if codes == [NATIONAL] else None
    if kode is None:
        try:
            kode = region_code(codes)
        except BadPath:
            raise NotFound("unknown_region", f"wilayah tidak dikenal: {'/'.join(codes)}") from None
    if kode.startswith(OVERSEAS) or kode not in tree:
        raise NotFound("unknown_region", f"wilayah tidak dikenal: {'/'.join(codes)}")

    def covered(c: Any) -> bool:
        return not c.kode.startswith(OVERSEAS) and (c.tps_total > 0 or c.tingkat == 4)
    children = [c for c in tree.children(kode) if covered(c)]
    tps = list(tree.tps_of(kode)) if level_of(kode) == 4 else []
    return static(lambda _: list_entries(tree, kode, children, tps, lambda t: tree.station(t).nama))


# --- results by region -------------------------------------------------------------------------

def images_of(contest: Contest, version: CurrentVersion | None, photos: dict[int, dict[int, str]],
              base_url: str) -> list[str | None]:
    """One URL or null per page of the contest's form (photos: by version id and page)."""
    if version is None:
        return []
    stored = photos.get(version.version_id, {})
    group = contest.info.election_kind
    return [photo_url(base_url, group, contest.kind, version.tps, version.submitted_at, stored[page])
            if page in stored else None for page in range(1, contest.info.pages + 1)]


def tps_document(reference: Reference, contest: Contest, tps: str, version: CurrentVersion | None,
                 images: Sequence[str | None], moment: Any) -> dict[str, Any]:
    if contest.is_party_list and reference.book is not None:
        book = reference.book
        found = book.dapil_of(contest.kind, tps)
        kode_dapil = found.kode if found is not None else None
        dapil = version.form.get("dapil", kode_dapil) if version is not None else kode_dapil
        standing = book.standing(contest.kind, dapil) if dapil else {}
        return sirekap_legislative.tps_doc(version, kode_dapil, standing, images, contest.info.pages, moment)
    return sirekap.tps_doc(contest, version, images, moment)


def region_document(reference: Reference, contest: Contest, kode: str, own: Totals, tps_total: int,
                    rows: Sequence[sirekap.Row], moment: Any) -> dict[str, Any]:
    if contest.info.election_kind == "pilkada":
        return sirekap.pilkada_region_doc(contest, own, tps_total, rows, moment)
    if contest.is_party_list and reference.book is not None:
        keys = sirekap_legislative.region_parties(reference.book, contest, kode)
        return sirekap.region_doc(keys, own, tps_total, rows, moment, chart_persen=False)
    return sirekap.region_doc(sirekap.paslon_keys(contest), own, tps_total, rows, moment)


def desa_rows(scope: ContestScope, desa: str, versions: dict[str, CurrentVersion]) -> list[sirekap.Row]:
    rows = []
    for tps in scope.tps_of(desa):
        totals = Totals()
        if tps in versions:
            totals.apply(versions[tps].contribution)
        rows.append((tps, totals, 1))
    return rows


def _hhcw(reference: Reference, contest: Contest, codes: list[str], base_url: str) -> Builder:
    scope = reference.scope(contest)
    kode = resolve(scope, codes) if codes else NATIONAL
    if kode == NATIONAL and not contest.info.national:
        raise NotFound("unknown_contest", f"{contest.key} tidak memiliki dokumen nasional")
    if len(kode) == 13:
        def build_tps(conn: Connection) -> Built:
            seq, moment = _point(conn)
            version = current_versions(conn, contest.key, kode).get(kode)
            photos = photos_of(conn, [version.version_id]) if version is not None else {}
            doc = tps_document(reference, contest, kode, version, images_of(contest, version, photos, base_url), moment)
            return Built(doc, (contest.key, kode), FRESHNESS[5], seq)
        return build_tps

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        own = rollup(conn, contest.key, kode)
        if level_of(kode) == 4:
            rows = desa_rows(scope, kode, current_versions(conn, contest.key, kode))
        else:
            children = scope.children(kode)
            found = rollups_of(conn, contest.key, [c.kode for c in children])
            rows = [(c.kode, found[c.kode], scope.tps_total(c.kode)) for c in children]
        doc = region_document(reference, contest, kode, own, scope.tps_total(kode), rows, moment)
        return Built(doc, (contest.key, kode), FRESHNESS[level_of(kode)], seq)
    return build


def _pilkada_races(reference: Reference, provinsi: str) -> Builder:
    races = sorted((c for c in reference.contests.values() if c.kind == "pkwkk" and c.region[:2] == provinsi
                    and len(provinsi) == 2), key=lambda c: c.region)
    if not races:
        raise NotFound("unknown_contest", f"tidak ada pemilihan bupati/walikota di wilayah {provinsi!r}")

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        rows = [(c, rollup(conn, c.key, c.region), reference.scope(c).tps_total(c.region)) for c in races]
        return BuiltMany(sirekap.pilkada_races_doc(rows, moment), (races[0].key, races[0].region), FRESHNESS[1], seq,
                         also_depends_on=tuple((c.key, c.region) for c in races[1:]))
    return build
