"""The recapitulation on the public portal, SQLite and PostgreSQL: the box on every region page,
a tier beside the publication (/rekap), the discrepancy report (/selisih), and the discrepancies
of a region no plenary sits at (a desa's are its kecamatan's rows about it)."""

from __future__ import annotations

from typing import Any

from test_recap import KPU_RI, PPWP_TIERS, counted, official, record_as_published  # noqa: F401 (fixture)

from suara.domain.access import Role
from suara.publish import recap_docs


def plant(rows: dict[str, Any]) -> None:
    """40 votes moved from paslon 2 to paslon 1 at Cideng."""
    rows["3171011002"]["suara"]["1"] += 40
    rows["3171011002"]["suara"]["2"] -= 40


def test_a_desa_has_the_discrepancies_of_its_kecamatans_rows_about_it(counted):  # noqa: F811
    engine, reference = counted
    record_as_published(engine, reference, "ppwp", "317101", official(Role.PPK, "317101"), change=plant)
    with engine.connect() as conn:
        cideng = recap_docs.discrepancies(conn, reference, "ppwp", "3171011002")
        gambir_desa = recap_docs.discrepancies(conn, reference, "ppwp", "3171011001")
        station = recap_docs.discrepancies(conn, reference, "ppwp", "3171011002001")
        kecamatan = recap_docs.discrepancies(conn, reference, "ppwp", "317101")
    assert [(d.kode, d.child, d.difference.differences) for d in cideng] == [
        ("317101", "3171011002", {"1": 40, "2": -40})]
    assert gambir_desa == [] and station == []  # a station's figures are not a row of any tier
    assert [(d.kode, d.child) for d in kecamatan] == [("317101", "3171011002")]


def test_the_overseas_branch_has_its_pplns_and_the_national_row_about_it(counted):  # noqa: F811
    engine, reference = counted
    for kode, who in PPWP_TIERS:
        record_as_published(engine, reference, "ppwp", kode, who)

    def more_abroad(rows: dict[str, Any]) -> None:
        rows["99"]["suara"]["3"] += 5
        rows["99"]["suara_sah"] += 5
        rows["99"]["pengguna_total_j"] += 5

    record_as_published(engine, reference, "ppwp", "0", KPU_RI, lock=False, change=more_abroad)
    with engine.connect() as conn:
        overseas = recap_docs.discrepancies(conn, reference, "ppwp", "99")
        jakarta = recap_docs.discrepancies(conn, reference, "ppwp", "31")
    assert {(d.kode, d.child, d.difference.against) for d in overseas} == {
        ("0", "99", "publikasi"), ("0", "99", "tingkat_bawah")}
    assert jakarta == []


