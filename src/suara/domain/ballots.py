"""The party-list ballots: which parties stand in each dapil and who is on their lists.

A DPR, DPRD provinsi or DPRD kab/kota form names, per party, the votes of each candidate by
the candidate's number on the party's list in the TPS's dapil; this book turns a TPS into that
ballot, and a (dapil, party, number) back into the candidate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from suara.domain.contests import Candidate
from suara.domain.dapil import Caleg, Dapil, DapilMap, Partai
from suara.domain.rules import Ballot

ACEH = "11"
# The DPR has no Aceh local party; both DPRD of Aceh have them.
LOCAL_PARTY_KINDS = frozenset({"pdprdp", "pdprdk"})


class BallotBook:
    def __init__(self, parties: Sequence[Partai], dapil_map: DapilMap, caleg: Iterable[Caleg]) -> None:
        self.parties = {p.nomor_urut: p for p in parties}
        self.dapil_map = dapil_map
        self._lists: dict[tuple[str, str], dict[str, list[Caleg]]] = defaultdict(lambda: defaultdict(list))
        self._dpd: dict[str, list[Caleg]] = defaultdict(list)
        self._by_id: dict[str, Caleg] = {}
        for c in caleg:
            self._by_id[c.id] = c
            if c.partai is None:
                self._dpd[c.kode_dapil].append(c)
            else:
                self._lists[(c.jenis, c.kode_dapil)][str(c.partai)].append(c)
        self._ballots: dict[tuple[str, str], Ballot] = {}

    def contest_parties(self, kind: str) -> list[Partai]:
        """The parties of a party-list contest nationally (Aceh's local parties in the DPRD only)."""
        return [p for p in self.parties.values() if kind in LOCAL_PARTY_KINDS or not p.aceh_local]

    def party_candidates(self, kind: str) -> tuple[Candidate, ...]:
        """The parties as the contest's 'candidates': what the region totals are counted by."""
        return tuple(Candidate(p.nomor_urut, p.id_partai, p.nama, p.warna) for p in self.contest_parties(kind))

    def dapil_of(self, kind: str, code: str) -> Dapil | None:
        return self.dapil_map.dapil_of(kind, code)

    def standing(self, kind: str, dapil: str) -> dict[str, list[Caleg]]:
        """Per party standing in the dapil (by ballot number, as text), its list in list order.

        A party stands where it has a list. The source has no lists of Aceh's local parties for
        the DPRA (DPRD provinsi Aceh) although they stood there, so in Aceh's DPRD dapil every
        local party stands, with the candidates the source has (possibly none).
        """
        lists = {party: sorted(cs, key=lambda c: c.nomor_urut)
                 for party, cs in self._lists.get((kind, dapil), {}).items()}
        if kind in LOCAL_PARTY_KINDS and dapil.startswith(ACEH):
            for p in self.parties.values():
                if p.aceh_local:
                    lists.setdefault(str(p.nomor_urut), [])
        return dict(sorted(lists.items(), key=lambda kv: int(kv[0])))

    def ballot(self, kind: str, tps: str) -> Ballot | None:
        """The ballot of a TPS for a party-list contest; None when no dapil covers it."""
        dapil = self.dapil_map.dapil_of(kind, tps)
        if dapil is None:
            return None
        key = (kind, dapil.kode)
        ballot = self._ballots.get(key)
        if ballot is None:
            ballot = Ballot(dapil.kode, {party: frozenset(str(c.nomor_urut) for c in cs)
                                         for party, cs in self.standing(kind, dapil.kode).items()})
            self._ballots[key] = ballot
        return ballot

    def candidate(self, kind: str, dapil: str, party: str, nomor: str) -> Caleg | None:
        for c in self._lists.get((kind, dapil), {}).get(party, ()):
            if str(c.nomor_urut) == nomor:
                return c
        return None

    def by_id(self, caleg_id: str) -> Caleg | None:
        return self._by_id.get(caleg_id)

    def dpd_candidates(self, provinsi: str) -> list[Caleg]:
        return sorted(self._dpd.get(provinsi, ()), key=lambda c: c.nomor_urut)
