"""`suara verify`, `witness`, `verify-chain`, `publish`, `verify-snapshot`, `export-nist`: what
lets anyone check that what is published is what was filed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import TaskID

from suara import cli_publish
from suara.blobs import blob_store_from_settings
from suara.cli_common import _engine, _progress, _reference, console, err
from suara.config import Settings
from suara.domain.audit import Head, parse_witness
from suara.domain.percent import format_id
from suara.domain.regions import NATIONAL
from suara.publish import nist
from suara.publish.snapshot_verify import verify_increments as check_increments
from suara.publish.snapshot_verify import verify_snapshot as check_snapshot
from suara.services import witness as chain_witness
from suara.services.verify import verify as verify_database

integrity = typer.Typer()


def _witness_file(path: Path) -> dict[int, str]:
    try:
        with open(path, encoding="utf-8") as f:
            return parse_witness(f)
    except (OSError, ValueError) as exc:
        err.print(f"[red]berkas saksi {path}: {exc}[/red]")
        raise typer.Exit(2) from None


@integrity.command()
def verify(
    witness: Annotated[Path | None, typer.Option(help="Witness file ('seq,hash,time' lines from `suara witness`): "
                                                      "the chain must still have every head it recorded")] = None,
) -> None:
    """Recompute every rollup from the current versions, check the audit chain and replay it
    against the tables it records."""
    heads = _witness_file(witness) if witness is not None else None
    engine = _engine(read_only=True)
    started = time.perf_counter()
    with _progress() as progress:
        tasks: dict[str, TaskID] = {}

        def tick(stage: str, n: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=None)
            progress.advance(tasks[stage], n)

        report = verify_database(engine, tick, witness=heads, blobs=blob_store_from_settings(Settings.from_env().blobs_url))
    elapsed = time.perf_counter() - started
    console.print(f"{format_id(report.events_checked)} peristiwa audit, {format_id(report.versions_checked)} versi, "
                  f"{format_id(report.current_checked)} TPS terkini, {format_id(report.rollups_checked)} rollup "
                  f"diperiksa dalam {elapsed:.1f} dtk")
    if report.ok:
        console.print("[green]OK: semua rollup sama dengan hitung ulang, rantai audit utuh.[/green]")
        if heads is not None:
            console.print(f"[green]OK: rantai memuat {len(heads)} kepala yang dicatat saksi.[/green]")
        return
    for problem in report.problems:
        err.print(f"[red]{problem}[/red]")
    err.print(f"[red]{report.problem_count} masalah ditemukan[/red]")
    raise typer.Exit(1)


@integrity.command()
def publish(
    out: Annotated[Path | None, typer.Option(help="Directory to write the static public tree into")] = None,
    to: Annotated[str | None, typer.Option(help="Or a bucket: s3://bucket/prefix?endpoint=http://host:port"
                                                "&region=... (credentials from the AWS environment)")] = None,
    contests: Annotated[str, typer.Option(help="ppwp, pkwkp, pkwkk or exact keys, comma-separated")] = "ppwp",
    full: Annotated[bool, typer.Option("--full", help="Write every document, not only what changed")] = False,
    watch: Annotated[bool, typer.Option("--watch", help="Keep publishing increments as the tally moves, "
                                                        "until SIGTERM")] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between two looks at the tally (--watch)")] = 10.0,
    metrics_port: Annotated[int | None, typer.Option(min=1, max=65535, help="Serve Prometheus metrics of the "
                                                     "published tree's lag on this port")] = None,
    metrics_host: Annotated[str, typer.Option(help="Address for --metrics-port")] = "127.0.0.1",
) -> None:
    """Write the public tree as static files with a manifest signed by the deployment's Ed25519 key.

    The first publication into a place writes everything; each one after writes only the documents
    whose data changed since the tally point of the last, with a signed record linked to the one
    before it (manifests/manifest-N.json). Contests with no form stored yet are left out (and
    named); a full publication is estimated first, with a warning for a large snapshot or too
    little disk space, and a progress bar runs over the documents as they are written."""
    if (out is None) == (to is None):
        err.print("[red]Sebutkan tepat satu tujuan: --out DIREKTORI atau --to s3://bucket/prefix[/red]")
        raise typer.Exit(2)
    cli_publish.run(str(out) if out is not None else str(to), contests, full, watch, interval,
                    (metrics_host, metrics_port) if metrics_port is not None else None)


@integrity.command("export-nist")
def export_nist(
    out: Annotated[Path, typer.Option(help="JSON file to write")],
    contest: Annotated[str, typer.Option(help="Contest key")] = "ppwp",
    region: Annotated[str, typer.Option(help="Region code (0 for the nation)")] = NATIONAL,
) -> None:
    """Write a NIST SP 1500-100 v2 election report (precinct-level) of a contest and region."""
    engine = _engine(read_only=True)
    reference = _reference(engine)
    try:
        with engine.connect() as conn:
            report = nist.build_report(conn, reference, contest, region, datetime.now(UTC))
    except (ValueError, LookupError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    out.write_bytes(orjson.dumps(report))
    console.print(f"laporan NIST ({report['Status']}) ditulis ke {out}")


@integrity.command("verify-snapshot")
def verify_snapshot(
    directory: Annotated[Path, typer.Argument(help="A directory written by `suara publish`")],
    public_key: Annotated[str | None, typer.Option(help="The deployment's public key (base64 or PEM)")] = None,
    since: Annotated[int | None, typer.Option(min=0, help="Check only the publications after this number (a mirror "
                                                          "that verified it before): their records and files")] = None,
) -> None:
    """Check a snapshot or a mirror of it: signature, every file's SHA-256, nothing missing or extra, and the chain
    of publication records; with --since N only what the publications after N wrote."""
    try:
        result = (check_snapshot(directory, public_key) if since is None
                  else check_increments(directory, since, public_key))
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if public_key is None:
        err.print("[yellow]Tanpa --public-key hanya keutuhan terhadap kunci di dalam direktori yang diperiksa; "
                  "kunci tepercaya harus didapat dari penyelenggara.[/yellow]")
    for problem in result.problems:
        err.print(f"[red]{problem}[/red]")
    if not result.ok:
        err.print(f"[red]{len(result.problems)} masalah; snapshot tidak utuh[/red]")
        raise typer.Exit(1)
    console.print(f"OK: {format_id(result.files_checked)} berkas cocok dengan manifest yang ditandatangani"
                  + (f"; rantai {format_id(result.publications_checked)} publikasi utuh." if result.publications_checked
                     else "."))
    if isinstance(result.chain_head, dict):
        console.print(f"kepala rantai audit saat snapshot: {result.chain_head.get('seq')}:{result.chain_head.get('hash')}")


@integrity.command("witness")
def witness_command(
    url: Annotated[str, typer.Option(help="Base URL of a Suara deployment or mirror, e.g. https://suara.example")],
    out: Annotated[Path, typer.Option(help="Witness file to append 'seq,hash,time' lines to")],
    every: Annotated[float, typer.Option(min=0, help="Seconds between two readings")] = 60.0,
    count: Annotated[int, typer.Option(min=1, help="How many readings (1: once)")] = 1,
) -> None:
    """Record the audit-chain heads a deployment publishes, to prove later that its history was not rewritten."""
    try:
        for head in _record_each(url, out, count, every):
            console.print(f"{head.seq}:{head.hash}")
    except chain_witness.WitnessError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


def _record_each(url: str, out: Path, count: int, every: float) -> Iterator[Head]:
    """One reading at a time, printed as it comes."""
    for n in range(count):
        if n:
            time.sleep(every)
        yield from chain_witness.record(url, out, 1)


@integrity.command("verify-chain")
def verify_chain_command(
    url: Annotated[str, typer.Option(help="Base URL of a Suara deployment or mirror")],
    witness_file: Annotated[Path | None, typer.Option("--witness", help="Witness file from `suara witness`")] = None,
) -> None:
    """Download a deployment's audit chain over its public API and check it link by link and against a witness."""
    heads = _witness_file(witness_file) if witness_file is not None else {}
    try:
        result = chain_witness.check_mirror(url, heads)
    except chain_witness.WitnessError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    for problem in result.problems:
        err.print(f"[red]{problem}[/red]")
    if not result.ok:
        err.print(f"[red]{len(result.problems)} masalah; rantai tidak utuh[/red]")
        raise typer.Exit(1)
    console.print(f"OK: {format_id(result.events)} peristiwa tersambung sampai kepala "
                  f"{result.head.text() if result.head else '-'}; {len(heads)} kepala saksi cocok.")
