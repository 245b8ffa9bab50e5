"""The party-list paths of the Sirekap-compatible tree: parties, candidate lists, dapil lists and
the results by dapil (/pemilu/hhcd/...).

Dapil codes: DPR = province + 2 ("3101"), DPRD provinsi = province + 4 ("320012"), DPRD
kab/kota = kab/kota + 2 ("360202"); a 6-digit code is told apart by the book (DPRD provinsi
codes have "00" where a kab/kota number would be). A dapil's results are its rollup row
"D" + code; its TPS total is the contest's TPS in its member regions.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from suara.domain.ballots import BallotBook
from suara.domain.contests import Contest
from suara.domain.dapil import JENIS_DAPIL, Caleg, Dapil
from suara.domain.elections import ContestScope
from suara.domain.regions import NATIONAL, level_of
from suara.domain.tally import dapil_rollup_code
from suara.publish import sirekap, sirekap_legislative
from suara.publish.routes import FRESHNESS, Builder, Built, NotFound, _point
from suara.publish.sirekap_paths import contest_of, resolve, static
from suara.store.reference import Reference
from suara.tally.queries import rollup, rollups_of


def _book(reference: Reference) -> BallotBook:
    if reference.book is None:
        raise NotFound("unknown_contest", "tidak ada pemilihan legislatif (partai dan dapil belum dimuat)")
    return reference.book


def _dapil(book: BallotBook, kind: str, kode: str) -> Dapil:
    try:
        return book.dapil_map.get(kind, kode)
    except LookupError:
        raise NotFound("unknown_dapil", f"dapil tidak dikenal: {kind} {kode!r}") from None


def is_dapil(reference: Reference, kind: str, kode: str) -> bool:
    if reference.book is None:
        return False
    try:
        reference.book.dapil_map.get(kind, kode)
    except LookupError:
        return False
    return True


def ballots(reference: Reference, parts: list[str]) -> Builder:
    """/pemilu/partai.json, /pemilu/caleg/partai/{dapil}.json, /pemilu/caleg/dpd/{p}.json and
    /wilayah/pemilu/pdpr/dapil_dpr.json."""
    match parts:
        case ["pemilu", "partai"]:
            book = _book(reference)
            return static(lambda moment: sirekap_legislative.parties_doc(book, moment))
        case ["pemilu", "caleg", "partai", kode]:
            book = _book(reference)
            kind = next((k for k in JENIS_DAPIL if is_dapil(reference, k, kode)), None)
            if kind is None:
                raise NotFound("unknown_dapil", f"dapil tidak dikenal: {kode!r}")
            standing = book.standing(kind, kode)
            return static(lambda _: sirekap_legislative.caleg_doc(book, standing))
        case ["pemilu", "caleg", "dpd", provinsi]:
            candidates = _dpd_candidates(reference, provinsi)
            return static(lambda _: sirekap_legislative.dpd_caleg_doc(candidates))
        case ["wilayah", "pemilu", "pdpr", "dapil_dpr"]:
            dapils = _book(reference).dapil_map.dapils("pdpr")
            return static(lambda _: sirekap_legislative.dapil_dpr_doc(dapils))
    raise NotFound("not_found", f"tidak ada dokumen {'/'.join(parts)!r}")


def _dpd_candidates(reference: Reference, provinsi: str) -> list[Caleg]:
    """The DPD candidates of a province: from the candidate files, or (without them) the race's
    own candidates, whose sex is then unknown."""
    contest = contest_of(reference, f"pdpd-{provinsi}")
    listed = reference.book.dpd_candidates(provinsi) if reference.book is not None else []
    if listed:
        return listed
    return [Caleg("pdpd", provinsi, None, c.nomor_urut, c.id, c.nama, None)  # type: ignore[arg-type]
            for c in contest.candidates]


def dapil_list(reference: Reference, kind: str, codes: list[str]) -> Builder:
    """/wilayah/pemilu/pdprdp/{p}.json and /wilayah/pemilu/pdprdk/{p}/{k}.json: the dapil of the
    province or kab/kota. /wilayah/pemilu/pdprdk/{p}/{k}/{dapil}.json (KPU's content not seen):
    the regions the dapil is made of, in the region-list shape, sorted by name; whole kecamatan
    normally, desa where the dapil splits a kecamatan."""
    book = _book(reference)
    scope = reference.scope(contest_of(reference, kind))
    if len(codes) == 3:
        kabkota = resolve(scope, codes[:2])
        dapil = _dapil(book, kind, codes[2])
        if dapil.kabkota != kabkota:
            raise NotFound("unknown_dapil", f"dapil {dapil.kode} tidak ada di wilayah {kabkota}")
        members = book.dapil_map.regions_of(kind, dapil.kode)
        tree = scope.tree
        return static(lambda _: sirekap.sort_by_nama(
            sirekap.region_entry(tree.get(m).nama, tree.region_id(m), m, tree.get(m).tingkat)
            for m in members if m in tree))
    kode = resolve(scope, codes)
    if level_of(kode) != len(codes) or len(codes) != (1 if kind == "pdprdp" else 2):
        raise NotFound("not_found", f"tidak ada daftar dapil {kind} untuk {'/'.join(codes)}")
    dapils = _dapils_in(book, kind, kode)
    return static(lambda _: sirekap_legislative.dapil_list_doc(dapils))


def _dapils_in(book: BallotBook, kind: str, kode: str) -> list[Dapil]:
    if kode == NATIONAL:
        return book.dapil_map.dapils(kind)
    if kind == "pdprdk":
        return [d for d in book.dapil_map.dapils(kind) if d.kabkota == kode]
    return [d for d in book.dapil_map.dapils(kind) if d.provinsi == kode]


def dapil_tps_total(scope: ContestScope, book: BallotBook, dapil: Dapil) -> int:
    return sum(scope.tps_total(m) for m in book.dapil_map.regions_of(dapil.jenis, dapil.kode))


def hhcd(reference: Reference, rest: list[str]) -> Builder:
    """/pemilu/hhcd/pdpr/0.json and /{dapil}.json; /pdprdp/{p}.json and /{p}/{dapil}.json;
    /pdprdk/{p}/{k}.json and /{p}/{k}/{dapil}.json."""
    match rest:
        case ["pdpr", "0"]:
            return _dapils_doc(reference, "pdpr", [])
        case ["pdpr", dapil]:
            return _dapil_doc(reference, "pdpr", [], dapil)
        case ["pdprdp", p]:
            return _dapils_doc(reference, "pdprdp", [p])
        case ["pdprdp", p, dapil]:
            return _dapil_doc(reference, "pdprdp", [p], dapil)
        case ["pdprdk", p, k]:
            return _dapils_doc(reference, "pdprdk", [p, k])
        case ["pdprdk", p, k, dapil]:
            return _dapil_doc(reference, "pdprdk", [p, k], dapil)
    raise NotFound("not_found", f"tidak ada dokumen pemilu/hhcd/{'/'.join(rest)!r}")


def _party_contest(reference: Reference, kind: str) -> tuple[Contest, ContestScope, BallotBook]:
    book = _book(reference)
    contest = contest_of(reference, kind)
    return contest, reference.scope(contest), book


def _dapils_doc(reference: Reference, kind: str, codes: Sequence[str]) -> Builder:
    contest, scope, book = _party_contest(reference, kind)
    kode = resolve(scope, codes) if codes else NATIONAL
    dapils = _dapils_in(book, kind, kode)
    parties = [p for p, _ in sirekap_legislative.region_parties(book, contest, kode)]
    standing = {d.kode: list(book.standing(kind, d.kode)) for d in dapils}
    totals = {d.kode: dapil_tps_total(scope, book, d) for d in dapils}

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        found = rollups_of(conn, contest.key, [dapil_rollup_code(d.kode) for d in dapils])
        rows = [(d.kode, standing[d.kode], found[dapil_rollup_code(d.kode)], totals[d.kode]) for d in dapils]
        doc = sirekap_legislative.dapils_doc(parties, rollup(conn, contest.key, kode), scope.tps_total(kode), rows,
                                             moment)
        return Built(doc, (contest.key, kode), FRESHNESS[level_of(kode)], seq)
    return build


def _dapil_doc(reference: Reference, kind: str, codes: Sequence[str], kode_dapil: str) -> Builder:
    contest, scope, book = _party_contest(reference, kind)
    region = resolve(scope, codes) if codes else NATIONAL
    dapil = _dapil(book, kind, kode_dapil)
    if region != NATIONAL and region not in (dapil.provinsi, dapil.kabkota):
        raise NotFound("unknown_dapil", f"dapil {dapil.kode} tidak ada di wilayah {region}")
    standing = book.standing(kind, dapil.kode)
    total = dapil_tps_total(scope, book, dapil)
    code = dapil_rollup_code(dapil.kode)

    def build(conn: Connection) -> Built:
        seq, moment = _point(conn)
        doc = sirekap_legislative.dapil_doc(dapil.kode, standing, rollup(conn, contest.key, code), total, moment)
        return Built(doc, (contest.key, code), FRESHNESS[2], seq)
    return build
