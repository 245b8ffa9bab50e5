"""`suara results` with a 13-character TPS code shows that TPS's form, its flags and its history;
every table fits the terminal's width."""

from __future__ import annotations

import orjson
import pytest
from helpers import ppwp_form
from rich.cells import cell_len
from typer.testing import CliRunner

from suara.cli import app
from suara.cli_results import plan_columns
from suara.services.submission import Submission, submit_forms

TPS = "3171011001001"


@pytest.fixture
def cli(db_url, pemilu_engine, monkeypatch):
    monkeypatch.setenv("SUARA_DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output
    return invoke


def test_a_tps_code_shows_its_form_flags_and_history(cli, pemilu_engine, pemilu_reference, monkeypatch):
    first = ppwp_form(TPS, (60, 122, 64))
    second = ppwp_form(TPS, (60, 122, 64))
    second["suara_sah"] = 250  # 246 counted (R8), 3 invalid and 249 in all (R9)
    for doc in (first, second):
        submit_forms(pemilu_engine, pemilu_reference, [Submission(doc, None, "kpps.gambir")], fold=True)

    monkeypatch.setenv("COLUMNS", "60")
    out = cli("results", TPS)
    assert max(map(cell_len, out.splitlines())) <= 60
    out = " ".join(out.split())  # the same words, wherever the lines were wrapped
    assert "TPS 001" in out and "GAMBIR" in out and "Versi 2 dari 2" in out and "kpps.gambir" in out
    assert "122" in out and "Suara sah 250" in out
    assert "R8 Jumlah suara sah" in out and "R9" in out and "Riwayat" in out and "suara_sah 246 -> 250" in out
    assert "bukan hasil resmi" in out

    doc = orjson.loads(cli("results", TPS, "--json"))
    assert doc["current"]["form"]["suara_sah"] == 250 and len(doc["versions"]) == 2
    assert [f["rule"] for f in doc["current"]["flags"]] == ["R8", "R9"]


def test_a_tps_without_data_and_an_overseas_station(cli):
    assert "Belum ada data" in cli("results", "3171011001002")
    out = cli("results", "99AG010001002", "--contest", "pdpr")
    assert "KSK 001" in out and "Belum ada data" in out


def test_bad_tps_codes_are_refused_with_the_reason(cli):
    assert "TPS tidak dikenal" in cli("results", "3171011001099", code=2)
    assert "di luar wilayah" in cli("results", TPS, "--contest", "pkwkp-32", code=2)
    assert "pdpd-99" in cli("results", TPS, "--contest", "pdpd-99", code=2)


def test_region_tables_fit_60_and_200_columns(cli, pemilu_engine, pemilu_reference, monkeypatch):
    submit_forms(pemilu_engine, pemilu_reference, [Submission(ppwp_form(TPS, (160_000, 122_000, 64_000)))],
                 fold=True)
    for width in (60, 200):
        monkeypatch.setenv("COLUMNS", str(width))
        for contest in ("ppwp", "pdpr"):
            out = cli("results", "0", "--contest", contest)
            assert max(map(cell_len, out.splitlines())) <= width, (width, contest, out)
            assert "160.000" in out or contest == "pdpr"


def test_the_leaders_and_lainnya_when_the_parties_do_not_fit():
    parties = [str(n) for n in (*range(1, 18), 24)]
    widths = dict.fromkeys(parties, 9)  # "1.234.567"
    ranked = ["4", "2", *[p for p in parties if p not in ("4", "2")]]
    narrow = plan_columns(60, ranked, widths, others_width=10, tps_width=15, flagged_width=10, code_width=4)
    assert narrow.shown == ("4",) and narrow.others and not narrow.flagged and not narrow.code_column
    middle = plan_columns(100, ranked, widths, others_width=10, tps_width=15, flagged_width=10, code_width=4)
    assert middle.shown == tuple(ranked[:len(middle.shown)]) and len(middle.shown) == 4 and middle.others
    wide = plan_columns(300, ranked, widths, others_width=10, tps_width=15, flagged_width=10, code_width=4)
    assert wide.shown == tuple(parties) and not wide.others and wide.flagged and wide.code_column
