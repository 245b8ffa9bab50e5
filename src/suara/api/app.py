"""The FastAPI application: public reads, with the publisher kept fresh in the background."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from suara import __version__
from suara.api import (
    anomalies,
    chain,
    docs,
    health,
    operator,
    public,
    reading,
    recap,
    receipts,
    sirekap,
)
from suara.api.access import check_declared
from suara.api.admission import (
    OUTAGE_RETRY_SECONDS,
    UNAVAILABLE,
    ASGIApp,
    Receive,
    Scope,
    Send,
    WriteAdmission,
    database_unavailable,
)
from suara.api.body_limits import BodyCaps, BodyLimits
from suara.api.fast_path import RenderedDocuments, SecurityHeaders
from suara.api.limits import LoginThrottle, RateLimiter
from suara.api.metrics import LiveState, Metrics
from suara.api.observe import Observed, Observer, access_log_choice
from suara.api.openapi import allowed_methods
from suara.api.openapi import install as install_openapi
from suara.api.readiness import ReadinessLimits
from suara.api.reading_gate import ReadingGate, readings_at_once
from suara.api.responses import error
from suara.api.shutdown import STOP_JOIN_SECONDS, exit_on_sigterm
from suara.api.token_cache import TokenCache, ttl_from_env
from suara.blobs import blob_store_from_settings
from suara.config import Settings
from suara.publish.publisher import Publisher
from suara.publish.routes import NotFound
from suara.services.anomalies import AnomalyScreens
from suara.services.errors import ServiceError
from suara.services.group_commit import GroupCommitter
from suara.store.engine import make_engine
from suara.store.reference import load_reference
from suara.tally.fold import fold_all, pending
from suara.web import anomaly_page, kpps_app, portal, recap_pages, recap_screens, receipt_page
from suara.web import routes as web_routes
from suara.web.page_cache import PageCache

log = logging.getLogger("suara.api")
# how often a process looks whether the tally moved (one read of one row when it did not): a
# tally point reaches the public this much later at most
REFRESH_SECONDS = 0.1


class SuaraApp(FastAPI):
    """FastAPI with the fast path (api/fast_path.py) in front of the layers Starlette itself puts
    around every middleware (its error page, FastAPI's telemetry and body-limit layers): profiled
    under wrk, their send wrappers cost a rendered document more than the fast path's own work."""

    fast_path: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self.fast_path or self.routed)(scope, receive, send)

    async def routed(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Everything the fast path does not answer: Starlette's stack, our middleware, the routes."""
        await super().__call__(scope, receive, send)


def _background(publisher: Publisher, writer: Engine, stop: threading.Event, fold: bool = True,
                caught_up: Callable[[], None] = lambda: None) -> None:
    """The tally worker and the publisher's refresher: fold new versions, then drop stale documents.

    Every API process runs one; folds are serialised by the tally's own lock and each version is
    folded exactly once whichever process gets to it. With SUARA_SERVE_TALLY=0 the API processes
    only refresh, and a `suara tally --watch` process of its own does the folding.
    """
    while not stop.wait(REFRESH_SECONDS):
        try:
            if fold:
                with publisher.engine.connect() as conn:
                    # a read on the primary (a replica's view lags): take the write lock only when there is work
                    waiting = pending(conn)
                if waiting:
                    fold_all(writer)
            publisher.refresh()
            caught_up()  # the documents show the tally as it was at the start of this refresh
        except Exception:  # a failed round must not stop the next one
            log.exception("tally or refresh failed")


def create_app(database_url: str | None = None, replica_url: str | None = None) -> FastAPI:
    """The app on database_url (the primary; default SUARA_DATABASE_URL) and, if given, a streaming
    replica of it that public documents and pages are read from (default SUARA_REPLICA_URL, taken
    only with the primary from the environment too)."""
    at_start = Settings.from_env()  # bad settings (SUARA_ANOMALY_THRESHOLDS) refuse to build the app
    url = database_url or at_start.database_url
    readiness = ReadinessLimits.from_env()  # bad limits refuse to build the app too
    metrics = Metrics()
    replica_url = replica_url or (at_start.replica_url if database_url is None else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(url, read_only=True)
        with exit_on_sigterm(), engine.connect() as conn:  # loading a nation takes seconds: stay stoppable
            reference = load_reference(conn)
        gc.collect()
        gc.freeze()  # the region tree lives as long as the process; keep the collector off it
        # the primary's reader stays publisher.engine, for what must see this deployment's own writes
        replica = make_engine(replica_url, read_only=True) if replica_url else None
        app.state.publisher = Publisher(engine, reference, replica)
        app.state.reference = reference
        app.state.pages = PageCache()
        app.state.writer = writer = make_engine(url)
        settings = Settings.from_env()
        app.state.policy = settings.policy
        app.state.resend_grace = settings.resend_grace_seconds
        app.state.public_base_url = settings.public_base_url  # in every receipt's link
        # submissions arriving together are stored in one transaction (services/group_commit.py)
        app.state.committer = committer = GroupCommitter(writer, reference, settings.group_commit_max_batch,
                                                         settings.group_commit_wait_ms / 1000,
                                                         on_answers=metrics.batch_stored)
        # a scrape reads the tally's lag on the primary, the replica's own lag on the replica
        metrics.live = LiveState(engine, lambda: app.state.publisher.tally_seq, lambda: replica, readiness)
        app.state.anomalies = AnomalyScreens(settings.anomaly_thresholds)
        app.state.blobs = blob_store_from_settings(settings.blobs_url)
        app.state.limiter = RateLimiter()
        app.state.reading_gate = ReadingGate(readings_at_once())  # on this loop: its semaphore is the loop's
        app.state.login_throttle = LoginThrottle()
        stop = threading.Event()

        def round_done() -> None:
            metrics.publisher_caught_up()
            metrics.flush_requests()  # an idle worker's last requests reach the shared files too

        thread = threading.Thread(target=_background, args=(app.state.publisher, writer, stop, settings.serve_tally,
                                                            round_done), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            committer.stop(STOP_JOIN_SECONDS)  # what is queued is stored and answered first
            thread.join(timeout=STOP_JOIN_SECONDS)  # a round stuck on the database is left behind (daemon)
            metrics.flush_requests()  # this process's last requests, counted in memory until now
            engine.dispose()
            if replica is not None:
                replica.dispose()
            app.state.writer.dispose()

    # docs_url=None: FastAPI's page loads Swagger UI from a CDN, which the CSP blocks; see api/docs.py
    app = SuaraApp(title="Suara", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Preliminary publication of the C Hasil forms (not the official result, "
                              "which comes from the tiered recapitulation). Read-only and public.")
    app.include_router(public.router)
    app.include_router(anomalies.router)
    app.include_router(chain.router)
    app.include_router(sirekap.router)
    app.include_router(operator.router)
    app.include_router(reading.router)
    app.include_router(receipts.router)
    app.include_router(recap.router)
    app.include_router(web_routes.router)
    app.include_router(portal.router)
    app.include_router(anomaly_page.router)
    app.include_router(recap_pages.router)
    app.include_router(recap_screens.router)
    app.include_router(kpps_app.router)
    app.include_router(receipt_page.router)
    app.include_router(docs.router)
    app.include_router(health.router)
    app.state.metrics = metrics
    app.state.readiness = readiness
    app.mount("/static", StaticFiles(directory=str(Path(web_routes.__file__).parent / "static")), name="static")

    def refusal(request: Request, status: int, code: str, message: str, details: object = None) -> Response:
        if portal.is_portal(request.url.path):
            return portal.error_page(request, status, message)
        return error(status, code, message, details)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return refusal(request, 404, exc.code, exc.message)

    @app.exception_handler(ServiceError)
    async def refused(request: Request, exc: ServiceError) -> Response:
        response = refusal(request, exc.status, exc.code, exc.message, exc.details)
        if exc.status in (429, 503) and isinstance(exc.details, dict) and "retry_after" in exc.details:
            response.headers["Retry-After"] = str(int(exc.details["retry_after"]))
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]
        return refusal(request, 422, "invalid_request", "parameter tidak sah", details)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http_error")
        response = refusal(request, exc.status_code, code, str(exc.detail))
        if exc.status_code == 405:  # every method of the path, not only the first route's
            response.headers["Allow"] = ", ".join(allowed_methods(app, request.scope))
        return response

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    async def database_error(request: Request, exc: Exception) -> Response:
        if not database_unavailable(exc):
            return await unexpected(request, exc)
        log.warning("database unavailable on %s: %s", request.url.path, exc)
        response = error(503, "unavailable", UNAVAILABLE, {"retry_after": OUTAGE_RETRY_SECONDS})
        response.headers["Retry-After"] = str(OUTAGE_RETRY_SECONDS)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return error(500, "internal", "kesalahan internal; sudah dicatat")

    app.state.body_caps = BodyCaps()
    app.state.token_cache = TokenCache(ttl_from_env())
    app.add_middleware(BodyLimits, refuse=refusal)  # caps and write budgets before any body is read
    app.add_middleware(SecurityHeaders)
    app.add_middleware(WriteAdmission, on_shed=metrics.writes_shed.inc)  # an overloaded process sheds a write before any work
    observer = Observer(metrics, lambda: app, log_reads=access_log_choice() == "all")
    app.add_middleware(Observed, observer=observer)  # sees every answer the application makes
    # outermost: most reads are a document already rendered, answered before any other layer
    app.fast_path = RenderedDocuments(app.routed, publisher=lambda: getattr(app.state, "publisher", None),
                                      pages=lambda: getattr(app.state, "pages", None), observer=observer)
    check_declared(app)
    install_openapi(app)
    return app
