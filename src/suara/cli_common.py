"""What every `suara` command shares: the consoles, the database and its reference, progress bars."""

from __future__ import annotations

import gc

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from suara.config import Settings
from suara.domain.anomalies import InvalidThresholds
from suara.store.engine import make_engine
from suara.store.reference import Reference, load_reference, region_count

console = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    """The settings, or a clear refusal of a bad one (not a stack trace) before any work starts."""
    try:
        return Settings.from_env()
    except InvalidThresholds as exc:
        err.print(f"[red]Pengaturan tidak sah: {exc}[/red]")
        raise typer.Exit(2) from None


def _engine(read_only: bool = False) -> Engine:
    return make_engine(_settings().database_url, read_only=read_only)


def _reference(engine: Engine) -> Reference:
    try:
        with engine.connect() as conn:
            if region_count(conn) == 0:
                raise RuntimeError
            reference = load_reference(conn)
    except (RuntimeError, SQLAlchemyError):
        err.print("[red]Basis data belum disiapkan: jalankan `suara init` dulu.[/red]")
        raise typer.Exit(2) from None
    # The tree lives as long as the process: move it out of the collector's way, or every
    # collection during a national ingest walks all 91,000 regions again.
    gc.collect()
    gc.freeze()
    return reference


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=err, transient=False)
