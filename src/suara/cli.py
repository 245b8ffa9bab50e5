"""`suara ...`: the command line (Typer), with Rich progress bars on anything long."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from suara.blobs import blob_store_from_settings
from suara.cli_common import _engine, _progress, _reference, console, err
from suara.cli_elections import elections
from suara.cli_integrity import integrity
from suara.cli_reading import reading
from suara.cli_recap import recaps
from suara.cli_receipts import receipts
from suara.cli_results import results
from suara.cli_users import users
from suara.config import Settings
from suara.domain.percent import format_id, percent
from suara.domain.policy import Policy
from suara.services import election_night, recap_night
from suara.services.election_night import NightOptions
from suara.services.ingest import ingest_file
from suara.services.setup import ReferenceFiles, init_database
from suara.store.engine import make_engine
from suara.store.reference import load_reference
from suara.synth import Synthesizer, SynthOptions, select_contests
from suara.tally.fold import fold_all, tally_point

app = typer.Typer(help="Suara: hasil pemilu dari formulir C Hasil, terbuka dan dapat diverifikasi.",
                  no_args_is_help=True, pretty_exceptions_enable=False)


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
def tally(
    watch: Annotated[bool, typer.Option("--watch", help="Keep folding as versions arrive, until SIGTERM")] = False,
    interval: Annotated[float, typer.Option(min=0.01, max=60, help="Seconds between looks when idle")] = 0.25,
    every: Annotated[float, typer.Option(min=0, max=60, help="At most one tally point this often (seconds)")] = 0.5,
) -> None:
    """Fold every queued form version into the rollups; with --watch, the deployment's long-lived
    tally worker (run the API with SUARA_SERVE_TALLY=0). Any number may run: each version is folded
    exactly once, under the tally's lock, whichever process gets it."""
    engine = _engine()
    if not watch:
        console.print(f"{format_id(fold_all(engine))} versi dijumlahkan")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    console.print("Pekerja tally berjalan (SIGTERM untuk berhenti)")
    folded = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            done = fold_all(engine)
        except SQLAlchemyError as exc:  # the database away for a moment: try again, do not die
            err.print(f"tally: {exc.__class__.__name__}; mencoba lagi")
            done = 0
        folded += done
        # Under a steady stream of forms, folding whenever anything waits makes a tally point every
        # few milliseconds, and every API process then renders its national documents again for
        # each: a tally point at most every `every` seconds keeps the count fresh and the CPU for forms.
        stop.wait(max(every - (time.monotonic() - started), 0) if done else interval)
    console.print(f"Pekerja tally berhenti; {format_id(folded)} versi dijumlahkan")


app.command()(results)
app.registered_commands += integrity.registered_commands  # verify, witness, publish, ...
app.registered_commands += receipts.registered_commands  # verify-receipt
app.registered_commands += reading.registered_commands  # form-sheet, read-form
app.add_typer(elections, name="election")
app.add_typer(recaps, name="recap")
app.add_typer(users, name="user")


def _serve(host: str, port: int, workers: int, log_format: str = "json") -> None:
    # Granian: a Rust HTTP server driving the ASGI app; on this 2-core machine it answers the
    # national document about 1.7 times as fast as uvicorn (bench/serve_load.py).
    from granian import Granian
    from granian.constants import Interfaces

    from suara import logs
    from suara.api.metrics import serving_multiprocess_dir

    # worker_app and the kill timeout: SIGTERM stops the server within seconds, even while a
    # worker is still starting (see api/shutdown.py)
    from suara.api.shutdown import WORKER_KILL_TIMEOUT_SECONDS

    try:
        chosen = logs.log_format(os.environ.get(logs.FORMAT_ENV, log_format))
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    os.environ[logs.FORMAT_ENV] = chosen  # the workers configure their logging from it (worker_app)
    logs.configure(chosen)
    # the workers' metrics meet in one directory, so that any worker answers a scrape for all
    with serving_multiprocess_dir():
        Granian("suara.api.shutdown:worker_app", address=host, port=port, interface=Interfaces.ASGI,
                workers=workers, factory=True, websockets=False, log_access=False, respawn_failed_workers=True,
                workers_kill_timeout=WORKER_KILL_TIMEOUT_SECONDS, log_dictconfig=logs.granian_config(chosen)).serve()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes")] = 1,
) -> None:
    """Serve the public API and the Sirekap-compatible tree of this deployment's database.

    Logs one JSON line per request on stderr (SUARA_LOG_FORMAT=text for plain lines); /metrics
    for Prometheus, /healthz and /readyz for the load balancer (README, Observability)."""
    _reference(_engine(read_only=True))  # a clear message, not a stack trace, when there is no database
    console.print(f"Suara melayani di http://{host}:{port}/  (portal: /, API: /api/v1, Sirekap: /sirekap, "
                  "dokumen: /docs)")
    _serve(host, port, workers)


RECAP_AFTER_SECONDS = 60.0
PHOTO_SHARE = 0.001  # about 1,260 TPS with every ballot photographed, each page of its sheets 90-140 KB
PHOTO_EXAMPLES = 3  # links printed to the first photographed forms
RECAP_SECONDS_PER_TIER = 0.02


def _election_night(url: str, options: NightOptions, portal: str) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        reference = load_reference(conn)
    step = {"next": 0.0}
    photos: list[str] = []

    def started(found: election_night.NightStart) -> None:
        print(night_start_text(found, options.duration_seconds), flush=True)
        step["next"] = (found.stored * 10 // max(found.total, 1) + 1) / 10

    def report(sent: int, total: int) -> None:
        if sent / total >= step["next"]:
            print(f"malam pemilu: {format_id(sent)} dari {format_id(total)} formulir masuk", flush=True)
            step["next"] = (sent * 10 // total + 1) / 10

    def photo(form: dict[str, Any]) -> None:
        if len(photos) < PHOTO_EXAMPLES and form["tps"] not in photos:
            photos.append(form["tps"])
            print(f"foto formulir C Hasil masuk: {portal}/tps/{form['contest']}/{form['tps']}", flush=True)

    blobs = blob_store_from_settings(Settings.from_env().blobs_url)
    election_night.run(engine, reference, options, report, blobs=blobs, started=started, photo=photo)
    if election_night.stored_forms(engine, options.seed)[1]:
        return  # another seed's night: nothing was sent, and its recapitulation is not this one's
    print("malam pemilu selesai: semua TPS sudah melapor", flush=True)
    # the plenaries meet a while after the count: D Hasil tier by tier, a few discrepancies planted
    time.sleep(RECAP_AFTER_SECONDS)
    print("rekapitulasi berjenjang dimulai", flush=True)
    recorded = recap_night.play(engine, reference, select_contests(reference.contests, options.contests),
                                RECAP_SECONDS_PER_TIER, options.seed, lambda line: print(line, flush=True))
    print(f"rekapitulasi berjenjang selesai: {format_id(recorded)} tingkat ditetapkan", flush=True)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    duration: Annotated[float, typer.Option(min=1, help="Seconds for every TPS to report")] = 1800,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic election")] = 1,
    contests: Annotated[str, typer.Option(help="pemilu, pilkada, all, kinds or exact keys, comma-separated")] = "all",
    fresh: Annotated[bool, typer.Option("--fresh", help="Start over: delete the embedded database first")] = False,
    photo_share: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of TPS whose forms arrive with "
                                               "photos of their pages (every ballot of the TPS)")] = PHOTO_SHARE,
) -> None:
    """Serve at once and play an election night: results arrive live over `duration` seconds.

    Run again, it resumes the same night where it stopped (every form carries an idempotency
    key) and says how far it had got, or that it is complete; --fresh starts a new one."""
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
    options = NightOptions(seed=seed, contests=wanted, duration_seconds=duration, photo_share=photo_share)
    feeder = multiprocessing.get_context("spawn").Process(target=_election_night, daemon=True,
                                                          args=(url, options, f"http://{host}:{port}"))
    feeder.start()
    if resumed:
        console.print(f"Basis data demo sudah berisi malam pemilihan ({url}): dilanjutkan, bukan dimulai ulang; "
                      "`make demo DEMO_ARGS=--fresh` (suara demo --fresh) menghapusnya dan memulai malam baru.")
    console.print(f"Suara demo: buka http://{host}:{port}/ (portal, hasil masuk langsung); API: "
                  f"http://{host}:{port}/api/v1/results/pdpr/0, Sirekap: "
                  f"http://{host}:{port}/sirekap/pemilu/hhcw/ppwp.json, dokumen: http://{host}:{port}/docs")
    try:
        _serve(host, port, 1, log_format="text")  # a person watches the demo's terminal
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
    settings = Settings.from_env()
    photos = Path(settings.blobs_url)
    # the photo directory inside the data directory (not object storage, not a directory of its
    # own elsewhere): its photos belonged to that night
    if "://" not in settings.blobs_url and photos.resolve().is_relative_to(settings.data_dir.resolve()):
        shutil.rmtree(photos, ignore_errors=True)


def night_start_text(found: election_night.NightStart, duration: float) -> str:
    """What a (re)started night says first: new, resumed from where, complete, or not this seed's."""
    if found.other_seed:
        return ("malam pemilu: basis data ini berisi malam dengan --seed lain; tidak ada yang dikirim. Jalankan "
                "dengan --seed yang sama, atau --fresh untuk malam baru.")
    if found.stored == 0:
        return f"malam pemilu dimulai: {format_id(found.total)} formulir dalam sekitar {_minutes(duration)}"
    if found.complete:
        return (f"malam pemilu ini sudah selesai: {format_id(found.stored)} formulir tersimpan (100%), tidak ada "
                "yang dikirim lagi; portal menampilkan hasil akhirnya. --fresh memulai malam baru.")
    remaining = (found.total - found.stored) / found.total * duration
    return (f"malam pemilu dilanjutkan: {format_id(found.stored)} dari {format_id(found.total)} formulir sudah "
            f"tersimpan ({format_id(percent(found.stored, found.total, 1))}%); sisanya masuk dalam sekitar "
            f"{_minutes(remaining)}. --fresh memulai malam baru.")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} menit" if seconds >= 90 else f"{seconds:.0f} detik"


if __name__ == "__main__":
    app()
