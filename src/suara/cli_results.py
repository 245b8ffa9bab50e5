"""`suara results [KODE]`: a region's results and its children's, or one TPS's form, in a terminal of
any width.

The children's table keeps every number column whole and lets the names wrap. When the
candidates do not all fit (the DPR's 18 parties in 80 columns), it shows the leading ones in the
region and adds up the rest as "lainnya"; the flagged-TPS count and the code column come next,
room permitting (the code then goes in front of the name, so it can still be typed).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from suara.cli_common import _engine, _reference
from suara.domain.contests import Contest, UnknownContest
from suara.domain.percent import format_id, percent
from suara.domain.regions import NATIONAL, Region, UnknownRegion
from suara.publish import routes
from suara.tally.queries import rollup, rollups_of

TPS_CODE_LENGTH = 13
NAME_MIN_WIDTH = 12  # the region column's narrowest; names wrap below their length
CELL_EXTRA = 3  # a cell's padding (one space each side) and its right border
OUTCOMES = {"stored": "tersimpan", "stored_with_notes": "tersimpan dengan catatan"}
DISCLAIMER = ("Publikasi awal formulir C Hasil, bukan hasil resmi; hasil resmi ditetapkan melalui "
              "rekapitulasi berjenjang.")


def results(
    kode: Annotated[str, typer.Argument(help="Region code (0 or empty for the nation) or a 13-character TPS code")]
    = NATIONAL,
    contest: Annotated[str, typer.Option(help="Contest key")] = "ppwp",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Results of a contest for a region and each of its children, or one TPS's form and flags."""
    out, err = Console(), Console(stderr=True)  # made here, so that COLUMNS and the terminal's width apply
    engine = _engine(read_only=True)
    reference = _reference(engine)
    kode = kode.strip() or NATIONAL
    try:
        chosen = reference.contest(contest)
        if len(kode) == TPS_CODE_LENGTH:
            with engine.connect() as conn:
                doc = routes.tps_record(reference, chosen.key, kode)(conn).value
        else:
            scope = reference.scope(chosen)
            region = scope.tree.get(kode)
    except (UnknownContest, UnknownRegion, routes.NotFound) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if len(kode) == TPS_CODE_LENGTH:
        if as_json:
            sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")
        else:
            _print_tps(out, chosen, doc)
        return
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
    out.print(f"[bold]{chosen.nama}[/bold] - {region.nama} ({region.kode})")
    out.print(f"Progres: {format_id(own.tps_reported)} dari {format_id(scope_total)} TPS "
              f"({format_id(percent(own.tps_reported, scope_total, 5))}%), "
              f"TPS bercatatan {format_id(own.tps_flagged)}")
    out.print(_totals_table(chosen, own.votes, own.suara_sah))
    out.print(f"Suara sah {format_id(own.suara_sah)}, tidak sah {format_id(own.suara_tidak_sah)}")
    if children:
        out.print(children_table(chosen, own.votes, children, rows,
                                 {c.kode: scope.tps_total(c.kode) for c in children}, out.width))
    out.print(f"[dim]{DISCLAIMER}[/dim]")


def _totals_table(contest: Contest, votes: Mapping[str, int], valid: int) -> Table:
    table = Table(show_edge=False, pad_edge=False, box=None)
    table.add_column("no", justify="right", no_wrap=True)
    table.add_column("nama", overflow="fold", min_width=NAME_MIN_WIDTH)
    table.add_column("suara", justify="right", no_wrap=True)
    table.add_column("%", justify="right", no_wrap=True)
    for candidate in contest.candidates:
        n = votes.get(str(candidate.nomor_urut), 0)
        table.add_row(str(candidate.nomor_urut), candidate.nama, format_id(n), format_id(percent(n, valid, 2)))
    return table


@dataclass(frozen=True)
class Layout:
    """Which columns the children's table shows in a given width."""

    shown: tuple[str, ...]  # candidate numbers with a column of their own, leading first
    others: bool  # a "lainnya" column adds up the candidates not shown
    flagged: bool  # the flagged-TPS column
    code_column: bool  # the code in a column of its own (else in front of the name)


def plan_columns(width: int, ranked: Sequence[str], vote_widths: Mapping[str, int], others_width: int,
                 tps_width: int, flagged_width: int, code_width: int) -> Layout:
    """The most candidates that fit beside the region's name and its TPS count, then the flagged
    count, then a code column. `ranked` runs from the region's leader down."""
    room = width - 1 - (NAME_MIN_WIDTH + CELL_EXTRA) - (tps_width + CELL_EXTRA)
    cost = [vote_widths[n] + CELL_EXTRA for n in ranked]
    if sum(cost) <= room:
        shown, others = len(ranked), False
    else:
        room_for_leaders = room - (others_width + CELL_EXTRA)
        shown = 0
        while shown < len(ranked) - 1 and sum(cost[:shown + 1]) <= room_for_leaders:
            shown += 1
        shown, others = max(shown, 1), True
    room -= sum(cost[:shown]) + (others_width + CELL_EXTRA if others else 0)
    flagged = flagged_width + CELL_EXTRA <= room
    room -= flagged_width + CELL_EXTRA if flagged else 0
    code_column = code_width + CELL_EXTRA <= room
    leaders = ranked[:shown] if others else sorted(ranked, key=int)  # all of them: in ballot order
    return Layout(tuple(leaders), others, flagged, code_column)


def children_table(contest: Contest, region_votes: Mapping[str, int], children: Sequence[Region],
                   rows: Mapping[str, Any], tps_totals: Mapping[str, int], width: int) -> Table:
    numbers = [str(c.nomor_urut) for c in contest.candidates]
    ranked = sorted(numbers, key=lambda n: (-region_votes.get(n, 0), int(n)))
    cells = {n: [format_id(rows[c.kode].votes.get(n, 0)) for c in children] for n in numbers}
    # a party-list rollup also holds party-only (P1) and candidate votes: add up the ballot's numbers only
    rest = {c.kode: sum(rows[c.kode].votes.get(n, 0) for n in numbers) for c in children}
    tps = [f"{format_id(rows[c.kode].tps_reported)}/{format_id(tps_totals[c.kode])}" for c in children]
    flagged = [format_id(rows[c.kode].tps_flagged) for c in children]
    layout = plan_columns(
        width, ranked, {n: max(len(n), *map(len, cells[n])) for n in numbers},
        max(len("lainnya"), *(len(format_id(v)) for v in rest.values())), max(len("TPS"), *map(len, tps)),
        max(len("bercatatan"), *map(len, flagged)), max(len("kode"), *(len(c.kode) for c in children)))
    table = Table()
    if layout.code_column:
        table.add_column("kode", no_wrap=True)
    table.add_column("wilayah", overflow="fold", min_width=NAME_MIN_WIDTH)
    for n in layout.shown:
        table.add_column(n, justify="right", no_wrap=True)
    if layout.others:
        table.add_column("lainnya", justify="right", no_wrap=True)
    table.add_column("TPS", justify="right", no_wrap=True)
    if layout.flagged:
        table.add_column("bercatatan", justify="right", no_wrap=True)
    for i, child in enumerate(children):
        row = [child.kode, child.nama] if layout.code_column else [f"{child.kode} {child.nama}"]
        row += [cells[n][i] for n in layout.shown]
        if layout.others:
            shown_sum = sum(rows[child.kode].votes.get(n, 0) for n in layout.shown)
            row.append(format_id(rest[child.kode] - shown_sum))
        row.append(tps[i])
        if layout.flagged:
            row.append(flagged[i])
        table.add_row(*row)
    return table


def _print_tps(out: Console, contest: Contest, doc: Mapping[str, Any]) -> None:
    """One TPS: where it is, its current form, its flags, its photos and earlier versions."""
    tps = doc["tps"]
    out.print(f"[bold]{contest.nama}[/bold] - {tps['nama']} ({tps['kode']}, {tps['metode_nama']})")
    out.print(" > ".join(b["nama"] for b in tps["breadcrumbs"][1:]))
    if "dapil" in tps:
        out.print(f"Dapil {tps['dapil']['nama']} ({tps['dapil']['kode']})")
    current = doc["current"]
    if current is None:
        out.print("Belum ada data: formulir C Hasil TPS ini belum masuk.")
        out.print(f"[dim]{DISCLAIMER}[/dim]")
        return
    versions = doc["versions"]
    out.print(f"Versi {current['version_no']} dari {len(versions)}, dikirim {current['submitted_at_wib']} WIB "
              f"oleh {current['actor']}; {OUTCOMES.get(current['outcome'], current['outcome'])}")
    form = current["form"]
    table = Table(show_edge=False, pad_edge=False, box=None)
    table.add_column("no", justify="right", no_wrap=True)
    table.add_column("nama", overflow="fold", min_width=NAME_MIN_WIDTH)
    if "partai" in form:
        names = {str(p["nomor_urut"]): p["nama"] for p in tps.get("daftar_calon", [])}
        table.add_column("jumlah", justify="right", no_wrap=True)
        table.add_column("suara partai", justify="right", no_wrap=True)
        for nomor, block in sorted(form["partai"].items(), key=lambda kv: int(kv[0])):
            table.add_row(nomor, names.get(nomor, nomor), format_id(int(block.get("jumlah", 0))),
                          format_id(int(block.get("suara_partai", 0))))
    else:
        names = {str(c.nomor_urut): c.nama for c in contest.candidates}
        table.add_column("suara", justify="right", no_wrap=True)
        for nomor, votes in sorted(form.get("suara", {}).items(), key=lambda kv: int(kv[0])):
            table.add_row(nomor, names.get(nomor, nomor), format_id(int(votes)))
    out.print(table)
    out.print(f"Suara sah {format_id(int(form.get('suara_sah', 0)))}, tidak sah "
              f"{format_id(int(form.get('suara_tidak_sah', 0)))}, total {format_id(int(form.get('suara_total', 0)))}")
    administrasi = form.get("administrasi") or {}
    if "pemilih_dpt_j" in administrasi:
        out.print(f"DPT {format_id(int(administrasi['pemilih_dpt_j']))}, pengguna hak pilih "
                  f"{format_id(int(administrasi.get('pengguna_total_j', 0)))}")
    if current["flags"]:
        out.print("[yellow]Catatan:[/yellow]")
        for flag in current["flags"]:
            out.print(f"  [yellow]{flag['rule']}[/yellow] {flag['judul']}: {flag.get('message', '')}")
    else:
        out.print("Tanpa catatan: formulir memenuhi semua aturan.")
    if current["photos"]:
        out.print(f"Foto ({len(current['photos'])} halaman): " + ", ".join(current["photos"].values()))
    if len(versions) > 1:
        out.print("Riwayat (terbaru dulu):")
        for version in versions:
            changed = ", ".join(f"{c['field']} {c['from']} -> {c['to']}" for c in version["changes"][:6])
            more = len(version["changes"]) - 6
            out.print(f"  versi {version['version_no']}, {version['submitted_at_wib']} WIB, {version['actor']}"
                      f"{': ' + changed if changed else ''}{f' (+{more} lagi)' if more > 0 else ''}")
    out.print(f"[dim]{DISCLAIMER}[/dim]")
