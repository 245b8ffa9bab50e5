"""`suara verify-receipt`: check a KPPS's signed receipt against a deployment's record."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from suara.cli_common import _engine, console, err
from suara.config import Settings
from suara.domain.localtime import wib_text
from suara.domain.receipts import Receipt, ReceiptError, parse_receipt
from suara.publish.snapshot_keys import load_or_create_signing_key, load_public_key
from suara.services.receipts import (
    ReceiptCheck,
    ReceiptFetchError,
    check_local,
    check_remote,
    signing_key_path,
)

receipts = typer.Typer()


def _receipt(file: Path | None, url: str | None) -> Receipt:
    if (file is None) == (url is None):
        err.print("[red]beri berkas kwitansi (FILE, atau - untuk stdin) atau --url tautan kwitansi, salah satu[/red]")
        raise typer.Exit(2)
    try:
        text = url if url is not None else sys.stdin.read() if str(file) == "-" else Path(str(file)).read_text("utf-8")
        return parse_receipt(text or "")
    except OSError as exc:
        err.print(f"[red]{file}: {exc}[/red]")
    except ReceiptError as exc:
        err.print(f"[red]{exc}[/red]")
    raise typer.Exit(2)


def _public_key(given: str | None, local: bool) -> Ed25519PublicKey:
    """The key the receipt must be signed by: given as base64, PEM or a file holding either;
    against the local database, the deployment's own key when none is given."""
    try:
        if given is None:
            if not local:
                err.print("[red]--public-key wajib saat memeriksa server lain: kunci dari server yang diperiksa "
                          "tidak membuktikan apa-apa[/red]")
                raise typer.Exit(2)
            path = signing_key_path(Settings.from_env().data_dir)
            if not path.exists():
                err.print(f"[red]{path} tidak ada: beri --public-key[/red]")
                raise typer.Exit(2)
            return load_or_create_signing_key(path).public_key()
        text = Path(given).read_text("utf-8") if Path(given).is_file() else given
        return load_public_key(text)
    except (ValueError, OSError) as exc:
        err.print(f"[red]kunci publik: {exc}[/red]")
        raise typer.Exit(2) from None


def _show(receipt: Receipt, result: ReceiptCheck) -> None:
    console.print(f"kwitansi TPS {receipt.tps} {receipt.contest} versi {receipt.version_no}, "
                  f"peristiwa #{receipt.chain_seq}, kunci {receipt.key_id}; diperiksa terhadap {result.source}")
    try:
        console.print(f"disimpan {wib_text(datetime.fromisoformat(receipt.stored_at))} WIB, "
                      f"hash isi {receipt.content_hash}")
    except ValueError:
        console.print(f"disimpan {receipt.stored_at}, hash isi {receipt.content_hash}")
    if result.current_version is not None and result.current_version != receipt.version_no:
        console.print(f"versi terkini TPS ini: {result.current_version}")


@receipts.command("verify-receipt")
def verify_receipt(
    file: Annotated[Path | None, typer.Argument(help="A receipt file (JSON, or the compact SK1... text); - reads stdin")]
    = None,
    url: Annotated[str | None, typer.Option(help="A receipt's check link (what its QR code holds); the deployment "
                                                 "it names is checked unless --server or --local says otherwise")] = None,
    server: Annotated[str | None, typer.Option(help="Check against this deployment's (or a mirror's) public API")] = None,
    local: Annotated[bool, typer.Option("--local", help="Check against the local database (SUARA_DATABASE_URL)")]
    = False,
    public_key: Annotated[str | None, typer.Option(help="The deployment's Ed25519 public key (base64 or PEM, or a "
                                                        "file): GET /api/v1/receipts/key, or `suara publish`'s output")]
    = None,
) -> None:
    """Check a signed receipt: the signature, then that the audit chain holds that version with
    that content hash at that position, and that the TPS's record holds it. Exit 0 when it
    checks out, 1 when it does not (or is not yet on the public record), 2 on bad input."""
    receipt = _receipt(file, url)
    if server is None and not local and url is not None:
        parts = urlsplit(url)
        server = f"{parts.scheme}://{parts.netloc}"
    use_local = server is None
    key = _public_key(public_key, use_local)
    try:
        result = check_local(_engine(read_only=True), receipt, key) if use_local else \
            check_remote(str(server), receipt, key)
    except ReceiptFetchError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    _show(receipt, result)
    if result.valid:
        console.print("[green]OK: tanda tangan sah; rantai audit dan catatan TPS memuat versi ini dengan isi yang "
                      "sama.[/green]")
        return
    if result.pending and not result.problems:
        err.print("[yellow]kwitansi asli, tetapi versi ini belum tampil di catatan publik TPS; periksa lagi "
                  "sebentar lagi[/yellow]")
        raise typer.Exit(1)
    for problem in result.problems:
        err.print(f"[red]{problem}[/red]")
    err.print("[red]kwitansi TIDAK sah[/red]")
    raise typer.Exit(1)
