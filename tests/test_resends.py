"""A KPPS sending a TPS's form again once it is stored (issue 13), over HTTP on SQLite and
PostgreSQL: the same numbers store nothing; other numbers become a correction proposal that
leaves the published numbers alone until KPU RI authorises it, and then the photos stay; a
deployment's grace period lets the officer replace the numbers for a while after the first send."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest
from helpers import count_rows, ppwp_form
from PIL import Image
from sqlalchemy import select

from suara.domain.access import Role
from suara.services.accounts import create_account, login
from suara.store.schema import corrections, form_versions, version_photos
from suara.tally.fold import fold_all

TPS = "3171011001001"
PASSWORD = "rahasia-sekali-123"
BOUNDARY = "kirim-ulang"


@pytest.fixture
def officers(client: Any, engine: Any) -> dict[str, dict[str, str]]:
    found = {}
    for name, role, scope in (("kpps", Role.KPPS, TPS), ("kpu-ri", Role.KPU_RI, "0")):
        create_account(engine, name, PASSWORD, role, scope, "test")
        found[name] = {"Authorization": f"Bearer {login(engine, name, PASSWORD, 'test')[0]}"}
    return found


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 190, 180)).save(buffer, "JPEG")
    return buffer.getvalue()


def with_photo(form: dict[str, Any]) -> bytes:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="form"\r\n\r\n'.encode() + orjson.dumps(form)
            + f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="page2"; filename="p2.jpg"\r\n'
              f'Content-Type: image/jpeg\r\n\r\n'.encode() + photo() + f"\r\n--{BOUNDARY}--\r\n".encode())


def send(client: Any, officers: Any, form: dict[str, Any], key: str, photos: bool = False) -> Any:
    headers = {**officers["kpps"], "Idempotency-Key": key}
    if photos:
        return client.post("/api/v1/submissions", content=with_photo(form),
                           headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    return client.post("/api/v1/submissions", json=form, headers=headers)


def published_votes(client: Any, engine: Any) -> dict[str, int]:
    fold_all(engine)
    client.app.state.publisher.refresh()
    return client.get(f"/api/v1/tps/ppwp/{TPS}").json()["current"]["form"]["suara"]


def test_a_resend_after_publication_waits_for_kpu_ri_and_keeps_the_photos(client, engine, officers):
    first = send(client, officers, ppwp_form(TPS, (117, 100, 20)), "hp-tps-a:0001", photos=True)
    assert first.status_code == 201, first.text
    assert published_votes(client, engine) == {"1": 117, "2": 100, "3": 20}
    # Back, then send again: a new key, the same numbers (and no photo this time): nothing new
    again = send(client, officers, ppwp_form(TPS, (117, 100, 20)), "hp-tps-a:0002")
    assert again.status_code == 200 and again.json()["version_no"] == 1
    assert count_rows(engine) == 1
    # other numbers: a proposal, the published numbers stay
    changed = send(client, officers, ppwp_form(TPS, (171, 100, 20)), "hp-tps-a:0003")
    assert changed.status_code == 202, changed.text
    body = changed.json()
    assert body["outcome"] == "correction_proposed" and body["version_id"] is None
    assert "KPU RI" in body["status"]
    assert count_rows(engine) == 1 and published_votes(client, engine)["1"] == 117
    # the same proposal sent again is the one already waiting
    repeated = send(client, officers, ppwp_form(TPS, (171, 100, 20)), "hp-tps-a:0004")
    assert repeated.status_code == 202 and repeated.json()["correction_id"] == body["correction_id"]
    with engine.connect() as conn:
        proposal = conn.execute(select(corrections)).one()
    assert proposal.status == "proposed" and proposal.proposed_by.endswith("kpps")
    assert count_rows(engine, corrections) == 1
    decided = client.post(f"/api/v1/corrections/{body['correction_id']}/decision",
                          json={"approve": True, "reason": "sesuai foto formulir"}, headers=officers["kpu-ri"])
    assert decided.status_code == 200, decided.text
    assert published_votes(client, engine)["1"] == 171
    with engine.connect() as conn:
        pages = {r.version_id: r.page for r in conn.execute(select(version_photos))}
        versions = [r.id for r in conn.execute(select(form_versions.c.id).order_by(form_versions.c.id))]
    assert len(versions) == 2 and pages == {versions[0]: 2, versions[1]: 2}  # the photo stayed with the record
    record = client.get(f"/api/v1/tps/ppwp/{TPS}").json()
    assert record["current"]["photos"], record["current"]


def test_within_the_grace_period_the_officer_replaces_the_numbers(client, engine, officers):
    client.app.state.resend_grace = 3600.0
    assert send(client, officers, ppwp_form(TPS, (117, 100, 20)), "hp-tps-a:0101").status_code == 201
    replaced = send(client, officers, ppwp_form(TPS, (171, 100, 20)), "hp-tps-a:0102")
    assert replaced.status_code == 201 and replaced.json()["version_no"] == 2
    assert count_rows(engine, corrections) == 0
    assert published_votes(client, engine)["1"] == 171


def test_a_bad_grace_setting_is_refused_at_start(monkeypatch):
    from suara.config import Settings

    for bad in ("soon", "-1", "1e9"):
        monkeypatch.setenv("SUARA_RESEND_GRACE_SECONDS", bad)
        with pytest.raises(ValueError, match="SUARA_RESEND_GRACE_SECONDS"):
            Settings.from_env()
    monkeypatch.setenv("SUARA_RESEND_GRACE_SECONDS", "300")
    assert Settings.from_env().resend_grace_seconds == 300.0


def test_the_stored_versions_of_a_batch_are_its_own_pairs_found_in_one_read(engine, reference):
    """A batch's (contest, tps) pairs are looked up with every contest and TPS in one statement
    (store/dialect.crossed_chunks): a TPS asked for under one contest and stored under another is
    not in the answer, and each pair found carries its latest version."""
    from suara.services import resends
    from suara.services.submission import Submission, submit_forms

    other = "3171011001002"
    sent = [Submission(ppwp_form(TPS), None, "test"), Submission(ppwp_form(TPS, votes=(61, 122, 64)), None, "test"),
            Submission(ppwp_form(other), None, "test")]
    assert all(r.version_id for r in submit_forms(engine, reference, sent))
    asked = [("ppwp", TPS), ("pdpr", other), ("pdpr", TPS)]  # (ppwp, other) is stored but not asked for
    with engine.connect() as conn:
        stored = resends.stored_versions(conn, asked)
        heads = resends.version_heads(conn, asked)
    assert list(stored) == [("ppwp", TPS)] and stored[("ppwp", TPS)].version_no == 2
    assert list(heads) == [("ppwp", TPS)] and heads[("ppwp", TPS)].latest == 2
