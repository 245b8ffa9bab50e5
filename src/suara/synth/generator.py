"""The synthetic election, kab/kota by kab/kota: every ballot of every TPS on its election's list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from suara.domain.contests import Contest, Shape
from suara.domain.regions import NATIONAL
from suara.store.reference import Reference
from suara.synth.administrasi import BallotCount, Voters, count_ballots, draw_voters, is_overseas
from suara.synth.errors import ERROR_KINDS, ERROR_WEIGHTS, inject_error
from suara.synth.legislative import PartyBook, PartyListVotes
from suara.synth.selection import SynthOptions, select_contests, stream
from suara.synth.shares import PPWP_NATIONAL_TARGET, PPWP_PROVINCE_SHARES, calibrate

SMALL_STATIONS = frozenset({"POS", "KSK"})
# (concentration, floor) of a kab/kota's shares around its province's, and of a TPS's around
# its kab/kota's: the presidential race as before; DPD, with many candidates, keeps its skew.
PASLON_SPREAD = {"pdpd": ((300.0, 0.05), (60.0, 0.05))}
DEFAULT_SPREAD = ((150.0, 0.5), (60.0, 0.3))
DPD_SKEW = 0.8  # Dirichlet parameter of a DPD race's candidate shares: a few lead, many trail


class Synthesizer:
    """Generates C Hasil forms for the chosen contests on each contest's own TPS list.

    Randomness is drawn per (seed, contest, kab/kota), and the voters of a TPS per (seed,
    election, kab/kota), so a province generated alone is identical to the same province in a
    national run, and one contest generated alone to the same contest among others.
    """

    def __init__(self, reference: Reference, options: SynthOptions) -> None:
        self.reference = reference
        self.options = options
        self.contests = select_contests(reference.contests, options.contests)
        if reference.book is None and any(c.shape is Shape.PARTAI for c in self.contests):
            raise ValueError("daftar partai dan dapil belum dimuat: pemilihan legislatif tidak dapat dibuat")
        provinces = [r.kode for r in reference.tree.children(NATIONAL)]
        if options.provinces is not None:
            unknown = sorted(set(options.provinces) - set(provinces))
            if unknown:
                raise ValueError(f"provinsi tidak dikenal: {', '.join(unknown)}")
            provinces = [p for p in provinces if p in options.provinces]
        self.kabs = [k.kode for p in provinces for k in reference.tree.children(p)]
        self._scopes = {c.key: reference.scope(c) for c in self.contests}
        # one cap per election, whatever is chosen, so that the voters of a TPS never depend on it
        self._caps: dict[str, int] = {}
        for c in reference.contests.values():
            self._caps[c.election] = min(self._caps.get(c.election, c.tps_cap), c.tps_cap)
        self._ppwp_shares = (calibrate(reference.tree, PPWP_PROVINCE_SHARES, PPWP_NATIONAL_TARGET)
                             if any(c.kind == "ppwp" for c in self.contests) else {})
        self._party_lists: dict[str, PartyListVotes] = {}
        if any(c.shape is Shape.PARTAI for c in self.contests):
            book = PartyBook(reference)
            self._party_lists = {c.key: PartyListVotes(reference, c, book, options.seed)
                                 for c in self.contests if c.shape is Shape.PARTAI}

    def _covers(self, contest: Contest, kab: str) -> bool:
        return contest.covers(kab) and kab in self._scopes[contest.key].tree

    def total_forms(self) -> int:
        """Forms that forms() yields (a TPS outside every dapil, which the data should not have,
        is counted but skipped)."""
        return sum(self._scopes[c.key].tps_total(kab) for kab in self.kabs for c in self.contests
                   if self._covers(c, kab))

    def forms(self) -> Iterator[dict[str, Any]]:
        for kab in self.kabs:
            yield from self.forms_of_kab(kab)

    def forms_of_kab(self, kab: str) -> Iterator[dict[str, Any]]:
        voters: dict[str, tuple[list[str], Voters]] = {}
        for contest in self.contests:
            if not self._covers(contest, kab):
                continue
            if contest.election not in voters:
                voters[contest.election] = self._voters(contest, kab)
            codes, drawn = voters[contest.election]
            if codes:
                yield from self._contest_forms(contest, kab, codes, drawn)

    def contest_streams(self, kab: str) -> list[tuple[Contest, int, Iterator[dict[str, Any]]]]:
        """The forms of forms_of_kab, one stream per contest (with how many TPS it counts in the
        kab/kota), so a caller can interleave the ballots of a place. Each stream draws its
        numbers only when first read; the forms are exactly those of forms_of_kab."""
        voters: dict[str, tuple[list[str], Voters]] = {}
        streams = []
        for contest in self.contests:
            if not self._covers(contest, kab):
                continue
            if contest.election not in voters:
                voters[contest.election] = self._voters(contest, kab)
            codes, drawn = voters[contest.election]
            if codes:
                streams.append((contest, self._scopes[contest.key].tps_total(kab),
                                self._contest_forms(contest, kab, codes, drawn)))
        return streams

    def _voters(self, contest: Contest, kab: str) -> tuple[list[str], Voters]:
        tree = self._scopes[contest.key].tree
        codes = list(tree.tps_of(kab))
        overseas = is_overseas(kab)
        small = np.array([overseas and tree.station(c).metode in SMALL_STATIONS for c in codes], dtype=bool)
        rng = stream(self.options.seed, "pemilih", contest.election, kab)
        return codes, draw_voters(rng, contest.info.election_kind, self._caps[contest.election], small, overseas)

    def _contest_forms(self, contest: Contest, kab: str, codes: list[str], voters: Voters) -> Iterator[dict[str, Any]]:
        rng = stream(self.options.seed, contest.key, kab)
        count = count_ballots(rng, contest.kind, voters)
        n = len(codes)
        if contest.shape is Shape.PARTAI:
            blocks = self._party_lists[contest.key].draw(rng, kab, codes, count.valid)
        else:
            suara = self._paslon_votes(rng, contest, kab, count)
        errors = (rng.random(n) < self.options.error_rate).tolist()
        kinds = rng.choice(len(ERROR_KINDS), size=n, p=ERROR_WEIGHTS).tolist()
        extra = rng.integers(100, 1000, n).tolist()
        valid, invalid, total = count.valid.tolist(), count.invalid.tolist(), count.total.tolist()
        key = contest.key
        for i, code in enumerate(codes):
            form: dict[str, Any]
            if contest.shape is Shape.PARTAI:
                drawn = blocks[i]
                if drawn is None:
                    continue
                form = {"tps": code, "contest": key, "dapil": drawn[0], "administrasi": count.administrasi[i],
                        "partai": drawn[1]}
            else:
                form = {"tps": code, "contest": key, "administrasi": count.administrasi[i], "suara": suara[i]}
            form["suara_sah"], form["suara_tidak_sah"], form["suara_total"] = valid[i], invalid[i], total[i]
            if errors[i]:
                inject_error(form, ERROR_KINDS[kinds[i]], extra[i])
            yield form

    def _paslon_shares(self, contest: Contest, kab: str) -> np.ndarray:
        if contest.kind == "ppwp" and kab[:2] in self._ppwp_shares:
            return self._ppwp_shares[kab[:2]]
        rng = stream(self.options.seed, contest.key, "base")
        skew = DPD_SKEW if contest.kind == "pdpd" else 3.0
        return rng.dirichlet(np.full(len(contest.candidates), skew))

    def _paslon_votes(self, rng: np.random.Generator, contest: Contest, kab: str,
                      count: BallotCount) -> list[dict[str, int]]:
        (kab_conc, kab_floor), (tps_conc, tps_floor) = PASLON_SPREAD.get(contest.kind, DEFAULT_SPREAD)
        n, k = len(count.valid), len(contest.candidates)
        kab_share = rng.dirichlet(self._paslon_shares(contest, kab) * kab_conc + kab_floor)
        tps_share = rng.gamma(kab_share * tps_conc + tps_floor, size=(n, k))
        tps_share /= tps_share.sum(axis=1, keepdims=True)
        nomor = contest.nomor_keys
        return [dict(zip(nomor, row, strict=True)) for row in rng.multinomial(count.valid, tps_share).tolist()]
