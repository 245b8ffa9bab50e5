"""GET /api/v1/anomalies/{contest}/{kode}: the anomaly screens of a region. Public, read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from suara.api.access import PUBLIC, access
from suara.api.public import CONTEST, KODE
from suara.api.responses import serve
from suara.publish.anomalies import MAX_PER_PAGE, anomalies, document_key
from suara.publish.publisher import Publisher
from suara.services.anomalies import AnomalyScreens

router = APIRouter(prefix="/api/v1", tags=["public"])
SCREEN_ID = r"^A[1-6]$"


@router.get("/anomalies/{contest}/{kode}", openapi_extra=access(PUBLIC),
            summary="Anomaly screens of a region: every TPS a screen queues (paginated, with all its screens and "
                    "statistics), the region screens (digit tests, fingerprint), the thresholds in force, and a "
                    "monitor's view of the totals without the queued TPS (not the official result)")
def region_anomalies(request: Request, contest: Annotated[str, CONTEST], kode: Annotated[str, KODE],
                     page: Annotated[int, Query(ge=1, le=100_000, description="page of the TPS queue")] = 1,
                     per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="TPS per page")] = 100,
                     screen: Annotated[str | None, Query(pattern=SCREEN_ID,
                                                        description="only this screen's queue: A1..A6")] = None,
                     ) -> Response:
    publisher: Publisher = request.app.state.publisher
    screens: AnomalyScreens = request.app.state.anomalies
    builder = anomalies(publisher.reference, screens, contest, kode, page, per_page, screen)
    key = document_key(contest, kode, page, per_page, screen)
    if "?" in key:  # a page or a filter: built for this request only, so no crawler fills the memory with them
        return serve(request, publisher.uncached(builder))
    return serve(request, publisher.document(key, builder))
