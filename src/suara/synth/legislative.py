"""Votes on the party-list ballots (DPR, DPRD provinsi, DPRD kab/kota): per TPS, each party
standing in the TPS's dapil gets its own votes and its candidates' votes, in list order.

Party shares start from the province's calibrated shares, vary by kab/kota and by TPS; within a
party the split between the party itself and its candidates is a property of the dapil (a
strong candidate is strong everywhere in the dapil), with a little local variation per kab/kota.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from suara.domain.ballots import ACEH, LOCAL_PARTY_KINDS
from suara.domain.contests import Contest
from suara.domain.dapil import Partai
from suara.domain.regions import OVERSEAS
from suara.store.reference import Reference
from suara.synth.selection import stream
from suara.synth.shares import (
    calibrate_parties,
    list_weights,
    national_targets,
    province_bases,
    with_aceh_local_parties,
)

KAB_CONCENTRATION = 400.0  # how far a kab/kota strays from its province (higher: less)
TPS_CONCENTRATION = 60.0  # how far a TPS strays from its kab/kota
LOCAL_CANDIDATE_SPREAD = 0.3  # a candidate's home ground: log-normal spread per kab/kota
OVERSEAS_WEIGHT = 0.35  # an overseas station counts fewer votes than a TPS at home
REGIONAL_SEED = "synth-regional"  # the party map does not change with the seed


@dataclass(frozen=True)
class Layout:
    """A dapil's ballot as columns: per party standing, its own votes then its candidates'."""

    dapil: str
    party_index: np.ndarray  # per party standing: its position among the contest's parties
    column_party: np.ndarray  # per column: which party (position among those standing)
    offsets: np.ndarray  # per party standing: its first column
    weights: np.ndarray  # per column: share of the party's votes (sums to 1 per party)
    blocks: tuple[tuple[str, tuple[str, ...]], ...]  # per party standing: its number, its candidates' numbers


class PartyBook:
    """The calibrated party shares of the nation: one per reference, shared by the three
    party-list contests, so that the DPRD look like the DPR (plus Aceh's local parties)."""

    def __init__(self, reference: Reference) -> None:
        assert reference.book is not None
        self.parties: list[Partai] = list(reference.book.parties.values())
        self.position = {str(p.nomor_urut): i for i, p in enumerate(self.parties)}
        provinces = [r.kode for r in reference.tree.children("0")]
        bases = province_bases(self.parties, provinces, stream(0, REGIONAL_SEED))
        cells = self.calibration_cells(reference)
        # without DPR dapil (a deployment of DPRD alone) the starting shares stand uncalibrated
        self.bases = calibrate_parties(bases, cells, national_targets(self.parties)) if cells else bases

    def calibration_cells(self, reference: Reference) -> list[tuple[str, np.ndarray, float]]:
        """(province, parties standing, expected votes) per DPR dapil and province, over the
        whole nation whatever part of it is generated."""
        assert reference.book is not None
        book = reference.book
        contest = reference.contests.get("pdpr")
        weight: dict[tuple[str, str], float] = defaultdict(float)
        for desa in reference.tree.regions(4):
            if not desa.tps_total or (contest is not None and not contest.covers(desa.kode)):
                continue
            dapil = book.dapil_of("pdpr", desa.kode)
            if dapil is not None:
                factor = OVERSEAS_WEIGHT if desa.kode.startswith(OVERSEAS) else 1.0
                weight[(desa.kode[:2], dapil.kode)] += desa.tps_total * factor
        cells = []
        for (prov, dapil_kode), w in sorted(weight.items()):
            standing = book.standing("pdpr", dapil_kode)
            mask = np.array([str(p.nomor_urut) in standing for p in self.parties])
            cells.append((prov, mask, w))
        return cells

    def province_shares(self, kind: str, province: str) -> np.ndarray:
        base = self.bases.get(province)
        if base is None:  # a province the tree does not have: the national shares
            base = national_targets(self.parties)
            base = base / base.sum()
        if kind in LOCAL_PARTY_KINDS and province == ACEH:
            return with_aceh_local_parties(base, self.parties)
        return base


class PartyListVotes:
    """Per (contest, kab/kota): the party blocks of every TPS's form."""

    def __init__(self, reference: Reference, contest: Contest, parties: PartyBook, seed: int) -> None:
        self.reference = reference
        self.contest = contest
        self.parties = parties
        self.seed = seed
        self._columns = np.array([parties.position[n] for n in contest.nomor_keys])
        self._contest_position = {n: i for i, n in enumerate(contest.nomor_keys)}
        self._layouts: dict[str, Layout] = {}

    def layout(self, dapil: str) -> Layout:
        known = self._layouts.get(dapil)
        if known is not None:
            return known
        assert self.reference.book is not None
        standing = self.reference.book.standing(self.contest.kind, dapil)
        nomors = [n for n in standing if n in self._contest_position]
        lengths = [len(standing[n]) for n in nomors]
        weights = list_weights(stream(self.seed, self.contest.key, "dapil", dapil), lengths)
        offsets = np.cumsum([0] + [1 + k for k in lengths[:-1]])
        blocks = tuple((n, tuple(str(c.nomor_urut) for c in standing[n])) for n in nomors)
        layout = Layout(dapil, np.array([self._contest_position[n] for n in nomors]),
                        np.repeat(np.arange(len(nomors)), [1 + k for k in lengths]), offsets,
                        np.concatenate(weights), blocks)
        self._layouts[dapil] = layout
        return layout

    def draw(self, rng: np.random.Generator, kab: str, codes: Sequence[str],
             valid: np.ndarray) -> list[tuple[str, dict[str, Any]] | None]:
        """Per TPS (in order): its dapil and party blocks; None for a TPS outside every dapil."""
        base = self.parties.province_shares(self.contest.kind, kab[:2])[self._columns]
        kab_share = rng.dirichlet(base * KAB_CONCENTRATION + 1e-3)
        groups: dict[str, list[int]] = defaultdict(list)
        for i, tps in enumerate(codes):
            ballot = self.reference.ballot(self.contest, tps)
            if ballot is not None:
                groups[ballot.dapil].append(i)
        result: list[tuple[str, dict[str, Any]] | None] = [None] * len(codes)
        for dapil in sorted(groups):
            rows = np.array(groups[dapil])
            layout = self.layout(dapil)
            for i, partai in zip(rows.tolist(), self._group_votes(rng, layout, kab_share, valid[rows]), strict=True):
                result[i] = (dapil, partai)
        return result

    def _group_votes(self, rng: np.random.Generator, layout: Layout, kab_share: np.ndarray,
                     valid: np.ndarray) -> Iterator[dict[str, Any]]:
        party_share = kab_share[layout.party_index]
        party_share = party_share / party_share.sum()
        local = layout.weights * rng.lognormal(0.0, LOCAL_CANDIDATE_SPREAD, len(layout.weights))
        local /= np.add.reduceat(local, layout.offsets)[layout.column_party]
        tps_share = rng.gamma(party_share * TPS_CONCENTRATION, size=(len(valid), len(party_share)))
        tps_share /= tps_share.sum(axis=1, keepdims=True)
        probabilities = tps_share[:, layout.column_party] * local
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        votes = rng.multinomial(valid, probabilities)
        totals = np.add.reduceat(votes, layout.offsets, axis=1).tolist()
        blocks = layout.blocks
        for row, jumlah in zip(votes.tolist(), totals, strict=True):
            # columns run party, its candidates, next party...: read them off in one pass (zip
            # asks `keys` first, so it never takes a column past the party's list)
            column = iter(row)
            yield {nomor: {"suara_partai": next(column), "caleg": dict(zip(keys, column)), "jumlah": total}
                   for (nomor, keys), total in zip(blocks, jumlah, strict=True)}
