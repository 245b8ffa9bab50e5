"""/healthz (alive), /readyz (worth sending traffic to) and /metrics (Prometheus).

/healthz never touches the database: a process that answers it is alive, and restarting it
would not bring a lost database back. /readyz asks the database: it is 503 while the database
cannot be read, or while the tally is so far behind that the documents served are badly stale
(api/readiness.py; README, Observability).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Request, Response
from fastapi.concurrency import run_in_threadpool

from suara.api.access import PUBLIC, access
from suara.api.admission import database_unavailable
from suara.api.metrics import CONTENT_TYPE, metrics_token, token_matches
from suara.api.openapi import JSON, OPERATIONS, Operation, _answers
from suara.api.readiness import ReadinessLimits
from suara.api.responses import error
from suara.tally.lag import TallyLag, tally_lag

router = APIRouter(tags=["operations"])

NO_STORE = {"Cache-Control": "no-store"}
READY_RETRY_SECONDS = 5
METRICS_ACCESS = "public; bearer SUARA_METRICS_TOKEN when that is set"

OPERATIONS.update({
    ("get", "/healthz"): Operation(_answers({200: JSON}, ())),
    ("get", "/readyz"): Operation(_answers({200: JSON}, ())),  # its 503 is every operation's
    ("get", "/metrics"): Operation(_answers({200: "text/plain"}, (401,))),
})


@router.get("/healthz", openapi_extra=access(PUBLIC),
            summary="Liveness: the process answers (no database call); the tally point its documents show")
def healthz(request: Request) -> Response:
    seq, moment = request.app.state.publisher.as_of
    return _json({"ok": True, "tally_seq": seq, "time": moment.isoformat()}, 200)


@router.get("/readyz", openapi_extra=access(PUBLIC),
            summary="Readiness: 200 when the database answers and the tally keeps up, else 503 with the reasons")
async def readyz(request: Request) -> Response:
    state = request.app.state
    limits: ReadinessLimits = state.readiness
    try:
        lag = await run_in_threadpool(_read_lag, state.publisher.engine)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        return _not_ready([{"code": "database_unavailable", "message": "basis data tidak dapat dibaca"}], None)
    tally = {"seq": lag.tally_seq, "pending_versions": lag.pending_versions,
             "lag_seconds": round(lag.seconds(), 3)}
    reasons = limits.reasons(lag)
    if reasons:
        return _not_ready(reasons, tally)
    return _json({"ready": True, "tally": tally}, 200)


def _read_lag(engine: Any) -> TallyLag:
    with engine.connect() as conn:
        return tally_lag(conn)


def _not_ready(reasons: list[dict[str, Any]], tally: dict[str, Any] | None) -> Response:
    response = error(503, "not_ready", "server belum siap: " + "; ".join(r["message"] for r in reasons),
                     {"reasons": reasons, "tally": tally, "retry_after": READY_RETRY_SECONDS})
    response.headers.update({**NO_STORE, "Retry-After": str(READY_RETRY_SECONDS)})
    return response


@router.get("/metrics", openapi_extra=access(METRICS_ACCESS),
            summary="Prometheus metrics (text format 0.0.4) of every worker of this server")
async def metrics(request: Request, authorization: Annotated[str | None, Header()] = None) -> Response:
    expected = metrics_token()
    if expected is not None and not token_matches(expected, authorization):
        response = error(401, "unauthorized", "token metrik tidak sah (Authorization: Bearer SUARA_METRICS_TOKEN)")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    body = await run_in_threadpool(request.app.state.metrics.exposition)
    return Response(body, media_type=CONTENT_TYPE, headers=NO_STORE)


def _json(value: Any, status: int) -> Response:
    return Response(orjson.dumps(value), status, media_type="application/json", headers=NO_STORE)
