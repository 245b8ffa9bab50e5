"""Settings from the environment; the defaults give the embedded deployment in ./data."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from suara.domain.anomalies.screens import DEFAULT_THRESHOLDS, parse_thresholds
from suara.domain.policy import Policy


@dataclass(frozen=True)
class Settings:
    database_url: str  # the primary: every write, and the reads that must see this deployment's own writes
    data_dir: Path
    policy: Policy = Policy.AS_IS
    blobs_url: str = "data/blobs"
    # where the public reaches this server: absolute links in published documents (form photos)
    public_base_url: str = "http://127.0.0.1:8000"
    # the anomaly screens' thresholds: the defaults, overridden by SUARA_ANOMALY_THRESHOLDS='{"A3": 4.5}';
    # a bad value raises InvalidThresholds naming it, so a server refuses to start with it
    anomaly_thresholds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    # seconds after a TPS's first send during which its KPPS may still replace the numbers; after
    # that a re-send with other numbers is a correction proposal for KPU RI (services/resends.py)
    resend_grace_seconds: float = 0.0
    # group commit (services/group_commit.py): how long the writer waits after a batch's first
    # submission for others, and how many one transaction takes at most
    group_commit_wait_ms: float = 2.0
    group_commit_max_batch: int = 256
    # a PostgreSQL streaming replica of database_url (SUARA_REPLICA_URL): public documents and pages
    # are rendered from it; writes, the tally and what must see them stay on the primary (store/replica.py)
    replica_url: str | None = None
    # whether API processes fold the tally themselves (the embedded default) or leave it to a
    # long-lived `suara tally --watch` (SUARA_SERVE_TALLY=0: one process with one job)
    serve_tally: bool = True

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("SUARA_DATA_DIR", "data"))
        url = os.environ.get("SUARA_DATABASE_URL") or f"sqlite:///{data_dir / 'suara.db'}"
        policy = Policy(os.environ.get("SUARA_POLICY", Policy.AS_IS.value))
        blobs = os.environ.get("SUARA_BLOBS_URL") or str(data_dir / "blobs")
        base_url = os.environ.get("SUARA_PUBLIC_BASE_URL") or cls.public_base_url
        return cls(database_url=url, data_dir=data_dir, policy=policy, blobs_url=blobs,
                   public_base_url=base_url.rstrip("/"),
                   replica_url=_replica_url(os.environ.get("SUARA_REPLICA_URL"), url),
                   anomaly_thresholds=parse_thresholds(os.environ.get("SUARA_ANOMALY_THRESHOLDS")),
                   resend_grace_seconds=seconds_setting(os.environ.get("SUARA_RESEND_GRACE_SECONDS", "0"),
                                                 "SUARA_RESEND_GRACE_SECONDS"),
                   group_commit_wait_ms=seconds_setting(os.environ.get("SUARA_GROUP_COMMIT_WAIT_MS", "2"),
                                                 "SUARA_GROUP_COMMIT_WAIT_MS"),
                   group_commit_max_batch=int(seconds_setting(os.environ.get("SUARA_GROUP_COMMIT_MAX_BATCH", "256"),
                                                       "SUARA_GROUP_COMMIT_MAX_BATCH")) or 1,
                   serve_tally=_flag(os.environ.get("SUARA_SERVE_TALLY", "1"), "SUARA_SERVE_TALLY"))


def _flag(text: str, name: str) -> bool:
    if text.strip().lower() in ("1", "true", "yes"):
        return True
    if text.strip().lower() in ("0", "false", "no"):
        return False
    raise ValueError(f"{name} harus 1 atau 0, bukan {text!r}")


def _replica_url(text: str | None, primary: str) -> str | None:
    """A replica needs a PostgreSQL primary to stream from; anything else is refused at start."""
    if not text:
        return None
    backends = {make_url(u).get_backend_name() for u in (text, primary)}
    if backends != {"postgresql"}:
        raise ValueError("SUARA_REPLICA_URL harus replika PostgreSQL (streaming replication) dari "
                         "SUARA_DATABASE_URL yang juga PostgreSQL")
    return text


def seconds_setting(text: str, name: str, most: float = 86_400) -> float:
    """A setting in seconds, 0 to `most`; anything else is refused with the setting's name."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} harus angka detik >= 0, bukan {text!r}") from None
    if not 0 <= value <= most:
        raise ValueError(f"{name} harus antara 0 dan {most:g} detik, bukan {text!r}")
    return value
