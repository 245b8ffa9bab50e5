"""The region tree and TPS ranges."""

from __future__ import annotations

import pytest

from suara.domain.regions import (
    NATIONAL,
    RegionRow,
    RegionTree,
    UnknownRegion,
    ancestors,
    format_tps_ranges,
    level_of,
    parent_of,
    parse_tps_ranges,
    tps_code,
)

PROV, KAB, KEC = "31", "3101", "310101"
DESA_A, DESA_B = "3101011001", "3101011002"

ROWS = [
    RegionRow(PROV, 1, "DKI JAKARTA", ""),
    RegionRow(KAB, 2, "KEPULAUAN SERIBU", ""),
    RegionRow(KEC, 3, "KEPULAUAN SERIBU UTARA", ""),
    RegionRow(DESA_A, 4, "PULAU PANGGANG", "1-3;901"),
    RegionRow(DESA_B, 4, "PULAU KELAPA", "1-2"),
]


@pytest.fixture(scope="module")
def tree() -> RegionTree:
    return RegionTree(ROWS)


# --- codes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kode", "level"),
    [("0", 0), ("31", 1), ("3101", 2), ("310101", 3), ("3101011001", 4), ("3101011001901", 5)],
)
def test_level_of(kode: str, level: int) -> None:
    assert level_of(kode) == level


@pytest.mark.parametrize(
    "kode", ["", "3", "310", "31010", "31010110", "31010110019", "31010110019011", "3a", "3101-1",
             "３１", "+1", " 31", "0x"],
)
def test_level_of_refuses_bad_codes(kode: str) -> None:
    with pytest.raises(UnknownRegion):
        level_of(kode)


def test_unknown_region_is_a_lookup_error() -> None:
    assert issubclass(UnknownRegion, LookupError)


def test_parent_of() -> None:
    assert parent_of("3101011001005") == DESA_A
    assert parent_of(DESA_A) == KEC
    assert parent_of(KEC) == KAB
    assert parent_of(KAB) == PROV
    assert parent_of(PROV) == NATIONAL
    with pytest.raises(UnknownRegion):
        parent_of(NATIONAL)
    with pytest.raises(UnknownRegion):
        parent_of("310")


def test_ancestors() -> None:
    assert ancestors("3101011001005") == ["0", PROV, KAB, KEC, DESA_A]
    assert ancestors(DESA_B) == ["0", PROV, KAB, KEC]
    assert ancestors(KAB) == ["0", PROV]
    assert ancestors(PROV) == ["0"]
    assert ancestors("0") == []
    with pytest.raises(UnknownRegion):
        ancestors("12345")


def test_tps_code() -> None:
    assert tps_code(DESA_A, 5) == "3101011001005"
    assert tps_code(DESA_A, 901) == "3101011001901"


# --- TPS ranges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("", ()),
        ("1", ((1, 1),)),
        ("1-16;901-902", ((1, 16), (901, 902))),
        ("1-3;901", ((1, 3), (901, 901))),
        (" 1-3 ; 5 ;", ((1, 3), (5, 5))),
        ("999", ((999, 999),)),
    ],
)
def test_parse_tps_ranges(text: str, ranges: tuple[tuple[int, int], ...]) -> None:
    assert parse_tps_ranges(text) == ranges


@pytest.mark.parametrize("text", ["0", "0-3", "3-1", "1000", "1-1000", "a", "1-b", "-3", "1-2-3", "1,2", "1;x",
                                  "1-", "1-3;2-4", "5;1-5"])
def test_parse_tps_ranges_errors(text: str) -> None:
    with pytest.raises(ValueError):
        parse_tps_ranges(text)


@pytest.mark.parametrize("text", ["1-16;901-902", "1-3;901", "7", ""])
def test_format_tps_ranges_round_trips(text: str) -> None:
    assert format_tps_ranges(parse_tps_ranges(text)) == text


# --- the tree -----------------------------------------------------------------------------------


def test_tps_total_at_each_level(tree: RegionTree) -> None:
    assert tree.get(DESA_A).tps_total == 4
    assert tree.get(DESA_B).tps_total == 2
    for kode in (KEC, KAB, PROV, NATIONAL):
        assert tree.get(kode).tps_total == 6, kode


def test_counts(tree: RegionTree) -> None:
    assert tree.counts() == {"provinsi": 1, "kabupaten/kota": 1, "kecamatan": 1, "desa": 2, "tps": 6}
    assert len(tree) == 6  # nation + 5 rows


def test_regions_and_children(tree: RegionTree) -> None:
    assert [r.kode for r in tree.children(KEC)] == [DESA_A, DESA_B]
    assert [r.kode for r in tree.children(NATIONAL)] == [PROV]
    assert tree.children(DESA_A) == []
    assert [r.kode for r in tree.regions(4)] == [DESA_A, DESA_B]
    assert [r.kode for r in tree.regions()] == [NATIONAL, PROV, KAB, KEC, DESA_A, DESA_B]
    assert tree.get(DESA_A).nama == "PULAU PANGGANG"
    assert tree.get(DESA_A).parent == KEC
    assert tree.get(NATIONAL).parent is None


def test_get_and_contains(tree: RegionTree) -> None:
    assert KEC in tree and NATIONAL in tree
    assert "3101011003" not in tree
    assert "3101011001001" not in tree  # TPS are not regions
    assert 31 not in tree
    with pytest.raises(UnknownRegion):
        tree.get("3101011003")


@pytest.mark.parametrize(
    ("kode", "exists"),
    [
        ("3101011001001", True),
        ("3101011001003", True),
        ("3101011001901", True),
        ("3101011002002", True),
        ("3101011001004", False),   # past the first range
        ("3101011001900", False),
        ("3101011001902", False),
        ("3101011001000", False),
        ("3101011002003", False),
        ("3101011002901", False),   # 901 only exists in desa A
        ("3101011003001", False),   # unknown desa
        ("3101011001", False),      # a desa code, not a TPS
        ("310101100101", False),    # 12 digits
        ("31010110010011", False),  # 14 digits
        ("310101100100a", False),
        ("3101011001-01", False),
        ("３１０１０１１００１００１", False),  # full-width digits
        ("", False),
    ],
)
def test_has_tps(tree: RegionTree, kode: str, exists: bool) -> None:
    assert tree.has_tps(kode) is exists


def test_tps_of(tree: RegionTree) -> None:
    desa_a = ["3101011001001", "3101011001002", "3101011001003", "3101011001901"]
    desa_b = ["3101011002001", "3101011002002"]
    assert list(tree.tps_of(DESA_A)) == desa_a
    assert list(tree.tps_of(DESA_B)) == desa_b
    for kode in (KEC, KAB, PROV, NATIONAL):
        assert list(tree.tps_of(kode)) == desa_a + desa_b
    assert all(tree.has_tps(t) for t in tree.tps_of(NATIONAL))
    with pytest.raises(UnknownRegion):
        list(tree.tps_of("3101011003"))


def test_is_within(tree: RegionTree) -> None:
    assert tree.is_within("3101011001901", KEC)
    assert tree.is_within(KEC, KEC)
    assert tree.is_within(PROV, NATIONAL)
    assert not tree.is_within("3201011001001", PROV)
    assert not tree.is_within(PROV, KEC)


def test_rows_out_of_order() -> None:
    with pytest.raises(ValueError, match="terurut"):
        RegionTree([ROWS[0], ROWS[2], ROWS[1]])
    with pytest.raises(ValueError):
        RegionTree(ROWS[1:])


@pytest.mark.parametrize(
    "bad",
    [
        RegionRow("32", 2, "TINGKAT SALAH", ""),
        RegionRow("3101011001001", 5, "TPS BUKAN WILAYAH", ""),
        RegionRow("3101011003", 4, "TPS SALAH", "1-0"),
        RegionRow("3101011003", 4, "TPS SALAH", "0"),
        RegionRow("3101011003", 4, "TPS SALAH", "x"),
        RegionRow("3x", 1, "KODE SALAH", ""),
        RegionRow(ROWS[-1].kode, ROWS[-1].tingkat, "GANDA", ROWS[-1].tps),
    ],
)
def test_bad_rows_raise_value_error(bad: RegionRow) -> None:
    with pytest.raises(ValueError):
        RegionTree([*ROWS, bad])


def test_desa_without_tps() -> None:
    tree = RegionTree([*ROWS, RegionRow("3101011003", 4, "KOSONG", "")])
    assert tree.get("3101011003").tps_total == 0
    assert tree.get(NATIONAL).tps_total == 6
    assert list(tree.tps_of("3101011003")) == []


# --- the shipped tree ---------------------------------------------------------------------------


def test_shipped_tree_counts() -> None:
    from suara.reference import region_rows

    tree = RegionTree(region_rows())
    assert tree.counts() == {
        "provinsi": 38, "kabupaten/kota": 514, "kecamatan": 7277, "desa": 83731, "tps": 820161,
    }
