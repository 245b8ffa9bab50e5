"""Contributions and rollups to and from their stored form."""

from __future__ import annotations

from typing import Any

import orjson

from suara.domain.form import parse_form
from suara.domain.tally import Contribution, Totals


def contribution_of_version(payload: str, flags: str) -> Contribution:
    """The contribution of a stored form version (its payload was checked when it was stored)."""
    return Contribution.of(parse_form(orjson.loads(payload)), (f["rule"] for f in orjson.loads(flags)))


def dump_contribution(c: Contribution) -> str:
    return orjson.dumps({"votes": c.votes, "sah": c.suara_sah, "tidak_sah": c.suara_tidak_sah,
                         "total": c.suara_total, "flags": c.flags, "dpt": c.pemilih_dpt,
                         "pengguna": c.pengguna_total}).decode()


def load_contribution(text: str) -> Contribution:
    d = orjson.loads(text)
    return Contribution(d["votes"], d["sah"], d["tidak_sah"], d["total"], tuple(d["flags"]), d["dpt"], d["pengguna"])


ROLLUP_NUMBERS = ("tps_reported", "tps_flagged", "suara_sah", "suara_tidak_sah", "suara_total",
                  "tps_turnout", "pemilih_dpt", "pengguna_total")


def totals_of_row(row: Any) -> Totals:
    m = row._mapping
    return Totals(**{k: int(m[k]) for k in ROLLUP_NUMBERS},
                  votes=orjson.loads(m["votes"]), flag_counts=orjson.loads(m["flag_counts"]))


def row_of_totals(t: Totals) -> dict[str, Any]:
    d = t.as_dict()
    d["votes"] = orjson.dumps(d["votes"]).decode()
    d["flag_counts"] = orjson.dumps(d["flag_counts"]).decode()
    return d
