"""`suara user add | list | revoke`: accounts of officers, officials and observers.

A password never travels on the command line, where the shell's history and every other user's
`ps` would see it: `user add` asks for it twice without echoing, or reads one line from standard
input with --password-stdin (for scripts: `printf '%s\\n' "$PW" | suara user add ...`).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from suara.cli_common import _engine, _reference, console, err
from suara.domain.access import Role, check_scope
from suara.domain.regions import NATIONAL, UnknownRegion
from suara.services import accounts

users = typer.Typer(help="Accounts: add, list, revoke.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]{message}[/red]")
    return typer.Exit(2)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise _fail("--password-stdin: tidak ada kata sandi di masukan standar (satu baris)")
        return password
    text: str = typer.prompt("Kata sandi", hide_input=True, confirmation_prompt="Ulangi kata sandi")
    return text


@users.command("add")
def user_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[Role, typer.Option(help="KPPS, PPK, KPU_KABKOTA, KPU_PROVINSI, KPU_RI, SAKSI, PENGAWAS")],
    scope: Annotated[str, typer.Option(help="Region code of the account's scope (13-digit TPS for KPPS, 0 for KPU_RI)")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input instead of asking")] = False,
    password: Annotated[str | None, typer.Option(hidden=True)] = None,
) -> None:
    """Create an account; the password is asked for (twice, not shown) or read from standard input."""
    if password is not None:
        raise _fail("kata sandi tidak diterima di baris perintah (terlihat di riwayat shell dan daftar proses): "
                    "ketik saat diminta, atau kirim lewat --password-stdin")
    engine = _engine()
    reference = _reference(engine)
    # everything but the password first, so nobody types a password for an account that cannot be made
    if not accounts.USERNAME.match(username):
        raise _fail("nama pengguna: 3-64 huruf kecil, angka, titik, garis")
    try:
        check_scope(role, scope)
    except (ValueError, UnknownRegion) as exc:
        raise _fail(str(exc)) from None
    known = scope == NATIONAL or scope in reference.tree or reference.tree.has_tps(scope)
    if not known:
        raise _fail(f"wilayah tidak dikenal: {scope}")
    secret = _read_password(password_stdin)
    try:
        accounts.create_account(engine, username, secret, role, scope, "cli", known_region=known)
    except accounts.AccountError as exc:
        raise _fail(exc.message) from None
    console.print(f"akun {username} ({role.value}, lingkup {scope}) dibuat")


@users.command("list")
def user_list() -> None:
    """List accounts."""
    table = Table()
    for column in ("username", "role", "scope", "active", "locked until"):
        table.add_column(column)
    for row in accounts.list_accounts(_engine()):
        table.add_row(str(row["username"]), str(row["role"]), str(row["scope"]), "ya" if row["active"] else "tidak",
                      str(row["locked_until"] or ""))
    console.print(table)


@users.command("revoke")
def user_revoke(username: Annotated[str, typer.Argument()]) -> None:
    """Deactivate an account and revoke all its tokens."""
    try:
        accounts.revoke_account(_engine(), username, "cli")
    except accounts.AccountError as exc:
        raise _fail(exc.message) from None
    console.print(f"akun {username} dinonaktifkan, tokennya dicabut")
