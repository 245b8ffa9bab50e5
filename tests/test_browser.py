"""The public portal in a real headless Chromium (Debian's), driven by Playwright, against the
app served by uvicorn: what a citizen does with a mouse, a keyboard and a phone."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from browser_support import DESKTOP, FITS, NARROW_PHONE, PHONE, WIDTHS
from helpers import ppwp_form, watched_page
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from suara.domain.access import Role
from suara.services.accounts import create_account, login
from suara.services.submission import Submission, submit_forms
from suara.tally.fold import fold_all


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with watched_page(browser, viewport=DESKTOP, locale="id-ID") as opened:
        yield opened


@pytest.fixture
def seeded(engine: Any, reference: Any) -> dict[str, dict[str, Any]]:
    flagged = ppwp_form("3171011001003", (10, 20, 30))
    flagged["suara_sah"] = 61
    forms = {f["tps"]: f for f in (ppwp_form("3171011001001", (60, 122, 64)), flagged,
                                   ppwp_form("3171011002001", (88, 12, 40)), ppwp_form("3201011001001", (1, 2, 3)))}
    submit_forms(engine, reference, [Submission(f) for f in forms.values()], fold=True)
    return forms


def numbers(texts: list[str]) -> list[int]:
    """The counts of cells (a region table's cell has its share on a second line)."""
    return [int(t.split()[0].replace(".", "")) for t in texts]


def api(server: str, path: str) -> Any:
    return httpx.get(server + path).json()


def test_drill_down_by_clicking_and_figures_equal_the_api(page: Page, seeded: Any, live_server: str) -> None:
    page.goto(live_server + "/")
    expect(page.locator("h1")).to_have_text("INDONESIA")
    nation = api(live_server, "/api/v1/results/ppwp/0")["totals"]
    cells = page.locator("#candidates tr td:nth-child(3)").all_inner_texts()
    assert numbers(cells) == [nation["votes"][k] for k in ("1", "2", "3")]
    expect(page.locator("#progress")).to_have_text("4 dari 10 TPS (40,00000%)")
    for name in ("DKI JAKARTA", "KOTA JAKARTA PUSAT", "GAMBIR", "GAMBIR"):
        page.locator("table.children").get_by_role("link", name=name, exact=True).click()
        expect(page.locator("h1")).to_have_text(name)
    desa = api(live_server, "/api/v1/results/ppwp/3171011001")
    rows = page.locator("table.children tr").filter(has=page.locator("th[scope=row]"))
    assert rows.count() == len(desa["children"])
    first = rows.first.locator("td").all_inner_texts()
    assert numbers(first[:3]) == [desa["children"][0]["votes"][k] for k in ("1", "2", "3")]
    page.get_by_role("link", name="TPS 001", exact=True).click()
    expect(page).to_have_url(live_server + "/tps/ppwp/3171011001001")
    record = api(live_server, "/api/v1/tps/ppwp/3171011001001")["current"]["form"]
    assert numbers(page.locator("#suara td.n").all_inner_texts()) == [record["suara"][k] for k in ("1", "2", "3")]
    assert numbers(page.locator("#jumlah td.n").all_inner_texts()) == [
        record["suara_sah"], record["suara_tidak_sah"], record["suara_total"]]
    # back up by the breadcrumbs, then to the flagged TPS through the example of its flag
    page.get_by_role("navigation", name="Wilayah").get_by_role("link", name="INDONESIA").click()
    page.locator(".flags").get_by_role("link").first.click()
    expect(page).to_have_url(live_server + "/tps/ppwp/3171011001003")
    expect(page.locator(".flags")).to_contain_text("Jumlah suara sah (61) tidak sama dengan jumlah suara semua pasangan calon (60)")


def test_switch_contest_and_sort_the_table(page: Page, seeded: Any, live_server: str) -> None:
    page.goto(live_server + "/wilayah/ppwp/31")
    page.get_by_role("navigation", name="Pemilihan").get_by_role("link", name="Pemilihan Gubernur DKI JAKARTA 2024").click()
    expect(page).to_have_url(live_server + "/wilayah/pkwkp-31/31")
    expect(page.get_by_role("navigation", name="Pemilihan").locator("strong")).to_have_text(
        "Pemilihan Gubernur DKI JAKARTA 2024")
    page.goto(live_server + "/tps/ppwp/3171011001001")  # a TPS votes in the same races
    page.get_by_role("navigation", name="Pemilihan").get_by_role("link", name="Pemilihan Gubernur DKI JAKARTA 2024").click()
    expect(page).to_have_url(live_server + "/tps/pkwkp-31/3171011001001")
    expect(page.locator("h1")).to_contain_text("TPS 001")
    page.goto(live_server + "/wilayah/ppwp/317101")
    page.locator("table.children th a").nth(1).click()  # candidate 1, largest first
    expect(page.locator("table.children th[aria-sort=descending]")).to_have_count(1)
    first = page.locator("table.children th[scope=row]").all_inner_texts()
    page.locator("table.children th a").nth(1).click()  # again: smallest first
    assert page.locator("table.children th[scope=row]").all_inner_texts() == list(reversed(first))


def test_file_a_complaint_and_find_it_by_its_number(page: Page, seeded: Any, live_server: str) -> None:
    page.goto(live_server + "/tps/ppwp/3171011001001")
    page.get_by_label("Uraian").fill("Foto halaman 2: paslon 2 mendapat 112, bukan 122.")
    page.get_by_role("button", name="Kirim pengaduan").click()
    heading = page.locator("h1")
    expect(heading).to_have_text(re.compile(r"Pengaduan PGD-[A-Z0-9]{8}"))
    number = heading.inner_text().split()[-1]
    page.goto(live_server + "/")
    page.get_by_role("link", name="Cek status pengaduan").click()
    page.get_by_label("Nomor pengaduan").fill(number)
    page.get_by_role("button", name="Lihat status").click()
    expect(page.locator("#status")).to_have_text("diterima")
    assert api(live_server, f"/api/v1/complaints/{number}")["status"] == "received"
    page.get_by_role("link", name="3171011001001").click()
    expect(page.locator("#pengaduan")).to_contain_text(number)


def test_a_live_update_arrives_while_a_form_is_ingested(page: Page, seeded: Any, live_server: str,
                                                        engine: Any, reference: Any) -> None:
    page.goto(live_server + "/wilayah/ppwp/0")
    expect(page.locator("#progress")).to_have_text("4 dari 10 TPS (40,00000%)")
    page.evaluate("window.notReloaded = true")
    submit_forms(engine, reference, [Submission(ppwp_form("3201011001002", (700, 1, 1)))])  # the server folds it
    expect(page.locator("#progress")).to_have_text("5 dari 10 TPS (50,00000%)", timeout=30_000)
    assert page.evaluate("window.notReloaded") is True
    totals = api(live_server, "/api/v1/results/ppwp/0")["totals"]
    assert numbers(page.locator("#candidates tr td:nth-child(3)").all_inner_texts()) == [
        totals["votes"][k] for k in ("1", "2", "3")]
    expect(page.locator("#live-status")).to_contain_text("Diperbarui")


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 210, 220)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_photos_zoom(page: Page, live_server: str, engine: Any) -> None:
    create_account(engine, "kpps", "rahasia-sekali-123", Role.KPPS, "3171011001001", "test")
    token = login(engine, "kpps", "rahasia-sekali-123", "hp")[0]
    sent = httpx.post(live_server + "/api/v1/submissions",
                      data={"form": orjson.dumps(ppwp_form("3171011001001", (60, 122, 64))).decode()},
                      files={"page1": ("h1.jpg", _jpeg(), "image/jpeg")},
                      headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "hp:zoom-0001"})
    assert sent.status_code == 201, sent.text
    fold_all(engine)
    page.goto(live_server + "/tps/ppwp/3171011001001")
    expect(page.locator(".photos img")).to_have_count(1, timeout=10_000)
    page.locator(".photos img").click()
    dialog = page.locator("dialog.zoom")
    expect(dialog).to_be_visible()
    image = dialog.locator("img")
    expect(image).to_have_js_property("complete", True)
    before = image.bounding_box()["width"]
    dialog.get_by_role("button", name="Perbesar").click()
    assert image.bounding_box()["width"] > before * 1.4
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)


def test_keyboard_and_phone(browser: Browser, seeded: Any, live_server: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(live_server + "/wilayah/ppwp/0")
    phone.keyboard.press("Tab")
    expect(phone.locator(":focus")).to_have_text("Langsung ke isi")
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(re.compile(r"#isi$"))
    # nothing wider than the phone but the children table, which scrolls in its own box
    assert phone.evaluate(FITS)
    phone.locator("div.scroll.sticky").focus()  # the table's box is reachable by keyboard, to scroll it
    phone.keyboard.press("ArrowRight")
    # the browser scrolls smoothly, after the key press returns: wait for it (fails if it never does)
    phone.wait_for_function("() => document.querySelector('div.scroll.sticky').scrollLeft > 0", timeout=5000)
    context.close()


def test_english_switch(page: Page, seeded: Any, live_server: str) -> None:
    page.goto(live_server + "/wilayah/ppwp/0")
    page.get_by_role("link", name="English").click()
    expect(page.locator("#progress")).to_have_text("4 of 10 polling stations (40.00000%)")
    page.locator("table.children").get_by_role("link", name="DKI JAKARTA").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Bahasa Indonesia").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")


AXE = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
PUBLIC_PAGES = ["/wilayah/ppwp/0", "/wilayah/ppwp/3171011001", "/tps/ppwp/3171011001003", "/pengaduan",
                "/cari?q=gambir", "/cari?q=TPS+1+gambir&lang=en", "/wilayah/ppwp/0?lang=en", "/anomali/ppwp/0",
                "/tps/ppwp/3171011001003?lang=en", "/halaman-yang-tidak-ada"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_pages_pass_axe(browser: Browser, seeded: Any, live_server: str, path: str) -> None:
    """Labels, names, contrast, landmarks and language as axe-core checks them (WCAG 2 A/AA), on a
    desktop and on the narrowest phone (where the region table scrolls in its own box)."""
    from axe_playwright_python.sync_playwright import Axe

    for viewport in (DESKTOP, NARROW_PHONE):
        context = browser.new_context(viewport=viewport, is_mobile=viewport is NARROW_PHONE)
        opened = context.new_page()
        opened.goto(live_server + path)
        result = Axe().run(opened, options=AXE)
        context.close()
        assert result.violations_count == 0, (viewport, result.generate_report())


@pytest.mark.parametrize("size", WIDTHS)
def test_every_public_page_fits_the_window(browser: Browser, seeded: Any, live_server: str, size: str) -> None:
    """At 1280, 390 and 360 px no page is wider than the window; the region table, wider than a
    phone, scrolls in its own box with its names column in view, and says so only when it must."""
    context = browser.new_context(viewport=WIDTHS[size], is_mobile=size != "desktop", has_touch=size != "desktop")
    phone = context.new_page()
    for path in PUBLIC_PAGES + ["/wilayah/ppwp/31", "/wilayah/ppwp/317101", "/pengaduan/PGD-22222222"]:
        phone.goto(live_server + path)
        assert phone.evaluate(FITS), (size, path)
    phone.goto(live_server + "/wilayah/ppwp/0?lang=id")
    box = phone.locator("table.children").locator("xpath=..")
    first = phone.locator("table.children tr").nth(1).locator("th")
    hint = phone.locator("#children-hint")
    if size == "desktop":
        expect(hint).to_be_hidden()  # the table fits: no hint
    else:
        expect(hint).to_be_visible()
        expect(hint).to_have_text("Geser tabel ke samping untuk melihat semua kolom.")
        left = first.bounding_box()["x"]
        box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
        assert box.evaluate("b => b.scrollLeft") > 0
        assert abs(first.bounding_box()["x"] - left) < 1  # the names column stays put
        assert abs(first.bounding_box()["x"] - box.bounding_box()["x"]) < 1  # at the box's left edge
    headers = [" ".join(h.split()) for h in phone.locator("table.children th.cand").all_inner_texts()]
    assert headers[0].startswith("1 Anies-Muhaimin (ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR;")  # the rest hidden
    assert [h.split(" (")[0] for h in headers] == ["1 Anies-Muhaimin", "2 Prabowo-Gibran", "3 Ganjar-Mahfud"]
    context.close()


def test_the_live_stamp_is_the_servers_time_in_the_regions_zone(browser: Browser, seeded: Any, live_server: str,
                                                              engine: Any, reference: Any) -> None:
    """A reader in New York sees the time of the server's last check in WIB, as the page's 'Data
    per' line, not their own clock."""
    from datetime import UTC, datetime, timedelta

    with watched_page(browser, viewport=PHONE, timezone_id="America/New_York", locale="en-US") as phone:
        phone.goto(live_server + "/wilayah/ppwp/0")
        submit_forms(engine, reference, [Submission(ppwp_form("3201011001002", (7, 1, 1)))])
        status = phone.locator("#live-status")
        expect(status).to_have_text(re.compile(r"^Diperbarui \d\d:\d\d:\d\d WIB$"), timeout=30_000)
        shown = datetime.strptime(status.inner_text().split()[1], "%H:%M:%S").time()
        wib = (datetime.now(UTC) + timedelta(hours=7))
        gap = abs((datetime.combine(wib.date(), shown) - wib.replace(tzinfo=None)).total_seconds())
        assert min(gap, 86_400 - gap) < 120, (shown, wib)  # the server's clock in WIB, not New York's (UTC-4/5)
        asof = phone.locator("#asof time").get_attribute("datetime")
        assert asof == api(live_server, "/api/v1/results/ppwp/0")["as_of"]["time"]


@pytest.mark.parametrize("path", ["/wilayah/pdpr/0", "/wilayah/pdpr/3171", "/dapil/pdpr/3102",
                                  "/tps/pdpr/99AG010001002", "/dapil/pdpr/3102?lang=en"])
def test_legislative_pages_pass_axe(page: Page, pemilu_engine: Any, pemilu_reference: Any,
                                    pemilu_live_server: str, path: str) -> None:
    """The party-list, dapil and overseas station pages, with data, as axe-core checks them."""
    from axe_playwright_python.sync_playwright import Axe
    from test_legislative_results import weighted_form

    ref = pemilu_reference
    forms = [weighted_form(ref, "pdpr", "3171011001001", {"1": 10, "3": 4}),
             weighted_form(ref, "pdpr", "99AG010001002", {"2": 7, "4": 1})]
    submit_forms(pemilu_engine, ref, [Submission(f) for f in forms], fold=True)
    for viewport in (DESKTOP, NARROW_PHONE):  # party columns by abbreviation scroll in their box on a phone
        page.set_viewport_size(viewport)
        page.goto(pemilu_live_server + path)
        for details in page.locator("details").all():  # the candidate lists, opened
            details.locator("summary").click()
        assert page.evaluate(FITS), viewport
        result = Axe().run(page, options=AXE)
        assert result.violations_count == 0, (viewport, result.generate_report())


def test_the_send_result_points_at_the_boxes_on_a_narrow_phone(browser: Browser, live_server: str,
                                                              engine: Any) -> None:
    """While typing, the boxes a failing rule is about are marked; the send result says what is
    wrong in the form's words and links each box; it fits 360 px and axe-core finds nothing."""
    from axe_playwright_python.sync_playwright import Axe

    create_account(engine, "kpps-sempit", "rahasia-sekali-123", Role.KPPS, "3171011002002", "test")
    with watched_page(browser, viewport=NARROW_PHONE, is_mobile=True, has_touch=True) as phone:
        phone.goto(live_server + "/ui/login")
        phone.get_by_label("Nama pengguna").fill("kpps-sempit")
        phone.get_by_label("Kata sandi").fill("rahasia-sekali-123")
        phone.get_by_role("button", name="Masuk").click()
        phone.goto(live_server + "/ui/entry?contest=ppwp&tps=3171011002002")
        for name, value in (("suara_1", "60"), ("suara_2", "70"), ("suara_3", "10"), ("suara_sah", "140"),
                            ("suara_tidak_sah", "3"), ("suara_total", "143"), ("pengguna_total_j", "140"),
                            ("surat_suara_digunakan", "143")):
            phone.locator(f"#f-{name}").fill(value)
        for box in ("#f-surat_suara_digunakan", "#f-pengguna_total_j", "#f-suara_total"):  # R7 and R10
            expect(phone.locator(box)).to_have_attribute("aria-invalid", "true")
        expect(phone.locator("#f-suara_sah")).not_to_have_attribute("aria-invalid", "true")
        assert phone.evaluate(FITS)
        phone.get_by_role("button", name="Kirim").click()
        expect(phone.locator("h1")).to_have_text("Data Sudah Terkirim, dengan Catatan")
        expect(phone.locator(".outcome-flags")).to_contain_text(
            "Jumlah seluruh suara sah dan tidak sah (143) melebihi jumlah pengguna hak pilih (jumlah: 140)")
        assert phone.evaluate(FITS)
        result = Axe().run(phone, options=AXE)
        assert result.violations_count == 0, result.generate_report()
        phone.locator(".outcome-flags li").nth(1).get_by_role("link", name="Jumlah seluruh suara sah dan tidak sah").click()
        expect(phone).to_have_url(live_server + "/ui/entry?contest=ppwp&tps=3171011002002#f-suara_total")
