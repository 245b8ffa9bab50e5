"""The README's screenshots: the portal's pages at desktop and phone widths (screenshots_portal.py),
the KPPS app and its receipt (screenshots_kpps.py), the officials' screens (screenshots_officials.py).

Builds a throw-away deployment with the real 2024 region tree, an election night half way
through (synthetic forms for some provinces, one TPS with photos of its form and a correction),
serves it, and photographs it in Debian's Chromium. Run with `make screenshots`.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PROVINCES = "11,12,13,14,15,16,17,18,19,21,31,32,33,34,35,36,51,52,53,61,62,63,64,65,71,72,73,74,75,76"
TPS = "3171011001001"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def suara(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).parent / "suara"), *args], check=True)


def form_photo(page: int, votes: dict[str, int]) -> bytes:
    """A stand-in for a phone photo of a form page: the numbers written on paper."""
    image = Image.new("RGB", (900, 1270), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.text((60, 60), f"MODEL C.HASIL-PPWP  halaman {page}", fill=(0, 0, 0), font=ImageFont.load_default(40))
    for row, (nomor, count) in enumerate(votes.items()):
        draw.rectangle((60, 160 + 110 * row, 840, 250 + 110 * row), outline=(0, 0, 0), width=3)
        draw.text((90, 180 + 110 * row), f"{nomor}.      {count}", fill=(0, 0, 120), font=ImageFont.load_default(56))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def with_photos(server: str) -> None:
    """The KPPS of TPS sends its form with photos, one number misread (screenshots_portal.py
    corrects it afterwards, so the TPS page has a history)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshots_portal import ON_PAPER, TYPED, filed_form

    from suara.domain.access import Role
    from suara.services.accounts import create_account, login
    from suara.store.engine import make_engine

    engine = make_engine(os.environ["SUARA_DATABASE_URL"])
    create_account(engine, "kpps-gambir-1", "layar-tangkap-2024", Role.KPPS, TPS, "screenshots")
    token = login(engine, "kpps-gambir-1", "layar-tangkap-2024", "hp")[0]
    form = filed_form(TYPED)
    sent = httpx.post(f"{server}/api/v1/submissions", data={"form": orjson.dumps(form).decode()},
                      files={f"page{p}": (f"c{p}.jpg", form_photo(p, ON_PAPER), "image/jpeg") for p in (1, 2, 3)},
                      headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "screenshots-0001"})
    sent.raise_for_status()


def serve() -> tuple[uvicorn.Server, str]:
    from suara.api.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.1)
    return server, f"http://127.0.0.1:{port}"


def scratch_deployment(prefix: str) -> Path:
    """A throw-away deployment for a screenshot run: an initialised SQLite database and photo store
    in a fresh temporary folder, named in the environment the server and `suara` read."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["SUARA_DATABASE_URL"] = f"sqlite:///{work}/suara.db"
    os.environ["SUARA_DATA_DIR"] = str(work)
    os.environ["SUARA_BLOBS_URL"] = str(work / "blobs")
    suara("init")
    return work


def photograph_in_chromium(photograph: Callable[[Any, str], list[Path]], url: str, server: uvicorn.Server) -> None:
    """`photograph(browser, url)` in Debian's Chromium, each picture's path printed, then the
    scratch server stopped."""
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("SUARA_CHROMIUM", "/usr/bin/chromium"),
                                             args=FLAGS)
        for target in photograph(browser, url):
            print(target.relative_to(ROOT))
        browser.close()
    server.should_exit = True


def main() -> None:
    import screenshots_portal  # the portal: national, a region east of WIB, the corrected TPS, search, a 404

    work = scratch_deployment("suara-screens-")
    suara("synth", "--contests", "ppwp", "--out", str(work / "forms.jsonl"), "--provinces", PROVINCES, "--error-rate", "0.002")
    screenshots_portal.leave_out(work / "forms.jsonl")  # its KPPS files it with photos below
    suara("ingest", str(work / "forms.jsonl"))
    suara("tally")
    server, url = serve()
    with_photos(url)
    screenshots_portal.correct(os.environ["SUARA_DATABASE_URL"])
    time.sleep(1.5)  # the server folds the new forms and refreshes its documents
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("SUARA_CHROMIUM", "/usr/bin/chromium"),
                                             args=FLAGS)
        for target in screenshots_portal.photograph(browser, url):
            print(f"{target.relative_to(ROOT)}")
        import screenshots_kpps  # the KPPS app offline and with a receipt, and the receipt check page

        screenshots_kpps.add_officer(os.environ["SUARA_DATABASE_URL"])
        for target in screenshots_kpps.photograph(browser, url):
            print(f"{target.relative_to(ROOT)}")
        import screenshots_officials  # each role's home, a correction beside its photos and read side by side

        screenshots_officials.prepare(os.environ["SUARA_DATABASE_URL"])
        for target in screenshots_officials.photograph(browser, url):
            print(f"{target.relative_to(ROOT)}")
        browser.close()
    print_national_weight(url)
    server.should_exit = True


def print_national_weight(url: str) -> None:
    """What a first visit to the national page downloads, as a browser asks for it (gzip)."""
    total = 0
    with httpx.Client(base_url=url, headers={"Accept-Encoding": "gzip"}) as client:
        page = client.get("/wilayah/ppwp/0")
        assets = [page] + [client.get(path) for path in ("/static/portal.css", "/static/portal.js",
                                                          "/static/favicon.svg")]
        for response in assets:
            response.raise_for_status()
            total += response.num_bytes_downloaded
            print(f"{response.url.path}: {response.num_bytes_downloaded:,} bytes over the wire"
                  f" ({len(response.content):,} uncompressed)")
    print(f"national page, first visit: {total:,} bytes over the wire")


if __name__ == "__main__":
    main()
