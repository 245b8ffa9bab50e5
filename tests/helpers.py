"""Builders shared by the store and service tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, func, select

from suara.store.schema import audit_events, form_versions


def ppwp_form(tps: str = "3171011001001", votes: tuple[int, ...] = (60, 122, 64), tidak_sah: int = 3,
              contest: str = "ppwp", with_adm: bool = True) -> dict[str, Any]:
    """A consistent form (every rule passes) with the given votes."""
    sah = sum(votes)
    total = sah + tidak_sah
    doc: dict[str, Any] = {"tps": tps, "contest": contest,
                           "suara": {str(i + 1): v for i, v in enumerate(votes)},
                           "suara_sah": sah, "suara_tidak_sah": tidak_sah, "suara_total": total}
    if with_adm:
        dpt = max(280, total)
        dpk = 6 if total >= 9 else 0
        used_dpt = total - 3 - dpk
        doc["administrasi"] = {
            "pemilih_dpt_l": dpt // 2, "pemilih_dpt_p": dpt - dpt // 2, "pemilih_dpt_j": dpt,
            "pengguna_dpt_l": used_dpt // 2, "pengguna_dpt_p": used_dpt - used_dpt // 2, "pengguna_dpt_j": used_dpt,
            "pengguna_dptb_l": 2, "pengguna_dptb_p": 1, "pengguna_dptb_j": 3,
            "pengguna_non_dpt_l": dpk, "pengguna_non_dpt_p": 0, "pengguna_non_dpt_j": dpk,
            "pengguna_total_l": used_dpt // 2 + 2 + dpk, "pengguna_total_p": used_dpt - used_dpt // 2 + 1,
            "pengguna_total_j": total,
            "pemilih_disabilitas_j": 1,
            "surat_suara_diterima": dpt + 6, "surat_suara_dikembalikan": 1,
            "surat_suara_tidak_digunakan": dpt + 6 - total - 1, "surat_suara_digunakan": total,
        }
    return doc


def count_rows(engine: Engine, table: Any = form_versions) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def audit_count(engine: Engine) -> int:
    return count_rows(engine, audit_events)


def fields_of(doc: dict[str, Any]) -> dict[str, str]:
    """A form as the fields of the entry screen."""
    fields = {f"suara_{k}": str(v) for k, v in doc["suara"].items()}
    fields.update({k: str(doc[k]) for k in ("suara_sah", "suara_tidak_sah", "suara_total")})
    fields.update({k: str(v) for k, v in doc.get("administrasi", {}).items()})
    return fields


def csrf_of(page: str) -> str:
    """The CSRF token a rendered page carries in its forms."""
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: Any, port: int | None = None) -> Iterator[str]:
    """An ASGI app served by uvicorn in a thread on a loopback port, as a scraper or a browser
    meets it; yields its base URL and stops it afterwards."""
    import threading
    import time

    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def watched_page(browser: Any, **context_options: Any) -> Iterator[Any]:
    """A page in a fresh browser context; a script error or console error on it fails the test."""
    context = browser.new_context(**context_options)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield opened
    context.close()
    assert errors == [], f"the page's script failed: {errors}"


def run_async(coroutine: Any) -> Any:
    """asyncio.run in a thread of its own: once the browser tests' sync Playwright has started,
    the main thread has an event loop of its own and asyncio.run there refuses to start."""
    import asyncio
    import threading

    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # noqa: BLE001 -- re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]
