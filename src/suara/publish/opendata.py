"""Open data as CSV: every TPS of a region with every form field and flag ids, and one row per
child region with the figures the results pages show.

Vote columns follow the contest's shape: `suara_paslon_N` for candidate pairs and individuals;
for the party-list contests `jumlah_partai_N` (the party's total), `suara_partai_N` (votes for
the party only) and, where the region lies within one dapil, `suara_caleg_ID` per candidate of
the lists standing there (a region spanning several dapil gets party columns only).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from suara.domain.ballots import BallotBook
from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.form import ADMINISTRASI_KEYS
from suara.domain.localtime import utc_text
from suara.domain.percent import percent
from suara.domain.regions import Region
from suara.domain.tally import Totals, candidate_key, party_only_key, votes_of_doc
from suara.tally.queries import CurrentVersion


def _csv(header: Sequence[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@dataclass(frozen=True, slots=True)
class VoteColumns:
    """The vote columns of a contest over a region: (header, rollup key) pairs; `shares` are the
    keys a percentage is shown for (candidates, or party totals)."""

    columns: tuple[tuple[str, str], ...]
    shares: tuple[tuple[str, str], ...]
    dapil: str | None = None  # the one dapil the region lies in, when there is one


def vote_columns(contest: Contest, book: BallotBook | None = None, kode: str | None = None) -> VoteColumns:
    numbers = [str(c.nomor_urut) for c in contest.candidates]
    if not contest.is_party_list:
        paslon = tuple((f"suara_paslon_{n}", n) for n in numbers)
        return VoteColumns(paslon, tuple((f"persen_paslon_{n}", n) for n in numbers))
    columns = [(f"jumlah_partai_{n}", n) for n in numbers] + [(f"suara_partai_{n}", party_only_key(n))
                                                              for n in numbers]
    dapil = book.dapil_of(contest.kind, kode) if book is not None and kode is not None else None
    if dapil is not None and book is not None:
        for party, caleg in book.standing(contest.kind, dapil.kode).items():
            columns += [(f"suara_caleg_{c.id}", candidate_key(dapil.kode, party, str(c.nomor_urut))) for c in caleg]
    return VoteColumns(tuple(columns), tuple((f"persen_partai_{n}", n) for n in numbers),
                       dapil.kode if dapil is not None else None)


def tps_csv(contest: Contest, scope: ContestScope, kode: str, versions: Mapping[str, CurrentVersion],
            book: BallotBook | None = None) -> bytes:
    """One row per TPS of the region on the contest's election list, with data or not, every
    field of its current form; the station's name and voting method (TPS, TPSLN, KSK, POS)."""
    votes = vote_columns(contest, book, kode)
    dapil_of: Callable[[str], str] = ((lambda tps: _dapil(book, contest.kind, tps))
                                      if contest.is_party_list and book is not None else (lambda tps: ""))
    header = (["kode_tps", "nama_tps", "metode", "kode_desa", "nama_desa", "kode_kecamatan", "kode_kabkota",
               "kode_provinsi", "pemilihan", "kode_dapil", "ada_data", "versi", "waktu_kirim_utc"]
              + [h for h, _ in votes.columns]
              + ["suara_sah", "suara_tidak_sah", "suara_total", *ADMINISTRASI_KEYS, "catatan_aturan"])
    tree = scope.tree
    rows: list[list[object]] = []
    for tps in scope.tps_of(kode):
        desa = tree.get(tps[:10])
        station = tree.station(tps)
        base: list[object] = [tps, station.nama, station.metode, desa.kode, desa.nama, tps[:6], tps[:4], tps[:2],
                              contest.key, dapil_of(tps)]
        version = versions.get(tps)
        if version is None:
            rows.append(base + [0, "", ""] + [""] * (len(header) - len(base) - 3))
            continue
        form = version.form
        adm = form.get("administrasi") or {}
        counted = votes_of_doc(form)
        rows.append(base + [1, version.version_no, utc_text(version.submitted_at)]
                    + [counted.get(key, "") for _, key in votes.columns]
                    + [form["suara_sah"], form["suara_tidak_sah"], form["suara_total"]]
                    + [adm.get(k, "") for k in ADMINISTRASI_KEYS]
                    + [";".join(sorted({f["rule"] for f in version.flags}, key=lambda r: int(r[1:])))])
    return _csv(header, rows)


def _dapil(book: BallotBook | None, kind: str, tps: str) -> str:
    dapil = book.dapil_of(kind, tps) if book is not None else None
    return dapil.kode if dapil is not None else ""


def children_csv(contest: Contest, children: Sequence[Region], totals: Mapping[str, Totals],
                 tps_total: Callable[[str], int] | None = None, book: BallotBook | None = None,
                 kode: str | None = None) -> bytes:
    """One row per child region: votes and shares, progress (on the contest's own TPS list when
    tps_total is given), flagged TPS, turnout."""
    votes = vote_columns(contest, book, kode)
    share_keys = [key for _, key in votes.shares]
    header = (["kode", "nama", "tingkat", "pemilihan"] + [h for h, _ in votes.columns] + [h for h, _ in votes.shares]
              + ["suara_sah", "suara_tidak_sah", "suara_total", "tps_masuk", "tps_total", "persen_tps_masuk",
                 "tps_bercatatan", "pemilih_dpt_tps_lengkap", "pengguna_total_tps_lengkap"])
    rows: list[list[object]] = []
    for region in children:
        t = totals[region.kode]
        total = tps_total(region.kode) if tps_total is not None else region.tps_total
        counted = sum(t.votes.get(n, 0) for n in share_keys)
        rows.append([region.kode, region.nama, region.tingkat, contest.key]
                    + [t.votes.get(key, 0) for _, key in votes.columns]
                    + [percent(t.votes.get(n, 0), counted, 2) if counted else "" for n in share_keys]
                    + [t.suara_sah, t.suara_tidak_sah, t.suara_total, t.tps_reported, total,
                       percent(t.tps_reported, total, 5), t.tps_flagged, t.pemilih_dpt, t.pengguna_total])
    return _csv(header, rows)
