"""Settings from the environment; the defaults give the embedded deployment in ./data."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from suara.domain.policy import Policy


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    policy: Policy = Policy.AS_IS
    blobs_url: str = "data/blobs"
    # where the public reaches this server: absolute links in published documents (form photos)
    public_base_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("SUARA_DATA_DIR", "data"))
        url = os.environ.get("SUARA_DATABASE_URL") or f"sqlite:///{data_dir / 'suara.db'}"
        policy = Policy(os.environ.get("SUARA_POLICY", Policy.AS_IS.value))
        blobs = os.environ.get("SUARA_BLOBS_URL") or str(data_dir / "blobs")
        base_url = os.environ.get("SUARA_PUBLIC_BASE_URL") or cls.public_base_url
        return cls(database_url=url, data_dir=data_dir, policy=policy, blobs_url=blobs,
                   public_base_url=base_url.rstrip("/"))
