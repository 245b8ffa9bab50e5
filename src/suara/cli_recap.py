"""`suara recap ...`: the tiered recapitulation from the command line.

`import` records (and by default closes) each tier of a JSON Lines file of D Hasil records
(docs/rekapitulasi.md), lowest tiers first; `synth` writes such a file for a counted election,
with discrepancies planted on purpose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from suara.cli_common import _engine, _progress, _reference, console, err
from suara.domain.percent import format_id
from suara.services import recap
from suara.synth import recap as synth_recap
from suara.synth.selection import select_contests

recaps = typer.Typer(help="The tiered recapitulation (D Hasil): import, synth.", no_args_is_help=True)
SHOWN_ERRORS = 20


def _lines(path: Path) -> list[tuple[int, object]]:
    found: list[tuple[int, object]] = []
    with open(path, "rb") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                found.append((number, orjson.loads(line)))
            except orjson.JSONDecodeError as exc:
                found.append((number, f"JSON tidak sah: {exc}"))
    return found


@recaps.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSON Lines of D Hasil records")],
    actor: Annotated[str, typer.Option(help="Who the audit chain names as recording these tiers")] = "cli:recap-import",
    lock: Annotated[bool, typer.Option("--lock/--no-lock", help="Close each tier once recorded (its plenary's decision)")] = True,
) -> None:
    """Record each line's tier (lowest first, so every tier finds its children closed); a refused
    line is named with its number and changes nothing."""
    engine = _engine()
    reference = _reference(engine)
    lines = _lines(file)
    summary = recap.import_records(engine, reference, lines, actor, lock_each=lock)
    console.print(f"{format_id(summary.recorded)} tingkat dicatat, {format_id(summary.locked)} ditetapkan, "
                  f"{format_id(len(summary.errors))} baris ditolak")
    for number, message in summary.errors[:SHOWN_ERRORS]:
        err.print(f"  baris {number}: {message}")
    if summary.errors:
        raise typer.Exit(1)


@recaps.command("synth")
def synth(
    out: Annotated[Path, typer.Option(help="JSON Lines file of D Hasil records to write")],
    contests: Annotated[str, typer.Option(help="Contests: pemilu, pilkada, all, kinds or keys, comma-separated")] = "ppwp",
    plant: Annotated[int, typer.Option(min=0, help="Discrepancies to plant per contest")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the planted discrepancies")] = 1,
    planted_out: Annotated[Path | None, typer.Option(help="Write the planted discrepancies here (JSON Lines)")] = None,
    region: Annotated[str, typer.Option(help="Only the tiers inside this region (0: the nation)")] = "0",
) -> None:
    """D Hasil records of every tier that match the stored forms (each tier summing the tier
    below), with `--plant N` discrepancies per contest planted on purpose."""
    engine = _engine(read_only=True)
    reference = _reference(engine)
    try:
        chosen = select_contests(reference.contests, tuple(c.strip() for c in contests.split(",") if c.strip()))
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    planted: list[synth_recap.Planted] = []
    written = 0
    with _progress() as progress, open(out, "wb") as f, engine.connect() as conn:
        task = progress.add_task("D Hasil", total=len(chosen))
        for contest in chosen:
            for line in synth_recap.records(synth_recap.reading(conn), reference, contest, plant, seed,
                                                 planted, region):
                f.write(orjson.dumps(line) + b"\n")
                written += 1
            progress.advance(task)
    if planted_out is not None:
        planted_out.write_bytes(b"".join(orjson.dumps(p.as_dict()) + b"\n" for p in planted))
    console.print(f"{format_id(written)} catatan D Hasil ditulis ke {out}; {len(planted)} selisih ditanam")
