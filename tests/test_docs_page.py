"""The API documentation page, /docs, in Debian's headless Chromium: Swagger UI served from this
server renders every operation under the app's own strict Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from browser_support import DESKTOP
from playwright.sync_api import Browser, ConsoleMessage, Page, expect


@pytest.fixture
def page_and_console(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(viewport=DESKTOP, locale="id-ID")
    opened = context.new_page()
    console: list[str] = []
    opened.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))

    def record(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            console.append(f"{message.type}: {message.text}")

    opened.on("console", record)
    yield opened, console
    context.close()


def test_docs_page_renders_the_operations_without_csp_violations(
        page_and_console: tuple[Page, list[str]], live_server: str) -> None:
    page, console = page_and_console
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server + "/docs")
    # an operation of each part of the API, by its summary
    expect(page.get_by_text("Log in; returns a device token")).to_be_visible()
    expect(page.get_by_text("Contests and their candidate pairs")).to_be_visible()
    expect(page.locator(".opblock")).to_have_count(len(_operations(live_server)))
    # expanding an operation shows its documented refusals, in the one error shape
    page.locator(".opblock-summary", has_text="/api/v1/submissions").click()
    expect(page.locator(".responses-table").get_by_text("409", exact=True)).to_be_visible()
    assert all(url.startswith(live_server) for url in requested), [u for u in requested if not
                                                                   u.startswith(live_server)]
    assert console == [], f"the docs page reported: {console}"


def test_docs_page_keeps_the_strict_policy(live_server: str) -> None:
    response = httpx.get(live_server + "/docs")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy and "cdn" not in response.text.lower()


def _operations(server: str) -> list[tuple[str, str]]:
    paths = httpx.get(server + "/openapi.json").json()["paths"]
    return [(method, path) for path, operations in paths.items() for method in operations]
