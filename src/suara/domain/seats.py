"""Seat projection for DPR, DPRD provinsi and DPRD kabupaten/kota, from the preliminary count.

The method is the one UU 7/2017 sets out; everything is exact integer and Fraction
arithmetic, never floating point, so a projection is the same on every machine.

1. Threshold (DPR only). UU 7/2017 Pasal 414 ayat (1): a party takes part in the
   allocation of DPR seats only with at least 4% of all valid DPR votes nationally;
   ayat (2): every party takes part for DPRD provinsi and DPRD kabupaten/kota. A party
   under the threshold gets no DPR seat in any dapil, however strong it is there.
2. Seats per party (Pasal 415 ayat (2) and Pasal 420): in each dapil, each eligible
   party's valid votes (party-only votes plus all its candidates' votes) are divided by
   1, 3, 5, 7, ... (pure Sainte-Lague); the quotients are ranked and the dapil's seats go
   one by one to the largest.
3. Candidates (Pasal 422, followed by PKPU 6/2024 on penetapan calon terpilih): a
   party's seats go to its candidates in order of their own votes ("suara terbanyak").
   Party-only votes count for the party, not for any candidate.

Ties (see TIE_RULE, which is returned with every projection so the UI can say it):

- Two quotients equal at the last seat: the party with more valid votes in the dapil wins;
  if those are equal too, the party with the lower ballot number (nomor urut partai) wins.
- Two candidates of a party equal at its last seat: the candidate with the lower list
  number (nomor urut calon) wins.

The law decides ties by the wider geographic spread of the votes ("persebaran wilayah
perolehan suara yang lebih luas secara berjenjang", PKPU 6/2024 for candidates, and the
same idea for parties since UU 8/2012 Pasal 213). A dapil total does not carry that spread,
so a projection cannot apply it; the rules above are fixed, stated stand-ins, and any seat
they decide is flagged (`tie_decided`) so the UI can say the official rule may differ.
The list-number rule matches PKPU 6/2024 where a party wins a seat but none of its
candidates has any vote: the seat then goes by list order of the DCT.

Why "more votes, then lower ballot number" for parties: preferring the party with more
votes in the dapil follows the law's "suara terbanyak" and, since a party's quotients rise
strictly with its votes, keeps the projection monotone (more votes never cost a seat); the
ballot number makes the order total, so the result does not depend on input order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final


@dataclass(frozen=True, slots=True)
class BilingualText:
    """A text the publishers show, Indonesian first."""

    id: str
    en: str


PROJECTION_LABEL: Final = BilingualText(
    id=(
        "Proyeksi kursi dari penghitungan suara sementara (formulir C Hasil yang sudah "
        "masuk), bukan hasil resmi. Penetapan perolehan kursi dan calon terpilih dilakukan KPU "
        "setelah rekapitulasi berjenjang."
    ),
    en=(
        "Seat projection from the preliminary count (C Hasil forms received so far), "
        "not an official result. KPU determines seats and elected candidates after the "
        "tiered recapitulation."
    ),
)

TIE_RULE: Final = BilingualText(
    id=(
        "Jika hasil bagi dua partai sama pada kursi terakhir, kursi diberikan kepada partai "
        "dengan suara sah lebih banyak di dapil, lalu kepada nomor urut partai yang lebih "
        "kecil. Jika suara dua calon sama pada kursi terakhir partainya, kursi diberikan "
        "kepada nomor urut calon yang lebih kecil. Aturan resmi memakai persebaran wilayah "
        "perolehan suara, yang tidak tersedia dalam proyeksi ini."
    ),
    en=(
        "If two parties' quotients are equal at the last seat, the seat goes to the party "
        "with more valid votes in the dapil, then to the lower party ballot number. If two "
        "candidates' votes are equal at their party's last seat, the seat goes to the lower "
        "list number. The official rule uses the geographic spread of the votes, which this "
        "projection does not have."
    ),
)

# UU 7/2017 Pasal 414 ayat (1): "paling sedikit 4% (empat persen)".
DPR_THRESHOLD: Final = Fraction(4, 100)


@dataclass(frozen=True, slots=True)
class CandidateVotes:
    """One candidate's own votes in the dapil (not the party-only votes)."""

    candidate_id: str
    list_number: int
    votes: int


@dataclass(frozen=True, slots=True)
class PartyVotes:
    """A party in one dapil: `votes` is its total (party-only votes + its candidates')."""

    party_number: int
    votes: int
    candidates: tuple[CandidateVotes, ...] = ()


@dataclass(frozen=True, slots=True)
class ThresholdOutcome:
    """Which parties reach the national threshold, with each party's exact share."""

    threshold: Fraction
    total_votes: int
    shares: Mapping[int, Fraction]
    passed: frozenset[int]


@dataclass(frozen=True, slots=True)
class Quotient:
    """One cell of the Sainte-Lague table: votes / divisor, and the seat it won, if any."""

    party_number: int
    divisor: int
    votes: int
    value: Fraction
    seat: int | None


@dataclass(frozen=True, slots=True)
class CandidateRank:
    candidate_id: str
    list_number: int
    votes: int
    rank: int
    elected: bool


@dataclass(frozen=True, slots=True)
class PartySeats:
    """A party's outcome in the dapil.

    `ranking` lists every candidate in the order seats go (UU 7/2017 Pasal 426 fills a
    vacated seat from the same order). `unfilled_seats` counts seats won beyond the number
    of candidates given. `candidate_tie` is True when equal votes decided who took the
    party's last seat.
    """

    party_number: int
    votes: int
    eligible: bool
    seats: int
    elected: tuple[CandidateRank, ...]
    ranking: tuple[CandidateRank, ...]
    unfilled_seats: int
    candidate_tie: bool


@dataclass(frozen=True, slots=True)
class DapilProjection:
    """The projected seats of one dapil, labelled as a projection.

    `quotients` is the full table (divisors 1, 3, ... up to what the dapil's seats can
    need) of the eligible parties with votes, best first. `unallocated_seats` is nonzero
    only when no eligible party has a vote. `party_tie` is True when equal quotients
    decided a seat; `tie_decided` when that or any candidate tie did.
    """

    label: BilingualText
    tie_rule: BilingualText
    seats: int
    threshold: ThresholdOutcome | None
    parties: tuple[PartySeats, ...]
    quotients: tuple[Quotient, ...]
    unallocated_seats: int
    party_tie: bool
    tie_decided: bool

    @property
    def seats_by_party(self) -> dict[int, int]:
        return {p.party_number: p.seats for p in self.parties}

    @property
    def elected(self) -> tuple[CandidateRank, ...]:
        return tuple(c for p in self.parties for c in p.elected)


def national_threshold(
    national_votes: Mapping[int, int], threshold: Fraction = DPR_THRESHOLD
) -> ThresholdOutcome:
    """Parties with at least `threshold` of all parties' national valid votes.

    `national_votes` must hold every party on the ballot (its national total), since the
    share is of the sum of all of them. With no votes at all nobody has a share, so nobody
    passes.
    """
    if not 0 <= threshold <= 1:
        raise ValueError(f"ambang batas harus antara 0 dan 1, bukan {threshold}")
    for party, votes in national_votes.items():
        if votes < 0:
            raise ValueError(f"suara nasional partai {party} negatif: {votes}")
    total = sum(national_votes.values())
    if total == 0:
        return ThresholdOutcome(threshold, 0, {p: Fraction(0) for p in national_votes}, frozenset())
    shares = {party: Fraction(votes, total) for party, votes in national_votes.items()}
    # votes / total >= num / den, compared in integers.
    passed = frozenset(
        party
        for party, votes in national_votes.items()
        if votes * threshold.denominator >= threshold.numerator * total
    )
    return ThresholdOutcome(threshold, total, shares, passed)


def sainte_lague(votes: Mapping[int, int], seats: int) -> tuple[Quotient, ...]:
    """The Sainte-Lague table for `votes` (party number -> votes) and `seats` seats.

    Returns every quotient votes/d for d = 1, 3, ..., 2*seats-1 of each party with votes,
    best first under the tie rule, with `seat` set (1-based) on the `seats` best. Parties
    without a vote win nothing. Ranking the whole table at once is the same as handing out
    seats one at a time, because each party's quotients fall strictly as its divisor grows.
    """
    if seats < 0:
        raise ValueError(f"jumlah kursi tidak boleh negatif: {seats}")
    cells = [
        (Fraction(v, d), v, party, d)
        for party, v in votes.items()
        if v > 0
        for d in range(1, 2 * seats, 2)
    ]
    # Higher quotient, then more party votes, then lower ballot number.
    cells.sort(key=lambda c: (-c[0], -c[1], c[2]))
    return tuple(
        Quotient(party, d, v, value, rank + 1 if rank < seats else None)
        for rank, (value, v, party, d) in enumerate(cells)
    )


def rank_candidates(
    candidates: Sequence[CandidateVotes], seats: int
) -> tuple[tuple[CandidateRank, ...], bool]:
    """Candidates in the order seats go (more votes, then lower list number), and whether
    equal votes decided the last of `seats`."""
    order = sorted(candidates, key=lambda c: (-c.votes, c.list_number))
    ranking = tuple(
        CandidateRank(c.candidate_id, c.list_number, c.votes, i + 1, i < seats)
        for i, c in enumerate(order)
    )
    tie = 0 < seats < len(order) and order[seats - 1].votes == order[seats].votes
    return ranking, tie


def project_dapil(
    seats: int,
    parties: Sequence[PartyVotes],
    national_votes: Mapping[int, int] | None = None,
    threshold: Fraction = DPR_THRESHOLD,
) -> DapilProjection:
    """Project one dapil's seats and elected candidates.

    `national_votes` (party number -> national valid votes of every party) applies the
    DPR threshold; pass None for DPRD, where every party takes part. Raises ValueError
    with an Indonesian message on inconsistent input.
    """
    _check_dapil(seats, parties)
    outcome = None
    if national_votes is not None:
        outcome = national_threshold(national_votes, threshold)
        missing = sorted(p.party_number for p in parties if p.party_number not in national_votes)
        if missing:
            raise ValueError(f"suara nasional tidak ada untuk partai {missing}")

    def eligible(party: PartyVotes) -> bool:
        return outcome is None or party.party_number in outcome.passed

    table = sainte_lague({p.party_number: p.votes for p in parties if eligible(p)}, seats)
    won: dict[int, int] = {}
    for cell in table:
        if cell.seat is not None:
            won[cell.party_number] = won.get(cell.party_number, 0) + 1
    allocated = sum(won.values())
    party_tie = 0 < allocated < len(table) and table[allocated - 1].value == table[allocated].value

    results = []
    for party in sorted(parties, key=lambda p: p.party_number):
        party_seats = won.get(party.party_number, 0)
        ranking, candidate_tie = rank_candidates(party.candidates, party_seats)
        elected = tuple(c for c in ranking if c.elected)
        results.append(
            PartySeats(
                party_number=party.party_number,
                votes=party.votes,
                eligible=eligible(party),
                seats=party_seats,
                elected=elected,
                ranking=ranking,
                unfilled_seats=party_seats - len(elected),
                candidate_tie=candidate_tie,
            )
        )
    return DapilProjection(
        label=PROJECTION_LABEL,
        tie_rule=TIE_RULE,
        seats=seats,
        threshold=outcome,
        parties=tuple(results),
        quotients=table,
        unallocated_seats=seats - allocated,
        party_tie=party_tie,
        tie_decided=party_tie or any(r.candidate_tie for r in results),
    )


def _check_dapil(seats: int, parties: Sequence[PartyVotes]) -> None:
    if seats < 1:
        raise ValueError(f"jumlah kursi dapil harus positif: {seats}")
    numbers = [p.party_number for p in parties]
    if len(set(numbers)) != len(numbers):
        raise ValueError("nomor urut partai ganda dalam satu dapil")
    for party in parties:
        label = f"partai {party.party_number}"
        if party.votes < 0:
            raise ValueError(f"{label}: suara negatif ({party.votes})")
        ids = [c.candidate_id for c in party.candidates]
        lists = [c.list_number for c in party.candidates]
        if len(set(ids)) != len(ids) or len(set(lists)) != len(lists):
            raise ValueError(f"{label}: id atau nomor urut calon ganda")
        if any(c.votes < 0 for c in party.candidates):
            raise ValueError(f"{label}: suara calon negatif")
        candidate_sum = sum(c.votes for c in party.candidates)
        if candidate_sum > party.votes:
            raise ValueError(
                f"{label}: jumlah suara calon ({candidate_sum}) melebihi jumlah suara "
                f"partai ({party.votes}), yang mencakup suara partai dan suara calon"
            )
