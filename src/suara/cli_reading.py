"""`suara form-sheet` and `suara read-form`: the machine-readable C Hasil, printed and read back.

`form-sheet` writes the pages of a contest's C Hasil for one TPS as a PDF (markers, QR code,
digit boxes; reading/sheet.py). `read-form` reads photos of such pages: it needs no database,
since each page's QR code says which TPS, contest and page it is; with `--tps` a page of another
TPS is refused (R13). Each number is printed with its confidence, and the unsure ones are marked
for an officer to check. Nothing is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from suara.cli_common import _engine, _reference, console, err
from suara.domain.contests import UnknownContest
from suara.domain.regions import ancestors
from suara.reading import reader, sheet
from suara.reading.geometry import PhotoUnreadable

reading = typer.Typer(help="The machine-readable C Hasil: form-sheet, read-form.")


@reading.command("form-sheet")
def form_sheet(
    tps: Annotated[str, typer.Option(help="TPS code (13 characters)")],
    contest: Annotated[str, typer.Option(help="Contest key: ppwp, pdpr, pdprdp, pdprdk, pdpd-<provinsi>, "
                                              "pkwkp-<provinsi>, pkwkk-<kab/kota>")],
    out: Annotated[Path, typer.Option(help="PDF file to write")],
    png_dir: Annotated[Path | None, typer.Option(help="Also write each page as PNG here")] = None,
) -> None:
    """Print the C Hasil pages of a contest for one TPS, ready for the reader."""
    reference = _reference(_engine(read_only=True))
    try:
        chosen = reference.contest(contest)
    except UnknownContest as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    tree = reference.tree_of(chosen)
    if not tree.has_tps(tps) or not chosen.covers(tps):
        err.print(f"[red]TPS {tps} tidak ada dalam pemilihan {chosen.key}[/red]")
        raise typer.Exit(2)
    ballot = None
    if chosen.is_party_list:  # the parties standing in the TPS's dapil and their candidates
        ballot = sheet.ballot_of(reference.book, chosen.kind, tps) if reference.book is not None else None
        if ballot is None:
            err.print(f"[red]TPS {tps} tidak masuk daerah pemilihan mana pun untuk {chosen.key}[/red]")
            raise typer.Exit(2)
    place = [tree.get(kode).nama for kode in ancestors(tps)[1:]]
    pages = sheet.render_sheet(chosen, tps, place, ballot)
    sheet.write_pdf(pages, out)
    if png_dir is not None:
        png_dir.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(pages, 1):
            page.save(png_dir / f"{chosen.key}-{tps}-{number}.png")
    dapil = f", dapil {ballot.dapil}" if ballot is not None else ""
    console.print(f"{len(pages)} halaman formulir {chosen.key} TPS {tps}{dapil} ditulis ke {out}")


def _table(read: reader.FormRead) -> Table:
    table = Table(title=f"{read.contest} TPS {read.tps}" + (f" dapil {read.dapil}" if read.dapil else ""))
    for column in ("hal.", "isian", "kunci", "angka", "keyakinan", ""):
        table.add_column(column)
    for n in read.numbers:
        value = "-" if n.value is None else str(n.value)
        confidence = "-" if n.confidence is None else f"{n.confidence:.1%}"
        table.add_row(str(n.page), n.label, n.key, value, confidence, "[bold red]PERIKSA[/bold red]" if n.unsure else "")
    return table


@reading.command("read-form")
def read_form(
    photos: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True,
                                                 help="Photos of the pages of one form (JPEG or PNG)")],
    tps: Annotated[str | None, typer.Option(help="The TPS the photos are filed for: a page of another is refused")] = None,
    contest: Annotated[str | None, typer.Option(help="The contest the photos are filed for")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reading as JSON")] = False,
    images: Annotated[bool, typer.Option(help="With --json: each number's box images as PNG data URLs")] = False,
) -> None:
    """Read the numbers of a form from photos of its pages; the unsure ones are marked PERIKSA."""
    try:
        read = reader.read_form([p.read_bytes() for p in photos], tps=tps, contest=contest)
    except PhotoUnreadable as exc:
        if as_json:
            console.print_json(orjson.dumps({"error": {"code": exc.code, "message": exc.message,
                                                       "details": {**exc.details, "en": exc.message_en}}}).decode())
        else:
            err.print(f"[red]{exc.message}[/red] ({exc.code})")
        raise typer.Exit(1) from None
    if as_json:
        console.print_json(orjson.dumps(reader.form_read_json(read, images=images)).decode())
        return
    for page in read.pages:
        turned = " (terbalik)" if abs(abs(page.rotation) - 180) < 45 else ""
        console.print(f"foto {page.photo}: halaman {page.sheet.page} dari {page.sheet.pages}, putaran "
                      f"{page.rotation:.0f} derajat{turned}, kecerahan {page.brightness:.0f}, ketajaman "
                      f"{page.sharpness:.0f}, {page.seconds * 1000:.0f} ms")
    console.print(_table(read))
    for note in read.notes:
        console.print(f"[yellow]{note}[/yellow]")
    if read.broken:
        console.print(f"[yellow]aturan yang tetap dilanggar bacaan terbaik: {', '.join(read.broken)}[/yellow]")
    if read.corrected:
        console.print(f"dibaca lewat jumlahnya (bukan kotaknya saja): {', '.join(read.corrected)}")
    unsure = len(read.unsure)
    console.print(f"{len(read.numbers) - unsure} angka yakin, {unsure} perlu diperiksa petugas "
                  f"({read.seconds:.2f} detik)")
