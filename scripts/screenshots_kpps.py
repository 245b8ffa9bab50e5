"""The README's screenshots of the KPPS app (offline, and with a receipt) and of the receipt check
page, at desktop and phone widths. `scripts/screenshots.py` calls `photograph` on its deployment;
run alone (`python scripts/screenshots_kpps.py`) it builds a throw-away deployment of its own
with the real 2024 region tree and no forms."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
TPS = "3171011001002"  # beside scripts/screenshots.py's TPS, which it files through the API
USER, PASSWORD = "kpps-gambir-2", "layar-tangkap-2024"
VOTES = {"1": "58", "2": "131", "3": "47"}
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def page_photo() -> bytes:
    image = Image.new("RGB", (900, 1270), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.text((60, 60), "MODEL C.HASIL-PPWP  halaman 1", fill=(0, 0, 0), font=ImageFont.load_default(40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def add_officer(database_url: str) -> None:
    from suara.domain.access import Role
    from suara.services.accounts import AccountError, create_account
    from suara.store.engine import make_engine

    try:
        create_account(make_engine(database_url), USER, PASSWORD, Role.KPPS, TPS, "screenshots")
    except AccountError:
        pass  # made by an earlier run on the same database


def photograph(browser: Any, url: str, out: Path = OUT) -> list[Path]:
    """Log a KPPS in, fill the presidential form and photograph a page with the network cut,
    then let it go and show the receipt; one fresh phone or desktop per size."""
    from playwright.sync_api import expect

    made = []
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport, device_scale_factor=1, is_mobile=size == "phone",
                                      has_touch=size == "phone", locale="id-ID", service_workers="allow")
        page = context.new_page()
        page.goto(url + "/app/")
        page.get_by_label("Nama pengguna").fill(USER)
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        expect(page.locator("#where")).to_contain_text(TPS)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        context.set_offline(True)
        for nomor, votes in VOTES.items():
            page.locator(f"#f-suara_{nomor}").fill(votes)
        page.get_by_label("Jumlah suara sah", exact=True).fill("236")
        page.get_by_label("Jumlah suara tidak sah").fill("4")
        page.get_by_label("Jumlah seluruh suara sah dan tidak sah").fill("240")
        page.get_by_label("Halaman 1").set_input_files({"name": "c1-halaman1.jpg", "mimeType": "image/jpeg",
                                                         "buffer": page_photo()})
        page.get_by_role("button", name="Simpan & kirim").click()
        expect(page.locator("#outbox-items li.item")).to_contain_text("Di antrean")
        if size == "phone":
            page.locator("#check-title").scroll_into_view_if_needed()
        else:
            page.evaluate("window.scrollTo(0, 0)")
        made.append(out / f"kpps-offline-{size}.png")
        page.screenshot(path=str(made[-1]))
        context.set_offline(False)
        stored = page.locator("#outbox-items li.item.stored").first
        expect(stored).to_contain_text("Tersimpan di server", timeout=30_000)
        expect(stored.locator("img.qr")).to_be_visible()
        page.wait_for_load_state("networkidle")
        if size == "phone":
            stored.scroll_into_view_if_needed()
            page.evaluate("window.scrollBy(0, -60)")  # below the sticky header
        else:
            page.evaluate("window.scrollTo(0, 0)")
        made.append(out / f"kpps-receipt-{size}.png")
        page.screenshot(path=str(made[-1]))
        page.goto(url + str(stored.get_by_role("link", name="Periksa kwitansi").get_attribute("href")))
        expect(page.locator("#verdict")).to_contain_text("Kwitansi sah")
        made.append(out / f"kwitansi-{size}.png")
        page.screenshot(path=str(made[-1]))
        context.close()
    return made


def main() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshots import (  # the same uvicorn-in-a-thread and browser as the portal's screenshots
        photograph_in_chromium,
        scratch_deployment,
        serve,
    )

    scratch_deployment("suara-kpps-screens-")
    add_officer(os.environ["SUARA_DATABASE_URL"])
    server, url = serve()
    os.environ["SUARA_PUBLIC_BASE_URL"] = url
    photograph_in_chromium(photograph, url, server)


if __name__ == "__main__":
    main()
