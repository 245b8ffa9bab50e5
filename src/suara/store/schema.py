"""Tables (SQLAlchemy Core). Form versions and audit events are append-only."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which stores no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


regions = Table(
    "regions", metadata,
    Column("kode", String(10), primary_key=True),
    Column("tingkat", SmallInteger, nullable=False),
    Column("nama", Text, nullable=False),
    Column("tps", Text, nullable=False, default=""),
)

contests = Table(
    "contests", metadata,
    Column("key", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("region", String(10), nullable=False),
    Column("nama", Text, nullable=False),
    Column("tps_cap", Integer, nullable=False),
    Column("election", String(32), nullable=False, server_default=""),
    Column("excludes", Text, nullable=False, server_default=""),  # region prefixes, ';'-separated
)

# Candidate pairs and DPD candidates. The parties of the party-list contests are in `parties`,
# once for the DPR and both DPRD contests.
candidates = Table(
    "candidates", metadata,
    Column("contest", String(32), primary_key=True),
    Column("nomor_urut", SmallInteger, primary_key=True),
    Column("id", String(16), nullable=False, unique=True),
    Column("nama", Text, nullable=False),
    Column("warna", String(16), nullable=False),
)

# --- elections: each with its own TPS list; the legislative ballots' parties, dapil and lists ---

elections = Table(
    "elections", metadata,
    Column("key", String(32), primary_key=True),
    Column("nama", Text, nullable=False),
    Column("own_tps_list", Boolean, nullable=False),
)

# The TPS of each desa for an election with its own list (Pilkada); others use regions.tps.
election_tps = Table(
    "election_tps", metadata,
    Column("election", String(32), primary_key=True),
    Column("kode", String(10), primary_key=True),
    Column("tps", Text, nullable=False),
)

# TPS named other than "TPS nnn": overseas TPSLN, KSK (mobile box) and POS (postal) stations.
stations = Table(
    "stations", metadata,
    Column("kode", String(13), primary_key=True),
    Column("nama", Text, nullable=False),
    Column("metode", String(8), nullable=False),
    Column("sintetis", Boolean, nullable=False),
)

parties = Table(
    "parties", metadata,
    Column("nomor_urut", SmallInteger, primary_key=True, autoincrement=False),
    Column("id_partai", String(16), nullable=False),
    Column("nama", Text, nullable=False),
    Column("nama_lengkap", Text, nullable=False),
    Column("singkatan", Text, nullable=False),
    Column("warna", String(16), nullable=False),
    Column("aceh_local", Boolean, nullable=False),
)

dapil = Table(
    "dapil", metadata,
    Column("jenis", String(8), primary_key=True),
    Column("kode", String(8), primary_key=True),
    Column("nama", Text, nullable=False),
    Column("kursi", SmallInteger, nullable=False),
    Column("kursi_inferred", Boolean, nullable=False),
    Column("provinsi", String(2), nullable=False),
    Column("kabkota", String(4), nullable=True),
)

dapil_members = Table(
    "dapil_members", metadata,
    Column("jenis", String(8), primary_key=True),
    Column("kode", String(10), primary_key=True),  # a kab/kota, kecamatan or desa (or 99)
    Column("kode_dapil", String(8), nullable=False),
)

caleg = Table(
    "caleg", metadata,
    Column("id", String(8), primary_key=True),
    Column("jenis", String(8), nullable=False),
    Column("kode_dapil", String(8), nullable=False),
    Column("partai", SmallInteger, nullable=True),  # None: DPD, where candidates are individuals
    Column("nomor_urut", SmallInteger, nullable=False),
    Column("nama", Text, nullable=False),
    Column("jenis_kelamin", String(1), nullable=False),
)

form_versions = Table(
    "form_versions", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("contest", String(32), nullable=False),
    Column("tps", String(13), nullable=False),
    Column("version_no", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("flags", Text, nullable=False),
    Column("outcome", String(24), nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=False),
    Column("actor", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("idempotency_key", Text, nullable=True, unique=True),
    Column("request_hash", String(64), nullable=True),
    # the machine reading of the photos and what the officer did with it (domain/machine_reading.py)
    Column("reading", Text, nullable=True),
    # tps first: lookups are by a list of TPS codes, and a leading column the planner can match
    # keeps PostgreSQL on the index even before it has statistics for a fresh table
    Index("ix_form_versions_tps", "tps", "contest", "version_no", unique=True),
)

rollups = Table(
    "rollups", metadata,
    Column("contest", String(32), primary_key=True),
    Column("kode", String(10), primary_key=True),
    Column("tingkat", SmallInteger, nullable=False),
    Column("tps_reported", Integer, nullable=False),
    Column("tps_flagged", Integer, nullable=False),
    Column("suara_sah", BigInteger, nullable=False),
    Column("suara_tidak_sah", BigInteger, nullable=False),
    Column("suara_total", BigInteger, nullable=False),
    Column("tps_turnout", Integer, nullable=False),
    Column("pemilih_dpt", BigInteger, nullable=False),
    Column("pengguna_total", BigInteger, nullable=False),
    Column("votes", Text, nullable=False),
    Column("flag_counts", Text, nullable=False),
    Column("tally_seq", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # publishers ask "which rollups changed since tally point N?" several times a second
    Index("ix_rollups_tally_seq", "tally_seq"),
)

# How far the tally has folded: every version with id <= last_version_id is in the rollups.
# Ids are handed out under the audit-head lock, so they become visible in order and a cursor
# is enough to fold each version exactly once.
tally_state = Table(
    "tally_state", metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("last_version_id", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Which rules the counted version of each TPS carries (as of the tally cursor), kept by the
# fold beside the rollups: rollups count flagged TPS per rule, this names them. The key leads
# with (contest, rule) so "the first TPS of a region with rule R" is one index range.
flagged_tps = Table(
    "flagged_tps", metadata,
    Column("contest", String(32), primary_key=True),
    Column("rule", String(8), primary_key=True),
    Column("tps", String(13), primary_key=True),
)

audit_events = Table(
    "audit_events", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("at", Text, nullable=False),
    Column("kind", String(48), nullable=False),
    Column("actor", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# The write head: the end of the audit chain and the last form version id handed out. Every
# writer locks this one row, so the chain never forks and version ids become visible in order.
audit_head = Table(
    "audit_head", metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("last_version_id", BigInteger, nullable=False),
)

# --- the write side: accounts, tokens, corrections, complaints ---------------------------------

accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("scope", String(13), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the secret
    Column("label", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Column("expires_at", UTCDateTime(), nullable=False),  # refused from then on; rotation issues a new one
)

corrections = Table(
    "corrections", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contest", String(32), nullable=False),
    Column("tps", String(13), nullable=False, index=True),
    Column("payload", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("proposed_by", Text, nullable=False),
    Column("proposed_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("decided_by", Text, nullable=True),
    Column("decided_at", UTCDateTime(), nullable=True),
    Column("decision_reason", Text, nullable=True),
    Column("version_id", BigInteger, nullable=True),
)

complaints = Table(
    "complaints", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(16), nullable=False, unique=True),
    Column("contest", String(32), nullable=False),
    Column("tps", String(13), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("reason", Text, nullable=True),
    Column("correction_id", Integer, nullable=True),
    Column("handled_by", Text, nullable=True),
)

# Photos of a form version's pages: the original (officials) and the public copy without GPS,
# both content-addressed in the blob store. Recorded in the version's audit event as well.
version_photos = Table(
    "version_photos", metadata,
    Column("version_id", BigInteger, primary_key=True, autoincrement=False),
    Column("page", SmallInteger, primary_key=True, autoincrement=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("public_sha256", String(64), nullable=False, index=True),
    Column("media_type", String(16), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
)

# --- the official recapitulation (D Hasil), tier by tier ---------------------------------------

# Every recording of a tier, append-only: a tier re-recorded before its plenary closes it, or
# after KPU RI reopens it, gets a new revision; earlier ones stay readable.
recap_records = Table(
    "recap_records", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contest", String(32), nullable=False),
    Column("kode", String(10), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("tingkat", String(16), nullable=False),
    Column("rows", Text, nullable=False),  # {child kode: {votes, suara_sah, suara_tidak_sah, pengguna_total_j}}
    Column("content_hash", String(64), nullable=False),
    Column("minutes_sha256", String(64), nullable=True),  # the photo of the plenary's minutes
    Column("minutes_public_sha256", String(64), nullable=True),
    Column("minutes_media_type", String(16), nullable=True),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Index("ix_recap_records_key", "contest", "kode", "revision", unique=True),
)

# Where each tier stands: recorded (its plenary may still record it again) or locked (closed).
recap_status = Table(
    "recap_status", metadata,
    Column("contest", String(32), primary_key=True),
    Column("kode", String(10), primary_key=True),
    Column("tingkat", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("locked_by", Text, nullable=True),
    Column("locked_at", UTCDateTime(), nullable=True),
    Column("reopened_by", Text, nullable=True),
    Column("reopened_at", UTCDateTime(), nullable=True),
    Column("reopen_reason", Text, nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)
