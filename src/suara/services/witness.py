"""Witnessing a deployment's audit chain from outside, over its public API.

A witness asks a deployment for its chain head now and then and appends what it saw to a file
of its own ('seq,hash,time' lines). Later, anyone holding that file can prove that the chain
still extends every head seen: `suara verify --witness FILE` on the database, or
`suara verify-chain --url URL --witness FILE` against the deployment's (or a mirror's) API, which
downloads the whole chain and checks it link by link. Plain HTTP GETs (urllib), nothing else.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from suara.domain.audit import Head, check_published_chain, parse_head, witness_line

TIMEOUT = 30
PAGE = 1000


class WitnessError(RuntimeError):
    """The deployment could not be read (network, HTTP status or an answer of the wrong shape)."""


def _get(url: str) -> Any:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise WitnessError(f"alamat harus http:// atau https://: {url}")
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}),
                                    timeout=TIMEOUT) as answer:
            return orjson.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raise WitnessError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise WitnessError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    except orjson.JSONDecodeError:
        raise WitnessError(f"{url}: jawaban bukan JSON") from None


def fetch_head(base_url: str) -> Head:
    doc = _get(base_url.rstrip("/") + "/api/v1/chain/head")
    try:
        return parse_head(f"{doc['seq']}:{doc['hash']}")
    except (KeyError, TypeError, ValueError) as exc:
        raise WitnessError(f"kepala rantai tidak terbaca: {exc}") from None


def record(base_url: str, out: Path, count: int = 1, every: float = 0.0,
           sleep: Callable[[float], None] = time.sleep) -> list[Head]:
    """Fetch the head `count` times, `every` seconds apart, appending each to `out` as it comes."""
    seen = []
    for n in range(count):
        if n:
            sleep(every)
        head = fetch_head(base_url)
        with open(out, "a", encoding="ascii") as f:
            f.write(witness_line(head, datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")))
        seen.append(head)
    return seen


def fetch_events(base_url: str, page: int = PAGE) -> Iterator[dict[str, Any]]:
    """Every published event, page by page, from the first."""
    after: int | None = 0
    while after is not None:
        doc = _get(f"{base_url.rstrip('/')}/api/v1/chain/events?after={after}&limit={page}")
        try:
            events, following = doc["events"], doc["next_after"]
            if following is not None and int(following) <= after:
                raise WitnessError("daftar peristiwa tidak maju")
        except (KeyError, TypeError, ValueError):
            raise WitnessError("daftar peristiwa tidak terbaca") from None
        yield from events
        after = None if following is None else int(following)


@dataclass
class MirrorCheck:
    events: int = 0
    head: Head | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_mirror(base_url: str, witness: Mapping[int, str]) -> MirrorCheck:
    """Download the chain of a deployment or mirror and check it link by link and against a witness."""
    result = MirrorCheck()
    last: dict[str, Any] = {}

    def counted() -> Iterator[dict[str, Any]]:
        for event in fetch_events(base_url):
            result.events += 1
            last.update(event)
            yield event
    head_before = fetch_head(base_url)
    result.problems.extend(check_published_chain(counted(), witness))
    result.head = head_before
    if last and int(last.get("seq", -1)) == head_before.seq and last.get("hash") != head_before.hash:
        result.problems.append(f"kepala rantai yang dipublikasikan ({head_before.text()}) tidak sama dengan "
                               f"peristiwa #{head_before.seq} di daftar")
    if int(last.get("seq", 0)) < head_before.seq:
        result.problems.append(f"daftar peristiwa berhenti di #{last.get('seq', 0)}, padahal kepala rantai "
                               f"#{head_before.seq}")
    return result
