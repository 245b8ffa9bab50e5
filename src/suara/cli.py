"""`suara ...`: the command line (Typer), with Rich progress bars on anything long."""

from __future__ import annotations

import gc
import multiprocessing
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import orjson
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
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from suara.blobs import blob_store_from_settings
from suara.cli_elections import elections
from suara.config import Settings
from suara.domain.access import Role
from suara.domain.audit import Head, parse_witness
from suara.domain.contests import UnknownContest
from suara.domain.percent import format_id, percent
from suara.domain.policy import Policy
from suara.domain.regions import NATIONAL, UnknownRegion
from suara.publish import nist, snapshot, tree
from suara.publish.own import DISCLAIMER
from suara.services import accounts, election_night
from suara.services import witness as chain_witness
from suara.services.election_night import NightOptions
from suara.services.ingest import ingest_file
from suara.services.setup import ReferenceFiles, init_database
from suara.services.verify import verify as verify_database
from suara.store import audit
from suara.store.engine import make_engine
from suara.store.reference import Reference, load_reference, region_count
from suara.synth import Synthesizer, SynthOptions, select_contests
from suara.tally.fold import fold_all, tally_point
from suara.tally.queries import rollup, rollups_of

app = typer.Typer(help="Suara: hasil pemilu dari formulir C Hasil, terbuka dan dapat diverifikasi.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
console = Console()
err = Console(stderr=True)


def _engine(read_only: bool = False) -> Engine:
    return make_engine(Settings.from_env().database_url, read_only=read_only)


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


@app.command()
def init(
    contests: Annotated[Path | None, typer.Option(help="CSV of contests to load instead of the shipped 2024 one")] = None,
    candidates: Annotated[Path | None, typer.Option(help="CSV of candidate pairs to load")] = None,
    regions: Annotated[Path | None, typer.Option(help="CSV of regions and TPS (wilayah format) instead of 2024's")] = None,
    stations: Annotated[Path | None, typer.Option(help="CSV of overseas stations (kode,nama,metode,sintetis)")] = None,
    parties: Annotated[Path | None, typer.Option(help="CSV of parties (partai-2024.csv columns)")] = None,
    dapil: Annotated[Path | None, typer.Option(help="CSV of dapil (dapil-2024.csv columns)")] = None,
    dapil_members: Annotated[Path | None, typer.Option(help="CSV of dapil regions (jenis,kode_dapil,kode)")] = None,
    caleg: Annotated[Path | None, typer.Option(help="CSV of legislative candidates (caleg-2024 columns)")] = None,
) -> None:
    """Create or upgrade the database and load the region tree, elections and contests."""
    settings = Settings.from_env()
    started = time.perf_counter()
    files = ReferenceFiles(stations=stations, parties=parties, dapil=dapil, dapil_members=dapil_members, caleg=caleg)
    try:
        summary = init_database(make_engine(settings.database_url), regions_csv=regions, contests_csv=contests,
                                candidates_csv=candidates, files=files)
    except (ValueError, OSError) as exc:
        err.print(f"[red]Gagal: {exc}[/red]")
        raise typer.Exit(2) from None
    counts = ", ".join(f"{format_id(v)} {k}" for k, v in summary.counts.items())
    console.print(f"Basis data siap ({settings.database_url}) dalam {time.perf_counter() - started:.1f} dtk: "
                  f"{counts}; {summary.contests} pemilihan.")


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="JSON Lines file to write")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same election")] = 1,
    provinces: Annotated[str | None, typer.Option(help="Comma-separated province codes, e.g. 31,32 (99: overseas)")] = None,
    contests: Annotated[str, typer.Option(
        help="Comma-separated: pemilu (the five ballots), pilkada (both races), all, a kind (ppwp, pdpr, pdpd, "
             "pdprdp, pdprdk, pkwkp, pkwkk) or exact contest keys (pdpd-31, pkwkk-3204)")] = "pemilu",
    error_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of forms with real-world errors")] = 0.001,
) -> None:
    """Generate a deterministic synthetic election as C Hasil forms, each contest on its own TPS list."""
    reference = _reference(_engine())
    options = SynthOptions(seed=seed, provinces=tuple(p.strip() for p in provinces.split(",")) if provinces else None,
                           contests=tuple(c.strip() for c in contests.split(",") if c.strip()), error_rate=error_rate)
    try:
        synthesizer = Synthesizer(reference, options)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    total = synthesizer.total_forms()
    written = 0
    with _progress() as progress, open(out, "wb") as f:
        task = progress.add_task("synth", total=total)
        for form in synthesizer.forms():
            f.write(orjson.dumps(form))
            f.write(b"\n")
            written += 1
            if written % 5000 == 0:
                progress.update(task, completed=written)
        progress.update(task, completed=written)
    console.print(f"{format_id(written)} formulir ditulis ke {out}")


def _count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    policy: Annotated[Policy, typer.Option(help="as-is: store everything well-formed; strict: refuse errors")] = Policy.AS_IS,
    show_errors: Annotated[int, typer.Option(help="How many refused lines to list")] = 20,
) -> None:
    """Submit a JSON Lines file of forms; bad lines are reported and change nothing."""
    engine = _engine()
    reference = _reference(engine)
    started = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("ingest", total=_count_lines(file))
        report = ingest_file(engine, reference, file, policy, progress=lambda n: progress.advance(task, n))
        progress.update(task, completed=report.lines)
    elapsed = time.perf_counter() - started
    for error in report.errors[:show_errors]:
        err.print(f"baris {error.line}: [{error.code}] {error.message}")
    if report.refused > show_errors:
        err.print(f"... dan {report.refused - show_errors} baris lain ditolak")
    table = Table(title=f"Ingest {file} ({policy.value}) dalam {elapsed:.1f} dtk")
    table.add_column("hasil")
    table.add_column("jumlah", justify="right")
    table.add_row("Data Sudah Terkirim (stored)", format_id(report.stored))
    table.add_row("Data Sudah Terkirim, dengan Catatan (stored with notes)", format_id(report.stored_with_notes))
    table.add_row("Data Tidak Terkirim (refused)", format_id(report.refused))
    table.add_row("sudah pernah dikirim (replayed)", format_id(report.replayed))
    console.print(table)
    if report.refused_by_code:
        console.print("ditolak menurut alasan: " + ", ".join(f"{k} {v}" for k, v in report.refused_by_code.most_common()))
    if report.flags:
        console.print("catatan menurut aturan: " + ", ".join(f"{k} {v}" for k, v in sorted(report.flags.items(), key=lambda kv: int(kv[0][1:]))))


@app.command()
def tally() -> None:
    """Fold every queued form version into the rollups."""
    console.print(f"{format_id(fold_all(_engine()))} versi dijumlahkan")


@app.command()
def results(
    kode: Annotated[str, typer.Argument(help="Region code (0 or empty for the nation)")] = NATIONAL,
    contest: Annotated[str, typer.Option(help="Contest key")] = "ppwp",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Results of a contest for a region and each of its children."""
    engine = _engine(read_only=True)
    reference = _reference(engine)
    try:
        chosen = reference.contest(contest)
        scope = reference.scope(chosen)
        region = scope.tree.get(kode or NATIONAL)
    except (UnknownContest, UnknownRegion) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if scope.tps_total(region.kode) == 0:
        err.print(f"[red]{region.nama} di luar wilayah {chosen.key}[/red]")
        raise typer.Exit(2)
    children = [c for c in scope.tree.children(region.kode) if scope.tps_total(c.kode)]
    with engine.connect() as conn:
        own = rollup(conn, chosen.key, region.kode)
        rows = rollups_of(conn, chosen.key, [c.kode for c in children])
    scope_total = scope.tps_total(region.kode)
    if as_json:
        doc = {"contest": chosen.key, "kode": region.kode, "nama": region.nama, "tps_total": scope_total,
               **own.as_dict(),
               "children": [{"kode": c.kode, "nama": c.nama, "tps_total": scope.tps_total(c.kode),
                             **rows[c.kode].as_dict()} for c in children]}
        sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    names = [(str(p.nomor_urut), p.nama) for p in chosen.candidates]
    console.print(f"[bold]{chosen.nama}[/bold] - {region.nama} ({region.kode})")
    console.print(f"Progres: {format_id(own.tps_reported)} dari {format_id(scope_total)} TPS "
                  f"({format_id(percent(own.tps_reported, scope_total, 5))}%), TPS bercatatan {format_id(own.tps_flagged)}")
    for nomor, nama in names:
        votes = own.votes.get(nomor, 0)
        console.print(f"  {nomor:>2}. {nama:<50} {format_id(votes):>14}  {format_id(percent(votes, own.suara_sah, 2)):>6}%")
    console.print(f"  Suara sah {format_id(own.suara_sah)}, tidak sah {format_id(own.suara_tidak_sah)}")
    table = Table()
    table.add_column("kode")
    table.add_column("wilayah")
    for nomor, _ in names:
        table.add_column(nomor, justify="right")
    table.add_column("TPS", justify="right")
    table.add_column("bercatatan", justify="right")
    for child in children:
        t = rows[child.kode]
        table.add_row(child.kode, child.nama, *(format_id(t.votes.get(n, 0)) for n, _ in names),
                      f"{format_id(t.tps_reported)}/{format_id(scope.tps_total(child.kode))}", format_id(t.tps_flagged))
    console.print(table)
    console.print("[dim]Publikasi awal formulir C Hasil, bukan hasil resmi; hasil resmi ditetapkan melalui rekapitulasi berjenjang.[/dim]")


def _witness_file(path: Path) -> dict[int, str]:
    try:
        with open(path, encoding="utf-8") as f:
            return parse_witness(f)
    except (OSError, ValueError) as exc:
        err.print(f"[red]berkas saksi {path}: {exc}[/red]")
        raise typer.Exit(2) from None


@app.command()
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


@app.command()
def publish(
    out: Annotated[Path, typer.Option(help="Directory to write the static public tree into")],
    contests: Annotated[str, typer.Option(help="ppwp, pkwkp, pkwkk or exact keys, comma-separated")] = "ppwp",
) -> None:
    """Write the public tree as static files with a manifest signed by the deployment's Ed25519 key."""
    settings = Settings.from_env()
    engine = _engine(read_only=True)
    reference = _reference(engine)
    try:
        chosen = select_contests(reference.contests, [c.strip() for c in contests.split(",") if c.strip()])
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    key = snapshot.load_or_create_signing_key(settings.data_dir / "signing-key.pem")
    with engine.connect() as conn:
        seq, cursor, moment = tally_point(conn)
        chain_head = audit.head(conn)  # the same read transaction as the tally point
    meta = {"tally_seq": seq, "last_version_id": cursor, "tally_time": moment.isoformat(),
            "contests": [c.key for c in chosen], "disclaimer": DISCLAIMER["id"]}
    with _progress() as progress:
        task = progress.add_task("publish", total=None)
        try:
            summary = snapshot.write_snapshot(out, tree.documents(engine, reference, chosen), key, meta,
                                              progress=lambda n: progress.update(task, completed=n),
                                              chain_head=chain_head)
        except (ValueError, FileExistsError) as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    console.print(f"{format_id(summary.files)} berkas ({format_id(summary.bytes)} bita) ditulis ke {out}; "
                  f"manifest SHA-256 {summary.manifest_sha256}")
    console.print(f"kunci publik penandatangan (Ed25519): {summary.public_key}")
    console.print(f"kepala rantai audit: {chain_head[0]}:{chain_head[1]}")


@app.command("export-nist")
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


@app.command("verify-snapshot")
def verify_snapshot(
    directory: Annotated[Path, typer.Argument(help="A directory written by `suara publish`")],
    public_key: Annotated[str | None, typer.Option(help="The deployment's public key (base64 or PEM)")] = None,
) -> None:
    """Check a snapshot or a mirror of it: signature, and every file's SHA-256, nothing missing or extra."""
    try:
        result = snapshot.verify_snapshot(directory, public_key)
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


@app.command("witness")
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


@app.command("verify-chain")
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


app.add_typer(elections, name="election")
users = typer.Typer(help="Accounts: add, list, revoke.", no_args_is_help=True)
app.add_typer(users, name="user")


@users.command("add")
def user_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[Role, typer.Option(help="KPPS, PPK, KPU_KABKOTA, KPU_PROVINSI, KPU_RI, SAKSI, PENGAWAS")],
    scope: Annotated[str, typer.Option(help="Region code of the account's scope (13-digit TPS for KPPS, 0 for KPU_RI)")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create an account."""
    engine = _engine()
    reference = _reference(engine)
    known = scope == NATIONAL or scope in reference.tree or reference.tree.has_tps(scope)
    try:
        accounts.create_account(engine, username, password, role, scope, "cli", known_region=known)
    except accounts.AccountError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
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
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    console.print(f"akun {username} dinonaktifkan, tokennya dicabut")


def _serve(host: str, port: int, workers: int) -> None:
    # Granian: a Rust HTTP server driving the ASGI app; on this 2-core machine it answers the
    # national document about 1.7 times as fast as uvicorn (bench/serve_load.py).
    from granian import Granian
    from granian.constants import Interfaces

    # worker_app and the kill timeout: SIGTERM stops the server within seconds, even while a
    # worker is still starting (see api/shutdown.py)
    from suara.api.shutdown import WORKER_KILL_TIMEOUT_SECONDS

    Granian("suara.api.shutdown:worker_app", address=host, port=port, interface=Interfaces.ASGI, workers=workers,
            factory=True, websockets=False, log_access=False, respawn_failed_workers=True,
            workers_kill_timeout=WORKER_KILL_TIMEOUT_SECONDS).serve()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes")] = 1,
) -> None:
    """Serve the public API and the Sirekap-compatible tree of this deployment's database."""
    _reference(_engine(read_only=True))  # a clear message, not a stack trace, when there is no database
    console.print(f"Suara melayani di http://{host}:{port}/  (portal: /, API: /api/v1, Sirekap: /sirekap, "
                  "dokumen: /docs)")
    _serve(host, port, workers)


def _election_night(url: str, options: NightOptions) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        reference = load_reference(conn)
    step = {"next": 0.0}

    def report(sent: int, total: int) -> None:
        if sent / total >= step["next"]:
            print(f"malam pemilu: {format_id(sent)} dari {format_id(total)} formulir masuk", flush=True)
            step["next"] += 0.1

    election_night.run(engine, reference, options, report)
    print("malam pemilu selesai: semua TPS sudah melapor", flush=True)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    duration: Annotated[float, typer.Option(min=1, help="Seconds for every TPS to report")] = 1800,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic election")] = 1,
    contests: Annotated[str, typer.Option(help="pemilu, pilkada, all, kinds or exact keys, comma-separated")] = "all",
    fresh: Annotated[bool, typer.Option("--fresh", help="Start over: delete the embedded database first")] = False,
) -> None:
    """Serve at once and play an election night: results arrive live over `duration` seconds.

    Run again, it resumes the same night where it stopped (every form carries an idempotency
    key); --fresh starts a new one."""
    settings = Settings.from_env()
    url = settings.database_url
    if fresh:
        _forget_embedded(url)
    engine = make_engine(url)
    init_database(engine)
    with engine.connect() as conn:
        known = load_reference(conn).contests
    wanted = tuple(c.strip() for c in contests.split(",") if c.strip())
    try:
        select_contests(known, wanted)
    except ValueError as exc:
        err.print(f"[red]{exc}: the database was made by an older Suara; run `suara demo --fresh` to start "
                  f"over.[/red]")
        raise typer.Exit(2) from None
    with engine.connect() as conn:
        resumed = tally_point(conn)[1] > 0
    engine.dispose()
    options = NightOptions(seed=seed, contests=wanted, duration_seconds=duration)
    feeder = multiprocessing.get_context("spawn").Process(target=_election_night, args=(url, options), daemon=True)
    feeder.start()
    if resumed:
        console.print("Melanjutkan malam pemilihan yang tersimpan (--fresh untuk mulai dari awal).")
    console.print(f"Suara demo: buka http://{host}:{port}/ (portal, hasil masuk langsung); API: "
                  f"http://{host}:{port}/api/v1/results/pdpr/0, Sirekap: "
                  f"http://{host}:{port}/sirekap/pemilu/hhcw/ppwp.json, dokumen: http://{host}:{port}/docs")
    try:
        _serve(host, port, 1)
    finally:
        feeder.terminate()


def _forget_embedded(url: str) -> None:
    """Delete an embedded (SQLite) database and its photos; a server database is never touched."""
    if not url.startswith("sqlite:///"):
        err.print("[red]--fresh only deletes an embedded SQLite database; drop a server database yourself.[/red]")
        raise typer.Exit(2)
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    app()
