"""Logging for `suara serve`: one JSON object per line (or plain text), each carrying the id of
the request it belongs to.

The request id lives in a context variable set by the request middleware (api/observe.py);
Starlette copies the context into the thread pool, so a log line written by a route's worker
thread, or by the error handler, names the same request as its access line.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
from collections import deque
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

request_id: ContextVar[str | None] = ContextVar("suara_request_id", default=None)

FORMATS = ("json", "text")
FORMAT_ENV = "SUARA_LOG_FORMAT"
LEVEL_ENV = "SUARA_LOG_LEVEL"
# LogRecord's own attributes: whatever else a record carries came from `extra=` and is a field
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "logger", "msg", "request_id", ...fields, "exc"}: a record's fields are its
    `fields` dict when it has one (the access line: no scan), else whatever `extra=` added."""

    _second = -1
    _stamp = ""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"ts": self._timestamp(record.created), "level": record.levelname.lower(),
                                "logger": record.name, "msg": record.getMessage()}
        rid = getattr(record, "request_id", None)
        if rid is not None:
            line["request_id"] = rid
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            found = record.__dict__
            for key in found.keys() - _STANDARD:  # the extra= fields (a set difference: one C loop)
                if not key.startswith("_"):
                    line[key] = found[key]
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()

    def _timestamp(self, created: float) -> str:
        """ISO 8601 in UTC to the millisecond; the part up to the second is made once a second."""
        second = int(created)
        if second != self._second:
            self._stamp = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._stamp}.{int((created - second) * 1000):03d}Z"


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def log_format(value: str | None = None) -> str:
    """SUARA_LOG_FORMAT (json by default); anything else is refused with a message naming it."""
    chosen = (value if value is not None else os.environ.get(FORMAT_ENV, "json")).strip().lower() or "json"
    if chosen not in FORMATS:
        raise ValueError(f"{FORMAT_ENV} harus json atau text, bukan {chosen!r}")
    return chosen


def formatter_for(chosen: str) -> logging.Formatter:
    return JsonFormatter() if chosen == "json" else TextFormatter()


BACKLOG_CAPACITY = 50_000  # lines waiting for the writer: a few seconds of a busy worker's access lines
WRITE_EVERY_SECONDS = 0.05


class Backlog(logging.Handler):
    """Keeps records for a writer thread that formats and writes them together every few
    milliseconds, one write for many lines.

    Writing to stderr can block (a pipe to a slow log shipper, a loaded disk), and the access line
    is logged on the event loop: a blocked write there would hold up every request of the process,
    and a write (and a thread wake-up) per line costs more than the line. Here the caller only
    appends to a deque; the request id is taken then, in the request's context. When `capacity`
    records wait, more are dropped and counted rather than waited for."""

    def __init__(self, stream: Any, formatter: logging.Formatter, capacity: int = BACKLOG_CAPACITY,
                 every: float = WRITE_EVERY_SECONDS) -> None:
        super().__init__()
        self.stream = stream
        self.setFormatter(formatter)
        self.capacity = capacity
        self.every = every
        self.records: deque[logging.LogRecord] = deque()
        self.dropped = 0
        self.request_ids = RequestIdFilter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="suara-log-writer", daemon=True)

    def handle(self, record: logging.LogRecord) -> bool:  # no handler lock: a deque append is atomic
        if record.levelno < self.level:
            return False
        self.request_ids.filter(record)
        if len(self.records) >= self.capacity:
            self.dropped += 1
            return False
        self.records.append(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        self.handle(record)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write what waits and stop the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.write_waiting()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.write_waiting()

    def write_waiting(self) -> None:
        lines = []
        while self.records:
            record = self.records.popleft()
            try:
                lines.append(self.format(record))
            except Exception:  # noqa: BLE001 -- logging's own way: report the record and go on
                self.handleError(record)
        if lines:
            try:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
            except (OSError, ValueError):  # stderr closed or gone at exit: nowhere left to write them
                self.dropped += len(lines)


_writer: Backlog | None = None


def configure(chosen: str | None = None, stream: Any = None, background: bool = True) -> None:
    """Send every log record (Suara's, Granian's, the libraries') to stderr in the chosen format,
    at SUARA_LOG_LEVEL (info by default); through a writer thread unless background is False."""
    global _writer
    stop_writer()
    formatter = formatter_for(log_format(chosen))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    if background:
        _writer = Backlog(stream or sys.stderr, formatter)
        _writer.start()
        root.addHandler(_writer)
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(formatter)
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    root.setLevel(os.environ.get(LEVEL_ENV, "INFO").upper())
    # every record would otherwise look up its thread's and process's names: time on every
    # request's access line for fields these formats never show
    logging.logThreads = False
    logging.logMultiprocessing = False


def stop_writer() -> None:
    """Write what waits and stop the writer thread (at exit, or before configuring again)."""
    global _writer
    if _writer is not None:
        _writer.stop()
        _writer = None


atexit.register(stop_writer)


def granian_config(chosen: str) -> dict[str, Any]:
    """Granian's own dictConfig (it configures logging in every worker before loading the app):
    its lines in the same format, on stderr."""
    formatter = {"()": f"{__name__}.{type(formatter_for(chosen)).__name__}"}
    handler = {"formatter": "suara", "class": "logging.StreamHandler", "stream": "ext://sys.stderr",
               "filters": ["request_id"]}
    return {"formatters": {"suara": formatter}, "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
            "handlers": {"console": handler, "access": handler},
            "loggers": {"_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
                        "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False}}}
