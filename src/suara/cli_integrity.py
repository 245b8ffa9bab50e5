"""`suara verify`, `witness`, `verify-chain`, `publish`, `verify-snapshot`, `export-nist`: what
lets anyone check that what is published is what was filed."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from suara.blobs import blob_store_from_settings
from suara.cli_common import _engine, _progress, _reference, console, err
from suara.config import Settings
from suara.domain.audit import Head, parse_witness
from suara.domain.percent import format_id
from suara.domain.regions import NATIONAL
from suara.publish import nist, snapshot, tree
from suara.publish.own import DISCLAIMER
from suara.publish.snapshot_keys import load_or_create_signing_key
from suara.publish.snapshot_plan import plan_snapshot
from suara.publish.snapshot_verify import verify_snapshot as check_snapshot
from suara.services import witness as chain_witness
from suara.services.verify import verify as verify_database
from suara.store import audit
from suara.synth import select_contests
from suara.tally.fold import tally_point

integrity = typer.Typer()
SKIPPED_SHOWN = 12  # contests named when skipped; the rest are counted
PROGRESS_EVERY = 250  # documents between two progress updates


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
        tasks: dict[str, int] = {}

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
    out: Annotated[Path, typer.Option(help="Directory to write the static public tree into")],
    contests: Annotated[str, typer.Option(help="ppwp, pkwkp, pkwkk or exact keys, comma-separated")] = "ppwp",
) -> None:
    """Write the public tree as static files with a manifest signed by the deployment's Ed25519 key.

    Contests with no form stored yet are left out (and named); the files and bytes are estimated
    first, with a warning for a large snapshot or too little disk space, and a progress bar runs
    over the documents as they are written."""
    settings = Settings.from_env()
    engine = _engine(read_only=True)
    reference = _reference(engine)
    try:
        chosen = select_contests(reference.contests, [c.strip() for c in contests.split(",") if c.strip()])
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    key = load_or_create_signing_key(settings.data_dir / "signing-key.pem")
    with engine.connect() as conn:
        seq, cursor, moment = tally_point(conn)
        chain_head = audit.head(conn)  # the same read transaction as the tally point
    plan = plan_snapshot(engine, reference, chosen, settings.public_base_url)
    if plan.skipped:
        names = [c.key for c in plan.skipped]
        shown = ", ".join(names[:SKIPPED_SHOWN]) + (f" dan {len(names) - SKIPPED_SHOWN} lainnya"
                                                    if len(names) > SKIPPED_SHOWN else "")
        err.print(f"[yellow]Dilewati, belum ada formulir: {shown}[/yellow]")
    if not plan.contests:
        err.print("[red]Tidak ada pemilihan terpilih yang sudah punya data; tidak ada yang ditulis.[/red]")
        raise typer.Exit(1)
    console.print(f"{len(plan.contests)} pemilihan; perkiraan {format_id(plan.files)} berkas, "
                  f"{bytes_text(plan.bytes)}")
    if plan.large:
        err.print(f"[yellow]Peringatan: snapshot besar (sekitar {bytes_text(plan.bytes)}); menulisnya makan waktu "
                  "lama. Pilih lebih sedikit pemilihan dengan --contests bila tidak semuanya perlu.[/yellow]")
    free = shutil.disk_usage(_existing_parent(out)).free
    if plan.bytes > free:
        err.print(f"[yellow]Peringatan: ruang disk tersisa {bytes_text(free)}, kurang dari perkiraan "
                  f"{bytes_text(plan.bytes)}.[/yellow]")
    meta = {"tally_seq": seq, "last_version_id": cursor, "tally_time": moment.isoformat(),
            "contests": [p.contest.key for p in plan.contests], "disclaimer": DISCLAIMER["id"]}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[size]}"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err) as progress:
        counter = _Counted(progress, plan.files)
        try:
            summary = snapshot.write_snapshot(
                out, counter.over(tree.documents(engine, reference, [p.contest for p in plan.contests],
                                                 settings.public_base_url)),
                key, meta, chain_head=chain_head)
        except (ValueError, FileExistsError) as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        progress.update(counter.task, completed=summary.files, total=summary.files, size=bytes_text(summary.bytes))
    console.print(f"{format_id(summary.files)} berkas ({bytes_text(summary.bytes)}, {format_id(summary.bytes)} bita) "
                  f"ditulis ke {out}; manifest SHA-256 {summary.manifest_sha256}")
    console.print(f"kunci publik penandatangan (Ed25519): {summary.public_key}")
    console.print(f"kepala rantai audit: {chain_head[0]}:{chain_head[1]}")


class _Counted:
    """Documents and bytes as they pass to the writer, on the progress bar; into a log (no
    terminal, where a bar does not draw) a line every 5 per cent of the estimate instead."""

    def __init__(self, progress: Progress, estimate: int) -> None:
        self.progress, self.estimate = progress, estimate
        self.task = progress.add_task("publish", total=estimate, size="")
        self.files = self.bytes = 0
        self.line_every = 0 if progress.console.is_terminal else max(1, estimate // 20)
        self.next_line = self.line_every

    def over(self, documents: Iterator[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
        for path, body in documents:
            self.files += 1
            self.bytes += len(body)
            if self.files % PROGRESS_EVERY == 0:
                self.progress.update(self.task, completed=self.files, size=bytes_text(self.bytes),
                                     total=max(self.estimate, self.files))
            if self.line_every and self.files >= self.next_line:
                self.next_line += self.line_every
                self.progress.console.print(f"publish: {format_id(self.files)} dari sekitar "
                                            f"{format_id(self.estimate)} berkas, {bytes_text(self.bytes)}",
                                            highlight=False)
            yield path, body


def bytes_text(n: int) -> str:
    """1234567 -> '1,2 MB' (decimal units, Indonesian decimal comma)."""
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= size:
            return f"{n / size:.1f} {unit}".replace(".", ",")
    return f"{n} B"


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


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
) -> None:
    """Check a snapshot or a mirror of it: signature, and every file's SHA-256, nothing missing or extra."""
    try:
        result = check_snapshot(directory, public_key)
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
    console.print(f"OK: {format_id(result.files_checked)} berkas cocok dengan manifest yang ditandatangani.")
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
