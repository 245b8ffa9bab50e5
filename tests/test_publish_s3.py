"""`suara publish --to s3://bucket/prefix?endpoint=...` against moto's S3 server: the same paths
and bytes as a directory, each object with the Content-Type and Cache-Control the server sends,
the publication record and manifest.json last, and an increment uploads only what changed. On
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import ppwp_form
from test_blobs import REGION, bucket, s3_client, s3_endpoint  # noqa: F401 (fixtures)
from typer.testing import CliRunner

from suara.cli import app
from suara.publish import publication, routes
from suara.publish.snapshot_keys import load_or_create_signing_key
from suara.publish.snapshot_verify import verify_snapshot
from suara.publish.targets import MANIFEST_CACHE, RECORD_CACHE, S3Target, target_from
from suara.services.submission import Submission, submit_forms

BASE = "https://suara.example"


def download(client: Any, bucket_name: str, prefix: str, into: Path) -> dict[str, bytes]:
    """What `aws s3 sync` would fetch, for verify-snapshot to check locally."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket_name, Prefix=prefix):
        for item in page.get("Contents", []):
            name = item["Key"][len(prefix):]
            body = client.get_object(Bucket=bucket_name, Key=item["Key"])["Body"].read()
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            (into / name).write_bytes(body)
            found[name] = body
    return found


def recording(target: S3Target) -> list[str]:
    keys: list[str] = []
    put = target.client.put_object

    def put_and_note(**kwargs: Any) -> Any:
        keys.append(kwargs["Key"])
        return put(**kwargs)
    target.client.put_object = put_and_note
    return keys


def test_publish_to_s3_uploads_the_tree_with_its_headers_manifest_last_then_only_what_changed(
        engine, reference, db_url, s3_endpoint, bucket, tmp_path, monkeypatch):  # noqa: F811
    submit_forms(engine, reference, [Submission(ppwp_form("3171011001001"))], fold=True)
    url = f"s3://{bucket}/pemilu/public?endpoint={s3_endpoint}&region={REGION}"
    target = target_from(url)
    assert isinstance(target, S3Target) and target.prefix == "pemilu/public/"
    keys = recording(target)
    key = load_or_create_signing_key(tmp_path / "data" / "signing-key.pem")
    first = publication.publish(engine, reference, [reference.contest("ppwp")], BASE, target, key)

    prefix = "pemilu/public/"
    assert keys[-5:] == [prefix + n for n in ("manifests/manifest-1.json", "manifests/manifest-1.sig",
                                              "public-key.txt", "manifest.sig", "manifest.json")]
    assert len(keys) == first.files + 5 and len(set(keys)) == len(keys)
    client = s3_client(s3_endpoint)

    def head(name: str) -> tuple[str, str]:
        found = client.head_object(Bucket=bucket, Key=prefix + name)
        return found["ContentType"], found["CacheControl"]
    assert head("api/v1/results/ppwp/0") == ("application/json", routes.FRESHNESS[0])
    assert head("api/v1/results/ppwp/3171011001") == ("application/json", routes.FRESHNESS[4])
    assert head("api/v1/tps/ppwp/3171011001001") == ("application/json", routes.FRESHNESS[5])
    assert head("sirekap/pemilu/hhcw/ppwp/31.json") == ("application/json", routes.FRESHNESS[1])
    assert head("api/v1/regions/31") == ("application/json", routes.STATIC)
    assert head("manifest.json") == ("application/json", MANIFEST_CACHE)
    assert head("manifests/manifest-1.json") == ("application/json", RECORD_CACHE)
    mirror = tmp_path / "mirror"
    assert verify_snapshot(mirror, first.public_key).ok if download(client, bucket, prefix, mirror) else False

    # the next publication, through the command: only the changed documents go up
    submit_forms(engine, reference, [Submission(ppwp_form("3172011001002"))], fold=True)
    monkeypatch.setenv("SUARA_DATABASE_URL", db_url)
    monkeypatch.setenv("SUARA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SUARA_PUBLIC_BASE_URL", BASE)
    result = CliRunner().invoke(app, ["publish", "--to", url, "--contests", "ppwp"])
    assert result.exit_code == 0, result.output
    assert "publikasi #2 inkremental" in result.output
    objects = download(client, bucket, prefix, tmp_path / "mirror2")
    record = orjson.loads(objects["manifests/manifest-2.json"])
    assert "api/v1/tps/ppwp/3172011001002" in record["files"] and "api/v1/tps/ppwp/3171011001001" not in record["files"]
    assert len(record["files"]) < first.files // 4
    checked = verify_snapshot(tmp_path / "mirror2", first.public_key)
    assert checked.ok and checked.publications_checked == 2
    assert orjson.loads(objects["manifest.json"])["publication"]["number"] == 2


def test_s3_urls_are_checked_before_anything_is_sent():
    with pytest.raises(ValueError, match="needs a bucket"):
        target_from("s3:///prefix")
    with pytest.raises(ValueError, match="unknown s3 URL parameters"):
        target_from("s3://bucket/prefix?endpoint=http://127.0.0.1:1&acl=public")
