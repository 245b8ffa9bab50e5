"""Contributions and rollups to and from their stored form."""

from __future__ import annotations

from typing import Any

import orjson

from suara.domain.tally import Contribution, Totals, rule_order, votes_of_doc


def contribution_of_version(payload: str, flags: str) -> Contribution:
    """The contribution of a stored form version.

    The payload was parsed and checked when it was stored, so it is read directly here: the
    tally and `suara verify` do this for every TPS of the nation.
    """
    doc = orjson.loads(payload)
    adm = doc.get("administrasi") or {}
    return Contribution(votes_of_doc(doc), doc["suara_sah"], doc["suara_tidak_sah"], doc["suara_total"],
                        tuple(sorted(rules_of_flags(flags), key=rule_order)), adm.get("pemilih_dpt_j"),
                        adm.get("pengguna_total_j"), doc.get("dapil"))


def rules_of_flags(flags: str) -> frozenset[str]:
    """The distinct rules of a version's stored flags (a JSON list of {"rule": ...})."""
    if flags == "[]":  # most forms: skip the parse
        return frozenset()
    return frozenset(f["rule"] for f in orjson.loads(flags))


ROLLUP_NUMBERS = ("tps_reported", "tps_flagged", "suara_sah", "suara_tidak_sah", "suara_total",
                  "tps_turnout", "pemilih_dpt", "pengguna_total")


def totals_of_row(row: Any) -> Totals:
    m = row._mapping
    return Totals(**{k: int(m[k]) for k in ROLLUP_NUMBERS},
                  votes=orjson.loads(m["votes"]), flag_counts=orjson.loads(m["flag_counts"]))


def row_of_totals(t: Totals) -> dict[str, Any]:
    # key order in the stored JSON means nothing (readers load it into a dict); orjson's own
    # sort keeps the text deterministic without a Python sort of every candidate key per fold
    d: dict[str, Any] = {k: getattr(t, k) for k in ROLLUP_NUMBERS}
    d["votes"] = orjson.dumps(t.votes, option=orjson.OPT_SORT_KEYS).decode()
    d["flag_counts"] = orjson.dumps(t.flag_counts, option=orjson.OPT_SORT_KEYS).decode()
    return d
