"""The NIST SP 1500-100 export of a certified contest: Status `certified` and the recapitulation's
figures as its counts (never `certified` over the forms' counts), valid against the official
schema, on the small whole Pemilu, SQLite and PostgreSQL; and back to the preliminary report when
KPU RI reopens the top tier. The download route follows certification without a tally change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from test_nist import NOW, assert_sound, selection_counts, units, vote_counts

from suara.domain.access import Role
from suara.domain.policy import Policy
from suara.domain.recap import has_tier
from suara.publish import recap_docs
from suara.publish.nist import CERTIFIED_NOTE, DISCLAIMER, build_report
from suara.services import recap
from suara.services.accounts import Principal
from suara.services.submission import Submission, submit_forms
from suara.store import recap as recap_store
from suara.store.reference import Reference
from suara.synth import Synthesizer, SynthOptions
from suara.tally.fold import fold_all
from suara.tally.queries import rollup

KPU_RI = Principal(1, "kpu-ri", Role.KPU_RI, "0")
BOTTOM_UP = ["317101", "317201", "320101", "320102", "9901", "99AG", "3171", "3172", "3201", "31", "32", "0"]


@pytest.fixture
def counted(pemilu_engine: Engine, pemilu_reference: Reference) -> tuple[Engine, Reference]:
    forms = list(Synthesizer(pemilu_reference, SynthOptions(seed=7, contests=("all",), error_rate=0.0)).forms())
    submit_forms(pemilu_engine, pemilu_reference,
                 [Submission(f, f"t:{f['contest']}:{f['tps']}", "test") for f in forms], Policy.AS_IS)
    fold_all(pemilu_engine)
    return pemilu_engine, pemilu_reference


def record_all(engine: Engine, ref: Reference, contest: str, upto: str | None = None,
               change: Callable[[str, dict[str, Any]], None] | None = None) -> None:
    """Record and close every tier of a contest bottom-up as the forms add up (change may alter a
    tier's rows first), stopping before `upto`."""
    scope = ref.scope(ref.contest(contest))
    for kode in BOTTOM_UP:
        if kode == upto:
            return
        if not has_tier(scope, kode):
            continue
        standing = recap_store.get(engine, contest, kode)
        if standing is not None and standing.locked:
            continue
        with engine.connect() as conn:
            line = recap_docs.publication_record(conn, ref, contest, kode)
        if change is not None:
            change(kode, line["rows"])
        recap.record(engine, ref, None, "cli:test", contest, kode, line["tingkat"], line["rows"])
        recap.lock(engine, ref, None, "cli:test", contest, kode)


def report(engine: Engine, ref: Reference, contest: str, scope: str) -> dict[str, Any]:
    with engine.connect() as conn:
        return build_report(conn, ref, contest, scope, NOW)


def moved_at_cideng(kode: str, rows: dict[str, Any]) -> None:
    """The kecamatan's plenary moves 40 votes from paslon 2 to paslon 1 at one desa (CIDENG), and
    the tiers above carry its figures up, so the certified result differs from the forms'."""
    if kode == "317101":
        rows["3171011002"]["suara"]["1"] += 40
        rows["3171011002"]["suara"]["2"] -= 40
    elif kode == "3171":
        rows["317101"]["suara"]["1"] += 40
        rows["317101"]["suara"]["2"] -= 40
    elif kode in ("31", "0"):
        row = rows["3171" if kode == "31" else "31"]
        row["suara"]["1"] += 40
        row["suara"]["2"] -= 40


def test_a_certified_ppwp_report_carries_the_recapitulation(counted):
    engine, ref = counted
    record_all(engine, ref, "ppwp", upto="0", change=moved_at_cideng)
    preliminary = report(engine, ref, "ppwp", "0")
    assert_sound(preliminary)
    # every tier below the nation is closed, but only the nation's certifies: still the forms
    assert preliminary["Status"] == "unofficial-complete" and preliminary["Notes"] == DISCLAIMER
    with engine.connect() as conn:
        cideng, nation = rollup(conn, "ppwp", "3171011002"), rollup(conn, "ppwp", "0")
    assert vote_counts(preliminary)["ru-3171011002"] == {n: cideng.votes.get(str(n), 0) for n in (1, 2, 3)}

    record_all(engine, ref, "ppwp", change=lambda kode, rows: moved_at_cideng(kode, rows) if kode == "0" else None)
    doc = report(engine, ref, "ppwp", "0")
    assert_sound(doc)
    assert doc["Status"] == "certified" and doc["Notes"] == CERTIFIED_NOTE
    counts = vote_counts(doc)
    nasional = recap_store.get(engine, "ppwp", "0")
    kecamatan = recap_store.get(engine, "ppwp", "317101")
    ppln = recap_store.get(engine, "ppwp", "9901")
    assert nasional and kecamatan and ppln
    # the nation is its own tier's total; a desa as its kecamatan recorded it (40 votes moved)
    assert counts["ru-0"] == {n: nation.votes.get(str(n), 0) + d for n, d in ((1, 40), (2, -40), (3, 0))}
    assert counts["ru-3171011002"] == {n: kecamatan.rows["3171011002"].votes.get(str(n), 0) for n in (1, 2, 3)}
    assert counts["ru-3171011002"][1] == cideng.votes.get("1", 0) + 40
    assert counts["ru-31"] == {n: nasional.rows["31"].votes.get(str(n), 0) for n in (1, 2, 3)}
    # abroad: each station as its PPLN recorded it, the PPLN's area as its total
    for station, figures in ppln.rows.items():
        assert counts[f"ru-{station}"] == {n: figures.votes.get(str(n), 0) for n in (1, 2, 3)}
    assert counts["ru-9901"] == counts["ru-990101"] == counts["ru-9901010001"] == {
        n: sum(f.votes.get(str(n), 0) for f in ppln.rows.values()) for n in (1, 2, 3)}
    # no domestic TPS count: the recapitulation starts from the desa
    assert not any(unit.startswith("ru-3") and len(unit) == 16 for unit in counts)
    by_id = units(doc)
    assert by_id["ru-31"]["VotersParticipated"] == nasional.rows["31"].pengguna_total_j
    assert "VotersRegistered" not in by_id["ru-31"]
    assert by_id["ru-3171011001001"]["CountStatus"][0]["Status"] == "completed"  # the forms' progress stays

    # a sub-scope of a certified contest is certified too, with the same figures
    province = report(engine, ref, "ppwp", "31")
    assert_sound(province)
    assert province["Status"] == "certified" and vote_counts(province)["ru-31"] == counts["ru-31"]

    # KPU RI reopens the national tier: no longer certified, the forms' counts again
    recap.reopen(engine, ref, KPU_RI, "ppwp", "0", "koreksi penjumlahan di pleno nasional")
    again = report(engine, ref, "ppwp", "0")
    assert again["Status"] == "unofficial-complete"
    assert vote_counts(again)["ru-0"] == {n: nation.votes.get(str(n), 0) for n in (1, 2, 3)}


def test_a_certified_regional_race_and_party_list_contest(counted):
    engine, ref = counted
    record_all(engine, ref, "pkwkk-3201", upto="3201")
    assert report(engine, ref, "pkwkk-3201", "3201")["Status"] == "unofficial-complete"
    record_all(engine, ref, "pkwkk-3201")
    race = report(engine, ref, "pkwkk-3201", "3201")
    assert_sound(race)
    top = recap_store.get(engine, "pkwkk-3201", "3201")
    assert top is not None and race["Status"] == "certified"
    assert vote_counts(race)["ru-320101"] == {n: top.rows["320101"].votes.get(str(n), 0) for n in (1, 2)}

    record_all(engine, ref, "pdpr")
    doc = report(engine, ref, "pdpr", "0")
    assert_sound(doc)
    assert doc["Status"] == "certified"
    nasional = recap_store.get(engine, "pdpr", "0")
    assert nasional is not None
    totals = selection_counts(doc, "pc-pdpr")
    for party in ("1", "2", "3", "4"):
        assert totals[f"ps-pdpr-{party}"]["ru-0"] == sum(r.votes.get(party, 0) for r in nasional.rows.values())
    # a whole dapil's count is the sum of its member regions' certified figures (recorded as the
    # forms add up here, so equal to the tally's dapil rollup)
    with engine.connect() as conn:
        d3101 = rollup(conn, "pdpr", "D3101")
    per_dapil = selection_counts(doc, "cc-pdpr-3101")
    party_only = {k: v for k, v in d3101.votes.items() if k.startswith("P")}
    assert {k[1:]: per_dapil[f"ps-pdpr-3101-{k[1:]}"]["ru-D3101"] for k in party_only} == \
        {k[1:]: v for k, v in party_only.items()}
    assert not any(gp.startswith("ru-3") and len(gp) == 16 for sel in per_dapil.values() for gp in sel)


def test_the_download_follows_certification_without_a_tally_change(counted, pemilu_client):
    engine, ref = counted
    pemilu_client.app.state.publisher.refresh()
    path = "/api/v1/downloads/pkwkk-3201/3201/nist.json"
    before = pemilu_client.get(path)
    assert before.status_code == 200 and before.json()["Status"] == "unofficial-complete"
    assert before.headers["x-suara-disclaimer"] == DISCLAIMER
    assert pemilu_client.get(path, headers={"If-None-Match": before.headers["etag"]}).status_code == 304
    record_all(engine, ref, "pkwkk-3201")
    after = pemilu_client.get(path)
    assert after.status_code == 200 and after.json()["Status"] == "certified"
    assert after.headers["etag"] != before.headers["etag"]
    assert after.headers["x-suara-disclaimer"].startswith("Hasil resmi")
    assert pemilu_client.get("/api/v1/downloads/pkwkk-3201/31/nist.json").status_code == 404
