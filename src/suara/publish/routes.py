"""Which document a public path names, and how to build it from the tally.

Every builder reads inside one read transaction, so a document is one consistent tally point,
and says which (contest, region) it depends on so the publisher can drop it when that changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from suara.domain.ballots import BallotBook
from suara.domain.contests import Contest, UnknownContest
from suara.domain.elections import ContestScope
from suara.domain.regions import NATIONAL, Region, UnknownRegion
from suara.domain.tally import Totals, dapil_rollup_code, rule_order
from suara.publish import nist, opendata, own, own_legislative
from suara.store.reference import Reference
from suara.tally.fold import tally_point
from suara.tally.queries import (
    current_versions,
    flag_examples,
    photos_of,
    rollup,
    rollups_of,
    versions_of,
)

STATIC = "public, max-age=3600"
FRESHNESS = {0: "public, max-age=5, stale-while-revalidate=30", 1: "public, max-age=5, stale-while-revalidate=30",
             2: "public, max-age=15, stale-while-revalidate=60", 3: "public, max-age=15, stale-while-revalidate=60",
             4: "public, max-age=30, stale-while-revalidate=120", 5: "public, max-age=30, stale-while-revalidate=120"}


class NotFound(LookupError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Built:
    value: Any  # a JSON-able value, or bytes already in their final form
    depends_on: tuple[str, str] | None
    cache_control: str
    tally_seq: int
    media_type: str = "application/json"


Builder = Callable[[Connection], Built]


def _contest(reference: Reference, key: str) -> Contest:
    try:
        return reference.contest(key)
    except UnknownContest as exc:
        raise NotFound("unknown_contest", str(exc)) from None


def _region(reference: Reference, contest: Contest, kode: str) -> Region:
    try:
        region = reference.tree.get(kode)
    except UnknownRegion as exc:
        raise NotFound("unknown_region", str(exc)) from None
    if not contest.covers(kode):
        raise NotFound("outside_contest", f"wilayah {kode} di luar wilayah pemilihan {contest.key}")
    return region


def _tps(reference: Reference, contest: Contest, tps: str) -> str:
    if not reference.tree.has_tps(tps):
        raise NotFound("unknown_tps", f"TPS tidak dikenal: {tps!r}")
    if not contest.covers(tps):
        raise NotFound("outside_contest", f"TPS {tps} di luar wilayah pemilihan {contest.key}")
    return tps


def photo_url(public_sha256: str) -> str:
    return f"/api/v1/photos/{public_sha256}"


def _point(conn: Connection) -> tuple[int, datetime]:
    seq, _, moment = tally_point(conn)
    return seq, moment


def _scope(reference: Reference, contest: Contest, kode: str) -> tuple[ContestScope, Region]:
    """The contest over its election's own TPS list, and the region asked for in it."""
    scope = reference.scope(contest)
    try:
        return scope, scope.region(kode)
    except UnknownRegion as exc:
        if kode in reference.tree and not contest.covers(kode):
            raise NotFound("outside_contest", f"wilayah {kode} di luar wilayah pemilihan {contest.key}") from None
        raise NotFound("unknown_region", str(exc)) from None


def results(reference: Reference, contest_key: str, kode: str) -> Builder:
    contest = _contest(reference, contest_key)
    scope, region = _scope(reference, contest, kode)

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        own_totals = rollup(conn, contest.key, region.kode)
        flagged = sorted((r for r, n in own_totals.flag_counts.items() if n), key=rule_order)
        examples = flag_examples(conn, contest.key, region.kode, flagged)
        if region.tingkat == 4:
            doc = own.results_doc(contest, scope, region, own_totals, [], {},
                                  current_versions(conn, contest.key, region.kode), seq, moment, examples)
        else:
            children = scope.children(region.kode)
            doc = own.results_doc(contest, scope, region, own_totals, children,
                                  rollups_of(conn, contest.key, [c.kode for c in children]), None, seq, moment,
                                  examples)
        if contest.is_party_list and reference.book is not None:
            doc.update(own_legislative.region_sections(contest, reference.book, region.kode, region.tingkat,
                                                       own_totals))
        return Built(doc, (contest.key, region.kode), FRESHNESS[region.tingkat], seq)
    return build


def _party_list(reference: Reference, contest_key: str) -> tuple[Contest, BallotBook, list[str]]:
    """A party-list contest, its ballot book and the rollup codes of its dapil."""
    contest = _contest(reference, contest_key)
    if not contest.is_party_list or reference.book is None:
        raise NotFound("no_dapil", f"{contest.key} bukan pemilihan dengan daftar partai per dapil")
    book = reference.book
    return contest, book, [dapil_rollup_code(d.kode) for d in book.dapil_map.dapils(contest.kind)]


def dapil_list(reference: Reference, contest_key: str) -> Builder:
    contest, book, codes = _party_list(reference, contest_key)

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        doc = own_legislative.dapil_list_doc(contest, reference.scope(contest), book,
                                             rollups_of(conn, contest.key, codes), seq, moment)
        return Built(doc, (contest.key, NATIONAL), FRESHNESS[1], seq)
    return build


def dapil_results(reference: Reference, contest_key: str, kode_dapil: str) -> Builder:
    contest, book, _ = _party_list(reference, contest_key)
    try:
        dapil = book.dapil_map.get(contest.kind, kode_dapil)
    except LookupError as exc:
        raise NotFound("unknown_dapil", str(exc)) from None
    code = dapil_rollup_code(dapil.kode)
    threshold = own_legislative.uses_threshold(contest)

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        nation = rollup(conn, contest.key, NATIONAL) if threshold else Totals()
        doc = own_legislative.dapil_doc(contest, reference.scope(contest), book, dapil,
                                        rollup(conn, contest.key, code), nation, seq, moment)
        # DPR: the projection moves with the national threshold, so any change anywhere counts
        return Built(doc, (contest.key, NATIONAL if threshold else code), FRESHNESS[1], seq)
    return build


def seat_projection(reference: Reference, contest_key: str) -> Builder:
    contest, book, codes = _party_list(reference, contest_key)

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        doc = own_legislative.seats_doc(contest, reference.scope(contest), book, rollup(conn, contest.key, NATIONAL),
                                        rollups_of(conn, contest.key, codes), seq, moment)
        return Built(doc, (contest.key, NATIONAL), FRESHNESS[1], seq)
    return build


def tps_record(reference: Reference, contest_key: str, tps_kode: str) -> Builder:
    contest = _contest(reference, contest_key)
    scope = reference.scope(contest)
    if not scope.has_tps(tps_kode):
        _tps(reference, contest, tps_kode)  # names why: unknown, or outside the contest
        raise NotFound("other_election", f"TPS {tps_kode} tidak ada dalam daftar TPS {contest.election}")
    tps = tps_kode
    ballot = (own_legislative.tps_ballot(contest, reference.book, tps)
              if contest.is_party_list and reference.book is not None else None)

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        versions = versions_of(conn, contest.key, tps)
        photos = photos_of(conn, [v.version_id for v in versions])
        doc = own.tps_doc(contest, scope.tree, tps, versions, seq, moment,
                          {vid: {p: photo_url(d) for p, d in pages.items()} for vid, pages in photos.items()},
                          ballot)
        return Built(doc, (contest.key, tps), FRESHNESS[5], seq)
    return build


def contests(reference: Reference) -> Builder:
    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        return Built(own.envelope(seq, moment, contests=[own.contest_doc(c) for c in reference.contests.values()]),
                     None, STATIC, seq)
    return build


def region(reference: Reference, kode: str) -> Builder:
    try:
        found = reference.tree.get(kode)
    except UnknownRegion as exc:
        raise NotFound("unknown_region", str(exc)) from None

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        children = [own.region_ref(c) for c in reference.tree.children(found.kode)]
        tps = ([{**own.station_ref(reference.tree, t), "tingkat": 5} for t in reference.tree.tps_of(found.kode)]
               if found.tingkat == 4 else [])
        contest_keys = reference.contests_in(found.kode)
        return Built(own.envelope(seq, moment, region=own.region_ref(found),
                                  breadcrumbs=own.breadcrumbs(reference.tree, found.kode),
                                  children=children, tps=tps, contests=contest_keys), None, STATIC, seq)
    return build


CSV = "text/csv; charset=utf-8"


def tps_csv(reference: Reference, contest_key: str, kode: str) -> Builder:
    contest = _contest(reference, contest_key)
    scope, region = _scope(reference, contest, kode)
    if region.tingkat == 0:
        raise NotFound("too_large", "CSV per TPS tersedia per provinsi ke bawah; seluruh negeri ada di snapshot")

    def build(conn: Connection) -> Built:
        seq, _ = _point(conn)
        body = opendata.tps_csv(contest, scope, region.kode, current_versions(conn, contest.key, region.kode),
                                reference.book)
        return Built(body, (contest.key, region.kode), FRESHNESS[region.tingkat], seq, CSV)
    return build


def children_csv(reference: Reference, contest_key: str, kode: str) -> Builder:
    contest = _contest(reference, contest_key)
    scope, region = _scope(reference, contest, kode)
    if region.tingkat == 4:
        raise NotFound("not_found", "anak wilayah desa adalah TPS: gunakan tps.csv")

    def build(conn: Connection) -> Built:
        seq, _ = _point(conn)
        children = scope.children(region.kode)
        body = opendata.children_csv(contest, children, rollups_of(conn, contest.key, [c.kode for c in children]),
                                     scope.tps_total, reference.book, region.kode)
        return Built(body, (contest.key, region.kode), FRESHNESS[region.tingkat], seq, CSV)
    return build


NIST_MAX_TPS = 40_000  # about 30 MB of JSON; larger scopes are exported with `suara export-nist`


def nist_report(reference: Reference, contest_key: str, kode: str) -> Builder:
    contest = _contest(reference, contest_key)
    scope, region = _scope(reference, contest, kode)
    if scope.tps_total(region.kode) > NIST_MAX_TPS:
        raise NotFound("too_large", f"laporan NIST untuk {scope.tps_total(region.kode)} TPS terlalu besar untuk diunduh "
                                    f"langsung (batas {NIST_MAX_TPS}); gunakan `suara export-nist`")

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        report = nist.build_report(conn, reference, contest.key, region.kode, moment)
        return Built(report, (contest.key, region.kode), FRESHNESS[region.tingkat], seq)
    return build


# The Sirekap-compatible tree (KPU's paths and shapes) is resolved in sirekap_routes.
