"""schemathesis against the served app, every check, as three callers: anonymous, a KPPS and
KPU RI. Bounded for CI (a few examples per operation, a fixed seed); `make fuzz` runs the same
with many more examples and a random seed.

What it holds the app to: no 500 from any input, every answer's status, media type, headers
and body as /openapi.json describes them, invalid input refused, 405s with Allow."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import ppwp_form, served
from sqlalchemy import Engine

from suara.api.app import create_app
from suara.api.limits import Rate, RateLimiter
from suara.domain.access import Role
from suara.services.accounts import create_account
from suara.services.submission import Submission, submit_forms

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = int(os.environ.get("SUARA_FUZZ_EXAMPLES", "5"))
SEED = os.environ.get("SUARA_FUZZ_SEED", "20240214")  # "random" for a new one each run
KPPS_TPS = "3171011001001"
PASSWORD = "rahasia-sekali-123"


class NoRateLimits(RateLimiter):
    """The fuzzer sends hundreds of writes a minute from one address; with the real limits most
    would get 429 and the operations behind them would go untested. Limits have their own tests."""

    def take(self, key: str, rate: Rate, cost: int = 1) -> float:
        return 0.0


@pytest.fixture
def fuzz_server(engine: Engine, reference: Any, db_url: str) -> Iterator[str]:
    submit_forms(engine, reference, [Submission(ppwp_form(tps)) for tps in (KPPS_TPS, "3171011002001")], fold=True)
    create_account(engine, "kpps.fuzz", PASSWORD, Role.KPPS, KPPS_TPS, "test")
    create_account(engine, "kpu.fuzz", PASSWORD, Role.KPU_RI, "0", "test")
    app = create_app(db_url)
    with served(app) as url:
        app.state.limiter = NoRateLimits()
        yield url


def token(server: str, username: str) -> str:
    response = httpx.post(server + "/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def run_schemathesis(server: str, workdir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    schemathesis = Path(sys.executable).with_name("schemathesis")
    command = [str(schemathesis), "--config-file", str(CONFIG), "run", server + "/openapi.json",
               "--checks", "all", "--max-examples", str(EXAMPLES), "--workers", "1", "--no-color", *extra]
    if SEED != "random":
        command += ["--seed", SEED]
    # in a scratch directory: schemathesis keeps a cache (.schemathesis/) where it runs
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL, cwd=workdir)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("caller", ["anonymous", "kpps.fuzz", "kpu.fuzz"])
def test_the_api_answers_as_described(fuzz_server: str, caller: str, tmp_path: Path) -> None:
    headers = [] if caller == "anonymous" else ["--header", f"Authorization: Bearer {token(fuzz_server, caller)}"]
    result = run_schemathesis(fuzz_server, tmp_path, *headers)
    report = result.stdout[-20000:] + result.stderr[-5000:]
    assert result.returncode == 0, report
    operations = sum(len(methods) for methods in httpx.get(fuzz_server + "/openapi.json").json()["paths"].values())
    assert f"Tested: {operations}\n" in result.stdout, report  # every operation, not a run that tested nothing
    assert " 0 failures" not in report or "passed" in report  # it ran operations, not nothing
