"""Direct changes to the database, made behind the services' back, are named by `suara verify`.

One test per kind of change (issue 11): each builds a small election with accounts, tokens,
photos, corrections and complaints, checks that verify passes, changes one thing with plain SQL
as someone holding the database would, and asserts that verify names that thing. The chain's
own rewrites (truncated, rewritten and re-hashed) are caught with a witness file of the heads
the deployment published before.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from helpers import ppwp_form
from sqlalchemy import delete, select, update

from suara.domain.access import Role
from suara.domain.audit import event_hash, parse_witness
from suara.services import accounts, complaints, corrections
from suara.services.accounts import Principal
from suara.services.submission import PagePhoto, Submission, submit_forms
from suara.services.verify import verify
from suara.store import audit
from suara.store.schema import (
    accounts as accounts_table,
)
from suara.store.schema import (
    api_tokens,
    audit_events,
    audit_head,
    form_versions,
    version_photos,
)
from suara.store.schema import (
    complaints as complaints_table,
)
from suara.store.schema import (
    corrections as corrections_table,
)
from suara.tally.fold import fold_all

TPS_A, TPS_B = "3171011001001", "3171011001002"
PASSWORD = "rahasia-sekali-123"


def _principal(engine: Any, username: str) -> Principal:
    with engine.connect() as conn:
        row = conn.execute(select(accounts_table).where(accounts_table.c.username == username)).one()
    return Principal(row.id, row.username, Role(row.role), row.scope)


@pytest.fixture
def world(engine: Any, reference: Any) -> dict[str, Any]:
    """An election night in small: every kind of row verify must account for."""
    accounts.create_account(engine, "admin-ri", PASSWORD, Role.KPU_RI, "0", "cli")
    accounts.create_account(engine, "kpps-gambir", PASSWORD, Role.KPPS, TPS_A, "admin")
    accounts.create_account(engine, "ppk-gambir", PASSWORD, Role.PPK, "317101", "admin")
    _, kpps = accounts.login(engine, "kpps-gambir", PASSWORD, "hp")
    logged_out, _ = accounts.login(engine, "kpps-gambir", PASSWORD, "tablet")
    assert accounts.revoke_token(engine, logged_out)
    photo = PagePhoto(1, "a" * 64, "b" * 64, "image/jpeg", 1200, 1600)
    submit_forms(engine, reference, [Submission(ppwp_form(TPS_A, (10, 20, 30)), "k-1", kpps.actor, photos=(photo,)),
                                     Submission(ppwp_form(TPS_B, (40, 50, 60)), "k-2", "KPPS:kpps-b")])
    ppk, admin = _principal(engine, "ppk-gambir"), _principal(engine, "admin-ri")
    approved = corrections.propose(engine, reference, ppk, ppwp_form(TPS_A, (11, 20, 30)), "salah baca angka")
    corrections.decide(engine, reference, admin, approved.id, True, "sesuai foto C Hasil")
    rejected = corrections.propose(engine, reference, ppk, ppwp_form(TPS_B, (41, 50, 60)), "dugaan salah tulis")
    corrections.decide(engine, reference, admin, rejected.id, False, "foto menunjukkan angka semula")
    corrected = complaints.file(engine, reference, "ppwp", TPS_A, "angka paslon 1 tidak sama dengan foto")
    complaints.move(engine, ppk, corrected["number"], "under_review", None, None)
    complaints.move(engine, ppk, corrected["number"], "corrected", "sudah dikoreksi", approved.id)
    refused = complaints.file(engine, reference, "ppwp", TPS_B, "angka paslon 2 tidak sama dengan foto")
    complaints.move(engine, ppk, refused["number"], "rejected", "foto dan angka sama", None)
    fold_all(engine)
    report = verify(engine)
    assert report.ok, report.problems
    with engine.connect() as conn:
        versions = {r.tps: r.id for r in conn.execute(select(form_versions.c.id, form_versions.c.tps)
                                                       .where(form_versions.c.version_no == 1))}
        tokens = {r.label: r.id for r in conn.execute(select(api_tokens))}
    return {"version": versions[TPS_A], "other_version": versions[TPS_B], "approved": approved.id,
            "rejected": rejected.id, "corrected": corrected["number"], "refused": refused["number"],
            "live_token": tokens["hp"], "revoked_token": tokens["tablet"]}


def _tamper(engine: Any, statement: Any) -> None:
    with engine.begin() as conn:
        assert conn.execute(statement).rowcount != 0  # -1 (unknown) for an insert on PostgreSQL


def _named(engine: Any, *fragments: str, witness: dict[int, str] | None = None) -> list[str]:
    report = verify(engine, witness=witness)
    assert not report.ok
    assert any(all(f in p for f in fragments) for p in report.problems), report.problems
    return report.problems


# --- form versions -------------------------------------------------------------------------------

LATER = datetime(2024, 2, 15, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(("column", "value"), [
    ("actor", "KPU_RI:siapa-saja"),
    ("reason", "alasan yang tidak pernah diberikan"),
    ("submitted_at", LATER),
    ("outcome", "stored_with_notes"),
    ("flags", '[{"rule":"R8","severity":"warning","message":"ditambahkan"}]'),
])
def test_a_changed_form_version_column_is_named(engine, world, column, value):
    _tamper(engine, update(form_versions).where(form_versions.c.id == world["version"]).values({column: value}))
    _named(engine, f"versi #{world['version']}", column)


def test_a_changed_form_version_payload_is_named(engine, world):
    version = world["other_version"]
    with engine.connect() as conn:
        payload = conn.execute(select(form_versions.c.payload).where(form_versions.c.id == version)).scalar_one()
    _tamper(engine, update(form_versions).where(form_versions.c.id == version)
            .values(payload=payload.replace('"1":40', '"1":400')))
    _named(engine, f"versi #{version}", "isi formulir diubah")


# --- corrections and complaints ------------------------------------------------------------------

@pytest.mark.parametrize(("key", "column", "value"), [
    ("approved", "decided_by", "KPU_RI:orang-lain"),
    ("rejected", "status", "approved"),
    ("rejected", "decision_reason", "disetujui"),
    ("rejected", "version_id", 2),
])
def test_a_changed_correction_is_named(engine, world, key, column, value):
    _tamper(engine, update(corrections_table).where(corrections_table.c.id == world[key]).values({column: value}))
    _named(engine, f"koreksi {world[key]}", column)


@pytest.mark.parametrize(("key", "column", "value"), [
    ("refused", "status", "corrected"),
    ("refused", "reason", "alasan lain"),
    ("corrected", "correction_id", 999),
    ("corrected", "handled_by", "PPK:bukan-dia"),
])
def test_a_changed_complaint_is_named(engine, world, key, column, value):
    _tamper(engine, update(complaints_table).where(complaints_table.c.number == world[key]).values({column: value}))
    _named(engine, f"pengaduan {world[key]}", column)


# --- photos --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("column", "value"), [
    ("media_type", "image/png"), ("width", 10), ("height", 10), ("public_sha256", "c" * 64),
])
def test_changed_photo_metadata_is_named(engine, world, column, value):
    _tamper(engine, update(version_photos).where(version_photos.c.version_id == world["version"]).values({column: value}))
    _named(engine, f"foto versi #{world['version']} halaman 1", column)


# --- accounts and tokens -------------------------------------------------------------------------

@pytest.mark.parametrize(("column", "value", "shown"), [
    ("role", "KPU_RI", "role"),
    ("scope", "0", "scope"),
    ("active", False, "active"),
    ("password_hash", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "password_sha256"),
])
def test_a_changed_account_is_named(engine, world, column, value, shown):
    _tamper(engine, update(accounts_table).where(accounts_table.c.username == "kpps-gambir").values({column: value}))
    _named(engine, "akun kpps-gambir", shown)


def test_an_account_inserted_directly_is_named(engine, world):
    _tamper(engine, accounts_table.insert().values(
        username="palsu-ri", password_hash="$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        role="KPU_RI", scope="0", active=True, failed_logins=0, locked_until=None, created_at=LATER))
    _named(engine, "akun palsu-ri", "tidak tercatat di rantai audit")


def test_an_account_deleted_directly_is_named(engine, world):
    _tamper(engine, delete(accounts_table).where(accounts_table.c.username == "ppk-gambir"))
    _named(engine, "akun ppk-gambir", "hilang dari basis data")


def test_a_token_inserted_directly_is_named(engine, world):
    values: dict[str, Any] = {"account_id": 1, "token_hash": "d" * 64, "label": "pintu belakang",
                              "created_at": LATER, "revoked_at": None}
    if "expires_at" in api_tokens.c:
        values["expires_at"] = LATER + timedelta(days=365)
    _tamper(engine, api_tokens.insert().values(**values))
    _named(engine, "token", "tidak tercatat di rantai audit")


def test_a_revoked_token_made_live_again_is_named(engine, world):
    _tamper(engine, update(api_tokens).where(api_tokens.c.id == world["revoked_token"]).values(revoked_at=None))
    _named(engine, f"token {world['revoked_token']}", "revoked_at")


def test_a_token_moved_to_another_account_is_named(engine, world):
    admin = _principal(engine, "admin-ri")
    _tamper(engine, update(api_tokens).where(api_tokens.c.id == world["live_token"]).values(account_id=admin.account_id))
    _named(engine, f"token {world['live_token']}", "account_id")


# --- the chain itself ----------------------------------------------------------------------------

def _witness(engine: Any) -> dict[int, str]:
    """What a witness recorded: the head now, as `suara witness` writes it."""
    with engine.connect() as conn:
        seq, digest = audit.head(conn)
    return parse_witness([f"{seq},{digest},2024-02-14T20:00:00Z"])


def test_a_truncated_chain_is_named(engine, world):
    witness = _witness(engine)
    with engine.begin() as conn:
        last = conn.execute(select(audit_events).order_by(audit_events.c.seq.desc()).limit(3)).all()
        conn.execute(delete(audit_events).where(audit_events.c.seq >= last[-1].seq))
        keep = last[-1]  # the head goes back to the event before the first one removed
        conn.execute(update(audit_head).values(seq=keep.seq - 1, hash=keep.prev_hash))
    problems = _named(engine, "saksi", f"#{last[0].seq}", "dipotong", witness=witness)
    # without the witness the rows those events recorded are still named
    assert any("tidak tercatat di rantai audit" in p for p in verify(engine).problems), problems


def test_a_chain_rewritten_and_rehashed_is_caught_by_the_witness(engine, world):
    """Someone holding the database changes who authorised a correction in the table and in its
    event, and re-hashes every event from there on: consistent with itself, not with a witness."""
    witness = _witness(engine)
    forged = "KPU_RI:orang-lain"
    with engine.begin() as conn:
        events = conn.execute(select(audit_events).order_by(audit_events.c.seq)).all()
        target = next(e for e in events if e.kind == "correction.approved")
        conn.execute(update(corrections_table).where(corrections_table.c.id == world["approved"])
                     .values(decided_by=forged))
        prev = target.prev_hash
        for event in events[events.index(target):]:
            actor = forged if event.seq == target.seq else event.actor
            digest = event_hash(prev, event.seq, event.at, event.kind, actor, event.subject, event.payload)
            conn.execute(update(audit_events).where(audit_events.c.seq == event.seq)
                         .values(actor=actor, prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(update(audit_head).values(hash=prev))
    assert verify(engine).ok  # nothing inside the database betrays it
    _named(engine, "saksi", f"#{events[-1].seq}", "ditulis ulang", witness=witness)


def test_witness_files_are_read_strictly():
    assert parse_witness(["# saksi", "", f"3,{'a' * 64},2024-02-14T20:00:00Z"]) == {3: "a" * 64}
    with pytest.raises(ValueError, match="dua hash"):
        parse_witness([f"3,{'a' * 64},t", f"3,{'b' * 64},t"])
    with pytest.raises(ValueError, match="baris 1"):
        parse_witness(["3,bukan-hash,t"])


def test_event_payloads_carry_the_public_record_in_full(engine, world):
    with engine.connect() as conn:
        version = next(orjson.loads(e.payload) for e in conn.execute(select(audit_events))
                       if e.kind == "form.version" and orjson.loads(e.payload)["version_id"] == world["version"])
    assert version["photos"] == [{"page": 1, "sha256": "a" * 64, "public_sha256": "b" * 64,
                                  "media_type": "image/jpeg", "width": 1200, "height": 1600}]
    assert {"submitted_at", "outcome", "flags", "reason", "content_hash"} <= set(version)
