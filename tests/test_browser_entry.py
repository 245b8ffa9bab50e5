"""The entry screen's DPR form on a phone, in a real headless Chromium (Debian's) driven by
Playwright, against the app on the small whole Pemilu served by uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import PHONE
from helpers import served, watched_page
from playwright.sync_api import Browser, Page, expect

from suara.api.app import create_app
from suara.domain.access import Role
from suara.services.accounts import create_account

PASSWORD = "rahasia-sekali-123"
JAKARTA = "3171011001001"  # DPR dapil DKI JAKARTA II: four parties, eleven candidates
SCREENSHOT = "/tmp/entry-dpr-phone.png"




@pytest.fixture
def pemilu_server(pemilu_engine: Any, db_url: str) -> Iterator[str]:
    """The app on the small whole Pemilu, served by uvicorn on a free loopback port."""
    with served(create_app(db_url)) as url:
        yield url


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    with watched_page(browser, viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID") as opened:
        yield opened


def test_the_dpr_form_fits_a_phone_and_shows_r14_at_the_party(phone: Page, pemilu_server: str,
                                                              pemilu_engine: Any) -> None:
    create_account(pemilu_engine, "kpps-gambir", PASSWORD, Role.KPPS, JAKARTA, "test")
    phone.goto(pemilu_server + "/ui/login")
    phone.get_by_label("Nama pengguna").fill("kpps-gambir")
    phone.get_by_label("Kata sandi").fill(PASSWORD)
    phone.get_by_role("button", name="Masuk").click()
    expect(phone).to_have_url(pemilu_server + "/ui")  # the KPPS's home: its ballots, then the form
    phone.get_by_role("link", name="Isi formulir PPWP").click()
    expect(phone).to_have_url(pemilu_server + f"/ui/entry?contest=ppwp&tps={JAKARTA}")
    phone.get_by_role("navigation", name="Surat suara").get_by_role("link", name="DPR", exact=True).click()
    expect(phone.locator("#dapil")).to_have_text("Dapil DKI JAKARTA II")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # every party block in one column, each as wide as the form
    widths = phone.locator("fieldset.partai").evaluate_all("blocks => blocks.map(b => b.getBoundingClientRect().left)")
    assert len(widths) == 4 and len(set(widths)) == 1
    block = phone.locator("#partai-2")
    block.get_by_label("Suara partai", exact=True).fill("4")
    for nomor, votes in (("1", "5"), ("2", "7"), ("3", "9")):
        phone.locator(f"#f-caleg_2_{nomor}").fill(votes)
    block.get_by_label("Jumlah suara partai dan calon").fill("35")  # 4 + 5 + 7 + 9 = 25
    expect(block.locator(".block-flags")).to_contain_text(
        "R14: Jumlah suara partai nomor 2 (35) tidak sama dengan suara partai saja (4) + suara calon (21) = 25")
    for box in ("#f-jumlah_2", "#f-suara_partai_2", "#f-caleg_2_1", "#f-caleg_2_3"):  # the boxes the rule is about
        expect(phone.locator(box)).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#flags")).to_contain_text("kotak perolehan suara belum diisi")
    block.get_by_label("Jumlah suara partai dan calon").fill("25")
    expect(block.locator(".block-flags li")).to_have_count(0)
    block.get_by_label("Jumlah suara partai dan calon").fill("35")
    expect(block.locator(".block-flags")).to_contain_text("R14")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    block.scroll_into_view_if_needed()
    phone.screenshot(path=SCREENSHOT, full_page=True)
