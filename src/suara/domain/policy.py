"""What a deployment does with flags: publish as-is (the legal model) or refuse errors (strict)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from suara.domain.rules import Flag, Severity


class Policy(str, Enum):
    AS_IS = "as-is"
    STRICT = "strict"


class Outcome(str, Enum):
    STORED = "stored"
    STORED_WITH_NOTES = "stored_with_notes"
    REFUSED = "refused"

    @property
    def accepted(self) -> bool:
        return self is not Outcome.REFUSED

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.STORED: "Data Sudah Terkirim",
    Outcome.STORED_WITH_NOTES: "Data Sudah Terkirim, dengan Catatan",
    Outcome.REFUSED: "Data Tidak Terkirim",
}


def decide(policy: Policy, flags: Sequence[Flag]) -> Outcome:
    """The outcome of a well-formed form under a policy."""
    if not flags:
        return Outcome.STORED
    if policy is Policy.STRICT and any(f.severity is Severity.ERROR for f in flags):
        return Outcome.REFUSED
    return Outcome.STORED_WITH_NOTES
