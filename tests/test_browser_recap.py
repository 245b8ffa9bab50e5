"""The recapitulation in a real headless Chromium (Debian's) driven by Playwright, against the app
on the counted small Pemilu served by uvicorn: the public tier page and discrepancy report, and a
PPK recording and closing its kecamatan on the officials' screen, at 1280 and 390 px (nothing
wider than the window), with axe-core on every new page. Screenshots go to /tmp/recap-*.png."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import pytest
from browser_support import DESKTOP, PHONE
from helpers import served, watched_page
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from test_recap import counted, official, published, record_as_published  # noqa: F401

from suara.api.app import create_app
from suara.domain.access import Role
from suara.services.accounts import create_account, login
from suara.web.recap_watch import RecapWatch

PASSWORD = "rahasia-sekali-123"
AXE_TAGS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture
def server(counted, db_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:  # noqa: F811
    monkeypatch.setenv("SUARA_BLOBS_URL", str(tmp_path / "blobs"))
    app = create_app(db_url)
    app.state.recap_watch = RecapWatch(ttl=0)  # records made beside the server are seen at once
    with served(app) as url:
        yield url


def minutes_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 1200), (235, 232, 220)).save(out, "JPEG")
    return out.getvalue()


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def axe_clean(page: Page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    closed = page.locator("details:not([open])")
    while closed.count():  # closed rows, opened one by one
        closed.first.locator("summary").click()
    result = Axe().run(page, options=AXE_TAGS)
    assert result.violations_count == 0, f"{page.url}\n{result.generate_report()}"


def plant(rows: dict[str, Any]) -> None:
    rows["3171011002"]["suara"]["1"] += 40
    rows["3171011002"]["suara"]["2"] -= 40


def test_the_public_tier_and_discrepancy_pages(browser: Browser, server: str, counted: Any) -> None:  # noqa: F811
    engine, reference = counted
    ppk = official(Role.PPK, "317101")
    create_account(engine, ppk.username, PASSWORD, ppk.role, ppk.scope, "test")
    token = login(engine, ppk.username, PASSWORD, "test")[0]
    line = published(engine, reference, "ppwp", "317101")
    plant(line["rows"])
    sent = httpx.post(server + "/api/v1/recap/ppwp/317101", data={"record": orjson.dumps({"rows": line["rows"]}).decode()},
                      files={"minutes": ("ba.jpg", minutes_jpeg(), "image/jpeg")},
                      headers={"Authorization": f"Bearer {token}"})
    assert sent.status_code == 201, sent.text
    httpx.post(server + "/api/v1/recap/ppwp/317101/lock", headers={"Authorization": f"Bearer {token}"})
    record_as_published(engine, reference, "ppwp", "317201", official(Role.PPK, "317201"))

    def plant_up(rows: dict[str, Any]) -> None:
        rows["317101"]["suara_tidak_sah"] += 7
        rows["317101"]["pengguna_total_j"] += 7

    record_as_published(engine, reference, "ppwp", "3171", official(Role.KPU_KABKOTA, "3171"), lock=False,
                        change=plant_up)
    record_as_published(engine, reference, "pdpr", "317101", ppk, lock=False)

    with watched_page(browser, viewport=DESKTOP, locale="id-ID") as page:
        page.goto(server + "/wilayah/ppwp/317101")
        box = page.locator(".recap-box")
        expect(box).to_contain_text("D Hasil Kecamatan GAMBIR: ditetapkan")
        expect(box).to_contain_text("1 baris rekapitulasi di wilayah ini berbeda")
        page.screenshot(path="/tmp/recap-region-desktop.png", full_page=True)
        box.get_by_role("link", name="Rekapitulasi D Hasil Kecamatan beserta perbandingannya").click()
        expect(page.locator("h1")).to_have_text("D Hasil Kecamatan: GAMBIR")
        expect(page.locator(".recap-note")).to_contain_text("Rekapitulasi resmi sebagaimana dicatat")
        expect(page.locator(".disclaimer")).to_contain_text("bukan hasil resmi")
        cideng = page.locator("#baris-3171011002")
        expect(cideng).to_have_attribute("open", "")
        expect(cideng.locator("tr.differs mark")).to_have_text(["+40", "\u221240"])
        page.locator(".minutes img").click()
        dialog = page.locator("dialog.zoom")
        expect(dialog).to_be_visible()
        expect(dialog.locator("img")).to_have_js_property("complete", True)
        page.keyboard.press("Escape")
        page.screenshot(path="/tmp/recap-tier-desktop.png", full_page=True)
        page.get_by_role("link", name="Laporan selisih").last.click()
        expect(page.locator("#count")).to_contain_text("1 selisih")
        page.goto(server + "/selisih/ppwp/31")
        expect(page.locator("table.discrepancies tbody tr")).to_have_count(3)
        page.screenshot(path="/tmp/recap-selisih-desktop.png", full_page=True)
        for path in ("/wilayah/ppwp/317101", "/rekap/ppwp/317101", "/rekap/ppwp/3171?lang=en", "/selisih/ppwp/31",
                     "/rekap/pdpr/317101", "/rekap/ppwp/0"):
            page.goto(server + path)
            assert fits(page), path
            axe_clean(page)

    with watched_page(browser, viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID") as phone:
        for path, name in (("/rekap/ppwp/3171", "tier"), ("/selisih/ppwp/31", "selisih"),
                           ("/wilayah/ppwp/317101", "region"), ("/rekap/pdpr/317101", "tier-dpr")):
            phone.goto(server + path)
            assert fits(phone), path
            phone.screenshot(path=f"/tmp/recap-{name}-phone.png", full_page=True)
        # the rows table scrolls in its own box, its first column staying in view
        phone.goto(server + "/rekap/ppwp/3171")
        wrapper = phone.locator("#baris-317101 .scroll").first
        assert wrapper.evaluate("box => box.scrollWidth > box.clientWidth")
        first = wrapper.locator("th[scope=row]").first
        before = first.bounding_box()["x"]
        wrapper.evaluate("box => { box.scrollLeft = 200; }")
        assert abs(first.bounding_box()["x"] - before) < 1


@contextmanager
def screen_page(browser: Browser, server: str, token: str, refusals: list[str],
                **options: Any) -> Iterator[Page]:
    """A signed-in officials' page (its session cookie set as the login screen sets it). A script
    error fails the test; so does any answer of 400 or more but the refusals expected, paths
    that are meant to answer in words with a 4xx (the browser logs those as failed loads)."""
    context = browser.new_context(**options)
    context.add_cookies([{"name": "suara_session", "value": token, "url": server}])
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on("console", lambda msg: errors.append(msg.text)
              if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    opened.on("response", lambda r: errors.append(f"{r.status} {r.url}")
              if r.status >= 400 and r.url.removeprefix(server) not in refusals else None)
    yield opened
    context.close()
    assert errors == [], errors


def test_a_ppk_records_and_closes_its_kecamatan_on_the_screen(browser: Browser, server: str, counted: Any,  # noqa: F811
                                                             tmp_path: Any) -> None:
    engine, _ = counted
    create_account(engine, "ppk-gambir", PASSWORD, Role.PPK, "317101", "test")
    token = login(engine, "ppk-gambir", PASSWORD, "browser")[0]
    photo = tmp_path / "berita-acara.jpg"
    photo.write_bytes(minutes_jpeg())
    refused = ["/ui/rekap/ppwp/317101"]  # the record refused below answers 422, in words
    with screen_page(browser, server, token, refused, viewport=DESKTOP, locale="id-ID") as page:
        page.goto(server + "/ui/rekap")
        expect(page.locator("#own-heading")).to_have_text("D Hasil Kecamatan GAMBIR")
        axe_clean(page)
        page.get_by_role("link", name="Pemilihan Presiden dan Wakil Presiden 2024").click()
        expect(page.locator("#source")).to_have_text(
            "Diisi dari jumlah formulir C Hasil; ubah sesuai berita acara pleno.")
        assert fits(page)
        axe_clean(page)
        anies = page.get_by_label("CIDENG: 1. ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR")
        total = page.locator('[data-sum="0"]')
        before = int(total.inner_text().replace(".", ""))
        anies.fill(str(int(anies.input_value()) + 40))
        expect(total).to_have_text(f"{before + 40:,}".replace(",", "."))  # the column adds up as one types
        expect(page.get_by_label("CIDENG: Suara sah")).to_have_attribute("aria-invalid", "true")
        page.screenshot(path="/tmp/recap-screen-desktop.png", full_page=True)
        page.get_by_role("button", name="Catat rekapitulasi").click()
        expect(page.locator("#error")).to_contain_text("CIDENG (3171011002): suara sah")
        assert fits(page)
        axe_clean(page)
        page.screenshot(path="/tmp/recap-screen-refused-desktop.png", full_page=True)
        boris = page.get_by_label("CIDENG: 2. PRABOWO SUBIANTO - GIBRAN RAKABUMING RAKA")
        boris.fill(str(int(boris.input_value()) - 40))
        expect(page.get_by_label("CIDENG: Suara sah")).to_have_attribute("aria-invalid", "false")
        page.get_by_label("Foto (JPEG, PNG atau WebP)").set_input_files(str(photo))
        page.get_by_role("button", name="Catat rekapitulasi").click()
        expect(page.locator("#notice")).to_contain_text("Rekapitulasi dicatat sebagai revisi 1")
        page.get_by_label("Rapat pleno telah menetapkan rekapitulasi revisi 1 ini.").check()
        page.get_by_role("button", name="Tetapkan (kunci)").click()
        expect(page.locator("#tier-status")).to_have_text("ditetapkan")
        page.get_by_role("link", name="Lihat rekapitulasi ini di portal publik").click()
        expect(page.locator("#tier-status")).to_have_text("ditetapkan")
        expect(page.locator(".minutes img")).to_be_visible()

    with screen_page(browser, server, token, [], viewport=PHONE, is_mobile=True, has_touch=True,
                     locale="id-ID") as phone:
        for path, name in (("/ui/rekap", "list"), ("/ui/rekap/pdpr/317101", "dpr"), ("/ui/rekap/ppwp/317101", "locked")):
            phone.goto(server + path)
            assert fits(phone), path
            phone.screenshot(path=f"/tmp/recap-screen-{name}-phone.png", full_page=True)
        axe_clean(phone)
        phone.goto(server + "/ui/rekap/pdpr/317101")
        axe_clean(phone)
