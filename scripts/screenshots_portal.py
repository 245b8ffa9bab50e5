"""The README's screenshots of the public portal at desktop (1280 px) and phone (390 px) widths,
and the region table on the narrowest phone (360 px): the national page, a province east of the
WIB line (its time in WITA), a TPS whose form was corrected (the history and the flags in the
form's words), a search cut at 20 hits, and an unknown address.

`scripts/screenshots.py` calls `prepare` and `photograph` on its deployment; run alone
(`python scripts/screenshots_portal.py`) this builds a smaller one of its own: the real 2024
region tree with a synthetic presidential count of DKI Jakarta and Bali."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
TPS = "3171011001001"  # the TPS of scripts/screenshots.py, filed with photos
ON_PAPER = {"1": 71, "2": 117, "3": 39}
TYPED = {**ON_PAPER, "2": 177}  # a 1 read as a 7, corrected afterwards
EAST = "51"  # Bali: WITA
SIZES = {"desktop": {"width": 1280, "height": 1000}, "phone": {"width": 390, "height": 844},
         "narrow": {"width": 360, "height": 740}}


def filed_form(votes: dict[str, int]) -> dict[str, Any]:
    """The TPS's form with its sections I-III; one ballot too many is counted as used (R7)."""
    sah = sum(ON_PAPER.values())
    adm = {"pemilih_dpt_l": 141, "pemilih_dpt_p": 139, "pemilih_dpt_j": 280,
           "pengguna_dpt_l": 109, "pengguna_dpt_p": 112, "pengguna_dpt_j": 221,
           "pengguna_dptb_l": 2, "pengguna_dptb_p": 1, "pengguna_dptb_j": 3,
           "pengguna_non_dpt_l": 4, "pengguna_non_dpt_p": 2, "pengguna_non_dpt_j": 6,
           "pengguna_total_l": 115, "pengguna_total_p": 115, "pengguna_total_j": 230,
           "pemilih_disabilitas_j": 2, "surat_suara_diterima": 286, "surat_suara_dikembalikan": 1,
           "surat_suara_tidak_digunakan": 54, "surat_suara_digunakan": 231}
    return {"tps": TPS, "contest": "ppwp", "administrasi": adm, "suara": votes, "suara_sah": sah,
            "suara_tidak_sah": 3, "suara_total": sah + 3}


def leave_out(forms: Path, tps: str = TPS) -> None:
    """The synthetic count without the TPS whose KPPS files it with photos: a form sent after its
    TPS was published would wait as a correction proposal, not be its first version."""
    lines = [line for line in forms.read_text().splitlines(keepends=True) if f'"tps":"{tps}"' not in line]
    forms.write_text("".join(lines))


def correct(database_url: str) -> None:
    """A PPK proposes the number on the photo, KPU RI authorises it: version 2 of the TPS."""
    from suara.domain.access import Role
    from suara.services import corrections
    from suara.services.accounts import AccountError, Principal, create_account
    from suara.store.engine import make_engine
    from suara.store.reference import load_reference

    engine = make_engine(database_url)
    try:
        ppk = create_account(engine, "ppk-gambir-portal", "layar-tangkap-2024", Role.PPK, "317101", "screenshots")
        kpu = create_account(engine, "kpu-ri-portal", "layar-tangkap-2024", Role.KPU_RI, "0", "screenshots")
    except AccountError:
        return  # corrected by an earlier run on the same database
    with engine.connect() as conn:
        reference = load_reference(conn)
    proposed = corrections.propose(engine, reference, Principal(ppk, "ppk-gambir-portal", Role.PPK, "317101"),
                                   filed_form(ON_PAPER), "Suara paslon 2 tertulis 117 pada foto halaman 2")
    corrections.decide(engine, reference, Principal(kpu, "kpu-ri-portal", Role.KPU_RI, "0"), proposed.id, True,
                       "Sesuai foto formulir")


def _shot(page: Any, path: str, url: str, name: str, size: str, made: list[Path], out: Path,
          full_page: bool = False) -> None:
    page.goto(url + path)
    page.wait_for_load_state("networkidle")
    made.append(out / f"{name}-{size}.png")
    page.screenshot(path=str(made[-1]), full_page=full_page)


def photograph(browser: Any, url: str, out: Path = OUT) -> list[Path]:
    made: list[Path] = []
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport, device_scale_factor=1, is_mobile=size != "desktop",
                                      has_touch=size != "desktop", locale="id-ID")
        page = context.new_page()
        if size != "narrow":
            _shot(page, "/wilayah/ppwp/0", url, "national", size, made, out)
            _shot(page, f"/tps/ppwp/{TPS}", url, "tps", size, made, out)
            page.evaluate("document.querySelector('.flags').closest('section').scrollIntoView()")
            page.screenshot(path=str(made[-1]))  # the flags and the history in the form's words
            _shot(page, "/cari?q=sukamaju", url, "search", size, made, out)
            _shot(page, "/alamat-yang-tidak-ada", url, "not-found", size, made, out)
        # a province east of the WIB line: on a desktop its time in WITA, on a phone its kab/kota
        # table scrolled sideways, the names column in view
        _shot(page, f"/wilayah/ppwp/{EAST}", url, "region", size, made, out)
        if size != "desktop":
            page.evaluate("document.getElementById('children-heading').scrollIntoView()")
            page.locator("div.scroll.sticky").evaluate("box => { box.scrollLeft = 160; }")
            page.screenshot(path=str(made[-1]))
        context.close()
    return made


def main() -> None:

    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshots import photograph_in_chromium, scratch_deployment, serve, with_photos

    work = scratch_deployment("suara-portal-screens-")
    suara = str(Path(sys.executable).parent / "suara")
    subprocess.run([suara, "synth", "--contests", "ppwp", "--out", str(work / "forms.jsonl"), "--provinces",
                    f"31,{EAST}", "--error-rate", "0.01"], check=True)
    leave_out(work / "forms.jsonl")
    subprocess.run([suara, "ingest", str(work / "forms.jsonl")], check=True)
    subprocess.run([suara, "tally"], check=True)
    server, url = serve()
    with_photos(url)
    correct(os.environ["SUARA_DATABASE_URL"])
    time.sleep(1.5)  # the server folds the new versions and refreshes its documents
    photograph_in_chromium(photograph, url, server)


if __name__ == "__main__":
    main()
