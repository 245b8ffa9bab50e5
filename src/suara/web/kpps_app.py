"""The KPPS app: an installable, offline-first web app for the officers at the TPS.

The page at /app/ is a shell (no data in it); its script logs in through the API, fetches the
ballots of the officer's own TPS once (`GET /api/v1/kpps/ballots`) and keeps them, the forms as
typed, the photos and the outbox in the device's IndexedDB. The service worker at /app/sw.js
(scope /app/) keeps the shell and its scripts, so the app opens with no network at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from suara.api.access import PUBLIC, access
from suara.api.auth import principal
from suara.api.openapi import BEARER, HTML, JSON, OPERATIONS, Operation, _answers
from suara.domain.access import Role
from suara.domain.contests import Contest
from suara.domain.form import ADMINISTRASI_KEYS
from suara.domain.rule_sums import COVERED, equations
from suara.domain.rules import RULES
from suara.services.errors import ServiceError
from suara.store.reference import Reference
from suara.web import entry as entry_screen
from suara.web.routes import BALLOTS, GROUPS, templates

router = APIRouter(tags=["kpps"])
STATIC = Path(__file__).parent / "static" / "kpps"
JAVASCRIPT = "text/javascript; charset=utf-8"
# JSON: browsers read a manifest by its link, whatever its type, and the API description says JSON
MANIFEST = "application/json"

# The app's routes in the API description (merged into api/openapi.OPERATIONS, which every
# route must be in before the app starts).
OPERATIONS.update({
    ("get", "/app"): Operation(_answers({303: ""}, ())),
    ("get", "/app/"): Operation(_answers({200: HTML}, ())),
    ("get", "/app/sw.js"): Operation(_answers({200: JAVASCRIPT.split(";")[0]}, ())),
    ("get", "/app/manifest.webmanifest"): Operation(_answers({200: MANIFEST}, ())),
    ("get", "/api/v1/kpps/ballots"): Operation(_answers({200: JSON}, (*BEARER, 403, 404))),
})


def _json(value: Any) -> Response:
    return Response(orjson.dumps(value), media_type="application/json", headers={"Cache-Control": "no-store"})


@router.get("/app", openapi_extra=access(PUBLIC), summary="The KPPS app (redirect to /app/)")
def app_root() -> Response:
    return RedirectResponse("/app/", status_code=303)


@router.get("/app/", openapi_extra=access(PUBLIC), summary="The KPPS app's shell (offline first; data via the API)")
def app_shell(request: Request) -> Response:
    response = templates.TemplateResponse(request, "kpps_app.html", {})
    response.headers["Cache-Control"] = "no-cache"  # the service worker keeps a copy for offline use
    return response


@router.get("/app/sw.js", openapi_extra=access(PUBLIC), summary="The KPPS app's service worker (scope /app/)")
def service_worker() -> Response:
    return Response((STATIC / "sw.js").read_bytes(), media_type=JAVASCRIPT,
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/app/"})


@router.get("/app/manifest.webmanifest", openapi_extra=access(PUBLIC), summary="The KPPS app's web app manifest")
def manifest() -> Response:
    return Response(orjson.dumps(MANIFEST_DOC), media_type=MANIFEST, headers={"Cache-Control": "no-cache"})


MANIFEST_DOC = {
    "name": "Suara KPPS", "short_name": "Suara KPPS", "lang": "id",
    "description": "Isi formulir C Hasil di TPS, juga tanpa jaringan; kirim saat jaringan kembali.",
    "start_url": "/app/", "scope": "/app/", "display": "standalone",
    "background_color": "#fafafa", "theme_color": "#7a1f1f",
    "icons": [{"src": "/static/kpps/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
              {"src": "/static/kpps/icon-192.png", "sizes": "192x192", "type": "image/png"},
              {"src": "/static/kpps/icon-512.png", "sizes": "512x512", "type": "image/png"}],
}


@router.get("/api/v1/kpps/ballots", openapi_extra=access("role:KPPS, own TPS"),
            summary="The ballots of the caller's own TPS: every contest's form shape, candidates or party lists, "
                    "and the sum rules the app checks while offline")
def ballots(request: Request) -> Response:
    who = principal(request)
    if who.role is not Role.KPPS:
        raise ServiceError(403, "forbidden", f"{who.actor}: hanya KPPS yang mengisi formulir TPS")
    return _json(ballots_doc(request.app.state.reference, who.scope, who.username))


def ballots_doc(reference: Reference, tps: str, username: str) -> dict[str, Any]:
    """Everything the app needs to fill every form of one TPS with no network."""
    elections = entry_screen.ballots_of(reference, tps)
    if not elections:
        raise ServiceError(404, "unknown_tps", f"TPS {tps} tidak ada dalam pemilihan mana pun")
    contests = [_contest_doc(reference, reference.contest(tab.key), tps, tab)
                for election in elections for tab in election.tabs]
    first = reference.contest(elections[0].tabs[0].key)
    return {
        "tps": tps, "username": username,
        "station": entry_screen.station_label(reference, first, tps), "desa": reference.tree.get(tps[:10]).nama,
        "elections": [{"nama": e.nama, "contests": [t.key for t in e.tabs]} for e in elections],
        "contests": [c for c in contests if c is not None],
        "groups": [{"key": key, "label": label} for key, label in GROUPS],
        "surat_suara": [{"key": key, "label": label} for key, label in BALLOTS],
        "administrasi": list(ADMINISTRASI_KEYS),
        "rules": {rule: {"severity": RULES[rule].severity.value, "judul": RULES[rule].judul} for rule in RULES},
        "offline_rules": list(COVERED),
    }


def _contest_doc(reference: Reference, contest: Contest, tps: str, tab: entry_screen.BallotTab) -> dict[str, Any] | None:
    doc: dict[str, Any] = {"key": contest.key, "nama": contest.nama, "label": tab.label, "kind": contest.kind,
                           "pages": entry_screen.sheet_pages(reference, contest, tps),
                           "party_list": contest.is_party_list}
    if contest.is_party_list:
        shown = entry_screen.party_form(reference, contest, tps)
        if shown is None:  # no dapil of the contest covers the TPS: nothing the officer could file
            return None
        doc["dapil"] = {"kode": shown.dapil, "nama": shown.dapil_nama}
        doc["parties"] = [{"nomor": p.nomor, "nama": p.nama, "warna": p.warna,
                           "caleg": [{"nomor": c.nomor, "nama": c.nama} for c in p.caleg]} for p in shown.parties]
        votes = [f"jumlah_{p.nomor}" for p in shown.parties]
        sums = equations(contest.tps_cap, votes, {p.nomor: [c.nomor for c in p.caleg] for p in shown.parties})
    else:
        doc["candidates"] = [{"nomor": str(c.nomor_urut), "nama": c.nama} for c in contest.candidates]
        sums = equations(contest.tps_cap, [f"suara_{n}" for n in contest.nomor_keys])
    doc["equations"] = [e.as_dict() for e in sums]
    return doc
