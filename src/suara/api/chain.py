"""/api/v1/chain: the audit chain, for witnesses and mirrors. Public and read-only.

`head` is what a witness records over time (`suara witness`); `events` lets anyone download the
chain and check it link by link (`suara verify-chain`). Events of the public record come whole;
the others (accounts, tokens) come as their link only, which is enough to check the chain
(see domain/audit.py for why the chain links a digest of each event's body).
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response

from suara.api.access import PUBLIC, access
from suara.domain.audit import published_event
from suara.store import audit

router = APIRouter(prefix="/api/v1/chain", tags=["chain"])
MAX_EVENTS = 1000
MAX_SEQ = 2**62  # beyond any chain; larger numbers are refused (422), never passed to the database


def _json(value: object, head: tuple[int, str], cache_control: str) -> Response:
    return Response(orjson.dumps(value), media_type="application/json",
                    headers={"Cache-Control": cache_control, "X-Suara-Chain-Head": f"{head[0]}:{head[1]}"})


@router.get("/head", openapi_extra=access(PUBLIC), summary="The end of the audit chain: sequence number and hash")
def head(request: Request) -> Response:
    with request.app.state.publisher.public_engine.connect() as conn:
        seq, digest = audit.head(conn)
    return _json({"seq": seq, "hash": digest}, (seq, digest), "no-cache")


@router.get("/events", openapi_extra=access(PUBLIC),
            summary="Audit events after a sequence number, in chain order (public bodies whole, others as links)")
def events(request: Request,
           after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="last seq already read (0 from the start)")] = 0,
           limit: Annotated[int, Query(ge=1, le=MAX_EVENTS, description="events per page")] = 500) -> Response:
    with request.app.state.publisher.public_engine.connect() as conn:
        rows = audit.events_after(conn, after, limit)
        seq, digest = audit.head(conn)  # same read transaction: the page never runs past this head
    page = [published_event(*row) for row in rows]
    more = bool(page) and page[-1]["seq"] < seq
    # a page that is full and behind the head never changes: cache it; the last one changes
    cache = "public, max-age=3600" if more and len(page) == limit else "no-cache"
    return _json({"events": page, "head": {"seq": seq, "hash": digest},
                  "next_after": page[-1]["seq"] if more else None}, (seq, digest), cache)
