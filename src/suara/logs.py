"""Logging for `suara serve`: one JSON object per line (or plain text), each carrying the id of
the request it belongs to.

The request id lives in a context variable set by the request middleware (api/observe.py);
Starlette copies the context into the thread pool, so a log line written by a route's worker
thread, or by the error handler, names the same request as its access line.
"""

from __future__ import annotations

import logging
import os
import sys
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


def configure(chosen: str | None = None, stream: Any = None) -> None:
    """Send every log record (Suara's, Granian's, the libraries') to stderr in the chosen format,
    at SUARA_LOG_LEVEL (info by default)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter_for(log_format(chosen)))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(os.environ.get(LEVEL_ENV, "INFO").upper())
    # every record would otherwise look up its thread's and process's names: time on every
    # request's access line for fields these formats never show
    logging.logThreads = False
    logging.logMultiprocessing = False


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
