"""Tally arithmetic: contributions of TPS and rollups that add up."""

from __future__ import annotations

import copy
import itertools

from hypothesis import given
from hypothesis import strategies as st

from suara.domain.form import parse_form
from suara.domain.tally import Contribution, Totals, rule_order

EXAMPLE = {
    "tps": "3101011001005",
    "contest": "ppwp",
    "administrasi": {"pemilih_dpt_j": 280, "pengguna_total_j": 249, "surat_suara_diterima": 286},
    "suara": {"1": 60, "2": 122, "3": 64},
    "suara_sah": 246,
    "suara_tidak_sah": 3,
    "suara_total": 249,
}


def contribution(
    votes: dict[str, int] | None = None,
    flags: tuple[str, ...] = (),
    pemilih_dpt: int | None = 280,
    pengguna_total: int | None = 249,
) -> Contribution:
    votes = {"1": 60, "2": 122, "3": 64} if votes is None else votes
    sah = sum(votes.values())
    return Contribution(votes, sah, 3, sah + 3, flags, pemilih_dpt, pengguna_total)


# --- Contribution.of ----------------------------------------------------------------------------


def test_contribution_of_a_form() -> None:
    c = Contribution.of(parse_form(EXAMPLE), ["R8", "R10", "R2", "R10", "R13"])
    assert dict(c.votes) == {"1": 60, "2": 122, "3": 64}
    assert (c.suara_sah, c.suara_tidak_sah, c.suara_total) == (246, 3, 249)
    assert c.flags == ("R2", "R8", "R10", "R13")  # unique, in rule order (R10 after R8)
    assert (c.pemilih_dpt, c.pengguna_total) == (280, 249)
    assert c.has_turnout


def test_contribution_without_administrasi_has_no_turnout() -> None:
    doc = copy.deepcopy(EXAMPLE)
    del doc["administrasi"]
    c = Contribution.of(parse_form(doc), [])
    assert c.flags == ()
    assert c.pemilih_dpt is None and c.pengguna_total is None
    assert not c.has_turnout


def test_rule_order() -> None:
    assert sorted(["R10", "R2", "R1", "R13", "X"], key=rule_order) == ["R1", "R2", "R10", "R13", "X"]


# --- Totals -------------------------------------------------------------------------------------


def test_apply_adds_a_tps() -> None:
    t = Totals()
    t.apply(contribution(flags=("R8",)))
    assert t.as_dict() == {
        "tps_reported": 1, "tps_flagged": 1, "suara_sah": 246, "suara_tidak_sah": 3, "suara_total": 249,
        "tps_turnout": 1, "pemilih_dpt": 280, "pengguna_total": 249,
        "votes": {"1": 60, "2": 122, "3": 64}, "flag_counts": {"R8": 1},
    }
    assert not t.is_zero()


def test_apply_then_remove_returns_to_zero() -> None:
    c = contribution(flags=("R3", "R8"))
    t = Totals()
    t.apply(c)
    t.apply(c, sign=-1)
    assert t.is_zero()
    assert t == Totals()
    assert t.votes == {} and t.flag_counts == {}


def test_replacing_a_version_applies_the_difference() -> None:
    old = contribution({"1": 60, "2": 122, "3": 64}, flags=("R8",))
    new = contribution({"1": 61, "2": 122, "3": 64})
    other = contribution({"1": 10, "2": 20, "3": 30}, flags=("R3",), pemilih_dpt=None)
    t = Totals()
    for c in (old, other):
        t.apply(c)
    t.apply(old, -1)
    t.apply(new)
    fresh = Totals()
    for c in (new, other):
        fresh.apply(c)
    assert t == fresh
    assert t.votes == {"1": 71, "2": 142, "3": 94}
    assert t.flag_counts == {"R3": 1}
    assert t.tps_flagged == 1 and t.tps_reported == 2


def test_flag_counts_count_tps_per_rule() -> None:
    t = Totals()
    t.apply(contribution(flags=("R8", "R10", "R11")))
    t.apply(contribution(flags=("R8",)))
    t.apply(contribution(flags=("R3",)))
    t.apply(contribution())
    assert t.flag_counts == {"R8": 2, "R10": 1, "R11": 1, "R3": 1}
    assert list(t.as_dict()["flag_counts"]) == ["R3", "R8", "R10", "R11"]


def test_tps_flagged_counts_tps_with_any_flag() -> None:
    t = Totals()
    t.apply(contribution(flags=("R8", "R10", "R11")))
    t.apply(contribution(flags=("R3",)))
    t.apply(contribution())
    t.apply(contribution())
    assert t.tps_reported == 4
    assert t.tps_flagged == 2


def test_turnout_only_counts_tps_with_both_numbers() -> None:
    t = Totals()
    t.apply(contribution(pemilih_dpt=280, pengguna_total=249))
    t.apply(contribution(pemilih_dpt=None, pengguna_total=200))
    t.apply(contribution(pemilih_dpt=300, pengguna_total=None))
    t.apply(contribution(pemilih_dpt=None, pengguna_total=None))
    t.apply(contribution(pemilih_dpt=100, pengguna_total=0))
    assert t.tps_reported == 5
    assert t.tps_turnout == 2
    assert t.pemilih_dpt == 380
    assert t.pengguna_total == 249
    assert t.suara_total == 5 * 249  # votes still count for every TPS


def test_votes_sorted_by_nomor_urut_in_as_dict() -> None:
    t = Totals()
    t.apply(contribution({"10": 1, "2": 5, "1": 7}))
    assert list(t.as_dict()["votes"]) == ["1", "2", "10"]


# --- property: a rollup is a plain sum ---------------------------------------------------------

RULE_IDS = [f"R{n}" for n in range(1, 14)]

contributions = st.builds(
    Contribution,
    votes=st.dictionaries(st.sampled_from(["1", "2", "3", "4"]), st.integers(0, 999)),
    suara_sah=st.integers(0, 3000),
    suara_tidak_sah=st.integers(0, 300),
    suara_total=st.integers(0, 3300),
    flags=st.lists(st.sampled_from(RULE_IDS), unique=True).map(lambda rs: tuple(sorted(rs, key=rule_order))),
    pemilih_dpt=st.none() | st.integers(0, 600),
    pengguna_total=st.none() | st.integers(0, 600),
)


def totals_of(items: list[Contribution]) -> Totals:
    t = Totals()
    for c in items:
        t.apply(c)
    return t


def expected_totals(items: list[Contribution]) -> Totals:
    """The rollup computed independently of apply/merge."""
    votes: dict[str, int] = {}
    flags: dict[str, int] = {}
    for c in items:
        for k, v in c.votes.items():
            votes[k] = votes.get(k, 0) + v
        for r in c.flags:
            flags[r] = flags.get(r, 0) + 1
    turnout = [c for c in items if c.pemilih_dpt is not None and c.pengguna_total is not None]
    return Totals(
        tps_reported=len(items),
        tps_flagged=sum(1 for c in items if c.flags),
        suara_sah=sum(c.suara_sah for c in items),
        suara_tidak_sah=sum(c.suara_tidak_sah for c in items),
        suara_total=sum(c.suara_total for c in items),
        tps_turnout=len(turnout),
        pemilih_dpt=sum(c.pemilih_dpt or 0 for c in turnout),
        pengguna_total=sum(c.pengguna_total or 0 for c in turnout),
        votes={k: v for k, v in votes.items() if v},
        flag_counts=flags,
    )


@given(st.lists(contributions, max_size=30), st.data())
def test_apply_equals_merge_of_groups_in_any_order(items: list[Contribution], data: st.DataObject) -> None:
    direct = totals_of(items)
    assert direct == expected_totals(items)

    # Split a shuffled copy into groups, roll each group up, then merge the groups.
    shuffled = data.draw(st.permutations(items))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(items)), max_size=5)))
    bounds = [0, *cuts, len(items)]
    groups = [shuffled[a:b] for a, b in itertools.pairwise(bounds)]
    merged = Totals()
    for group in data.draw(st.permutations(groups)):
        merged.merge(totals_of(group))
    assert merged == direct


@given(st.lists(contributions, max_size=20), st.lists(contributions, max_size=20), st.data())
def test_removing_contributions_undoes_them(
    kept: list[Contribution], removed: list[Contribution], data: st.DataObject
) -> None:
    t = Totals()
    for c in data.draw(st.permutations(kept + removed)):
        t.apply(c)
    for c in data.draw(st.permutations(removed)):
        t.apply(c, -1)
    assert t == totals_of(kept)
    assert t.as_dict() == totals_of(kept).as_dict()


@given(st.lists(contributions, max_size=20))
def test_merge_of_a_negative_difference(items: list[Contribution]) -> None:
    # A diff rollup (remove all) merged into the full rollup leaves zero.
    diff = Totals()
    for c in items:
        diff.apply(c, -1)
    total = totals_of(items)
    total.merge(diff)
    assert total.is_zero()
