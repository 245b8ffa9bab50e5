"""The README's screenshots of the officials' screens at desktop and phone widths: the home pages
of a KPPS, a PPK and KPU RI, the correction form prefilled beside the form's photos, and KPU RI's
side-by-side view of the proposal. `scripts/screenshots.py` calls `photograph` on its deployment;
run alone (`python scripts/screenshots_officials.py`) it builds a throw-away deployment of its own
with the real 2024 region tree and a synthetic count of DKI Jakarta's presidential race."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
TPS = "3171011001003"  # beside the TPS of scripts/screenshots.py and screenshots_kpps.py
PASSWORD = "layar-tangkap-2024"
ACCOUNTS = {"kpps-gambir-3": ("KPPS", TPS), "ppk-gambir": ("PPK", "317101"), "kpu-ri": ("KPU_RI", "0")}
ON_PAPER = {"1": 64, "2": 139, "3": 41}  # what the photographed form says
TYPED = {**ON_PAPER, "2": 739}  # what was typed: a 1 read as a 7
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def prepare(database_url: str) -> None:
    """The officials' accounts, and the KPPS's form filed with photos and a misread number."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshots import form_photo

    from suara.blobs import blob_store_from_settings
    from suara.config import Settings
    from suara.domain.access import Role
    from suara.domain.policy import Policy
    from suara.services.accounts import AccountError, create_account
    from suara.services.photos import submit_with_photos
    from suara.services.submission import Submission
    from suara.store.engine import make_engine
    from suara.store.reference import load_reference
    from suara.tally.fold import fold_all

    engine = make_engine(database_url)
    for username, (role, scope) in ACCOUNTS.items():
        try:
            create_account(engine, username, PASSWORD, Role(role), scope, "screenshots")
        except AccountError:
            return  # prepared by an earlier run on the same database
    with engine.connect() as conn:
        reference = load_reference(conn)
    sah = sum(ON_PAPER.values())
    form = {"tps": TPS, "contest": "ppwp", "suara": TYPED, "suara_sah": sah, "suara_tidak_sah": 4,
            "suara_total": sah + 4}
    uploads = {page: (form_photo(page, ON_PAPER), "image/jpeg") for page in (1, 2, 3)}
    submit_with_photos(blob_store_from_settings(Settings.from_env().blobs_url), engine, reference,
                       Submission(form, "screenshots-officials", "KPPS:kpps-gambir-3"), uploads, Policy.AS_IS)
    fold_all(engine)


def signed_in(browser: Any, url: str, size: str, username: str) -> tuple[Any, Any]:
    """A fresh desktop or phone with the account signed in on its home page."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport=SIZES[size], device_scale_factor=1, is_mobile=size == "phone",
                                  has_touch=size == "phone", locale="id-ID")
    page = context.new_page()
    page.goto(url + "/ui/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(url + "/ui")
    page.wait_for_load_state("networkidle")
    return context, page


def _shot(page: Any, name: str, size: str, out: Path, made: list[Path]) -> None:
    made.append(out / f"{name}-{size}.png")
    page.screenshot(path=str(made[-1]))


def photograph(browser: Any, url: str, out: Path = OUT) -> list[Path]:
    """Each account signs in on a fresh desktop and phone; the PPK proposes the correction on the
    desktop, KPU RI reads it (the phone finds it already proposed)."""
    from playwright.sync_api import expect

    made: list[Path] = []
    for size in SIZES:
        context, page = signed_in(browser, url, size, "kpps-gambir-3")
        _shot(page, "home-kpps", size, out, made)
        context.close()
        context, page = signed_in(browser, url, size, "ppk-gambir")
        _shot(page, "home-ppk", size, out, made)
        page.goto(f"{url}/ui/correct?tps={TPS}&contest=ppwp")
        page.wait_for_load_state("networkidle")
        if size == "desktop":
            page.locator("#f-suara_2").fill(str(ON_PAPER["2"]))
            page.get_by_label("Alasan koreksi").fill("Suara paslon 2 tertulis 139 pada foto halaman 2, terketik 739")
            expect(page.locator("#flags")).to_contain_text("Tidak ada aturan yang gagal")
            page.locator("fieldset", has_text="IV. Perolehan suara").scroll_into_view_if_needed()
        _shot(page, "correct", size, out, made)
        if size == "desktop":
            page.get_by_role("button", name="Usulkan koreksi").click()
            expect(page.get_by_role("status")).to_contain_text("diusulkan")
        context.close()
        context, page = signed_in(browser, url, size, "kpu-ri")
        _shot(page, "home-kpu-ri", size, out, made)
        page.locator("li.proposal", has_text="PPK ppk-gambir").get_by_role("link", name="Periksa dan putuskan").click()
        page.wait_for_load_state("networkidle")
        page.locator("#changed-heading").scroll_into_view_if_needed()
        _shot(page, "proposal", size, out, made)
        context.close()
    return made


def main() -> None:

    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshots import (  # the same uvicorn-in-a-thread and browser as the portal's screenshots
        photograph_in_chromium,
        scratch_deployment,
        serve,
    )

    work = scratch_deployment("suara-officials-screens-")
    suara = str(Path(sys.executable).parent / "suara")
    subprocess.run([suara, "synth", "--contests", "ppwp", "--out", str(work / "forms.jsonl"), "--provinces", "31",
                    "--error-rate", "0.01"], check=True)
    subprocess.run([suara, "ingest", str(work / "forms.jsonl")], check=True)
    subprocess.run([suara, "tally"], check=True)
    prepare(os.environ["SUARA_DATABASE_URL"])
    server, url = serve()
    photograph_in_chromium(photograph, url, server)


if __name__ == "__main__":
    main()
