"""Seat projection: the DPR threshold, Sainte-Lague per dapil and candidates by own votes.

Worked examples are computed by hand in the comments; property tests hold the projection to
the method's guarantees and to a one-seat-at-a-time reference allocation.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suara.domain.seats import (
    DPR_THRESHOLD,
    PROJECTION_LABEL,
    TIE_RULE,
    CandidateVotes,
    DapilProjection,
    PartyVotes,
    national_threshold,
    project_dapil,
)

# Official 2024 DPR result by party ballot number (nomor urut partai).
PKB, GERINDRA, PDIP, GOLKAR, NASDEM, BURUH, GELORA, PKS, PKN = 1, 2, 3, 4, 5, 6, 7, 8, 9
HANURA, GARUDA, PAN, PBB, DEMOKRAT, PSI, PERINDO, PPP, UMMAT = 10, 11, 12, 13, 14, 15, 16, 17, 24
DPR_2024 = {
    PDIP: 25_387_279,
    GOLKAR: 23_208_654,
    GERINDRA: 20_071_708,
    PKB: 16_115_655,
    NASDEM: 14_660_516,
    PKS: 12_781_353,
    DEMOKRAT: 11_283_160,
    PAN: 10_984_003,
    PPP: 5_878_777,
    PSI: 4_260_169,
    PERINDO: 1_955_154,
    GELORA: 1_281_991,
    HANURA: 1_094_588,
    BURUH: 972_910,
    UMMAT: 642_545,
    PBB: 484_486,
    GARUDA: 406_883,
    PKN: 326_800,
}


def party(number: int, party_only: int, *candidate_votes: int) -> PartyVotes:
    """A party whose candidates are listed 1, 2, ... with these votes."""
    candidates = tuple(
        CandidateVotes(f"{number}-{i}", i, v) for i, v in enumerate(candidate_votes, start=1)
    )
    return PartyVotes(number, party_only + sum(candidate_votes), candidates)


def won_cells(projection: DapilProjection) -> list[tuple[int, int]]:
    """(party, divisor) of each winning quotient, in seat order."""
    return [(q.party_number, q.divisor) for q in projection.quotients if q.seat is not None]


def elected_lists(projection: DapilProjection, number: int) -> list[int]:
    [result] = [p for p in projection.parties if p.party_number == number]
    return [c.list_number for c in result.elected]


# --- worked examples --------------------------------------------------------------------------


def test_dprd_example_by_hand() -> None:
    # DPRD dapil, 7 seats, no threshold. Quotients (votes / 1, 3, 5, 7):
    #   party 1: 48,000   16,000    9,600   6,857.1
    #   party 2: 31,000   10,333.3  6,200   4,428.6
    #   party 3: 17,500    5,833.3  3,500
    #   party 4:  9,200    3,066.7
    #   party 5:  4,100
    # Best seven: 48,000 (1) 31,000 (2) 17,500 (3) 16,000 (1) 10,333.3 (2) 9,600 (1)
    # 9,200 (4); the next, 6,857.1, loses. Seats 3/2/1/1/0. (D'Hondt would give party 1
    # four seats and party 4 none: 48,000 31,000 24,000 17,500 16,000 15,500 12,000.)
    parties = [
        # 29,800 candidate votes + 18,200 party-only votes = 48,000
        party(1, 18_200, 5_000, 12_000, 800, 9_000, 3_000),
        party(2, 31_000),
        party(3, 17_500),
        party(4, 9_200),
        party(5, 4_100),
    ]
    projection = project_dapil(7, parties)
    assert projection.seats_by_party == {1: 3, 2: 2, 3: 1, 4: 1, 5: 0}
    assert won_cells(projection) == [(1, 1), (2, 1), (3, 1), (1, 3), (2, 3), (1, 5), (4, 1)]
    runner_up = projection.quotients[7]
    assert (runner_up.party_number, runner_up.divisor, runner_up.seat) == (1, 7, None)
    assert runner_up.value == Fraction(48_000, 7)
    # Party 1's three seats go by own votes: list 2 (12,000), 4 (9,000), 1 (5,000).
    assert elected_lists(projection, 1) == [2, 4, 1]
    # Parties 2-4 gave no candidates: their seats are won but not filled.
    assert [p.unfilled_seats for p in projection.parties] == [0, 2, 1, 1, 0]
    assert projection.unallocated_seats == 0
    assert not projection.tie_decided
    assert projection.threshold is None
    assert projection.label == PROJECTION_LABEL
    assert projection.tie_rule == TIE_RULE


def test_2024_national_threshold_passes_exactly_eight_parties() -> None:
    # 4% of 151,796,631 is 6,071,865.24: PAN (10,984,003) is above, PPP (5,878,777, 3.87%)
    # below.
    outcome = national_threshold(DPR_2024)
    assert outcome.total_votes == 151_796_631
    assert outcome.passed == {PDIP, GOLKAR, GERINDRA, PKB, NASDEM, PKS, DEMOKRAT, PAN}
    assert outcome.shares[PPP] == Fraction(5_878_777, 151_796_631)
    assert Fraction(387, 10_000) < outcome.shares[PPP] < Fraction(388, 10_000)
    assert outcome.shares[PAN] > DPR_THRESHOLD


def test_threshold_is_at_least_not_more_than() -> None:
    # "paling sedikit 4%": exactly 4 of 100 votes passes, 3 of 100 does not.
    outcome = national_threshold({1: 4, 2: 93, 3: 3})
    assert outcome.passed == {1, 2}


def test_dpr_example_with_2024_national_figures() -> None:
    # A 7-seat DPR dapil where PPP is strong locally. Eligible quotients (/1, /3):
    #   Gerindra 412,300  137,433.3      PKS      301,900  100,633.3
    #   Golkar   288,400   96,133.3      NasDem   254,100   84,700
    #   PAN      198,700   66,233.3      PKB      151,200   50,400
    #   Demokrat 120,500                 PDIP      96,800
    # Best seven: 412,300 301,900 288,400 254,100 198,700 151,200 137,433.3 (Gerindra /3).
    # PPP's 240,600 would be the fifth quotient, but PPP is under 4% nationally; PSI too.
    dapil = [
        party(GERINDRA, 45_300, 150_000, 45_000, 160_000, 12_000),
        party(PKS, 301_900),
        party(GOLKAR, 288_400),
        party(NASDEM, 254_100),
        party(PPP, 40_600, 200_000),
        party(PAN, 198_700),
        party(PKB, 151_200),
        party(DEMOKRAT, 120_500),
        party(PDIP, 96_800),
        party(PSI, 40_300),
    ]
    projection = project_dapil(7, dapil, DPR_2024)
    assert projection.seats_by_party == {
        PKB: 1,
        GERINDRA: 2,
        PDIP: 0,
        GOLKAR: 1,
        NASDEM: 1,
        PKS: 1,
        PAN: 1,
        DEMOKRAT: 0,
        PSI: 0,
        PPP: 0,
    }
    assert won_cells(projection)[-1] == (GERINDRA, 3)
    assert {p.party_number for p in projection.parties if not p.eligible} == {PPP, PSI}
    assert all(q.party_number not in {PPP, PSI} for q in projection.quotients)
    # Gerindra's two seats: list 3 (160,000) then list 1 (150,000).
    assert elected_lists(projection, GERINDRA) == [3, 1]
    # PPP's 200,000-vote candidate elects nobody.
    assert elected_lists(projection, PPP) == []
    assert not projection.tie_decided

    # The same votes as a DPRD dapil (no threshold): PPP's 240,600 takes the fifth seat
    # and PKB's 151,200 the seventh, so Gerindra keeps one seat.
    dprd = project_dapil(7, dapil, None)
    assert dprd.seats_by_party[PPP] == 1
    assert dprd.seats_by_party[GERINDRA] == 1
    assert elected_lists(dprd, PPP) == [1]


def test_equal_quotients_go_to_the_party_with_more_votes() -> None:
    # Quotients: party 5: 30,000 10,000 6,000; party 2: 10,000 3,333.3; party 9: 8,000.
    # Two seats: 30,000 (party 5), then 10,000 = 10,000: party 5 (30,000 votes) beats
    # party 2 (10,000 votes), so party 5 takes both and the tie decided a seat.
    parties = [party(5, 30_000), party(2, 10_000), party(9, 8_000)]
    two = project_dapil(2, parties)
    assert won_cells(two) == [(5, 1), (5, 3)]
    assert two.seats_by_party == {2: 0, 5: 2, 9: 0}
    assert two.party_tie and two.tie_decided
    # Three seats: both tied quotients win, so the tie only ordered them.
    three = project_dapil(3, parties)
    assert won_cells(three) == [(5, 1), (5, 3), (2, 1)]
    assert not three.party_tie


def test_equal_votes_go_to_the_lower_ballot_number() -> None:
    # Parties 7 and 3 both have 12,000 (quotient 12,000 each), one seat: party 3.
    projection = project_dapil(1, [party(7, 12_000), party(3, 12_000), party(10, 5_000)])
    assert projection.seats_by_party == {3: 1, 7: 0, 10: 0}
    assert projection.party_tie


def test_equal_candidate_votes_go_to_the_lower_list_number() -> None:
    # One seat; list 2 and list 3 both have 1,400, list 1 has 900: list 2 is elected.
    projection = project_dapil(1, [party(4, 300, 900, 1_400, 1_400)])
    assert elected_lists(projection, 4) == [2]
    [result] = projection.parties
    assert [c.list_number for c in result.ranking] == [2, 3, 1]
    assert result.candidate_tie and projection.tie_decided
    assert not projection.party_tie


def test_party_only_votes_do_not_count_for_candidates() -> None:
    # 5,000 party-only votes win the seat; no candidate has a vote, so it goes by list
    # order (as PKPU 6/2024 prescribes when no candidate has any vote).
    projection = project_dapil(1, [party(4, 5_000, 0, 0, 0)])
    assert elected_lists(projection, 4) == [1]
    assert [c.votes for c in projection.elected] == [0]


def test_no_votes_no_seats() -> None:
    projection = project_dapil(3, [party(1, 0), party(2, 0)])
    assert projection.seats_by_party == {1: 0, 2: 0}
    assert projection.unallocated_seats == 3
    assert projection.quotients == ()
    assert national_threshold({1: 0, 2: 0}).passed == frozenset()


@pytest.mark.parametrize(
    ("seats", "parties", "national", "message"),
    [
        (0, [party(1, 10)], None, "kursi"),
        (3, [party(1, 10), party(1, 5)], None, "ganda"),
        (3, [PartyVotes(1, -1)], None, "negatif"),
        (3, [PartyVotes(1, 10, (CandidateVotes("a", 1, 11),))], None, "melebihi"),
        (
            3,
            [PartyVotes(1, 10, (CandidateVotes("a", 1, 1), CandidateVotes("a", 2, 1)))],
            None,
            "ganda",
        ),
        (3, [PartyVotes(1, 10, (CandidateVotes("a", 1, -1),))], None, "negatif"),
        (3, [party(1, 10), party(2, 5)], {1: 10}, "partai [2]"),
        (3, [party(1, 10)], {1: -10}, "negatif"),
    ],
)
def test_inconsistent_input_is_refused(
    seats: int, parties: list[PartyVotes], national: dict[int, int] | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        project_dapil(seats, parties, national)


@pytest.mark.parametrize("threshold", [Fraction(-1, 100), Fraction(101, 100)])
def test_threshold_outside_zero_to_one_is_refused(threshold: Fraction) -> None:
    with pytest.raises(ValueError, match="ambang batas"):
        national_threshold({1: 10}, threshold)


def test_label_is_bilingual_and_says_projection() -> None:
    assert "proyeksi" in PROJECTION_LABEL.id.lower() and "bukan hasil resmi" in PROJECTION_LABEL.id
    assert "projection" in PROJECTION_LABEL.en and "not an official result" in PROJECTION_LABEL.en


# --- properties -------------------------------------------------------------------------------

# Small vote counts make ties common; large ones exercise ordinary dapils.
VOTES = st.one_of(st.integers(0, 30), st.integers(0, 200_000))


# Totals built from odd factors make equal quotients of unequal parties common
# (45 / 3 = 15 / 1 = 75 / 5), so the party tie rule is exercised, not just reached.
TIE_PRONE_TOTALS = st.sampled_from([3, 5, 9, 15, 25, 27, 45, 75, 105, 135, 225])


@st.composite
def dapils(draw: st.DrawFn) -> tuple[int, list[PartyVotes]]:
    seats = draw(st.integers(1, 12))
    numbers = draw(st.lists(st.integers(1, 24), min_size=1, max_size=8, unique=True))
    tie_prone = draw(st.booleans())
    parties = []
    for number in numbers:
        if tie_prone:
            parties.append(party(number, draw(TIE_PRONE_TOTALS)))
            continue
        candidate_votes = draw(st.lists(VOTES, max_size=seats + 2))
        parties.append(party(number, draw(VOTES), *candidate_votes))
    return seats, parties


@st.composite
def national_totals(draw: st.DrawFn, parties: list[PartyVotes]) -> dict[int, int]:
    """National votes: at least the dapil's own, plus other dapils' and other parties'."""
    totals = {p.party_number: p.votes + draw(VOTES) for p in parties}
    for number in draw(st.lists(st.integers(25, 40), max_size=3, unique=True)):
        totals[number] = draw(VOTES)
    return totals


THRESHOLDS = st.one_of(st.just(DPR_THRESHOLD), st.fractions(0, 1, max_denominator=20))


@given(dapils(), st.data(), THRESHOLDS)
def test_seats_sum_to_the_dapil_whenever_an_eligible_party_has_votes(
    dapil: tuple[int, list[PartyVotes]], data: st.DataObject, threshold: Fraction
) -> None:
    seats, parties = dapil
    national = data.draw(st.one_of(st.none(), national_totals(parties)))
    projection = project_dapil(seats, parties, national, threshold)
    contenders = [p for p in projection.parties if p.eligible and p.votes > 0]
    expected = seats if contenders else 0
    assert sum(projection.seats_by_party.values()) == expected
    assert projection.unallocated_seats == seats - expected
    assert [q.seat for q in projection.quotients[:expected]] == list(range(1, expected + 1))
    assert all(q.seat is None for q in projection.quotients[expected:])


@given(dapils(), st.data(), THRESHOLDS)
def test_no_party_below_the_threshold_gets_a_dpr_seat(
    dapil: tuple[int, list[PartyVotes]], data: st.DataObject, threshold: Fraction
) -> None:
    seats, parties = dapil
    national = data.draw(national_totals(parties))
    total = sum(national.values())
    projection = project_dapil(seats, parties, national, threshold)
    for result in projection.parties:
        below = total == 0 or Fraction(national[result.party_number], total) < threshold
        assert result.eligible is not below
        if below:
            assert result.seats == 0 and result.elected == ()


@given(dapils(), st.data(), st.integers(1, 100_000), st.booleans())
def test_more_votes_never_cost_a_party_a_seat(
    dapil: tuple[int, list[PartyVotes]], data: st.DataObject, extra: int, dpr: bool
) -> None:
    seats, parties = dapil
    national = data.draw(national_totals(parties)) if dpr else None
    index = data.draw(st.integers(0, len(parties) - 1))
    before = parties[index]
    after = PartyVotes(before.party_number, before.votes + extra, before.candidates)
    grown = [after if i == index else p for i, p in enumerate(parties)]
    grown_national = None
    if national is not None:
        grown_national = {**national, before.party_number: national[before.party_number] + extra}
    seats_before = project_dapil(seats, parties, national).seats_by_party[before.party_number]
    seats_after = project_dapil(seats, grown, grown_national).seats_by_party[before.party_number]
    assert seats_after >= seats_before


@given(dapils(), st.data(), st.booleans())
def test_result_does_not_depend_on_input_order(
    dapil: tuple[int, list[PartyVotes]], data: st.DataObject, dpr: bool
) -> None:
    seats, parties = dapil
    national = data.draw(national_totals(parties)) if dpr else None
    shuffled = [
        PartyVotes(p.party_number, p.votes, tuple(data.draw(st.permutations(p.candidates))))
        for p in data.draw(st.permutations(parties))
    ]
    reordered_national = None if national is None else dict(reversed(list(national.items())))
    assert project_dapil(seats, shuffled, reordered_national) == project_dapil(
        seats, parties, national
    )


@given(dapils())
def test_elected_candidates_are_the_top_of_their_party(
    dapil: tuple[int, list[PartyVotes]],
) -> None:
    seats, parties = dapil
    projection = project_dapil(seats, parties)
    for result in projection.parties:
        assert len(result.elected) == min(result.seats, len(result.ranking))
        assert result.unfilled_seats == max(0, result.seats - len(result.ranking))
        elected = {c.candidate_id for c in result.elected}
        others = [c for c in result.ranking if c.candidate_id not in elected]
        for winner in result.elected:
            for loser in others:
                assert (winner.votes, -winner.list_number) > (loser.votes, -loser.list_number)
        cut_is_tied = bool(result.elected) and any(
            loser.votes == result.elected[-1].votes for loser in others
        )
        assert result.candidate_tie is cut_is_tied


def one_seat_at_a_time(votes: dict[int, int], seats: int) -> dict[int, int]:
    """Reference: hand out seats one by one to the best current quotient, comparing
    votes_a / (2 s_a + 1) with votes_b / (2 s_b + 1) by cross-multiplication; ties to the
    party with more votes, then the lower number."""
    won = dict.fromkeys(votes, 0)
    contenders = [p for p, v in votes.items() if v > 0]
    for _ in range(seats if contenders else 0):
        best = contenders[0]
        for p in contenders[1:]:
            mine = votes[p] * (2 * won[best] + 1)
            theirs = votes[best] * (2 * won[p] + 1)
            if (mine, votes[p], -p) > (theirs, votes[best], -best):
                best = p
        won[best] += 1
    return won


@given(dapils())
def test_allocation_matches_one_seat_at_a_time(dapil: tuple[int, list[PartyVotes]]) -> None:
    seats, parties = dapil
    expected = one_seat_at_a_time({p.party_number: p.votes for p in parties}, seats)
    assert project_dapil(seats, parties).seats_by_party == expected
