"""The command line as a user runs it: init, synth, ingest, results, verify."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import orjson
import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from suara.cli import app
from suara.domain.form import parse_form
from suara.domain.percent import format_id
from suara.domain.rules import check_form
from suara.reference import packaged_reference


def counts(output: str) -> dict[str, int]:
    """The outcome counts of `suara ingest`'s table, by their English names."""
    found = re.findall(r"\((stored|stored with notes|refused|replayed)\)\s*│\s*([\d.]+)", output)
    return {name: int(number.replace(".", "")) for name, number in found}


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("SUARA_DATABASE_URL", f"sqlite:///{tmp_path / 'suara.db'}")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_a_province_from_synth_to_verified_results(run, tmp_path, monkeypatch):
    out = run("init").output
    assert "38 provinsi" in out and "820.161 tps" in out
    run("synth", "--seed", "4", "--provinces", "65", "--contests", "ppwp,pkwkp,pdpr", "--error-rate", "0.01",
        "--out", "f.jsonl")
    forms = [orjson.loads(line) for line in (tmp_path / "f.jsonl").read_bytes().splitlines()]
    assert {f["contest"] for f in forms} == {"ppwp", "pkwkp-65", "pdpr"}
    ingested = counts(run("ingest", "f.jsonl").output)
    # 2,295 TPS for PPWP and DPR, 1,364 on the Pilkada's own list for the governor, as-is
    assert ingested["stored"] + ingested["stored with notes"] == 2 * 2295 + 1364
    assert ingested["stored with notes"] > 0 and ingested["refused"] == 0
    assert "OK" in run("verify").output

    expected = Counter()
    for f in forms:
        if f["contest"] == "ppwp":
            expected.update(f["suara"])
    national = orjson.loads(run("results", "--json").output)
    assert national["votes"] == dict(expected)
    assert national["tps_reported"] == 2295 and national["tps_total"] == 820161 + 3059  # with overseas
    assert national["suara_sah"] == sum(f["suara_sah"] for f in forms if f["contest"] == "ppwp")
    kaltara = next(c for c in national["children"] if c["kode"] == "65")
    assert kaltara["votes"] == national["votes"] and kaltara["tps_total"] == 2295
    assert all(c["tps_reported"] == 0 for c in national["children"] if c["kode"] != "65")
    contest = packaged_reference().contest("ppwp")
    flagged = [f for f in forms if f["contest"] == "ppwp" and check_form(parse_form(f), contest)]
    assert flagged and national["tps_flagged"] == len(flagged)

    governor = orjson.loads(run("results", "65", "--contest", "pkwkp-65", "--json").output)
    assert governor["tps_reported"] == 1364
    expected_governor = Counter()
    for f in forms:
        if f["contest"] == "pkwkp-65":
            expected_governor.update(f["suara"])
    assert governor["votes"] == dict(expected_governor)

    table = run("results", "65").output
    assert "KALIMANTAN UTARA" in table and "2.295 dari 2.295 TPS (100,00000%)" in table
    assert "bukan hasil resmi" in table

    again = counts(run("ingest", "f.jsonl").output)
    assert again == {"stored": 0, "stored with notes": 0, "refused": 0, "replayed": 2 * 2295 + 1364}

    # the DPR's 18 parties: at 60 columns the two leaders and the rest as "lainnya", at 200 all of them
    dpr = orjson.loads(run("results", "65", "--contest", "pdpr", "--json").output)
    parties = [n for n in dpr["votes"] if n.isdigit()]  # beside party-only (P1) and candidate votes
    leaders = sorted(parties, key=lambda n: (-dpr["votes"][n], int(n)))[:2]
    monkeypatch.setenv("COLUMNS", "60")
    narrow = run("results", "65", "--contest", "pdpr").output
    assert max(map(cell_len, narrow.splitlines())) <= 60
    header, rows = table_rows(narrow)
    assert header == ["wilayah", *leaders, "lainnya", "TPS"]
    for child in dpr["children"]:
        first, second, others, tps = rows[child["kode"]]
        assert [first, second] == [format_id(child["votes"].get(n, 0)) for n in leaders]
        assert others == format_id(sum(child["votes"].get(n, 0) for n in parties if n not in leaders))
        assert tps == f"{format_id(child['tps_reported'])}/{format_id(child['tps_total'])}"
    monkeypatch.setenv("COLUMNS", "200")
    wide = run("results", "65", "--contest", "pdpr").output
    assert max(map(cell_len, wide.splitlines())) <= 200
    header, rows = table_rows(wide)
    parties.sort(key=int)
    assert header == ["kode", "wilayah", *parties, "TPS", "bercatatan"] and len(parties) == 18
    bulungan = next(c for c in dpr["children"] if c["kode"] == "6501")
    assert rows["6501"][1:19] == [format_id(bulungan["votes"].get(n, 0)) for n in parties]


def table_rows(output: str) -> tuple[list[str], dict[str, list[str]]]:
    """The children's table: its header, and each row's cells (after the code) by region code."""
    lines = [line for line in output.splitlines() if line.startswith(("┃", "│"))]
    header = [cell.strip() for cell in lines[0].strip("┃").split("┃")]
    rows = {}
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        code = cells[0].split(" ")[0]
        if code.isdigit():  # not a wrapped name's second line
            rows[code] = cells[1:]
    return header, rows


FIXTURES = Path(__file__).parent / "fixtures"
# The small whole Pemilu of tests/fixtures (provinces 31 and 32, the overseas branch 99, Pilkada
# races in 32): every refusal below is about the command's arguments, and each command of the
# national tree first loads all 91,000 regions (about 15 s), which the refusals do not need.
SMALL_PEMILU = {"--regions": "pemilu-wilayah.csv", "--stations": "pemilu-stations.csv",
                "--contests": "pemilu-contests.csv", "--candidates": "pemilu-candidates.csv",
                "--parties": "pemilu-parties.csv", "--dapil": "pemilu-dapil.csv",
                "--dapil-members": "pemilu-dapil-wilayah.csv", "--caleg": "pemilu-caleg.csv"}


def test_bad_input_on_the_command_line_is_refused(run, tmp_path):
    run("results", code=2)  # no database yet
    run("init", *(arg for option, name in SMALL_PEMILU.items() for arg in (option, str(FIXTURES / name))))
    assert orjson.loads(run("results", "99", "--json").output)["kode"] == "99"  # the overseas branch answers
    run("results", "98", code=2)  # 99 is the overseas branch
    run("results", "--contest", "dpr", code=2)
    run("results", "31", "--contest", "pkwkp-32", code=2)
    run("ingest", "missing.jsonl", code=2)
    run("synth", "--provinces", "98", "--out", "x.jsonl", code=2)
    run("synth", "--contests", "dpr", "--out", "x.jsonl", code=2)
    run("synth", "--error-rate", "2", "--out", "x.jsonl", code=2)
    (tmp_path / "bad.jsonl").write_text('{"tps": 1}\nnot json\n')
    out = run("ingest", "bad.jsonl").output
    assert "baris 1" in out and "baris 2" in out


def test_recapitulation_from_synth_to_import_and_its_discrepancies(run, tmp_path):
    """suara recap synth writes the D Hasil of every tier of a counted province with planted
    discrepancies; suara recap import records and closes them; the report finds each one."""
    run("init")
    run("synth", "--seed", "2", "--provinces", "65", "--contests", "ppwp,pdpr", "--error-rate", "0", "--out", "f.jsonl")
    run("ingest", "f.jsonl")
    run("tally")
    run("recap", "synth", "--contests", "ppwp,pdpr", "--region", "65", "--plant", "3", "--seed", "9",
        "--out", "d.jsonl", "--planted-out", "planted.jsonl")
    lines = [orjson.loads(line) for line in (tmp_path / "d.jsonl").read_bytes().splitlines()]
    planted = [orjson.loads(line) for line in (tmp_path / "planted.jsonl").read_bytes().splitlines()]
    assert {line["tingkat"] for line in lines} == {"kecamatan", "kabkota", "provinsi"}
    assert len(planted) == 6 and {p["contest"] for p in planted} == {"ppwp", "pdpr"}
    out = run("recap", "import", "d.jsonl").output
    tiers = len(lines)
    assert f"{tiers} tingkat dicatat, {tiers} ditetapkan, 0 baris ditolak" in out.replace(".", "")
    assert "OK" in run("verify").output

    from suara.publish import recap_docs
    from suara.store.engine import make_engine
    from suara.store.reference import load_reference

    engine = make_engine(f"sqlite:///{tmp_path / 'suara.db'}")
    with engine.connect() as conn:
        reference = load_reference(conn)
        for contest in ("ppwp", "pdpr"):
            found = recap_docs.discrepancies(conn, reference, contest, "65")
            at_tier = {(d.kode, d.child): d.difference.differences for d in found if d.difference.against == "tingkat_bawah"}
            against_forms = {(d.kode, d.child) for d in found if d.difference.against == "publikasi"}
            for p in (p for p in planted if p["contest"] == contest):
                where = (p["kode"], p["baris"])
                assert where in against_forms, (contest, where)
                if len(p["kode"]) < 6:  # planted above the kecamatan: the tier below disagrees
                    assert at_tier[where] == {k: v for k, v in p["selisih"].items()}
    engine.dispose()

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"contest": "ppwp", "tingkat": "kecamatan", "kode": "650101", "rows": {}}\nnot json\n')
    failed = run("recap", "import", str(bad), code=1).output
    assert "baris 1" in failed and "baris 2" in failed
