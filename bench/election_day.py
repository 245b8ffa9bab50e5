"""Election day against a running deployment, from other processes: KPPS devices submit every
ballot of their TPS (a share with a photo), retrying refusals with the same Idempotency-Key,
while readers poll the public documents. Prints throughput, latency and answers by status for
writes and reads, the tally lag, and a last line of JSON with those figures; then checks that
every acknowledged write is stored exactly once.

    .venv/bin/python bench/election_day.py --url http://127.0.0.1:8000 --database-url sqlite:///data/suara.db \\
        --duration 60 --write-rate 500 --read-rate 2000 [--photo-share 0.1] [--devices 2000]

The devices need KPPS accounts: the harness makes them (and their tokens) in the deployment's
database (`--database-url`), which is also where it checks the stored versions afterwards.
Loopback only: it sends traffic to `--url` and nowhere else.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import multiprocessing
import os
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("SUARA_ARGON2_PROFILE", "CHEAPEST")  # thousands of bench accounts, made and logged in here

import lean_http

from suara.domain.access import Role
from suara.services.accounts import create_account, login
from suara.store.engine import make_engine
from suara.store.reference import load_reference
from suara.synth import Synthesizer, SynthOptions

PASSWORD = "rahasia-sekali-123"
RETRIES = 20
READ_PATHS = ("/api/v1/results/ppwp/0", "/api/v1/results/pdpr/0", "/api/v1/results/ppwp/31",
              "/sirekap/pemilu/hhcw/ppwp.json", "/wilayah/ppwp/0", "/api/v1/results/ppwp/3171")


@dataclass
class Device:
    tps: str
    token: str
    forms: list[dict[str, Any]]


@dataclass
class Tally:
    """What one process saw: each attempt's status and latency, and the acknowledged keys."""

    attempts: list[tuple[int, float]] = field(default_factory=list)
    acknowledged: dict[str, int] = field(default_factory=dict)  # idempotency key -> version id
    given_up: int = 0
    refused_s: list[float] = field(default_factory=list)  # latency of each 429/503 answer
    refused_bare: int = 0  # 429/503 answers without a Retry-After header
    late: int = 0  # requests sent more than a second after their slot (the harness fell behind)
    ppwp_acked_at: list[float] = field(default_factory=list)  # time.monotonic() of each PPWP acknowledgement
    active_s: float = 0.0  # from the first slot to the last answer (retries included)


def photo_bytes(size: int = 1_000_000) -> bytes:
    """A JPEG of noise of about `size` bytes: the worst case for the server's reader of photos
    (every speck a candidate marker), where a photo of a page costs it far less."""
    from PIL import Image

    def encoded(side: int) -> bytes:
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "JPEG", quality=90)
        return out.getvalue()
    side = 640
    for _ in range(2):  # a JPEG's size grows with the area: two corrections land within a few percent
        side = int(side * (size / len(encoded(side))) ** 0.5)
    return encoded(side)


def prepare(database_url: str, devices: int, provinces: str, seed: int, forms: int = 0, skip: int = 0) -> list[Device]:
    """KPPS accounts and tokens for `devices` TPS (or, with `forms`, for as many TPS as carry that
    many ballots), each with every ballot of its TPS; past the first `skip` TPS (those of an
    earlier run: their forms are stored, and a different count for them is a correction proposal)."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        reference = load_reference(conn)
    options = SynthOptions(seed=seed, provinces=tuple(provinces.split(",")), contests=("pemilu",), error_rate=0.0)
    by_tps: dict[str, list[dict[str, Any]]] = {}
    synthesizer = Synthesizer(reference, options)
    for kab in synthesizer.kabs:  # a kab/kota's every ballot at a time, only as many as the devices need
        if len(by_tps) >= skip + devices:
            break
        for form in synthesizer.forms_of_kab(kab):
            if form["tps"] not in by_tps and len(by_tps) >= skip + devices:
                continue
            by_tps.setdefault(form["tps"], []).append(form)
        if forms:  # as many TPS as carry that many forms (a DKI TPS has four ballots, elsewhere five)
            per_tps = max(1, sum(map(len, by_tps.values())) // max(1, len(by_tps)))
            devices = min(devices, -(-forms // per_tps))
    by_tps = dict(sorted(by_tps.items())[skip:skip + devices])
    found = []
    tag = f"{seed}-{int(time.time())}"
    for n, (tps, ballots) in enumerate(sorted(by_tps.items())):
        name = f"ed-{tag}-{n}"
        create_account(engine, name, PASSWORD, Role.KPPS, tps, "election-day")
        found.append(Device(tps, login(engine, name, PASSWORD, "election-day")[0], ballots))
    engine.dispose()
    return found


PACE_SECONDS = 0.002
WRITE_CONNECTIONS = 64  # per process: a device's submission waits for one only when all are busy
READ_CONNECTIONS = 32


async def _send(conn: lean_http.Connection, device: Device, form: dict[str, Any], key: str, photo: bytes | None,
                tally: Tally) -> None:
    headers = [(b"authorization", f"Bearer {device.token}".encode()), (b"idempotency-key", key.encode())]
    if photo is None:
        body, media_type = orjson.dumps(form), b"application/json"
    else:
        body, media_type = lean_http.multipart({"form": orjson.dumps(form)}, {"page1": ("c1.jpg", "image/jpeg", photo)})
    headers.append((b"content-type", media_type))
    for _ in range(RETRIES):
        started = time.perf_counter()
        answer: lean_http.Answer | None
        try:
            answer = await conn.request(b"POST", b"/api/v1/submissions", headers, body)
            status = answer.status
        except (OSError, TimeoutError, lean_http.ProtocolError):
            status, answer = 0, None
        took = time.perf_counter() - started
        tally.attempts.append((status, took))
        if status in (429, 503):
            tally.refused_s.append(took)
            tally.refused_bare += answer is not None and b"retry-after" not in answer.headers
        if status in (200, 201) and answer is not None:
            tally.acknowledged[key] = orjson.loads(answer.body)["version_id"]
            if form["contest"] == "ppwp":
                tally.ppwp_acked_at.append(time.monotonic())  # one clock for every process (CLOCK_MONOTONIC)
            return
        if 200 <= status < 300 or (400 <= status < 500 and status != 429):
            return  # answered (202: filed as a correction proposal) or refused for good: resending cannot help
        wait = float(answer.headers.get(b"retry-after", b"0.5")) if answer is not None else 0.5
        # no sooner than asked, and spread out: devices refused together must not return as one herd
        await asyncio.sleep(min(wait, 2.0) * random.uniform(1.0, 1.5))
    tally.given_up += 1


async def _paced(host: str, port: int, connections: int, rate: float, seconds: float | None, items: list[Any],
                 serve: Any, out: Tally) -> None:
    """Hands items (or, with `seconds`, the read paths for that long) to `connections` keep-alive
    connections at `rate` a second: open loop, so a slow server meets a queue, not a politer harness."""
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def worker() -> None:
        conn = lean_http.Connection(host, port)
        while (item := await queue.get()) is not None:
            await serve(conn, item)
        conn.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    start, n = time.monotonic(), 0
    while (seconds is None and n < len(items)) or (seconds is not None and time.monotonic() - start < seconds):
        slot = start + n / rate
        delay = slot - time.monotonic()
        if delay > 0:
            # a timer per item at thousands a second costs the harness more than the granularity
            # is worth: what falls due within PACE_SECONDS goes out together
            await asyncio.sleep(max(delay, PACE_SECONDS))
        elif delay < -1:
            out.late += 1
        queue.put_nowait(items[n % len(items)])
        n += 1
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    out.active_s = time.monotonic() - start


async def _writes(url: str, work: list[tuple[Device, dict[str, Any], str, bool]], rate: float, photo: bytes,
                  out: Tally, connections: int) -> None:
    host, port = _address(url)

    async def serve(conn: lean_http.Connection, item: tuple[Device, dict[str, Any], str, bool]) -> None:
        device, form, key, with_photo = item
        await _send(conn, device, form, key, photo if with_photo else None, out)

    await _paced(host, port, connections, rate, None, work, serve, out)


async def _reads(url: str, rate: float, seconds: float, out: Tally) -> None:
    host, port = _address(url)
    headers = [(b"accept-encoding", b"gzip")]

    async def serve(conn: lean_http.Connection, path: bytes) -> None:
        started = time.perf_counter()
        try:
            status = (await conn.request(b"GET", path, headers)).status
        except (OSError, TimeoutError, lean_http.ProtocolError):
            status = 0
        out.attempts.append((status, time.perf_counter() - started))

    await _paced(host, port, READ_CONNECTIONS, rate, seconds, [p.encode() for p in READ_PATHS], serve, out)


def _address(url: str) -> tuple[str, int]:
    parsed = urlsplit(url)
    return parsed.hostname or "127.0.0.1", parsed.port or 80


def _child(kind: str, url: str, payload: Any, rate: float, seconds: float, photo: bytes, results: Any,
           connections: int = WRITE_CONNECTIONS) -> None:
    tally = Tally()
    if kind == "write":
        uvloop.run(_writes(url, payload, rate, photo, tally, connections))  # the harness's own CPU is the measure's cost
    else:
        uvloop.run(_reads(url, rate, seconds, tally))
    results.put((kind, tally))


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def _summary(tallies: list[Tally], seconds: float) -> dict[str, Any]:
    attempts = [a for t in tallies for a in t.attempts]
    statuses = Counter(str(s) if s else "error" for s, _ in attempts)
    ok = [d for s, d in attempts if 200 <= s < 300]
    # over the time the answers actually took: a server that falls behind stretches it past the plan
    seconds = max([seconds, *(t.active_s for t in tallies)])
    return {"attempts": len(attempts), "ok_per_s": round(len(ok) / seconds, 1), "active_s": round(seconds, 1),
            "p50_ms": round(_percentile([d for _, d in attempts], 0.5) * 1000, 1),
            "p99_ms": round(_percentile([d for _, d in attempts], 0.99) * 1000, 1),
            "by_status": dict(sorted(statuses.items())), "given_up": sum(t.given_up for t in tallies),
            "refused_p99_ms": round(_percentile([d for t in tallies for d in t.refused_s], 0.99) * 1000, 1),
            "refused_max_ms": round(max([0.0, *(d for t in tallies for d in t.refused_s)]) * 1000, 1),
            "refused_without_retry_after": sum(t.refused_bare for t in tallies),
            "harness_late": sum(t.late for t in tallies)}


def _national_count(client: httpx.Client) -> int | None:
    try:
        return int(client.get("/api/v1/results/ppwp/0").json()["totals"]["tps_reported"])
    except (httpx.HTTPError, KeyError, ValueError):
        return None


SAMPLE_SECONDS = 0.05


def _sample(url: str, samples: list[tuple[float, int]], stop: threading.Event) -> None:
    """The national PPWP count as the public sees it, twenty times a second: the lag measured is
    then the deployment's to within 50 ms, not the sampler's own interval (at 0.5 s, as before,
    the sampling alone added up to half a second to every lag), for 20 reads/s among thousands."""
    with httpx.Client(base_url=url, timeout=10) as client:
        while not stop.is_set():
            count = _national_count(client)
            if count is not None:
                samples.append((time.monotonic(), count))
            stop.wait(SAMPLE_SECONDS)


def tally_lags(acked_at: list[float], samples: list[tuple[float, int]], before: int) -> list[float]:
    """For each acknowledged PPWP form (the k-th at time t), the seconds until the public national
    count first showed k more than before the run."""
    lags = []
    for k, at in enumerate(sorted(acked_at), 1):
        seen = next((t for t, observed in samples if t >= at and observed - before >= k), None)
        if seen is not None:
            lags.append(seen - at)
    return lags


def check_stored(database_url: str, acknowledged: dict[str, int]) -> dict[str, int]:
    """Every acknowledged key stored once, as the version it was answered with."""
    from sqlalchemy import select

    from suara.store.schema import form_versions

    engine = make_engine(database_url, read_only=True)
    stored: dict[str, list[int]] = {}
    with engine.connect() as conn:
        for key, version_id in conn.execute(select(form_versions.c.idempotency_key, form_versions.c.id)
                                            .where(form_versions.c.idempotency_key.like("ed-%"))):
            stored.setdefault(key.split(":", 1)[1], []).append(version_id)
    engine.dispose()
    wrong = sum(1 for key, vid in acknowledged.items() if stored.get(key) != [vid])
    return {"acknowledged": len(acknowledged), "stored_once_as_answered": len(acknowledged) - wrong, "wrong": wrong}


def run(url: str, database_url: str, seconds: float, write_rate: float, read_rate: float, photo_share: float,
        devices: int, provinces: str, seed: int, processes: int = 2, skip: int = 0,
        write_connections: int = WRITE_CONNECTIONS, meter: Any = None) -> dict[str, Any]:
    """One run's figures; `skip`: pass over the TPS of earlier runs (their "tps_used_so_far");
    `write_connections` per process: devices sending at once (more than the server admits, and the
    server, not the harness's queue, meets the overload); `meter` (bench/cpu_meter.py): started
    as the devices and readers start and stopped when the last has finished."""
    needed = int(seconds * write_rate)
    prepared = prepare(database_url, devices or needed, provinces, seed, forms=needed, skip=skip)
    work = [(d, form, f"ed-{seed}-{d.tps}-{form['contest']}", (hash((d.tps, form["contest"])) % 1000) < photo_share * 1000)
            for d in prepared for form in d.forms]
    work = work[: int(seconds * write_rate)]
    photo = photo_bytes() if photo_share > 0 else b""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    children = [context.Process(target=_child, args=("write", url, work[i::processes], write_rate / processes,
                                                     seconds, photo, results, write_connections))
                for i in range(processes)]
    if read_rate > 0:
        children += [context.Process(target=_child, args=("read", url, None, read_rate / processes, seconds, photo,
                                                          results)) for _ in range(processes)]
    with httpx.Client(base_url=url, timeout=10) as client:
        before = _national_count(client) or 0
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(url, samples, stop), daemon=True)
    started = time.monotonic()
    sampler.start()
    if meter is not None:
        meter.start()
    for child in children:
        child.start()
    gathered = [results.get() for _ in children]
    for child in children:
        child.join()
    elapsed = time.monotonic() - started
    if meter is not None:
        meter.stop()
    acked_at = [t for kind, tally in gathered for t in tally.ppwp_acked_at]
    deadline = time.monotonic() + 30  # let the public count catch up with the last acknowledgement
    while time.monotonic() < deadline and (not samples or samples[-1][1] - before < len(acked_at)):
        time.sleep(0.5)
    stop.set()
    sampler.join()
    lags = tally_lags(acked_at, samples, before)
    writes = [t for kind, t in gathered if kind == "write"]
    reads = [t for kind, t in gathered if kind == "read"]
    acknowledged = {k: v for t in writes for k, v in t.acknowledged.items()}
    figures = {"seconds": seconds, "write_rate_target": write_rate, "read_rate_target": read_rate,
               "photo_share": photo_share, "writes": _summary(writes, seconds), "reads": _summary(reads, seconds),
               "tally_lag_p50_s": round(_percentile(lags, 0.5), 3), "tally_lag_p99_s": round(_percentile(lags, 0.99), 3),
               "tally_lag_unseen": len(acked_at) - len(lags),
               "elapsed_s": round(elapsed, 1), "tps_used_so_far": skip + len(prepared), "forms": len(work),
               "check": check_stored(database_url, acknowledged)}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--database-url", required=True, help="the deployment's database (accounts, final check)")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--write-rate", type=float, default=500, help="submissions per second")
    parser.add_argument("--read-rate", type=float, default=2000, help="document reads per second")
    parser.add_argument("--photo-share", type=float, default=0.0, help="share of submissions with a 1 MB photo")
    parser.add_argument("--devices", type=int, default=0, help="KPPS devices (0: as many as the duration needs)")
    parser.add_argument("--provinces", default="31,32,33,35", help="provinces whose TPS the devices are")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    args = parser.parse_args()
    if not args.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        sys.exit("election_day.py sends load to loopback addresses only")
    figures = run(args.url, args.database_url, args.duration, args.write_rate, args.read_rate, args.photo_share,
                  args.devices, args.provinces, args.seed)
    for kind in ("writes", "reads"):
        f = figures[kind]
        print(f"{kind}: {f['ok_per_s']}/s ok, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, "
              f"by status {f['by_status']}, given up {f['given_up']}, harness late {f['harness_late']}")
    print(f"tally lag p50 {figures['tally_lag_p50_s']} s, p99 {figures['tally_lag_p99_s']} s; "
          f"check: {figures['check']}")
    print(orjson.dumps(figures).decode())
    if figures["check"]["wrong"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
