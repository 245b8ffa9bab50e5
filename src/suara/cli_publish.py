"""`suara publish`: the public tree into a directory or an S3-compatible bucket, full the first
time and incremental after (publish/publication.py), once or as a long-lived `--watch` process.

SIGTERM and Ctrl-C never cut a publication's commit short: while documents are being staged in a
directory the publication is abandoned (the previous snapshot is untouched), otherwise it is
finished, manifest last, and the process stops after it.
"""

from __future__ import annotations

import shutil
import signal
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from suara.cli_common import _engine, _reference, console, err
from suara.config import Settings
from suara.domain.contests import Contest
from suara.domain.percent import format_id
from suara.publish import publication
from suara.publish.publication import PublicationResult, PublishError, Stopped
from suara.publish.snapshot_keys import load_or_create_signing_key
from suara.publish.snapshot_plan import contests_with_data, plan_snapshot
from suara.publish.targets import DirectoryTarget, Target, target_from
from suara.publish.watch_metrics import WatchMetrics
from suara.store.reference import Reference
from suara.synth import select_contests
from suara.tally.fold import tally_point

SKIPPED_SHOWN = 12  # contests named when skipped; the rest are counted
PROGRESS_EVERY = 250  # documents between two progress updates
INCREMENT_LINE_EVERY = 5000  # documents between two progress lines of an increment in a log


class NoData(Exception):
    """None of the chosen contests has a form yet."""


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


class _Counted:
    """Documents and bytes as they are written, on a progress bar; into a log (no terminal,
    where a bar does not draw) a line every 5 per cent of the estimate instead, or every
    INCREMENT_LINE_EVERY documents of an increment, whose size is not known before."""

    def __init__(self, progress: Progress, estimate: int | None) -> None:
        self.progress, self.estimate = progress, estimate
        self.task = progress.add_task("publish", total=estimate, size="")
        self.files = 0
        every = max(1, estimate // 20) if estimate else INCREMENT_LINE_EVERY
        self.line_every = 0 if progress.console.is_terminal else every
        self.next_line = self.line_every

    def __call__(self, files: int, size: int) -> None:
        self.files = files
        if files % PROGRESS_EVERY == 0:
            self.progress.update(self.task, completed=files, size=bytes_text(size),
                                 total=max(self.estimate, files) if self.estimate else None)
        if self.line_every and files >= self.next_line:
            self.next_line += self.line_every
            about = f" dari sekitar {format_id(self.estimate)}" if self.estimate else ""
            self.progress.console.print(f"publish: {format_id(files)}{about} berkas, {bytes_text(size)}",
                                        highlight=False)


def _name_skipped(skipped: Sequence[Contest]) -> None:
    if skipped:
        names = [c.key for c in skipped]
        shown = ", ".join(names[:SKIPPED_SHOWN]) + (f" dan {len(names) - SKIPPED_SHOWN} lainnya"
                                                    if len(names) > SKIPPED_SHOWN else "")
        err.print(f"[yellow]Dilewati, belum ada formulir: {shown}[/yellow]")


def run(destination: str, contests: str, full: bool, watch: bool, interval: float,
        metrics: tuple[str, int] | None = None) -> None:
    settings = Settings.from_env()
    engine = _engine(read_only=True)
    reference = _reference(engine)
    try:
        chosen = select_contests(reference.contests, [c.strip() for c in contests.split(",") if c.strip()])
        target = target_from(destination)
    except (ValueError, FileExistsError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    key = load_or_create_signing_key(settings.data_dir / "signing-key.pem")
    stop = threading.Event()
    restore = _stop_on_signals(stop)
    watched = _serve_metrics(engine, metrics)
    said_no_data = False
    shown_seq = -1  # the tally point the target is known to show (a watcher skips reading it again)
    try:
        while True:
            started = time.perf_counter()
            try:
                with engine.connect() as conn:
                    if watch and tally_point(conn)[0] == shown_seq:
                        if watched is not None:
                            watched.shows(shown_seq)
                        if stop.wait(interval):
                            return
                        continue
                result, shown_seq = _publish_once(engine, reference, chosen, settings.public_base_url, target, key,
                                                  full, stop.is_set, quiet_when_current=watch,
                                                  name_skipped=not said_no_data)
                if watched is not None:
                    watched.shows(shown_seq, result)
            except NoData:
                if not said_no_data:
                    err.print("[red]Tidak ada pemilihan terpilih yang sudah punya data; tidak ada yang ditulis.[/red]")
                    said_no_data = True
                if not watch:
                    raise typer.Exit(1) from None
                result = None  # a watcher started before election day waits for the first forms
            except Stopped:
                err.print("[yellow]Dihentikan sebelum ada yang berubah; publikasi sebelumnya tetap utuh.[/yellow]")
                if not watch:
                    raise typer.Exit(1) from None  # asked to publish once, and did not
                return
            except PublishError as exc:
                err.print(f"[red]{exc}[/red]")
                raise typer.Exit(1) from None
            except (ValueError, FileExistsError) as exc:
                err.print(f"[red]{exc}[/red]")
                raise typer.Exit(1) from None
            except Exception as exc:  # a database or bucket away for a moment: a watcher tries again
                if not watch:
                    raise
                err.print(f"[red]publikasi gagal ({type(exc).__name__}: {exc}); dicoba lagi[/red]")
                if watched is not None:
                    watched.failed()
                result = None
            if result is not None:
                _report(result, target, time.perf_counter() - started)
            full = False  # --full is for the first publication only
            if not watch or stop.wait(interval):
                return
    finally:
        restore()


def _serve_metrics(engine: Engine, metrics: tuple[str, int] | None) -> WatchMetrics | None:
    """The published tree's lag on host:port for Prometheus (--metrics-port), or None."""
    if metrics is None:
        return None
    watched = WatchMetrics(engine)
    try:
        watched.serve(metrics[1], metrics[0])
    except OSError as exc:
        err.print(f"[red]Port metrik {metrics[0]}:{metrics[1]} tidak dapat dipakai: {exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"metrik Prometheus: http://{metrics[0]}:{metrics[1]}/metrics")
    return watched


def _publish_once(engine: Engine, reference: Reference, chosen: list[Contest], base_url: str, target: Target,
                  key: Ed25519PrivateKey, full: bool, should_stop: Callable[[], bool],
                  quiet_when_current: bool, name_skipped: bool = True) -> tuple[PublicationResult | None, int]:
    """The publication made (None when the target is current) and the tally point it shows."""
    previous = publication.read_previous(target, key)
    incremental = not full and previous is not None and not publication.full_reason(previous, False, base_url)
    if incremental:
        with_data, skipped = contests_with_data(engine, chosen)
        estimate = None
    else:
        plan = plan_snapshot(engine, reference, chosen, base_url)
        with_data, skipped, estimate = [p.contest for p in plan.contests], list(plan.skipped), plan.files
    if name_skipped and (not quiet_when_current or not incremental):
        _name_skipped(skipped)
    if not with_data:
        raise NoData
    with engine.connect() as conn:
        seq = tally_point(conn)[0]
    if incremental and publication.up_to_date(previous, seq, with_data, base_url):
        if not quiet_when_current:
            console.print(f"Sudah terkini: publikasi #{previous.number if previous else 0} memuat titik tally {seq}; "
                          "tidak ada yang ditulis.")
        return None, seq
    if not incremental:
        console.print(f"{len(with_data)} pemilihan; perkiraan {format_id(plan.files)} berkas, {bytes_text(plan.bytes)}")
        if plan.large:
            err.print(f"[yellow]Peringatan: snapshot besar (sekitar {bytes_text(plan.bytes)}); menulisnya makan "
                      "waktu lama. Pilih lebih sedikit pemilihan dengan --contests bila tidak semuanya perlu.[/yellow]")
        if isinstance(target, DirectoryTarget):
            free = shutil.disk_usage(_existing_parent(target.out_dir)).free
            if plan.bytes > free:
                err.print(f"[yellow]Peringatan: ruang disk tersisa {bytes_text(free)}, kurang dari perkiraan "
                          f"{bytes_text(plan.bytes)}.[/yellow]")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[size]}"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err) as progress:
        counter = _Counted(progress, estimate)
        result = publication.publish(engine, reference, with_data, base_url, target, key, full=full,
                                     progress=counter, should_stop=should_stop, previous=previous)
        progress.update(counter.task, completed=result.written, total=result.written,
                        size=bytes_text(result.written_bytes))
    return result, result.tally_seq


def _report(result: PublicationResult, target: Target, seconds: float) -> None:
    kind = "penuh" if result.full else "inkremental"
    why = f" ({result.reason})" if result.full else ""
    console.print(f"publikasi #{result.number} {kind}{why} pada titik tally {result.tally_seq}: "
                  f"{format_id(result.written)} berkas ditulis ({bytes_text(result.written_bytes)}), "
                  f"{format_id(result.removed)} dihapus, dalam {seconds:.1f} dtk")
    console.print(f"{format_id(result.files)} berkas ({bytes_text(result.bytes)}, {format_id(result.bytes)} bita) "
                  f"ditulis ke {target.description}; manifest SHA-256 {result.manifest_sha256}")
    console.print(f"kunci publik penandatangan (Ed25519): {result.public_key}")
    console.print(f"kepala rantai audit: {result.chain_head[0]}:{result.chain_head[1]}")


def _stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """SIGTERM and SIGINT set `stop` instead of killing the process mid-write; returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals go to the main thread only (a test runner's worker thread)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return restore
