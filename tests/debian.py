"""Installing what the tests need from Debian's packages, when it is missing and we may."""

from __future__ import annotations

import os
import subprocess


def apt_install(package: str, missing: str) -> None:
    """apt-get install `package`; `missing` says what was not found, for the error when we cannot."""
    if os.geteuid() != 0:
        raise RuntimeError(f"{missing}, and we are not root, so cannot apt-get install {package}; install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "-q", package]):
        proc = subprocess.run(cmd, check=False, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
            raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{tail}")
