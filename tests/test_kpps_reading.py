"""End to end (issue 15): print a C Hasil sheet, write its numbers with held-out handwritten digits,
photograph it, and in the KPPS app (Debian's Chromium, a phone) photograph the pages, let the
server read them, confirm or correct each number the machine is unsure of, and send. The stored
version has exactly the numbers on paper, and records which numbers were machine-read, confirmed
and changed by the officer; a number still unchecked keeps the form from being sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from browser_support import DESKTOP
from helpers import watched_page
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from test_kpps_app import PASSWORD, deployment, log_in, phone, serve, watch  # noqa: F401 (fixtures)
from test_photo_reading import WRITTEN

from suara.reading import photograph, sheet
from suara.store.schema import form_versions

TPS = "3171011001001"
PAPER = WRITTEN  # what the officers wrote on the plano, a form whose sums hold


def input_name(path: str) -> str:
    head, _, rest = path.partition(".")
    return {"suara": f"suara_{rest}", "administrasi": rest}.get(head, path) if rest else path


def handwritten_pages(engine: Any, folder: Path) -> list[Path]:
    """The sheet's three pages for the TPS, written with held-out MNIST digits (never trained on),
    photographed at an angle with blur, shadow and JPEG."""
    from suara.store.reference import load_reference

    with engine.connect() as conn:
        contest = load_reference(conn).contest("ppwp")
    pool = photograph.heldout_pool()
    paths = []
    for page in (1, 2, 3):
        layout = sheet.page_layout("ppwp", len(contest.candidates), page)
        filled, _ = photograph.fill_page(sheet.render_page(contest, TPS, page), layout, PAPER, pool=pool, seed=7 + page)
        shot = photograph.Shot(tilt=10, tilt_direction=50 * page, rotation=3.0, blur=0.5, shadow=0.3)
        path = folder / f"halaman-{page}.jpg"
        path.write_bytes(photograph.photograph(filled, shot, seed=page))
        paths.append(path)
    return paths


def origins_on_screen(page: Page) -> dict[str, str | None]:
    return {path: page.locator(f"#f-{input_name(path)}").get_attribute("data-origin") for path in PAPER}


def check_like_an_officer(page: Page, read: dict[str, str | None], send: str) -> dict[str, str]:
    """What an officer does after the reading: every sure number is what the paper says (the
    machine never guesses silently); the form cannot go while a highlighted number is unchecked;
    each highlighted number is confirmed when right, corrected when wrong; numbers not read at all
    are typed. Returns the origins the version must keep."""
    assert set(read.values()) <= {"machine_read", "pending", None}
    for path, value in PAPER.items():
        if read[path] == "machine_read":
            expect(page.locator(f"#f-{input_name(path)}")).to_have_value(str(value))
    pending = [path for path in PAPER if read[path] == "pending"]
    if pending:
        page.get_by_role("button", name=send, exact=True).click()
        expect(page.locator("#read-state, #form-state").filter(has_text="perlu diperiksa").first).to_be_visible()
    origins = {path: "machine_read" for path in PAPER if read[path] == "machine_read"}
    for path in pending:
        box = page.locator(f"#f-{input_name(path)}")
        if box.input_value() == str(PAPER[path]):
            page.locator(f"button.confirm[data-name='{input_name(path)}']").click()
            origins[path] = "confirmed"
        else:
            box.fill(str(PAPER[path]))
            origins[path] = "changed"
        expect(box).to_have_attribute("data-origin", origins[path])
    for path, value in PAPER.items():
        if read[path] is None:
            page.locator(f"#f-{input_name(path)}").fill(str(value))
    expect(page.locator("#flags")).to_contain_text("Tidak ada aturan yang gagal")
    return dict(sorted(origins.items()))


def check_stored(engine: Any, origins: dict[str, str]) -> None:
    """The stored version: the paper's numbers, the officer's origins, the server's own reading,
    and no R16 (the numbers are the photo's)."""
    with engine.connect() as conn:
        row = conn.execute(select(form_versions.c.payload, form_versions.c.reading, form_versions.c.flags)).one()
    stored = orjson.loads(row.payload)
    assert stored["suara"] == {"1": 117, "2": 36, "3": 5}
    assert {k: stored["administrasi"][k.split(".")[1]] for k in PAPER if k.startswith("administrasi.")} == {
        k: v for k, v in PAPER.items() if k.startswith("administrasi.")}
    kept = orjson.loads(row.reading)
    assert kept["origins"] == origins
    assert set(kept["machine"]) == set(PAPER)
    assert not [f for f in orjson.loads(row.flags) if f["rule"] == "R16"]
    assert "machine_read" in origins.values(), "the machine read nothing with confidence"


def test_the_kpps_app_reads_a_photographed_sheet_and_the_officer_confirms(
        phone: BrowserContext, deployment: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811 (fixtures)
    pages = handwritten_pages(deployment["engine"], tmp_path)
    page = phone.new_page()
    errors = watch(page)
    with serve(deployment) as server:
        log_in(page, server)
        for number, path in enumerate(pages, 1):
            page.locator(f"#foto-{number}").set_input_files(str(path))
            expect(page.locator(f"#foto-{number}-status")).to_contain_text("Tersimpan")
        page.get_by_role("button", name="Baca angka dari foto").click()
        expect(page.locator("#read-state")).to_contain_text("Dari foto:", timeout=60_000)
        page.screenshot(path=str(tmp_path / "kpps-read.png"), full_page=True)
        origins = check_like_an_officer(page, origins_on_screen(page), "Simpan & kirim")
        page.get_by_role("button", name="Simpan & kirim").click()
        expect(page.locator("#outbox-items li.stored")).to_have_count(1, timeout=30_000)
        expect(page.locator("#outbox-items li.stored")).to_contain_text("Angka dari foto")
        page.screenshot(path=str(tmp_path / "kpps-sent.png"), full_page=True)
    check_stored(deployment["engine"], origins)
    assert errors == []


def test_the_entry_screen_reads_the_chosen_photos_and_the_officer_confirms(
        browser: Browser, deployment: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811 (a fixture)
    pages = handwritten_pages(deployment["engine"], tmp_path)
    with serve(deployment) as server, watched_page(browser, viewport=DESKTOP, locale="id-ID") as page:
        page.goto(server + "/ui/login")
        page.get_by_label("Nama pengguna").fill("kpps-gambir")
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.goto(server + f"/ui/entry?contest=ppwp&tps={TPS}")
        for number, path in enumerate(pages, 1):
            page.get_by_label(f"Halaman {number}").set_input_files(str(path))
        page.get_by_role("button", name="Baca angka dari foto").click()
        expect(page.locator("#read-state")).to_contain_text("Dari foto:", timeout=60_000)
        page.screenshot(path=str(tmp_path / "entry-read.png"), full_page=True)
        origins = check_like_an_officer(page, origins_on_screen(page), "Kirim")
        page.get_by_role("button", name="Kirim", exact=True).click()
        expect(page.locator("main")).to_contain_text("Versi 1 tersimpan")
    check_stored(deployment["engine"], origins)


def constructed_reading() -> dict[str, Any]:
    """A reading as POST /api/v1/read-form answers it: every number sure and right except
    suara.1, read 617 for the 117 on paper (Sirekap's misreading), and suara.2, read right (36),
    both unsure, with their box images."""
    import base64
    import io

    from PIL import Image

    def box(shade: int) -> str:
        out = io.BytesIO()
        Image.new("L", (28, 28), shade).save(out, "PNG")
        return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()

    numbers = []
    for path, value in PAPER.items():
        unsure = path in ("suara.1", "suara.2")
        numbers.append({"field": path, "label": path, "page": 1, "value": 617 if path == "suara.1" else value,
                        "confidence": 0.6 if unsure else 0.999, "unsure": unsure,
                        "boxes": [box(40), box(120), box(200)]})
    return {"tps": TPS, "contest": "ppwp", "stored": False, "classified": True, "sure": False, "pages": [],
            "numbers": numbers, "unsure": ["suara.1", "suara.2"], "broken": [], "corrected": [], "notes": []}


def test_each_unsure_number_is_shown_with_its_boxes_and_checked_before_sending(
        phone: BrowserContext, deployment: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811 (fixtures)
    pages = handwritten_pages(deployment["engine"], tmp_path)
    page = phone.new_page()
    errors = watch(page)
    page.route("**/api/v1/read-form*", lambda route: route.fulfill(json=constructed_reading()))
    with serve(deployment) as server:
        log_in(page, server)
        for number, path in enumerate(pages, 1):
            page.locator(f"#foto-{number}").set_input_files(str(path))
        page.get_by_role("button", name="Baca angka dari foto").click()
        expect(page.locator("#read-state")).to_contain_text(
            "Dari foto: 24 angka dibaca mesin, 0 Anda periksa, 0 Anda ubah; 2 perlu diperiksa")
        first = page.locator("#f-suara_1")
        expect(first).to_have_value("617")
        expect(first).to_be_focused()  # the first number to check
        for name in ("suara_1", "suara_2"):
            expect(page.locator(f"#f-{name}")).to_have_attribute("data-origin", "pending")
            images = page.locator(f"#f-{name} ~ .read-boxes img")
            expect(images).to_have_count(3)
            assert images.evaluate_all("imgs => imgs.every(i => i.complete && i.naturalWidth === 28)")  # CSP lets them load
        expect(page.locator("#f-suara_3")).to_have_attribute("data-origin", "machine_read")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # fits the phone
        page.screenshot(path=str(tmp_path / "kpps-check.png"), full_page=True)
        page.get_by_role("button", name="Simpan & kirim").click()
        expect(page.locator("#form-state")).to_contain_text("2 angka hasil bacaan foto perlu diperiksa")
        expect(page.locator("#outbox-items li")).to_have_count(0)
        first.fill("117")  # the officer reads the paper: 117
        expect(first).to_have_attribute("data-origin", "changed")
        page.get_by_role("button", name="Benar: suara.2 36").click()
        expect(page.locator("#f-suara_2")).to_have_attribute("data-origin", "confirmed")
        expect(page.locator(".read-boxes")).to_have_count(0)
        expect(page.locator("#read-state")).to_contain_text("24 angka dibaca mesin, 1 Anda periksa, 1 Anda ubah.")
        page.get_by_role("button", name="Simpan & kirim").click()
        expect(page.locator("#outbox-items li.stored")).to_have_count(1, timeout=30_000)
        expect(page.locator("#outbox-items li.stored")).to_contain_text(
            "Angka dari foto: 24 dibaca mesin, 1 diperiksa petugas, 1 diubah petugas.")
    with deployment["engine"].connect() as conn:
        kept = orjson.loads(conn.execute(select(form_versions.c.reading)).scalar_one())
    assert kept["origins"]["suara.1"] == "changed" and kept["origins"]["suara.2"] == "confirmed"
    assert sum(1 for origin in kept["origins"].values() if origin == "machine_read") == 24
    assert errors == []
