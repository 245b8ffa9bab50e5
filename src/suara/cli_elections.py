"""`suara election ...`: the elections a deployment holds and their TPS lists.

A commission loads its own files here (2029 needs new files, not new code): the region tree and
the contests through `suara init --regions ... --contests ...`, and each election's own TPS list
through `suara election load`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from suara.config import Settings
from suara.domain.percent import format_id
from suara.services.setup import load_tps_list
from suara.store.engine import make_engine
from suara.store.reference import load_reference

elections = typer.Typer(help="Elections and their TPS lists: list, load.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@elections.command("list")
def election_list() -> None:
    """Every election with its TPS and contests."""
    try:
        with make_engine(Settings.from_env().database_url, read_only=True).connect() as conn:
            reference = load_reference(conn)
    except SQLAlchemyError:
        err.print("[red]Basis data belum disiapkan: jalankan `suara init` dulu.[/red]")
        raise typer.Exit(2) from None
    table = Table("pemilu", "nama", "daftar TPS", "TPS", "pemilihan")
    for key, election in sorted(reference.elections.items()):
        tree = reference.trees.get(key, reference.tree)
        count = sum(1 for c in reference.contests.values() if c.election == key)
        table.add_row(key, election.nama, "sendiri" if election.own_tps_list else "dasar",
                      format_id(tree.get("0").tps_total), format_id(count))
    console.print(table)


@elections.command("load")
def election_load(
    key: Annotated[str, typer.Argument(help="Election key, e.g. pilkada-2029")],
    tps: Annotated[Path, typer.Option(exists=True, dir_okay=False,
                                      help="CSV: kode,tps per desa ('1-12;901'), or kode_kecamatan,tps counts")],
    nama: Annotated[str, typer.Option(help="The election's name")] = "",
) -> None:
    """Give an election its own TPS list (refused once forms of it are stored)."""
    try:
        total = load_tps_list(make_engine(Settings.from_env().database_url), key, nama or key, tps)
    except (ValueError, OSError, KeyError) as exc:
        err.print(f"[red]Gagal: {exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"{key}: {format_id(total)} TPS dimuat dari {tps}.")
