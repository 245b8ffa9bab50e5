"""Stopping promptly: a SIGTERM at any moment, start-up included, ends a worker within seconds.

Granian's workers are forked from its main process and inherit its Python signal handler, which
only sets a flag in the main process's copy of the server: a SIGTERM reaching a worker before
Granian installs the worker's own handler was swallowed, and the main process then waited for
that worker forever. A worker installs its loop's handler before the ASGI lifespan starts, but
that handler only runs when the event loop gets control, and the lifespan loads the whole region
tree (seconds for the nation) without yielding. So:

- `worker_app`, the factory `suara serve` gives Granian, puts SIGTERM back to its default (end
  the process) before anything else happens in a worker;
- `exit_on_sigterm` turns a SIGTERM during blocking start-up work into SystemExit at once;
- `suara serve` also gives Granian a kill timeout, so a worker stuck anywhere else is killed.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

STOP_JOIN_SECONDS = 2.0  # how long shutdown waits for the background round in progress
WORKER_KILL_TIMEOUT_SECONDS = 5  # after SIGTERM, Granian kills a worker that has not stopped


def worker_app() -> Any:
    """The ASGI app for a Granian worker process (factory=True)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from suara import logs
    from suara.api.app import create_app

    logs.configure()  # after Granian's own set-up in this worker: SUARA_LOG_FORMAT, as `suara serve` chose
    # One thread for OpenCV in each served worker (the photos' checks and reading): the workers
    # already take every core, and OpenCV's own pool per photo fought them for it, twice the CPU
    # for a 1 MB photo (about 425 ms against 195 ms, the pool's threads spinning and waiting).
    import cv2

    cv2.setNumThreads(1)
    return create_app()


def _leave(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def exit_on_sigterm() -> Iterator[None]:
    """SIGTERM raises SystemExit while the block runs (then the previous handler is back).

    Only in the main thread, where Python runs signal handlers; elsewhere (test clients run the
    app in a thread of their own) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
