"""The KPPS app in Debian's Chromium (Playwright) on a phone: log in, then with the network cut
(and the server itself stopped) fill a ballot and photograph its pages, close the app and open
it again, and see the form stored exactly once when the network returns, with its signed
receipt, which the public page checks. axe-core on every page of the app and the receipt page."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from browser_support import DESKTOP, PHONE
from helpers import count_rows, free_port, served, watched_page
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from suara.api.app import create_app
from suara.domain.access import Role
from suara.services.accounts import create_account
from suara.store.schema import version_photos

PASSWORD = "rahasia-sekali-123"
TPS = "3171011001001"
VOTES = {"1": "60", "2": "122", "3": "64"}
SHOTS = Path("/tmp/suara-kpps-screens")
AXE_TAGS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}


@pytest.fixture
def deployment(engine: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What a test needs to serve the app (and stop and start it again on the same address: the
    device's store and service worker belong to that origin)."""
    monkeypatch.setenv("SUARA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SUARA_BLOBS_URL", str(tmp_path / "blobs"))
    create_account(engine, "kpps-gambir", PASSWORD, Role.KPPS, TPS, "test")
    port = free_port()
    monkeypatch.setenv("SUARA_PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    return {"port": port, "db_url": db_url, "engine": engine}


def serve(deployment: dict[str, Any]) -> Any:
    return served(create_app(deployment["db_url"]), deployment["port"])


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID",
                                  service_workers="allow")
    yield context
    context.close()


def watch(page: Page) -> list[str]:
    """Script errors and console errors of a page (what watched_page checks, for pages of a
    context that outlives them)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def photo() -> bytes:
    image = Image.new("RGB", (640, 900), (250, 248, 240))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def log_in(page: Page, server: str, username: str = "kpps-gambir") -> None:
    page.goto(server + "/app/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("#where")).to_contain_text(TPS)
    expect(page.locator("#form-title")).to_contain_text("Presiden")


# Every party block of the ballot on screen: party votes 2, each candidate 1, the block's total
# as typed; returns the sum of the totals (the valid votes).
FILL_PARTY_BLOCKS = """() => {
  let sah = 0;
  const put = (input, value) => { input.value = String(value); input.dispatchEvent(new Event("input", {bubbles: true})); };
  for (const block of document.querySelectorAll("fieldset.partai")) {
    const caleg = block.querySelectorAll("input[name^=caleg_]");
    put(block.querySelector("input[name^=suara_partai_]"), 2);
    caleg.forEach((input) => put(input, 1));
    put(block.querySelector("input[name^=jumlah_]"), 2 + caleg.length);
    sah += 2 + caleg.length;
  }
  return sah;
}"""


def fill_ppwp(page: Page) -> None:
    for nomor, votes in VOTES.items():
        page.locator(f"#f-suara_{nomor}").fill(votes)
    page.get_by_label("Jumlah suara sah", exact=True).fill("246")
    page.get_by_label("Jumlah suara tidak sah").fill("3")
    page.get_by_label("Jumlah seluruh suara sah dan tidak sah").fill("250")


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_filled_offline_closed_reopened_and_stored_once_when_the_network_returns(
        phone: BrowserContext, deployment: dict[str, Any]) -> None:
    engine = deployment["engine"]
    first = phone.new_page()
    errors = watch(first)
    with serve(deployment) as server:
        log_in(first, server)
        first.wait_for_function("() => navigator.serviceWorker.controller !== null")  # the shell is kept on the device
    # the server is gone and the phone is offline: nothing below can reach anything
    phone.set_offline(True)
    expect(first.locator("#net")).to_contain_text("Luring")
    fill_ppwp(first)
    # the rules while typing, with no network: 246 + 3 is not 250
    expect(first.locator("#flags")).to_contain_text("R9: Jumlah suara sah dan tidak sah tidak sama dengan total suara")
    expect(first.locator("#f-suara_total")).to_have_attribute("aria-invalid", "true")
    first.get_by_label("Jumlah seluruh suara sah dan tidak sah").fill("249")
    expect(first.locator("#flags")).to_contain_text("Tidak ada aturan yang gagal")
    first.get_by_label("Halaman 1").set_input_files({"name": "c1-halaman1.jpg", "mimeType": "image/jpeg",
                                                     "buffer": photo()})
    expect(first.locator("#foto-1-status")).to_contain_text("Tersimpan: c1-halaman1.jpg")
    first.get_by_role("button", name="Simpan & kirim").click()
    item = first.locator("#outbox-items li.item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Di antrean")
    assert fits(first)
    first.screenshot(path=str(SHOTS / "kpps-offline-phone.png"), full_page=False)
    first.close()

    # opened again, still with no network and no server: the app, the typed form, the queue
    again = phone.new_page()
    errors += watch(again)
    again.goto(f"http://127.0.0.1:{deployment['port']}/app/")
    expect(again.locator("#net")).to_contain_text("Luring")
    expect(again.locator("#f-suara_2")).to_have_value("122")
    expect(again.locator("#foto-1-status")).to_contain_text("c1-halaman1.jpg")
    expect(again.locator("#outbox-items li.item")).to_contain_text("Di antrean")
    assert count_rows(engine) == 0

    with serve(deployment):
        phone.set_offline(False)
        stored = again.locator("#outbox-items li.item.stored")
        expect(stored).to_contain_text("Tersimpan di server", timeout=20_000)
        expect(stored).to_contain_text("Data Sudah Terkirim · versi 1")
        expect(stored.get_by_role("img", name="Kode QR kwitansi")).to_be_visible()
        assert count_rows(engine) == 1 and count_rows(engine, version_photos) == 1
        # reopened online: nothing is sent twice
        again.reload()
        expect(again.locator("#outbox-items li.item.stored")).to_have_count(1)
        again.wait_for_timeout(500)
        assert count_rows(engine) == 1
        assert fits(again)
        stored.locator("summary").click()
        again.screenshot(path=str(SHOTS / "kpps-receipt-phone.png"), full_page=True)
        # the receipt, checked on the public page it links to
        stored.get_by_role("link", name="Periksa kwitansi").click()
        expect(again.locator("#verdict")).to_contain_text("Kwitansi sah")
        assert fits(again)
    assert errors == [], errors


def test_the_app_is_installable(browser: Browser, deployment: dict[str, Any]) -> None:
    """The manifest is read (the page's CSP lets it and the service worker load) and the service
    worker controls /app/."""
    with serve(deployment) as server, watched_page(browser, viewport=PHONE, service_workers="allow") as page:
        page.goto(server + "/app/")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        manifest = page.context.new_cdp_session(page).send("Page.getAppManifest")
        assert manifest["errors"] == [] and manifest["url"].endswith("/app/manifest.webmanifest")
        parsed = orjson.loads(manifest["data"])
        assert parsed["name"] == "Suara KPPS" and parsed["display"] == "standalone"
        assert {icon["sizes"] for icon in parsed["icons"]} >= {"192x192", "512x512"}
        assert page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.scope)") == server + "/app/"


def test_a_response_lost_on_the_way_is_sent_again_and_stored_once(browser: Browser,
                                                                   deployment: dict[str, Any]) -> None:
    """The server stores the form but the answer never reaches the phone (a dropped connection):
    the outbox sends the same request again with the same key and gets the original answer."""
    engine = deployment["engine"]
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="id-ID", service_workers="block")
    page = context.new_page()
    errors = watch(page)
    with serve(deployment) as server:
        log_in(page, server)
        dropped: list[int] = []

        def drop_the_answer(route: Any) -> None:
            route.fetch()  # the server stores the form ...
            dropped.append(count_rows(engine))
            route.abort("connectionreset")  # ... and the phone never hears back

        page.route("**/api/v1/submissions", drop_the_answer, times=1)
        fill_ppwp(page)
        page.get_by_label("Jumlah seluruh suara sah dan tidak sah").fill("249")
        page.get_by_role("button", name="Simpan & kirim").click()
        stored = page.locator("#outbox-items li.item.stored")
        expect(stored).to_contain_text("Tersimpan di server", timeout=20_000)
        assert dropped == [1]
        expect(stored).to_contain_text("percobaan 2")
        assert count_rows(engine) == 1
    context.close()
    assert errors == ["Failed to load resource: net::ERR_CONNECTION_RESET"], errors  # the dropped answer, no other


def test_a_session_that_ends_keeps_the_queue_until_the_officer_logs_in_again(browser: Browser,
                                                                             deployment: dict[str, Any]) -> None:
    import httpx

    engine = deployment["engine"]
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="id-ID", service_workers="block")
    page = context.new_page()
    errors = watch(page)
    with serve(deployment) as server:
        log_in(page, server)
        # right after logging in the app refreshes its ballots (app.js start); the phone going
        # offline before that answer came would fail it, a console error of its own
        page.wait_for_load_state("networkidle")
        context.set_offline(True)
        fill_ppwp(page)
        page.get_by_label("Jumlah seluruh suara sah dan tidak sah").fill("249")
        page.get_by_role("button", name="Simpan & kirim").click()
        expect(page.locator("#outbox-items li.item")).to_contain_text("Di antrean")
        # the session ends on the server (a logout from elsewhere, through this server, which then
        # forgets the token at once; revoked through another process it would stop within the
        # token cache's seconds)
        token = page.evaluate("SuaraStore.get('kv', 'session').then((s) => s.token)")
        assert httpx.delete(f"{server}/api/v1/auth/token", headers={"Authorization": f"Bearer {token}"}
                            ).status_code == 204
        context.set_offline(False)
        expect(page.locator("#login-error")).to_contain_text("Sesi berakhir")
        assert count_rows(engine) == 0
        page.get_by_label("Nama pengguna").fill("kpps-gambir")
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        expect(page.locator("#outbox-items li.item.stored")).to_contain_text("Tersimpan di server", timeout=20_000)
        assert count_rows(engine) == 1
    context.close()
    assert [e for e in errors if "401" not in e] == [], errors  # the refused send is logged by the browser


def test_a_party_list_ballot_is_typed_checked_and_stored(browser: Browser, pemilu_engine: Any, db_url: str,
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The DPR form of a Jakarta TPS: its dapil's parties and candidates, R14 at the party while
    typing, and the form the app builds is the one the server stores."""
    from axe_playwright_python.sync_playwright import Axe
    from sqlalchemy import select

    from suara.store.schema import form_versions

    monkeypatch.setenv("SUARA_DATA_DIR", str(tmp_path))
    create_account(pemilu_engine, "kpps-dpr", PASSWORD, Role.KPPS, TPS, "test")
    with served(create_app(db_url)) as server, \
            watched_page(browser, viewport=PHONE, is_mobile=True, locale="id-ID", service_workers="block") as page:
        log_in(page, server, "kpps-dpr")
        page.get_by_role("navigation", name="Surat suara").get_by_role("button", name="DPR", exact=True).click()
        expect(page.locator("#form-title")).to_contain_text("DPR RI")
        expect(page.locator("#fields")).to_contain_text("Dapil DKI JAKARTA II")
        expect(page.locator("fieldset.partai")).to_have_count(4)
        sah = page.evaluate(FILL_PARTY_BLOCKS)
        page.get_by_label("Jumlah suara sah", exact=True).fill(str(sah))
        page.get_by_label("Jumlah suara tidak sah").fill("1")
        page.get_by_label("Jumlah seluruh suara sah dan tidak sah").fill(str(sah + 1))
        expect(page.locator("#flags")).to_contain_text("Tidak ada aturan yang gagal")
        block = page.locator("fieldset.partai").nth(1)
        total = block.get_by_label("Jumlah suara partai dan calon")
        right = total.input_value()
        total.fill("99")
        expect(block.locator(".block-flags")).to_contain_text("R14")
        result = Axe().run(page, options=AXE_TAGS)
        assert result.violations_count == 0, result.generate_report()
        total.fill(right)
        expect(block.locator(".block-flags li")).to_have_count(0)
        assert fits(page)
        page.get_by_role("button", name="Simpan & kirim").click()
        expect(page.locator("#outbox-items li.item.stored")).to_contain_text("Data Sudah Terkirim · versi 1",
                                                                             timeout=20_000)
    with pemilu_engine.connect() as conn:
        stored = conn.execute(select(form_versions.c.payload).where(form_versions.c.contest == "pdpr")).scalars().all()
    assert len(stored) == 1
    form = orjson.loads(stored[0])
    assert form["suara_sah"] == sah and len(form["partai"]) == 4
    assert all(p["jumlah"] == p["suara_partai"] + sum(p["caleg"].values()) for p in form["partai"].values())


def test_the_apps_pages_pass_axe_and_fit(browser: Browser, deployment: dict[str, Any]) -> None:
    from axe_playwright_python.sync_playwright import Axe

    with serve(deployment) as server:
        for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
            with watched_page(browser, viewport=viewport, locale="id-ID", service_workers="block") as page:
                page.goto(server + "/app/")
                expect(page.locator("#login-title")).to_be_visible()
                result = Axe().run(page, options=AXE_TAGS)
                assert result.violations_count == 0, result.generate_report()
                log_in(page, server)
                fill_ppwp(page)  # a failing rule on screen, then a form in the queue and its receipt
                result = Axe().run(page, options=AXE_TAGS)
                assert result.violations_count == 0, result.generate_report()
                page.get_by_label("Jumlah seluruh suara sah dan tidak sah").fill("249")
                page.get_by_role("button", name="Simpan & kirim").click()
                stored = page.locator("#outbox-items li.item.stored")
                expect(stored).to_contain_text("Tersimpan di server", timeout=20_000)
                result = Axe().run(page, options=AXE_TAGS)
                assert result.violations_count == 0, result.generate_report()
                assert fits(page)
                if name == "desktop":
                    page.screenshot(path=str(SHOTS / "kpps-receipt-desktop.png"), full_page=True)
                link = stored.get_by_role("link", name="Periksa kwitansi").get_attribute("href")
                checker = page.context.new_page()  # the refusals are 422 pages: the browser logs their status
                errors = watch(checker)
                for path in (link, "/kwitansi", "/kwitansi?r=bukan+kwitansi", (link or "") + "&lang=en",
                             (link or "").replace("SK1.", "SK1.A")):
                    checker.goto(server + str(path))
                    result = Axe().run(checker, options=AXE_TAGS)
                    assert result.violations_count == 0, (path, result.generate_report())
                    assert fits(checker), path
                assert [e for e in errors if "422" not in e] == [], errors
                checker.goto(server + str(link))
                checker.screenshot(path=str(SHOTS / f"kwitansi-{name}.png"), full_page=True)
                checker.close()
            # the next viewport logs in afresh: a new context has an empty device store
            deployment["engine"].dispose()


@pytest.fixture(autouse=True)
def screenshots_folder() -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
