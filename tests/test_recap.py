"""The tiered recapitulation on the small whole Pemilu, SQLite and PostgreSQL: the tier lifecycle
(record, lock, reopen with authorisation, certify), what each tier may record, and the
comparisons with the publication and the tier below on seeded differences."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers import count_rows
from sqlalchemy import Engine

from suara.domain.access import Role
from suara.domain.policy import Policy
from suara.publish import recap_docs
from suara.services import recap
from suara.services.accounts import Principal
from suara.services.errors import ServiceError
from suara.services.submission import Submission, submit_forms
from suara.store import recap as recap_store
from suara.store.reference import Reference
from suara.store.schema import audit_events, recap_records
from suara.synth import Synthesizer, SynthOptions
from suara.tally.fold import fold_all

KPU_RI = Principal(1, "kpu-ri", Role.KPU_RI, "0")


def official(role: Role, scope: str) -> Principal:
    return Principal(2, f"{role.value.lower()}-{scope}", role, scope)


@pytest.fixture
def counted(pemilu_engine: Engine, pemilu_reference: Reference) -> tuple[Engine, Reference]:
    """The small Pemilu with every ballot of every TPS counted (synthetic, no errors)."""
    forms = list(Synthesizer(pemilu_reference, SynthOptions(seed=5, contests=("all",), error_rate=0.0)).forms())
    submit_forms(pemilu_engine, pemilu_reference, [Submission(f, f"t:{f['contest']}:{f['tps']}", "test") for f in forms],
                 Policy.AS_IS)
    fold_all(pemilu_engine)
    return pemilu_engine, pemilu_reference


def published(engine: Engine, reference: Reference, contest: str, kode: str) -> dict[str, Any]:
    with engine.connect() as conn:
        return recap_docs.publication_record(conn, reference, contest, kode)


def record_as_published(engine: Engine, reference: Reference, contest: str, kode: str, who: Principal,
                        lock: bool = True, change: Any = None) -> recap.RecapRecord:
    line = published(engine, reference, contest, kode)
    if change is not None:
        change(line["rows"])
    stored = recap.record(engine, reference, who, who.actor, contest, kode, line["tingkat"], line["rows"])
    return recap.lock(engine, reference, who, who.actor, contest, kode) if lock else stored


PPWP_TIERS = [  # bottom-up, with who holds each plenary
    ("317101", official(Role.PPK, "317101")), ("317201", official(Role.PPK, "317201")),
    ("320101", official(Role.PPK, "320101")), ("320102", official(Role.PPK, "320102")),
    ("3171", official(Role.KPU_KABKOTA, "3171")), ("3172", official(Role.KPU_KABKOTA, "3172")),
    ("3201", official(Role.KPU_KABKOTA, "3201")),
    ("31", official(Role.KPU_PROVINSI, "31")), ("32", official(Role.KPU_PROVINSI, "32")),
    ("9901", official(Role.PPLN, "9901")), ("99AG", official(Role.PPLN, "99AG")),
]


def test_tier_lifecycle_record_lock_reopen_certify(counted):
    engine, reference = counted
    with engine.connect() as conn:
        assert recap_docs.certified(conn, reference.scope(reference.contest("ppwp"))) is False
    for kode, who in PPWP_TIERS:
        assert record_as_published(engine, reference, "ppwp", kode, who).locked
    nasional = record_as_published(engine, reference, "ppwp", "0", KPU_RI)
    assert nasional.locked and set(nasional.rows) == {"31", "32", "99"}
    with engine.connect() as conn:
        assert recap_docs.certified(conn, reference.scope(reference.contest("ppwp")))
        doc = recap_docs.recap_document(conn, reference, "ppwp", "0")
    assert doc["sah_hasil_resmi"] and doc["hasil_ditetapkan"]
    assert all(not row["selisih_publikasi"]["selisih"] for row in doc["rows"])
    assert all(row["selisih_tingkat_bawah"]["selisih"] == {} for row in doc["rows"])
    # a province cannot be reopened under a closed nation; KPU RI reopens the nation first
    with pytest.raises(ServiceError) as refused:
        recap.reopen(engine, reference, KPU_RI, "ppwp", "31", "kesalahan penjumlahan di pleno")
    assert refused.value.status == 409 and refused.value.code == "parent_locked"
    with pytest.raises(ServiceError) as forbidden:
        recap.reopen(engine, reference, official(Role.KPU_PROVINSI, "31"), "ppwp", "0", "alasan apa saja")
    assert forbidden.value.status == 403
    reopened = recap.reopen(engine, reference, KPU_RI, "ppwp", "0", "kesalahan penjumlahan di pleno")
    assert reopened.status == recap.RECORDED and reopened.reopened_by == KPU_RI.actor
    recap.reopen(engine, reference, KPU_RI, "ppwp", "31", "kesalahan penjumlahan di pleno")
    with engine.connect() as conn:
        assert not recap_docs.certified(conn, reference.scope(reference.contest("ppwp")))
    # the nation cannot close again while a province under it is open
    with pytest.raises(ServiceError) as open_child:
        recap.lock(engine, reference, KPU_RI, KPU_RI.actor, "ppwp", "0")
    assert open_child.value.code == "children_not_locked" and "31" in open_child.value.message
    # the province records again (revision 2), closes, and the nation closes again
    again = record_as_published(engine, reference, "ppwp", "31", official(Role.KPU_PROVINSI, "31"))
    assert again.revision == 2
    recap.lock(engine, reference, KPU_RI, KPU_RI.actor, "ppwp", "0")
    with engine.connect() as conn:
        assert recap_docs.certified(conn, reference.scope(reference.contest("ppwp")))
        assert [h["revision"] for h in recap_store.history(conn, "ppwp", "31")] == [1, 2]
        kinds = [k for (k,) in conn.execute(audit_events.select().with_only_columns(audit_events.c.kind)
                                            .where(audit_events.c.kind.like("recap.%")))]
    assert kinds.count("recap.reopened") == 2 and kinds.count("recap.locked") == len(PPWP_TIERS) + 3


def test_a_tier_waits_for_its_children_and_a_locked_tier_does_not_change(counted):
    engine, reference = counted
    rows_before = count_rows(engine, recap_records)
    with pytest.raises(ServiceError) as early:
        record_as_published(engine, reference, "ppwp", "3171", official(Role.KPU_KABKOTA, "3171"))
    assert early.value.status == 409 and early.value.code == "children_not_locked"
    assert count_rows(engine, recap_records) == rows_before
    # recorded but not yet closed is not enough either
    record_as_published(engine, reference, "ppwp", "317101", official(Role.PPK, "317101"), lock=False)
    with pytest.raises(ServiceError) as unlocked:
        record_as_published(engine, reference, "ppwp", "3171", official(Role.KPU_KABKOTA, "3171"))
    assert unlocked.value.code == "children_not_locked"
    # recording again before the plenary closes replaces the record (a new revision)
    second = record_as_published(engine, reference, "ppwp", "317101", official(Role.PPK, "317101"))
    assert second.revision == 2 and second.locked
    with pytest.raises(ServiceError) as locked:
        record_as_published(engine, reference, "ppwp", "317101", official(Role.PPK, "317101"))
    assert locked.value.status == 409 and locked.value.code == "locked"
    with pytest.raises(ServiceError) as relock:
        recap.lock(engine, reference, official(Role.PPK, "317101"), "ppk", "ppwp", "317101")
    assert relock.value.code == "locked"


@pytest.mark.parametrize(("who", "kode", "status"), [
    (official(Role.PPK, "320101"), "317101", 403),  # another kecamatan
    (official(Role.KPU_KABKOTA, "3171"), "317101", 403),  # the kab/kota does not record a kecamatan's plenary
    (official(Role.KPPS, "3171011001001"), "317101", 403),
    (official(Role.SAKSI, "31"), "317101", 403),
    (KPU_RI, "317101", 403),  # KPU RI holds the national plenary only
    (official(Role.KPU_KABKOTA, "9901"), "9901", 403),  # overseas, the PPLN records
])
def test_a_tier_is_recorded_by_its_own_plenary_only(counted, who, kode, status):
    engine, reference = counted
    line = published(engine, reference, "ppwp", kode)
    with pytest.raises(ServiceError) as refused:
        recap.record(engine, reference, who, who.actor, "ppwp", kode, line["tingkat"], line["rows"])
    assert refused.value.status == status
    assert count_rows(engine, recap_records) == 0


def _bad_rows(reference: Reference, engine: Engine, change: Any, contest: str = "ppwp",
              kode: str = "317101") -> ServiceError:
    rows = copy.deepcopy(published(engine, reference, contest, kode)["rows"])
    change(rows)
    who = official(Role.PPK, kode) if len(kode) == 6 else official(Role.PPLN, kode)
    with pytest.raises(ServiceError) as refused:
        recap.record(engine, reference, who, who.actor, contest, kode, None, rows)
    return refused.value


def test_bad_records_are_refused_and_change_nothing(counted):
    engine, reference = counted
    before = (count_rows(engine, recap_records), count_rows(engine, audit_events))
    cases = {
        "not_a_child": lambda rows: rows.update({"3172011001": rows["3171011001"]}),
        "rows_missing": lambda rows: rows.pop("3171011002"),
        "sums": lambda rows: rows["3171011001"]["suara"].update({"1": rows["3171011001"]["suara"]["1"] + 1}),
        "unknown_candidate": lambda rows: rows["3171011001"]["suara"].update({"9": 1}),
        "bad_number": lambda rows: rows["3171011001"].update({"suara_tidak_sah": -1}),
        "malformed": lambda rows: rows["3171011001"].update({"catatan": "x"}),
    }
    for code, change in cases.items():
        error = _bad_rows(reference, engine, change)
        assert (error.status, error.code) == (422, code), (code, error.message)
    huge = _bad_rows(reference, engine, lambda rows: rows["3171011001"].update({"suara_sah": 2**70}))
    assert huge.code == "bad_number"
    voters = _bad_rows(reference, engine, lambda rows: rows["3171011001"].update({"pengguna_total_j": 1}))
    assert voters.code == "sums"
    with pytest.raises(ServiceError) as wrong_tier:
        line = published(engine, reference, "ppwp", "317101")
        recap.record(engine, reference, None, "cli", "ppwp", "317101", "kabkota", line["rows"])
    assert wrong_tier.value.code == "wrong_tier"
    for contest, kode, status in (("ppwp", "3171011001", 422), ("ppwp", "99", 422), ("nope", "317101", 404),
                                  ("pkwkk-3201", "32", 404), ("pdprdk", "31", 404)):
        with pytest.raises(ServiceError) as no_tier:
            recap.record(engine, reference, None, "cli", contest, kode, None, {})
        assert no_tier.value.status == status, (contest, kode)
    assert (count_rows(engine, recap_records), count_rows(engine, audit_events)) == before


def test_party_list_rows_carry_parties_and_candidates_checked_against_the_dapil(counted):
    engine, reference = counted
    line = published(engine, reference, "pdpr", "317101")
    block = next(iter(line["rows"]["3171011001"]["partai"].values()))
    assert block["caleg"], "the kecamatan's DPR rows name candidates by id"
    stored = recap.record(engine, reference, official(Role.PPK, "317101"), "ppk", "pdpr", "317101", "kecamatan",
                          line["rows"])
    assert any("." in key for key in stored.rows["3171011001"].votes)

    def candidate(caleg_id: str, party: str = "1") -> Any:
        def change(rows: dict[str, Any]) -> None:
            row = rows["3172011001"]
            row["partai"][party]["caleg"][caleg_id] = 5
            row["partai"][party]["jumlah"] += 5
            row["suara_sah"] += 5
            row["pengguna_total_j"] += 5
        return change

    # Penjaringan is in DKI Jakarta I (3101); 100009 stands for party 1 in DKI Jakarta II (3102)
    assert _bad_rows(reference, engine, candidate("100009"), "pdpr", "317201").code == "other_dapil"
    assert _bad_rows(reference, engine, candidate("100001", "2"), "pdpr", "317201").code == "unknown_candidate"
    assert _bad_rows(reference, engine, candidate("999999"), "pdpr", "317201").code == "unknown_candidate"
    error = _bad_rows(reference, engine, lambda rows: rows["3171011001"]["partai"]["1"].update(
        {"jumlah": rows["3171011001"]["partai"]["1"]["jumlah"] + 1}), "pdpr")
    assert error.code == "sums"


def test_overseas_is_recorded_by_each_ppln_then_nationally(counted):
    engine, reference = counted
    ppln = record_as_published(engine, reference, "pdpr", "9901", official(Role.PPLN, "9901"))
    assert set(ppln.rows) == {"9901010001001", "9901010001002", "9901010001003"}
    with engine.connect() as conn:
        doc = recap_docs.recap_document(conn, reference, "pdpr", "0")
    overseas = next(row for row in doc["rows"] if row["kode"] == "99")
    assert overseas["status_tingkat_bawah"] == recap_docs.PARTLY  # 9901 closed, 99AG not yet recorded
    error = _bad_rows(reference, engine, lambda rows: rows.pop(next(iter(rows))), "ppwp", "99AG")
    assert error.code == "rows_missing"


def test_comparisons_find_seeded_differences(counted):
    engine, reference = counted
    ppk = official(Role.PPK, "317101")

    def plant(rows: dict[str, Any]) -> None:  # 40 votes moved from paslon 2 to paslon 1 at one desa
        rows["3171011002"]["suara"]["1"] += 40
        rows["3171011002"]["suara"]["2"] -= 40

    record_as_published(engine, reference, "ppwp", "317101", ppk, change=plant)
    record_as_published(engine, reference, "ppwp", "317201", official(Role.PPK, "317201"))

    def plant_up(rows: dict[str, Any]) -> None:  # the kab/kota adds 7 invalid votes to a kecamatan
        rows["317101"]["suara_tidak_sah"] += 7
        rows["317101"]["pengguna_total_j"] += 7

    record_as_published(engine, reference, "ppwp", "3171", official(Role.KPU_KABKOTA, "3171"), change=plant_up)
    with engine.connect() as conn:
        found = recap_docs.discrepancies(conn, reference, "ppwp", "31")
        csv_text = recap_docs.discrepancy_csv(conn, reference, "ppwp", "31").decode()
        tier = recap_docs.recap_document(conn, reference, "ppwp", "317101")
    # the desa against its TPS forms; the kab/kota (which wrote the forms' sums plus 7) against the
    # publication and against the kecamatan's own record, whose 40 it did not carry up
    by_place = {(d.kode, d.child, d.difference.against): d.difference.differences for d in found}
    assert by_place[("317101", "3171011002", "publikasi")] == {"1": 40, "2": -40}
    assert by_place[("3171", "317101", "tingkat_bawah")] == {"1": -40, "2": 40, "suara_tidak_sah": 7,
                                                             "pengguna_total_j": 7}
    assert by_place[("3171", "317101", "publikasi")] == {"suara_tidak_sah": 7}
    assert ("317201", "3172011001", "publikasi") not in by_place
    sizes = [d.difference.size for d in found]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == 87
    assert "kecamatan,317101,GAMBIR,3171011002,CIDENG,publikasi,80,1,40" in csv_text
    row = next(r for r in tier["rows"] if r["kode"] == "3171011002")
    assert row["selisih_publikasi"] == {"terhadap": "publikasi", "selisih": {"1": 40, "2": -40}, "besar": 80}
    assert row["publikasi"]["votes"]["1"] + 40 == row["rekapitulasi"]["votes"]["1"]


def test_import_records_bottom_up_and_reports_bad_lines(counted):
    engine, reference = counted
    lines = [published(engine, reference, "ppwp", kode) for kode, _ in reversed(PPWP_TIERS)]
    lines.insert(0, {"contest": "ppwp", "tingkat": "mars", "kode": "31", "rows": {}})
    lines.append({"contest": "ppwp", "kode": "31"})
    summary = recap.import_records(engine, reference, enumerate(lines, 1), "cli:test", lock_each=True)
    assert summary.recorded == summary.locked == len(PPWP_TIERS)
    assert [n for n, _ in summary.errors] == [1, len(lines)]
    with engine.connect() as conn:
        nasional = recap_docs.publication_record(conn, reference, "ppwp", "0")
    after = recap.import_records(engine, reference, [(1, nasional)], "cli:test")
    assert after.recorded == 1 and not after.errors
    with engine.connect() as conn:
        assert recap_docs.certified(conn, reference.scope(reference.contest("ppwp")))


def test_the_demo_night_plays_every_tier_and_plants_discrepancies_to_find(counted):
    engine, reference = counted
    from suara.services import recap_night

    lines: list[str] = []
    contests = [reference.contest(key) for key in ("ppwp", "pdpr", "pkwkk-3201")]
    recorded = recap_night.play(engine, reference, contests, 0.0, seed=3, report=lines.append)
    assert recorded == 12 + 12 + 3, lines  # ppwp, pdpr: 4 kecamatan, 3 kab/kota, 2 provinces, 2 PPLN, nasional
    with engine.connect() as conn:
        for contest in contests:
            assert recap_docs.certified(conn, reference.scope(contest)), contest.key
        found = {(d.contest, d.kode, d.child) for contest in contests
                 for d in recap_docs.discrepancies(conn, reference, contest.key, "0")}
    planted = [line for line in lines if "selisih ditanam" in line]
    assert len(planted) == 3 * len(contests)
    for line in planted:  # "rekapitulasi C: selisih ditanam di KODE, baris CHILD: {...}"
        contest = line.split()[1].rstrip(":")
        kode, child = line.split(" di ")[1].split(", baris ")
        assert (contest, kode, child.split(":")[0]) in found, line
    assert recap_night.play(engine, reference, contests, 0.0, seed=3, report=lines.append) == 0  # resumed: nothing left
