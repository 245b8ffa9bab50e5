"""`suara user add` asks for the password (twice, not shown) or reads it from standard input; it
never takes it as an argument, where the shell's history and `ps` would keep it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from suara.cli import app
from suara.services import accounts

PASSWORD = "kata-sandi-rahasia-7"
KPPS = ("user", "add", "kpps.gambir", "--role", "KPPS", "--scope", "3171011001001")


@pytest.fixture
def cli(db_url, engine, monkeypatch):
    monkeypatch.setenv("SUARA_DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None, code: int = 0) -> str:
        result = runner.invoke(app, list(args), input=stdin)
        assert result.exit_code == code, result.output
        return result.output
    return invoke


def usernames(engine) -> list[str]:
    return [str(row["username"]) for row in accounts.list_accounts(engine)]


def test_user_add_asks_twice_without_echo_and_the_password_logs_in(cli, engine):
    out = cli(*KPPS, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert "Kata sandi" in out and "Ulangi kata sandi" in out
    assert PASSWORD not in out
    assert "akun kpps.gambir (KPPS, lingkup 3171011001001) dibuat" in out
    _, principal = accounts.login(engine, "kpps.gambir", PASSWORD, "test")
    assert principal.scope == "3171011001001"


def test_two_different_answers_are_asked_again(cli, engine):
    out = cli(*KPPS, stdin=f"{PASSWORD}\nsalah-ketik-123\n{PASSWORD}\n{PASSWORD}\n")
    assert out.count("Ulangi kata sandi") == 2 and "dibuat" in out
    accounts.login(engine, "kpps.gambir", PASSWORD, "test")


def test_password_stdin_reads_one_line_for_scripts(cli, engine):
    out = cli(*KPPS, "--password-stdin", stdin=f"{PASSWORD}\nthe rest is not read\n")
    assert "Kata sandi" not in out and PASSWORD not in out and "dibuat" in out
    accounts.login(engine, "kpps.gambir", PASSWORD, "test")
    with pytest.raises(accounts.AccountError):
        accounts.login(engine, "kpps.gambir", f"{PASSWORD}\nthe rest is not read", "test")


def test_password_stdin_with_nothing_to_read_is_refused(cli, engine):
    out = cli(*KPPS, "--password-stdin", stdin="", code=2)
    assert "--password-stdin" in out and usernames(engine) == []


def test_a_password_on_the_command_line_is_refused_and_nothing_is_made(cli, engine):
    out = cli(*KPPS, "--password", PASSWORD, code=2)
    assert "baris perintah" in out and usernames(engine) == []
    assert "--password " not in cli("user", "add", "--help")  # only --password-stdin is offered


def test_a_bad_scope_or_name_is_refused_before_the_password_is_asked(cli, engine):
    for args, message in (
        (("user", "add", "kpps.x", "--role", "KPPS", "--scope", "31"), "KPPS"),
        (("user", "add", "kpps.x", "--role", "PPK", "--scope", "317199"), "tidak dikenal"),
        (("user", "add", "X", "--role", "KPU_RI", "--scope", "0"), "nama pengguna"),
    ):
        out = cli(*args, stdin=f"{PASSWORD}\n{PASSWORD}\n", code=2)
        assert message in out and "Kata sandi" not in out, out
    assert usernames(engine) == []
    out = cli(*KPPS, "--password-stdin", stdin="pendek\n", code=2)  # too short, said after reading it
    assert "minimal" in out and usernames(engine) == []
