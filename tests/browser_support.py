"""Debian's Chromium for the browser tests: one Playwright and one browser for the whole session
(two sync Playwright instances cannot run in one process)."""

from __future__ import annotations

import os
import shutil

from debian import apt_install

CHROMIUM = os.environ.get("SUARA_CHROMIUM", "/usr/bin/chromium")
# As root, in a machine without network: no sandbox, and nothing that calls home.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
NARROW_PHONE = {"width": 360, "height": 740}  # the narrowest phone every screen must fit
DESKTOP = {"width": 1280, "height": 900}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE, "narrow": NARROW_PHONE}
# Nothing on the page is wider than the window: wide tables scroll inside their own boxes.
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def chromium_path() -> str:
    if not shutil.which(CHROMIUM):
        apt_install("chromium", f"{CHROMIUM} not found")
    return CHROMIUM
