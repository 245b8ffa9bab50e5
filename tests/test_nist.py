"""The NIST SP 1500-100 v2 export: valid against the official schema, every reference resolved,
and the numbers equal to the forms and the rollups, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from helpers import ppwp_form
from jsonschema import Draft4Validator

from suara.publish.nist import DISCLAIMER, build_report, election_report
from suara.services.submission import Submission, submit_forms
from suara.tally.fold import tally_point
from suara.tally.queries import current_versions, rollup, rollups_of

# CI clones the repository to X/main with shared/ beside it at X/shared.
SCHEMA_PATH = (Path(__file__).resolve().parents[2] / "shared" / "spec" / "nist"
               / "NIST_V2_election_results_reporting.json")
NOW = datetime(2024, 2, 14, 20, 30, 15, 123456, tzinfo=timezone(timedelta(hours=7)))
MINI_TPS = ["3171011001001", "3171011001002", "3171011001003", "3171011002001", "3171011002002",
            "3171011002901", "3172011001001", "3172011001002", "3201011001001", "3201011001002"]
MINI_REGIONS = ["0", "31", "3171", "317101", "3171011001", "3171011002", "3172", "317201", "3172011001",
                "32", "3201", "320101", "3201011001"]


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


@cache
def reference_properties() -> dict[str, set[str]]:
    """Property names the schema marks as references to an @id, with the @types they may name."""
    names: dict[str, set[str]] = defaultdict(set)
    for definition in schema()["definitions"].values():
        for name, prop in definition.get("properties", {}).items():
            names[name].update(prop.get("refTypes", ()), prop.get("items", {}).get("refTypes", ()))
    return {name: types for name, types in names.items() if types}


def schema_errors(doc: dict[str, Any]) -> list[str]:
    validator = Draft4Validator(schema(), format_checker=Draft4Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def dangling_references(doc: dict[str, Any]) -> list[str]:
    """Every ...Id / ...Ids must name an @id, of a type the schema allows there; @ids unique."""
    objects = [o for o in walk(doc) if "@id" in o]
    by_id = {o["@id"]: o for o in objects}
    problems = [] if len(by_id) == len(objects) else ["duplicate @id"]
    for obj in walk(doc):
        for key, value in obj.items():
            if not key.endswith(("Id", "Ids")) or key == "VendorApplicationId":
                continue
            assert key in reference_properties(), f"{key} is not a reference in the schema"
            for ref in value if isinstance(value, list) else [value]:
                target = by_id.get(ref)
                if target is None:
                    problems.append(f"{key} -> {ref}: no such @id")
                elif target["@type"] not in reference_properties()[key]:
                    problems.append(f"{key} -> {ref}: a {target['@type']}")
    return problems


def submit(engine, reference, *docs):
    results = submit_forms(engine, reference, [Submission(d) for d in docs], fold=True)
    assert all(r.version_id for r in results)


def report(engine, reference, contest, scope):
    with engine.connect() as conn:
        return build_report(conn, reference, contest, scope, NOW)


def units(doc):
    return {u["@id"]: u for u in doc["GpUnit"]}


def vote_counts(doc) -> dict[str, dict[int, int]]:
    """GpUnitId -> {nomor urut: count}."""
    found: dict[str, dict[int, int]] = defaultdict(dict)
    [contest] = doc["Election"][0]["Contest"]
    for selection in contest["ContestSelection"]:
        for vc in selection["VoteCounts"]:
            assert vc["Type"] == "total" and selection["SequenceOrder"] not in found[vc["GpUnitId"]]
            found[vc["GpUnitId"]][selection["SequenceOrder"]] = vc["Count"]
    return dict(found)


def assert_sound(doc):
    assert schema_errors(doc) == []
    assert dangling_references(doc) == []


FORMS = [
    ppwp_form("3171011001001", (60, 122, 64)),
    ppwp_form("3171011002901", (10, 20, 30)),
    ppwp_form("3201011001002", (5, 0, 7), with_adm=False),
    ppwp_form("3171011001001", (100, 146), contest="pkwkk-3171"),
    ppwp_form("3172011001001", (50, 60), contest="pkwkp-31"),
]


def test_the_schema_is_where_ci_finds_it():
    assert SCHEMA_PATH.is_file(), SCHEMA_PATH
    Draft4Validator.check_schema(schema())


def test_a_partial_ppwp_report_is_valid_and_counts_every_tps(engine, reference):
    submit(engine, reference, *FORMS)
    doc = report(engine, reference, "ppwp", "0")
    assert_sound(doc)
    assert doc["Status"] == "unofficial-partial"
    assert doc["Format"] == "precinct-level" and doc["Notes"] == DISCLAIMER
    assert doc["GeneratedDate"] == "2024-02-14T13:30:15Z"
    assert doc["VendorApplicationId"].startswith("suara-")
    with engine.connect() as conn:
        seq = tally_point(conn)[0]
        totals = rollups_of(conn, "ppwp", MINI_REGIONS)
        versions = current_versions(conn, "ppwp", "0")
    assert doc["SequenceStart"] == doc["SequenceEnd"] == seq
    by_id = units(doc)
    precincts = sorted(u["@id"] for u in doc["GpUnit"] if u["Type"] == "precinct")
    assert precincts == [f"ru-{t}" for t in MINI_TPS]  # every TPS, with data or not
    assert sorted(by_id) == sorted([f"ru-{k}" for k in MINI_REGIONS + MINI_TPS])
    assert [by_id[f"ru-{k}"]["Type"] for k in ("0", "31", "3171", "317101", "3171011001")] == \
        ["country", "state", "county", "other", "village"]
    assert by_id["ru-317101"]["OtherType"] == "kecamatan"
    assert by_id["ru-3171011002"]["ComposingGpUnitIds"] == \
        ["ru-3171011002001", "ru-3171011002002", "ru-3171011002901"]
    assert by_id["ru-0"]["ComposingGpUnitIds"] == ["ru-31", "ru-32"]  # direct children only
    assert (by_id["ru-0"]["SubUnitsReported"], by_id["ru-0"]["TotalSubUnits"]) == (3, 10)
    assert (by_id["ru-3172"]["SubUnitsReported"], by_id["ru-3172"]["TotalSubUnits"]) == (0, 2)
    # turnout only from TPS that filled in the administrasi section
    assert by_id["ru-0"]["VotersParticipated"] == totals["0"].pengguna_total == 249 + 63
    assert "VotersRegistered" not in by_id["ru-32"] and "VotersRegistered" not in by_id["ru-3201011001002"]
    assert by_id["ru-3171011001001"]["VotersRegistered"] == 280
    assert by_id["ru-3171011001001"]["VotersParticipated"] == 249

    counts = vote_counts(doc)
    for tps, version in versions.items():
        assert counts[f"ru-{tps}"] == {int(k): v for k, v in version.form["suara"].items()}
    for kode, t in totals.items():
        if t.tps_reported:
            assert counts[f"ru-{kode}"] == {n: t.votes.get(str(n), 0) for n in (1, 2, 3)}, kode
        else:
            assert f"ru-{kode}" not in counts, kode
    assert counts["ru-0"] == {1: 75, 2: 142, 3: 101}
    assert counts["ru-32"] == {1: 5, 2: 0, 3: 7}  # a zero is reported where the region has data
    assert not any(u.startswith("ru-31720") or u == "ru-3171011001002" for u in counts)
    [contest] = doc["Election"][0]["Contest"]
    assert [s["@id"] for s in contest["ContestSelection"]] == ["cs-ppwp-1", "cs-ppwp-2", "cs-ppwp-3"]
    assert (contest["SubUnitsReported"], contest["TotalSubUnits"]) == (3, 10)


def test_a_pilkada_report_covers_only_its_region(engine, reference):
    submit(engine, reference, *FORMS)
    doc = report(engine, reference, "pkwkk-3171", "3171")
    assert_sound(doc)
    election = doc["Election"][0]
    assert (election["StartDate"], election["EndDate"], election["Type"]) == ("2024-11-27", "2024-11-27", "general")
    assert election["ElectionScopeId"] == "ru-3171" == election["Contest"][0]["ElectionDistrictId"]
    assert [c["BallotName"]["Text"][0]["Content"] for c in election["Candidate"]] == \
        ["CALON TIGA - WAKIL TIGA", "CALON EMPAT - WAKIL EMPAT"]
    precincts = [u["@id"] for u in doc["GpUnit"] if u["Type"] == "precinct"]
    assert precincts == [f"ru-{t}" for t in MINI_TPS if t.startswith("3171")]
    assert doc["GpUnit"][0]["@id"] == "ru-3171" and not any(u["Type"] in ("country", "state") for u in doc["GpUnit"])
    counts = vote_counts(doc)
    with engine.connect() as conn:
        city = rollup(conn, "pkwkk-3171", "3171")
    assert counts["ru-3171"] == counts["ru-3171011001001"] == {1: 100, 2: 146} == \
        {int(k): v for k, v in city.votes.items()}
    assert set(counts) == {"ru-3171", "ru-317101", "ru-3171011001", "ru-3171011001001"}
    assert doc["Status"] == "unofficial-partial"


def test_status_turns_complete_when_every_tps_of_the_scope_has_data(engine, reference):
    submit(engine, reference, *[ppwp_form(t, (i + 1, 2 * i, 3)) for i, t in enumerate(MINI_TPS[:-1])])
    assert report(engine, reference, "ppwp", "0")["Status"] == "unofficial-partial"
    north = report(engine, reference, "ppwp", "3172")  # a sub-scope is complete on its own
    assert_sound(north)
    assert north["Status"] == "unofficial-complete"
    assert north["Election"][0]["ElectionScopeId"] == "ru-3172"
    submit(engine, reference, ppwp_form(MINI_TPS[-1], (7, 8, 9)))
    doc = report(engine, reference, "ppwp", "0")
    assert_sound(doc)
    assert doc["Status"] == "unofficial-complete"
    assert units(doc)["ru-0"]["CountStatus"][0]["Status"] == "completed"
    counts = vote_counts(doc)
    assert counts["ru-0"] == {1: sum(range(1, 10)) + 7, 2: 2 * sum(range(9)) + 8, 3: 27 + 9}
    assert sum(1 for u in counts if len(u) == 16) == 10


def test_a_correction_replaces_the_tps_counts(engine, reference):
    submit(engine, reference, ppwp_form("3171011001001", (60, 122, 64)))
    submit(engine, reference, ppwp_form("3171011001001", (61, 122, 64)))
    counts = vote_counts(report(engine, reference, "ppwp", "3171011001"))
    assert counts["ru-3171011001001"] == counts["ru-3171011001"] == {1: 61, 2: 122, 3: 64}


@pytest.mark.parametrize(("contest", "scope"), [
    ("pkwkk-3171", "3172"), ("pkwkk-3171", "32"), ("pkwkk-3171", "31"), ("pkwkk-3171", "0"),
    ("pkwkp-31", "3201"), ("pkwkp-31", "0"),
])
def test_a_scope_outside_the_contest_is_refused(engine, reference, contest, scope):
    with pytest.raises(ValueError, match="di luar"):
        report(engine, reference, contest, scope)


def test_the_pure_function_checks_its_arguments(reference):
    ppwp = reference.contest("ppwp")
    doc = election_report(ppwp, reference.tree, "32", {}, {}, NOW, 7)
    assert_sound(doc)
    assert doc["SequenceStart"] == 7 and vote_counts(doc) == {}
    assert election_report(ppwp, reference.tree, "32", {}, {}, NOW, 7, status="correction")["Status"] == "correction"
    with pytest.raises(ValueError):
        election_report(ppwp, reference.tree, "32", {}, {}, NOW.replace(tzinfo=None), 7)
    with pytest.raises(ValueError):
        election_report(ppwp, reference.tree, "32", {}, {}, NOW, 7, status="final")
    with pytest.raises(ValueError):
        election_report(reference.contest("pkwkk-3171"), reference.tree, "32", {}, {}, NOW, 7)
    assert election_report(ppwp, reference.tree, "0", {}, {}, NOW.astimezone(UTC), 1)["Status"] == \
        "unofficial-partial"


# --- the party-list contests (the small whole Pemilu) -------------------------------------------

def selection_counts(doc, contest_id: str) -> dict[str, dict[str, int]]:
    """@id of a selection -> {GpUnitId: count} in one contest of the report."""
    [contest] = [c for c in doc["Election"][0]["Contest"] if c["@id"] == contest_id]
    found: dict[str, dict[str, int]] = {}
    for selection in contest["ContestSelection"]:
        for vc in selection["VoteCounts"]:
            assert vc["Type"] == "total" and vc["GpUnitId"] not in found.get(selection["@id"], {})
            found.setdefault(selection["@id"], {})[vc["GpUnitId"]] = vc["Count"]
    return found


def test_a_dpr_report_has_party_totals_and_a_contest_per_dapil(pemilu_engine, pemilu_reference):
    from test_legislative_results import weighted_form

    ref = pemilu_reference
    forms = [weighted_form(ref, "pdpr", "3171011001001", {"1": 10, "3": 4}),
             weighted_form(ref, "pdpr", "99AG010001002", {"2": 7}),
             weighted_form(ref, "pdpr", "3172011001001", {"1": 1, "2": 2})]
    submit(pemilu_engine, ref, *forms)
    doc = report(pemilu_engine, ref, "pdpr", "0")
    assert_sound(doc)
    election = doc["Election"][0]
    assert [c["@id"] for c in election["Contest"]] == ["pc-pdpr", "cc-pdpr-3101", "cc-pdpr-3102", "cc-pdpr-3201"]
    assert [p["@id"] for p in doc["Party"]] == ["party-1", "party-2", "party-3", "party-4"]
    assert doc["Party"][0]["Color"] == "00843d" and doc["Party"][0]["Abbreviation"]["Text"][0]["Content"] == "PKB"
    by_id = units(doc)
    assert by_id["ru-99AG010001002"]["Name"]["Text"][0]["Content"] == "KSK 001"
    assert "ru-99AG010001002" in by_id["ru-D3102"]["ComposingGpUnitIds"]
    assert by_id["ru-D3102"]["OtherType"] == "dapil"
    with pemilu_engine.connect() as conn:
        nation, d3102 = rollup(conn, "pdpr", "0"), rollup(conn, "pdpr", "D3102")
    totals = selection_counts(doc, "pc-pdpr")
    for form in forms:
        for party, block in form["partai"].items():
            assert totals[f"ps-pdpr-{party}"][f"ru-{form['tps']}"] == block["jumlah"]
    assert {p: totals[f"ps-pdpr-{p}"]["ru-0"] for p in "1234"} == {p: nation.votes.get(p, 0) for p in "1234"}

    per_dapil = selection_counts(doc, "cc-pdpr-3102")
    joko = ref.book.candidate("pdpr", "3102", "1", "2")
    assert per_dapil[f"cs-pdpr-{joko.id}"]["ru-3171011001001"] == 20
    assert per_dapil[f"cs-pdpr-{joko.id}"]["ru-D3102"] == d3102.votes["3102.1.2"] == 20
    assert per_dapil["ps-pdpr-3102-2"]["ru-99AG010001002"] == 7 == per_dapil["ps-pdpr-3102-2"]["ru-99"]
    assert "ru-31" not in per_dapil["ps-pdpr-3102-1"]  # DKI Jakarta spans two dapil: no dapil count there
    [contest] = [c for c in election["Contest"] if c["@id"] == "cc-pdpr-3102"]
    assert contest["NumberElected"] == 3 and contest["ElectionDistrictId"] == "ru-D3102"
    candidates = {c["@id"]: c for c in election["Candidate"]}
    assert candidates[f"can-pdpr-{joko.id}"]["PartyId"] == "party-1"


def test_a_dprd_report_leaves_out_what_the_contest_does_not_cover(pemilu_engine, pemilu_reference):
    from test_legislative_results import weighted_form

    ref = pemilu_reference
    submit(pemilu_engine, ref, weighted_form(ref, "pdprdk", "3201021001001", {"2": 3}))
    doc = report(pemilu_engine, ref, "pdprdk", "0")
    assert_sound(doc)
    by_id = units(doc)
    assert not any(u.startswith(("ru-31", "ru-99")) for u in by_id)
    assert by_id["ru-0"]["TotalSubUnits"] == 7 and by_id["ru-0"]["ComposingGpUnitIds"] == ["ru-32"]
    assert {c["@id"] for c in doc["Election"][0]["Contest"]} == {"pc-pdprdk", "cc-pdprdk-320101", "cc-pdprdk-320102"}
    # a sub-scope: DPR in DKI Jakarta counts DKI Jakarta I whole, but not DKI Jakarta II (it has overseas too)
    scoped = report(pemilu_engine, ref, "pdpr", "31")
    assert_sound(scoped)
    assert {c["@id"] for c in scoped["Election"][0]["Contest"]} == {"pc-pdpr", "cc-pdpr-3101", "cc-pdpr-3102"}
    pilkada = report(pemilu_engine, ref, "pkwkp-32", "32")
    assert_sound(pilkada)
    assert sum(1 for u in pilkada["GpUnit"] if u["Type"] == "precinct") == 4  # its own, smaller TPS list
