"""Dapil membership: which dapil a TPS or region belongs to, and checks of a dapil definition."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suara.domain.dapil import Dapil, DapilMap


def dapil(jenis: str, kode: str, kabkota: str | None = None) -> Dapil:
    return Dapil(jenis, kode, f"DAPIL {kode}", 3, False, kode[:2], kabkota)


# DPR: Jakarta II holds one kab/kota and the overseas branch. DPRD provinsi: kab/kota 3201 is
# split by kecamatan. DPRD kab/kota: kecamatan 320101 is split by desa.
DAPILS = [
    dapil("pdpr", "3101"),
    dapil("pdpr", "3102"),
    dapil("pdprdp", "320001"),
    dapil("pdprdp", "320002"),
    dapil("pdprdk", "320101", "3201"),
    dapil("pdprdk", "320102", "3201"),
]
MEMBERS = [
    ("pdpr", "3101", "3175"),
    ("pdpr", "3102", "3171"),
    ("pdpr", "3102", "99"),
    ("pdprdp", "320001", "320101"),
    ("pdprdp", "320001", "320102"),
    ("pdprdp", "320002", "320103"),
    ("pdprdk", "320101", "3201011001"),
    ("pdprdk", "320102", "3201011002"),
    ("pdprdk", "320102", "320102"),
    ("pdprdk", "320102", "320103"),
]


@pytest.fixture(scope="module")
def dapil_map() -> DapilMap:
    return DapilMap(DAPILS, MEMBERS)


def test_tps_belongs_to_the_dapil_of_its_most_specific_region(dapil_map: DapilMap) -> None:
    assert dapil_map.dapil_of("pdprdk", "3201011001005").kode == "320101"  # type: ignore[union-attr]
    assert dapil_map.dapil_of("pdprdk", "3201011002001").kode == "320102"  # type: ignore[union-attr]
    assert dapil_map.dapil_of("pdprdk", "3201021004001").kode == "320102"  # type: ignore[union-attr]
    assert dapil_map.dapil_of("pdprdp", "3201011001005").kode == "320001"  # type: ignore[union-attr]
    assert dapil_map.dapil_of("pdprdp", "3201031001005").kode == "320002"  # type: ignore[union-attr]
    assert dapil_map.dapil_of("pdpr", "3171011001001").kode == "3102"  # type: ignore[union-attr]
    assert dapil_map.dapil_of("pdpr", "3175011001001").kode == "3101"  # type: ignore[union-attr]


def test_regions_resolve_by_prefix_and_split_regions_have_no_single_dapil(
    dapil_map: DapilMap,
) -> None:
    assert dapil_map.dapil_of("pdprdp", "320103").kode == "320002"  # type: ignore[union-attr]
    assert dapil_map.dapil_of("pdprdk", "3201011001").kode == "320101"  # type: ignore[union-attr]
    # 3201 is split between two DPRD provinsi dapil, 320101 between two DPRD kab/kota dapil.
    assert dapil_map.dapil_of("pdprdp", "3201") is None
    assert dapil_map.dapil_of("pdprdk", "320101") is None
    assert dapil_map.dapil_of("pdprdk", "3201") is None


def test_overseas_codes_with_letters_belong_to_jakarta_ii(dapil_map: DapilMap) -> None:
    assert dapil_map.dapil_of("pdpr", "99AG010001061").kode == "3102"  # type: ignore[union-attr]
    assert dapil_map.dapil_of("pdpr", "99AG").kode == "3102"  # type: ignore[union-attr]
    assert dapil_map.dapil_of("pdprdp", "99AG010001061") is None
    assert dapil_map.dapil_of("pdprdk", "99AG010001061") is None


def test_outside_every_dapil_or_unknown_jenis_is_none(dapil_map: DapilMap) -> None:
    assert dapil_map.dapil_of("pdpr", "3301011001001") is None
    assert dapil_map.dapil_of("pdpd", "3171011001001") is None
    assert dapil_map.dapil_of("pdpr", "0") is None
    assert dapil_map.dapil_of("pdpr", "") is None


def test_listing_and_lookup(dapil_map: DapilMap) -> None:
    assert [d.kode for d in dapil_map.dapils("pdprdk")] == ["320101", "320102"]
    assert dapil_map.dapils("pdpd") == []
    assert dapil_map.get("pdpr", "3102").nama == "DAPIL 3102"
    assert dapil_map.regions_of("pdpr", "3102") == ["3171", "99"]
    assert dapil_map.regions_of("pdprdk", "320102") == ["3201011002", "320102", "320103"]
    with pytest.raises(LookupError):
        dapil_map.get("pdpr", "9999")
    with pytest.raises(LookupError):
        dapil_map.regions_of("pdprdp", "3102")


def test_check_partition_names_desa_in_none_or_in_two(dapil_map: DapilMap) -> None:
    desa = ["3201011001", "3201011002", "3201021001", "3201031001"]
    assert dapil_map.check_partition("pdprdk", desa) == []
    assert dapil_map.check_partition("pdprdp", desa) == []
    problems = dapil_map.check_partition("pdprdk", desa + ["3201011003", "3201041001"])
    assert len(problems) == 2
    assert "3201011003" in problems[0] and "3201041001" in problems[1]
    overlapping = DapilMap(DAPILS, MEMBERS + [("pdprdk", "320101", "3201031001")])
    problems = overlapping.check_partition("pdprdk", desa)
    assert len(problems) == 1 and "3201031001" in problems[0] and "320101" in problems[0]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([("pdpr", "3103", "3172")], "tidak ada"),
        ([("pdprdp", "3101", "3172")], "tidak ada"),
        ([("pdpr", "3101", "3175"), ("pdpr", "3102", "3175")], "dua kali"),
        ([("pdpr", "3101", "31750")], "tidak sah"),
    ],
)
def test_inconsistent_definitions_are_refused(
    members: list[tuple[str, str, str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        DapilMap(DAPILS, members)


def test_the_same_region_may_be_in_one_dapil_of_each_jenis() -> None:
    dapils = [dapil("pdpr", "3101"), dapil("pdprdp", "310001")]
    both = DapilMap(dapils, [("pdpr", "3101", "3175"), ("pdprdp", "310001", "3175")])
    assert both.dapil_of("pdpr", "3175").kode == "3101"  # type: ignore[union-attr]
    assert both.dapil_of("pdprdp", "3175").kode == "310001"  # type: ignore[union-attr]


def test_a_dapil_defined_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="ganda"):
        DapilMap([dapil("pdpr", "3101"), dapil("pdpr", "3101")], [])


DESA = st.text("0123456789", min_size=10, max_size=10)


@given(st.dictionaries(DESA, st.sampled_from(["320101", "320102"]), min_size=1, max_size=30))
def test_desa_members_partition_exactly_what_they_list(assignment: dict[str, str]) -> None:
    members = [("pdprdk", kode_dapil, desa) for desa, kode_dapil in assignment.items()]
    dapil_map = DapilMap(DAPILS, members)
    assert dapil_map.check_partition("pdprdk", assignment) == []
    for desa, kode_dapil in assignment.items():
        assert dapil_map.dapil_of("pdprdk", desa + "001").kode == kode_dapil  # type: ignore[union-attr]
