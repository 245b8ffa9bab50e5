"""Installing what the tests need from Debian's packages, when it is missing and we may."""

from __future__ import annotations

import fcntl
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

# The test workers (pytest -n) find a package or the postgres user missing at the same moment;
# one change to the system at a time, or the second fails on dpkg's (or /etc/passwd's) lock.
# The second then installs what is already there: a no-op.
LOCK = "/tmp/suara-tests-system.lock"


@contextmanager
def one_at_a_time() -> Iterator[None]:
    """Held while a test process changes the machine (apt-get, useradd)."""
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def apt_install(package: str, missing: str) -> None:
    """apt-get install `package`; `missing` says what was not found, for the error when we cannot."""
    if os.geteuid() != 0:
        raise RuntimeError(f"{missing}, and we are not root, so cannot apt-get install {package}; install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with one_at_a_time():
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "-q", package]):
            proc = subprocess.run(cmd, check=False, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
            if proc.returncode != 0:
                tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
                raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{tail}")
