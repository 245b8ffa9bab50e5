"""The officials' screens in Debian's Chromium at 1280 and 390 px: every role's landing page after
login, the correction form prefilled beside its zoomable photos, and a correction proposed on a
phone and approved from the side-by-side view on a desktop (and a KPPS's re-send rejected on a
phone); axe-core on every one of these pages, and none wider than the screen.

One deployment (officials_scenario.py on SQLite, served by uvicorn) for the whole module, so the
tests run in file order: the landings first, then the corrections that change what they show.
The screens' queries run on both databases in test_official_home.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import DESKTOP, PHONE
from conftest import init_pemilu
from helpers import served, watched_page
from officials_scenario import GAMBIR_TPS, PASSWORD, record_gambir_tier, seed
from playwright.sync_api import Browser, Page, expect

from suara.api.app import create_app
from suara.api.limits import Rate
from suara.store.engine import make_engine
from suara.store.reference import load_reference

AXE_TAGS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("officials")
    url = f"sqlite:///{work}/suara.db"
    engine = make_engine(url)
    init_pemilu(engine)
    with engine.connect() as conn:
        reference = load_reference(conn)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SUARA_BLOBS_URL", str(work / "blobs"))
        # a dozen officers sign in here from one loopback address within a minute, more than the
        # per-address login limit lets through (that limit is tested in test_login_throttle.py)
        env.setattr("suara.api.auth.LOGIN", Rate(per_minute=600, burst=100))
        seeded = seed(engine, reference, str(work / "blobs"))
        record_gambir_tier(engine, reference)
        with served(create_app(url)) as base:
            yield {"url": base, **seeded}
    engine.dispose()


def opened(browser: Browser, width: str) -> Any:
    return watched_page(browser, viewport=WIDTHS[width], is_mobile=width == "phone", has_touch=width == "phone",
                        locale="id-ID")


def log_in(page: Page, site: dict[str, Any], username: str) -> None:
    page.goto(site["url"] + "/ui/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(site["url"] + "/ui")


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def fits_and_passes_axe(page: Page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    fits(page)
    result = Axe().run(page, options=AXE_TAGS)
    assert result.violations_count == 0, result.generate_report()


LANDINGS = {  # username: (heading, the bar's screens, what the page shows first)
    "kpps-gambir": ("Beranda KPPS · TPS 001 GAMBIR", ["Beranda", "Formulir"], "Pemilihan Umum 2024"),
    "ppk-gambir": ("Beranda PPK · GAMBIR", ["Beranda", "Koreksi", "Pengaduan", "Rekapitulasi"], "Tugas"),
    "kpu-jakpus": ("Beranda KPU Kabupaten/Kota · KOTA JAKARTA PUSAT",
                   ["Beranda", "Koreksi", "Pengaduan", "Rekapitulasi"], "Tugas"),
    "kpu-dki": ("Beranda KPU Provinsi · DKI JAKARTA", ["Beranda", "Koreksi", "Pengaduan", "Rekapitulasi"], "Tugas"),
    "kpu-ri": ("Beranda KPU RI · Nasional", ["Beranda", "Koreksi", "Pengaduan", "Rekapitulasi"],
               "Antrean pengesahan koreksi (1)"),
    "ppln-kl": ("Beranda PPLN · Kuala Lumpur, Malaysia", ["Beranda", "Rekapitulasi"], "Pemilihan di wilayah ini"),
    "saksi-gambir": ("Beranda Saksi · GAMBIR", ["Beranda"], "Pemilihan di wilayah ini"),
}


@pytest.mark.parametrize("username", list(LANDINGS))
def test_every_role_lands_on_its_home_at_both_widths(browser: Browser, site: dict[str, Any], username: str) -> None:
    heading, screens, first = LANDINGS[username]
    for width in WIDTHS:
        with opened(browser, width) as page:
            log_in(page, site, username)
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
            bar = page.get_by_role("navigation", name="Menu petugas")
            expect(bar.get_by_role("link")).to_have_text(screens)
            expect(bar.get_by_role("link", name="Beranda")).to_have_attribute("aria-current", "page")
            expect(page.get_by_role("heading", level=2).first).to_have_text(first)
            expect(page.get_by_role("button", name="Keluar")).to_be_visible()
            if width == "phone":  # axe once a page (the same markup at both widths)
                fits_and_passes_axe(page)
            else:
                fits(page)
            if username == "kpps-gambir":  # from the home to the form of a ballot
                page.get_by_role("link", name="Isi formulir DPD").click()
                expect(page.get_by_role("heading", level=1)).to_contain_text("DPD DKI JAKARTA")
                expect(bar.get_by_role("link", name="Formulir")).to_have_attribute("aria-current", "page")


def test_the_complaints_of_a_region_are_reached_from_the_bar_and_moved_on_a_phone(browser: Browser,
                                                                                  site: dict[str, Any]) -> None:
    with opened(browser, "phone") as page:
        log_in(page, site, "ppk-gambir")
        page.get_by_role("navigation", name="Menu petugas").get_by_role("link", name="Pengaduan").click()
        card = page.locator(f"li.complaint[data-number='{site['complaint']}']")
        expect(card).to_contain_text("Foto halaman 2 menunjukkan 117, bukan 617")
        expect(card.get_by_role("link", name="TPS 001 GAMBIR")).to_have_attribute("href", f"/tps/ppwp/{GAMBIR_TPS}")
        fits_and_passes_axe(page)
        card.get_by_label("Status baru").select_option("under_review")
        card.get_by_role("button", name="Simpan").click()
        expect(page.get_by_role("status")).to_have_text(f"Pengaduan {site['complaint']}: sedang diperiksa.")
        expect(card.get_by_label("Status baru").locator("option")).to_have_text(["dikoreksi", "ditolak"])
        fits(page)


def test_the_prefilled_correction_form_sits_beside_its_photos_on_a_desktop(browser: Browser,
                                                                          site: dict[str, Any]) -> None:
    with opened(browser, "desktop") as page:
        log_in(page, site, "kpu-dki")
        page.locator("li.race[data-contest=ppwp]").get_by_role("link", name="koreksi").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Koreksi C Hasil · Pemilihan Presiden dan Wakil Presiden 2024")
        expect(page.locator("#f-suara_1")).to_have_value("617")
        expect(page.locator("#f-pemilih_dpt_l")).to_have_value("140")
        expect(page.locator("#flags")).to_contain_text("R8")  # the published numbers' rules, at once
        photos = page.locator("aside.form-photos img")
        expect(photos).to_have_count(3)
        form, aside = page.locator("#entry").bounding_box(), page.locator("aside.form-photos").bounding_box()
        assert form and aside and aside["x"] >= form["x"] + form["width"]  # beside, not below
        fits_and_passes_axe(page)
        photos.nth(1).click()
        zoom = page.locator("dialog.zoom")
        expect(zoom).to_be_visible()
        before = zoom.locator("img").bounding_box()
        zoom.get_by_role("button", name="Perbesar").click()
        page.wait_for_function("document.querySelector('dialog.zoom img').getBoundingClientRect().width > "
                               f"{before['width'] if before else 0} * 1.4")
        zoom.get_by_role("button", name="Tutup").click()
        expect(zoom).to_have_count(0)


def test_a_kpps_resend_read_side_by_side_and_rejected_on_a_phone(browser: Browser, site: dict[str, Any]) -> None:
    with opened(browser, "phone") as page:
        log_in(page, site, "kpu-ri")
        queue = page.locator(f"li.proposal[data-id='{site['resend']}']")
        expect(queue).to_contain_text("KPPS kpps-gambir (dikirim ulang dari TPS)")
        queue.get_by_role("link", name=f"Periksa dan putuskan koreksi #{site['resend']}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Koreksi #{site['resend']} · "
                                                                   "Pemilihan Anggota DPR RI 2024")
        changed = page.locator("table.compare tr.changed", has_text="1. Partai Kebangkitan Bangsa: suara partai")
        expect(changed.locator("td")).to_have_text(["10", "11"])
        expect(page.locator("#totals tr.changed").first).to_contain_text("+7")
        expect(page.locator(".form-photos .nophoto")).to_have_text(["Halaman 1: belum ada foto",
                                                                     "Halaman 2: belum ada foto"])
        fits_and_passes_axe(page)
        page.get_by_label("Alasan keputusan").fill("foto C Hasil menunjukkan 10")
        page.get_by_role("button", name="Tolak").click()
        expect(page.get_by_role("status")).to_have_text(
            f"Koreksi #{site['resend']} ditolak; angka yang dipublikasikan tetap.")
        expect(page.locator("#status")).to_have_text(
            "Status: ditolak oleh KPU RI kpu-ri: foto C Hasil menunjukkan 10")  # q: quotes drawn by CSS
        fits(page)
        page.get_by_role("link", name="Semua koreksi").click()
        expect(page.locator("#decided-heading")).to_have_text("Sudah diputuskan (1)")
        fits_and_passes_axe(page)


def test_a_correction_made_on_a_phone_with_the_prefilled_form_and_approved_on_a_desktop(
        browser: Browser, site: dict[str, Any]) -> None:
    with opened(browser, "phone") as page:
        log_in(page, site, "ppk-gambir")
        page.locator("li.race[data-contest=ppwp]").get_by_role("link", name="koreksi").first.click()
        expect(page.locator("#f-suara_1")).to_have_value("617")
        strip, form = page.locator("aside.form-photos").bounding_box(), page.locator("#entry").bounding_box()
        assert strip and form and strip["y"] + strip["height"] <= form["y"]  # the photos above the boxes
        fits_and_passes_axe(page)
        page.locator("#f-suara_1").fill("117")
        expect(page.locator("#flags")).to_have_text("Tidak ada aturan yang gagal")
        page.get_by_label("Alasan koreksi").fill("angka 117 terbaca 617, lihat foto halaman 2")
        page.get_by_role("button", name="Usulkan koreksi").click()
        notice = page.get_by_role("status")
        expect(notice).to_contain_text("diusulkan; menunggu pengesahan KPU RI.")
        number = re.search(r"Koreksi #(\d+)", notice.inner_text()).group(1)  # type: ignore[union-attr]
        expect(page.locator("#changed")).to_have_text("1. ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR: 617 → 117")
        fits_and_passes_axe(page)

    with opened(browser, "desktop") as page:
        log_in(page, site, "kpu-ri")
        card = page.locator(f"li.proposal[data-id='{number}']")
        expect(card).to_contain_text("PPK ppk-gambir")
        card.get_by_role("link", name=f"Periksa dan putuskan koreksi #{number}").click()
        row = page.locator("table.compare tr.changed", has_text="ANIES").first
        expect(row).to_contain_text("berubah")
        expect(row.locator("td")).to_have_text(["617", "117"])
        expect(page.locator("#totals tr", has_text="ANIES").locator("td")).to_have_text(["\u2212500", "762", "262"])
        expect(page.locator("#flags")).to_contain_text("hilang dengan koreksi ini")
        table, aside = page.locator("#section-1").bounding_box(), page.locator("aside.form-photos").bounding_box()
        assert table and aside and aside["x"] >= table["x"] + table["width"]
        fits_and_passes_axe(page)
        page.get_by_label("Alasan keputusan").fill("sesuai foto halaman 2")
        page.get_by_role("button", name="Sahkan").click()
        expect(page.get_by_role("status")).to_have_text(f"Koreksi #{number} disahkan; angka barunya kini dipublikasikan.")
        page.get_by_role("link", name="TPS 001 GAMBIR").click()
        expect(page.locator("#suara")).to_contain_text("117")
        expect(page.locator(".photos img")).to_have_count(3)  # the correction kept the form's photos
        page.goto(site["url"] + "/ui")
        expect(page.locator("#queue-empty")).to_be_visible()
