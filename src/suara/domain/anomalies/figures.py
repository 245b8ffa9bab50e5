"""What the screens read of one TPS's counted form: its votes in the contest's ballot order and
the numbers turnout is made of."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TpsFigures:
    tps: str
    # per ballot number of the contest: a candidate's votes, or on a party-list form a party's total
    votes: tuple[int, ...]
    suara_sah: int
    suara_tidak_sah: int
    suara_total: int
    pemilih_dpt: int | None
    pengguna_total: int | None
    rules: tuple[str, ...] = ()  # ids of the consistency rules the form breaks

    @property
    def desa(self) -> str:
        return self.tps[:10]

    @property
    def turnout(self) -> float | None:
        """Voters who voted over the register (DPT), as a fraction; None without both."""
        if self.pemilih_dpt is None or self.pengguna_total is None or self.pemilih_dpt <= 0:
            return None
        return self.pengguna_total / self.pemilih_dpt

    @property
    def votes_counted(self) -> int:
        return sum(self.votes)


def figures_of(tps: str, form: Mapping[str, Any], flags: Iterable[Mapping[str, Any]],
               keys: Sequence[str]) -> TpsFigures:
    """The figures of a stored form (the canonical JSON), its flags and the contest's ballot
    numbers (candidates, or the parties of a party-list contest)."""
    partai = form.get("partai")
    if partai is not None:
        votes = tuple(int(partai[k]["jumlah"]) if k in partai else 0 for k in keys)
    else:
        suara = form["suara"]
        votes = tuple(int(suara.get(k, 0)) for k in keys)
    administrasi = form.get("administrasi") or {}
    rules = tuple(sorted({str(f["rule"]) for f in flags}, key=lambda r: (len(r), r)))
    return TpsFigures(tps, votes, int(form["suara_sah"]), int(form["suara_tidak_sah"]), int(form["suara_total"]),
                      administrasi.get("pemilih_dpt_j"), administrasi.get("pengguna_total_j"), rules)
