"""The API description as the app really answers: every status an operation can return, every
request body (multipart and form posts included) and the true media types.

FastAPI can only see what a route's signature declares: a route that reads `request.form()` or
answers with a plain `Response` shows up with a blank body and "200, 422". The table below says,
per operation, what it answers; `install` patches FastAPI's generated document with it, and the
app refuses to start if an operation is missing from the table: a new route cannot go
undescribed. tests/test_schemathesis.py holds the app to the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import iter_route_contexts
from starlette.routing import Match, Mount, compile_path
from starlette.types import Scope

from suara.services.photos import PAGE_FIELDS

JSON = "application/json"
HTML = "text/html"
CSV = "text/csv"
IMAGES = ("image/jpeg", "image/png", "image/webp")
NO_BODY = ""
FORM_POSTS = ("application/x-www-form-urlencoded", "multipart/form-data")

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "details"], "additionalProperties": False,
        "properties": {"code": {"type": "string", "description": "machine-readable reason, e.g. unknown_tps"},
                       "message": {"type": "string", "description": "what went wrong, in Indonesian"},
                       "details": {"description": "more about the refusal (failing fields or rules), or null"}}}},
}
COUNT = {"type": "integer", "minimum": 0}
FORM_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "description": "One C Hasil form (shared/spec/form-json.md). A well-formed form can still be refused "
                   "by the election's rules (422 with the failing rules).",
    "required": ["tps", "contest", "suara", "suara_sah", "suara_tidak_sah", "suara_total"],
    "properties": {
        "tps": {"type": "string", "pattern": r"^\d{13}$"},
        "contest": {"type": "string", "pattern": r"^[a-z0-9-]{1,32}$"},
        "suara": {"type": "object", "description": "valid votes keyed by nomor urut",
                  "propertyNames": {"pattern": r"^\d{1,2}$"}, "additionalProperties": COUNT},
        "suara_sah": COUNT, "suara_tidak_sah": COUNT, "suara_total": COUNT,
        "administrasi": {"type": "object", "additionalProperties": COUNT},
    },
}

STATUS_TEXT = {
    200: "OK", 201: "Created", 204: "Done; no content",
    303: "See Other: the browser is sent on (Location header)",
    304: "Not Modified: the reader's copy (If-None-Match) is current",
    400: "Malformed request body (a truncated or broken multipart or form post)",
    401: "No valid token or session, or wrong credentials",
    403: "Authenticated but not allowed here (role or region scope), or a missing CSRF token",
    404: "No such region, TPS, contest, document, correction, complaint or account",
    409: "Conflicts with the current state (idempotency key reused, already decided, ...)",
    413: "Request body over this route's size limit",
    422: "Well-formed request refused: invalid parameters or fields, or the form broke the election's rules",
    429: "Rate limited; retry after Retry-After seconds",
    503: "Overloaded or the database is unavailable; retry after Retry-After seconds",
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying",
                               "schema": {"type": "integer", "minimum": 0}}}
LOCATION = {"Location": {"description": "where to go next", "schema": {"type": "string"}}}


@dataclass(frozen=True)
class Operation:
    """What one operation answers besides the refusals every operation can give (EVERYWHERE,
    WRITES): status -> media types of the body (NO_BODY for none), and the body it takes."""

    answers: Mapping[int, tuple[str, ...]]
    body: dict[str, Any] | None = None
    errors_as: str = JSON  # the media type of its refusals: the portal answers with pages
    # what a handler checks itself, added to a parameter's description (its schema is merged)
    parameters: Mapping[str, dict[str, Any]] = field(default_factory=dict)


# Any request: a bad Content-Length or broken body (400), a body over the route's cap (413),
# overload or a database outage (503). Any write also spends the address's budget first (429).
EVERYWHERE = (400, 413, 503)
WRITES = (429,)
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


def _answers(ok: Mapping[int, str | tuple[str, ...]], errors: tuple[int, ...], error_type: str = JSON,
             **special: str | tuple[str, ...]) -> dict[int, tuple[str, ...]]:
    """Success answers as given, each error in `error_type` unless `special` says otherwise
    (keys like s422="text/html")."""
    table = {status: (kind,) if isinstance(kind, str) else kind for status, kind in ok.items()}
    for status in errors:
        kind = special.get(f"s{status}", error_type)
        table[status] = (kind,) if isinstance(kind, str) else kind
    return table


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": schema}}}


def _form_post(properties: dict[str, Any], required: list[str], extras: bool = False,
               kinds: tuple[str, ...] = FORM_POSTS, patterns: dict[str, Any] | None = None) -> dict[str, Any]:
    """A browser's form post. The screens take only their own fields (a few too many is a 400)."""
    schema = {"type": "object", "properties": properties, "required": required, "additionalProperties": extras}
    if patterns:
        schema["patternProperties"] = patterns
    return {"required": True, "content": {kind: {"schema": schema} for kind in kinds}}


TEXT = {"type": "string"}
PHOTO = {"type": "string", "format": "binary", "description": "a photo of a form page: JPEG, PNG or WebP"}
PHOTO_ENCODING = {"contentType": ", ".join(IMAGES)}
SUBMISSION_BODY = {"required": True, "content": {
    JSON: {"schema": {"$ref": "#/components/schemas/CHasilForm"}},
    "multipart/form-data": {
        "schema": {"type": "object", "required": ["form"], "additionalProperties": False,
                   "properties": {"form": {"type": "string", "description": "the form as JSON text (CHasilForm)"},
                                  "reading": {"type": "string", "description": (
                                      "optional, JSON text: the numbers the device pre-filled from a reading of "
                                      "these photos (POST /api/v1/read-form) and what the officer did with each, "
                                      '{"numbers": {"suara.1": "machine_read" | "confirmed" | "changed"}}; kept '
                                      "with the version")},
                                  **{field: PHOTO for field in PAGE_FIELDS}}},
        "encoding": {"form": {"contentType": JSON}, "reading": {"contentType": JSON},
                     **{field: PHOTO_ENCODING for field in PAGE_FIELDS}}}}}
READ_FORM_BODY = {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "additionalProperties": False, "minProperties": 1,
               "properties": {field: PHOTO for field in PAGE_FIELDS}},
    "encoding": {field: PHOTO_ENCODING for field in PAGE_FIELDS}}}}
RECAP_RECORD: dict[str, Any] = {
    "type": "object", "required": ["rows"], "additionalProperties": False,
    "description": "One tier's D Hasil (docs/rekapitulasi.md): a row per child region (or station, for a PPLN).",
    "properties": {
        "tingkat": {"type": "string", "enum": ["kecamatan", "kabkota", "provinsi", "nasional", "ppln"]},
        "rows": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["suara_sah", "suara_tidak_sah", "pengguna_total_j"],
            "additionalProperties": False,
            "properties": {"suara": {"type": "object", "additionalProperties": COUNT},
                           "partai": {"type": "object", "additionalProperties": {
                               "type": "object", "required": ["suara_partai", "jumlah"], "additionalProperties": False,
                               "properties": {"suara_partai": COUNT, "jumlah": COUNT,
                                              "caleg": {"type": "object", "additionalProperties": COUNT}}}},
                           "suara_sah": COUNT, "suara_tidak_sah": COUNT, "pengguna_total_j": COUNT}}}},
}
RECAP_BODY = {"required": True, "content": {
    JSON: {"schema": RECAP_RECORD},
    "multipart/form-data": {
        "schema": {"type": "object", "required": ["record"], "additionalProperties": False,
                   "properties": {"record": {"type": "string", "description": "the D Hasil as JSON text"},
                                  "minutes": {**PHOTO, "description": "a photo of the plenary's minutes"}}},
        "encoding": {"record": {"contentType": JSON}, "minutes": PHOTO_ENCODING}}}}
ENTRY_FIELDS = {"csrf": TEXT, "contest": TEXT, "tps": TEXT, "key": TEXT, "dapil": TEXT, "reading": TEXT, "suara_sah": TEXT,
                "suara_tidak_sah": TEXT, "suara_total": TEXT, "suara_1": TEXT, "suara_2": TEXT, "suara_3": TEXT}
# the entry screen's numbered boxes: per candidate, and on a party-list ballot per party and candidate
ENTRY_BOXES = {r"^(suara|suara_partai|jumlah)_[0-9]{1,4}$": TEXT, r"^caleg_[0-9]{1,4}_[0-9]{1,4}$": TEXT}

# The search page takes 2 to 64 characters once stripped of white space. Python's white space is
# spelled out: a schema's \s is JavaScript's, which differs (\x1c-\x1f, \x85).
SPACES = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
TYPED_QUERY = rf"^[{SPACES}]*[^{SPACES}][\s\S]{{0,62}}[^{SPACES}][{SPACES}]*$"
DOCUMENT = _answers({200: JSON, 304: NO_BODY}, (404, 422))
CSV_DOCUMENT = _answers({200: CSV, 304: NO_BODY}, (404, 422))
PAGE = _answers({200: HTML, 304: NO_BODY}, (404, 422), HTML)
# behind a bearer token: no token or a bad one is a 401, then the account's own rate limit
BEARER = (401, 429)

OPERATIONS: dict[tuple[str, str], Operation] = {
    # --- public read API -----------------------------------------------------------------------
    ("get", "/api/v1/contests"): Operation(_answers({200: JSON, 304: NO_BODY}, ())),
    ("get", "/api/v1/regions/{kode}"): Operation(DOCUMENT),
    ("get", "/api/v1/search"): Operation(_answers({200: JSON, 304: NO_BODY}, (422, 429))),
    ("get", "/api/v1/results/{contest}/{kode}"): Operation(DOCUMENT),
    ("get", "/api/v1/anomalies/{contest}/{kode}"): Operation(DOCUMENT),
    ("get", "/api/v1/tps/{contest}/{tps}"): Operation(DOCUMENT),
    ("get", "/api/v1/dapil/{contest}"): Operation(DOCUMENT),
    ("get", "/api/v1/dapil/{contest}/{kode_dapil}"): Operation(DOCUMENT),
    ("get", "/api/v1/seats/{contest}"): Operation(DOCUMENT),
    ("get", "/api/v1/downloads/{contest}/{kode}/tps.csv"): Operation(CSV_DOCUMENT),
    ("get", "/api/v1/downloads/{contest}/{kode}/children.csv"): Operation(CSV_DOCUMENT),
    ("get", "/api/v1/downloads/{contest}/{kode}/nist.json"): Operation(DOCUMENT),
    ("get", "/api/v1/photos/{digest}"): Operation(_answers({200: IMAGES}, (404, 422))),
    ("get", "/sirekap/formc/{image}"): Operation(_answers({200: IMAGES}, (404, 422))),
    ("get", "/sirekap/{path}"): Operation(DOCUMENT),
    ("get", "/api/v1/chain/head"): Operation(_answers({200: JSON}, ())),
    ("get", "/api/v1/chain/events"): Operation(_answers({200: JSON}, (422,))),
    # --- operators ----------------------------------------------------------------------------
    ("post", "/api/v1/auth/token"): Operation(_answers({201: JSON}, (401, 422))),
    ("post", "/api/v1/auth/token/rotate"): Operation(_answers({201: JSON}, BEARER)),
    ("delete", "/api/v1/auth/token"): Operation(_answers({204: NO_BODY}, BEARER)),
    ("post", "/api/v1/submissions"): Operation(
        _answers({200: JSON, 201: JSON}, (*BEARER, 403, 404, 409, 422)), SUBMISSION_BODY),
    ("post", "/api/v1/read-form"): Operation(_answers({200: JSON}, (*BEARER, 403, 404, 422)), READ_FORM_BODY),
    ("post", "/api/v1/corrections"): Operation(_answers({201: JSON}, (*BEARER, 403, 404, 409, 422))),
    ("get", "/api/v1/corrections"): Operation(_answers({200: JSON}, (*BEARER, 403, 422))),
    ("post", "/api/v1/corrections/{correction_id}/decision"): Operation(
        _answers({200: JSON}, (*BEARER, 403, 404, 409, 422))),
    ("post", "/api/v1/complaints"): Operation(_answers({201: JSON}, (404, 422))),
    ("get", "/api/v1/complaints/{number}"): Operation(_answers({200: JSON}, (404, 422))),
    ("get", "/api/v1/complaints"): Operation(_answers({200: JSON}, (*BEARER, 403, 422))),
    ("post", "/api/v1/complaints/{number}/status"): Operation(
        _answers({200: JSON}, (*BEARER, 403, 404, 409, 422))),
    ("post", "/api/v1/accounts"): Operation(_answers({201: JSON}, (*BEARER, 403, 409, 422))),
    ("delete", "/api/v1/accounts/{username}"): Operation(_answers({204: NO_BODY}, (*BEARER, 403, 404, 422))),
    # --- the recapitulation (D Hasil) -----------------------------------------------------------
    ("get", "/api/v1/recap/{contest}/{kode}"): Operation(DOCUMENT),
    ("get", "/api/v1/discrepancies/{contest}/{kode}"): Operation(DOCUMENT),
    ("get", "/api/v1/discrepancies/{contest}/{kode}.csv"): Operation(_answers({200: CSV}, (404, 422))),
    ("post", "/api/v1/recap/{contest}/{kode}"): Operation(
        _answers({201: JSON}, (*BEARER, 403, 404, 409, 422)), RECAP_BODY),
    ("post", "/api/v1/recap/{contest}/{kode}/lock"): Operation(_answers({200: JSON}, (*BEARER, 403, 404, 409, 422))),
    ("post", "/api/v1/recap/{contest}/{kode}/reopen"): Operation(
        _answers({200: JSON}, (*BEARER, 403, 404, 409, 422))),
    # --- the public portal (HTML pages; refusals are pages too) ---------------------------------
    ("get", "/"): Operation(_answers({303: NO_BODY}, ()), errors_as=HTML),
    ("get", "/wilayah/{contest}/{kode}"): Operation(PAGE, errors_as=HTML),
    ("get", "/tps/{contest}/{tps}"): Operation(PAGE, errors_as=HTML),
    ("get", "/dapil/{contest}/{kode_dapil}"): Operation(PAGE, errors_as=HTML),
    ("get", "/anomali/{contest}/{kode}"): Operation(PAGE, errors_as=HTML),
    ("post", "/tps/{contest}/{tps}/pengaduan"): Operation(
        _answers({303: NO_BODY}, (403, 404, 422), HTML),
        _form_post({"uraian": {"type": "string", "minLength": 10, "maxLength": 2000}}, ["uraian"], extras=True), HTML),
    ("get", "/pengaduan"): Operation(_answers({200: HTML, 303: NO_BODY, 304: NO_BODY}, (422,), HTML), errors_as=HTML),
    ("get", "/pengaduan/{number}"): Operation(_answers({200: HTML, 304: NO_BODY}, (404, 422), HTML), errors_as=HTML),
    ("get", "/cari"): Operation(_answers({200: HTML, 304: NO_BODY}, (422, 429), HTML), errors_as=HTML,
                                parameters={"q": {"required": True, "schema": {"pattern": TYPED_QUERY}}}),
    # --- the officials' and KPPS screens (HTML; refusals outside a page are JSON) --------------
    ("get", "/ui"): Operation(_answers({200: HTML, 303: NO_BODY}, ())),
    ("get", "/ui/login"): Operation(_answers({200: HTML}, ())),
    ("post", "/ui/login"): Operation(
        _answers({303: NO_BODY}, (401, 403, 422, 429), s401=HTML),
        _form_post({"csrf": TEXT, "username": TEXT, "password": TEXT}, ["csrf", "username", "password"])),
    ("post", "/ui/logout"): Operation(_answers({303: NO_BODY}, (403, 422)), _form_post({"csrf": TEXT}, ["csrf"])),
    ("get", "/ui/entry"): Operation(_answers({200: HTML, 303: NO_BODY}, (403, 404, 422))),
    ("post", "/ui/check"): Operation(
        _answers({200: JSON}, (401, 403, 422)),
        _json_body({"type": "object", "required": ["contest", "tps", "fields"],
                    "properties": {"contest": TEXT, "tps": TEXT,
                                   "fields": {"type": "object", "additionalProperties": TEXT}}})),
    ("post", "/ui/read"): Operation(_answers({200: JSON}, (401, 403, 404, 422)), READ_FORM_BODY),
    ("post", "/ui/submit"): Operation(
        _answers({200: HTML, 303: NO_BODY}, (403, 409, 422), s409=HTML, s422=(HTML, JSON)),
        _form_post({**ENTRY_FIELDS, **{field: PHOTO for field in PAGE_FIELDS}}, ["csrf"],
                   kinds=("multipart/form-data",), patterns=ENTRY_BOXES)),
    ("get", "/ui/correct"): Operation(_answers({200: HTML}, (401, 403, 404, 422))),
    ("post", "/ui/corrections"): Operation(_answers({200: HTML}, (401, 403, 404, 409, 422)),
                                           _form_post({**ENTRY_FIELDS, "reason": TEXT}, ["csrf"],
                                                      patterns=ENTRY_BOXES)),
    ("get", "/ui/corrections"): Operation(_answers({200: HTML, 303: NO_BODY}, (403,))),
    ("get", "/ui/corrections/{correction_id}"): Operation(_answers({200: HTML, 303: NO_BODY}, (403, 404, 422))),
    ("post", "/ui/corrections/{correction_id}/decision"): Operation(
        _answers({200: HTML}, (401, 403, 404, 409, 422)),
        _form_post({"csrf": TEXT, "approve": {"type": "string", "enum": ["0", "1"]}, "reason": TEXT}, ["csrf"])),
    ("get", "/ui/complaints"): Operation(_answers({200: HTML, 303: NO_BODY}, (403,))),
    ("post", "/ui/complaints/{number}/status"): Operation(
        _answers({200: HTML}, (401, 403, 404, 409, 422)),
        _form_post({"csrf": TEXT, "status": TEXT, "reason": TEXT, "correction_id": TEXT}, ["csrf"])),
}


def _response(status: int, kinds: tuple[str, ...], success: dict[str, Any] | None, retry_after: bool) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": STATUS_TEXT[status]}
    if status >= 400:
        schemas = {JSON: {"$ref": "#/components/schemas/Error"}, HTML: {"type": "string"}}
    else:
        generated = (success or {}).get("content", {}).get(JSON, {}).get("schema", {})
        schemas = {JSON: generated, HTML: {"type": "string"}, CSV: {"type": "string"}}
    media = [kind for kind in kinds if kind != NO_BODY]
    if media:
        answer["content"] = {kind: {"schema": schemas.get(kind, {"type": "string", "format": "binary"})}
                             for kind in media}
    if status in (429, 503):  # a JSON 429 always says when; a portal page need not
        required = retry_after and status == 429
        answer["headers"] = {name: {**spec, "required": required} for name, spec in RETRY_AFTER.items()}
    if status in (301, 302, 303, 307, 308):
        answer["headers"] = {name: {**spec, "required": True} for name, spec in LOCATION.items()}
    return answer


def describe(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, patched with what each operation truly answers and takes."""
    document = get_openapi(title=app.title, version=app.version, openapi_version=app.openapi_version,
                           description=app.description, routes=app.routes)
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            spec = OPERATIONS.get((method, path))
            if spec is None:
                missing.append(f"{method.upper()} {path}")
                continue
            generated = operation.get("responses", {})
            success = next((generated[code] for code in ("200", "201") if code in generated), None)
            common = EVERYWHERE + (WRITES if method in WRITE_METHODS else ())
            answers = {**{status: (spec.errors_as,) for status in common}, **spec.answers}
            operation["responses"] = {
                str(status): _response(status, kinds, success, retry_after=spec.errors_as == JSON)
                for status, kinds in sorted(answers.items())}
            for parameter in operation.get("parameters", []):
                checked = spec.parameters.get(parameter["name"], {})
                parameter.update({**checked, "schema": {**parameter["schema"], **checked.get("schema", {})}})
            if spec.body is not None:
                operation["requestBody"] = spec.body
            elif "requestBody" in operation:  # a validated model: its schema stays, refusals are 422/413
                operation["requestBody"]["required"] = True
    if missing:
        raise RuntimeError(f"operations missing from suara.api.openapi.OPERATIONS: {', '.join(missing)}")
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Error"] = ERROR_SCHEMA
    schemas["CHasilForm"] = FORM_SCHEMA
    return document


def install(app: FastAPI) -> None:
    """Serve the patched description at /openapi.json. Built now, so that an app with an
    operation missing from OPERATIONS refuses to start (as one without an access rule does)."""
    app.openapi_schema = describe(app)

    def openapi() -> dict[str, Any]:
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route accepts at this request's path, for the Allow header of a 405.

    Starlette's own 405 names only the first route that matched the path, though several routes
    may share it (GET and POST /api/v1/complaints), and FastAPI's error handler drops it anyway."""
    methods: set[str] = set()
    path = scope["path"]
    outer = {"type": "http", "path": path, "root_path": "", "method": scope["method"]}  # as seen before any Mount
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):  # static files: reads only
            if route.matches(outer)[0] is not Match.NONE:
                methods |= {"GET", "HEAD"}
            continue
        accepted = getattr(route, "methods", None)
        if accepted and context.path and compile_path(context.path)[0].match(path):
            methods |= set(accepted)
    return sorted(methods)
