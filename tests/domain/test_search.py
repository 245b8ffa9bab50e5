"""Finding a region or a TPS by code, by name, or by TPS number and desa name."""

from __future__ import annotations

from test_regions import ROWS

from suara.domain.regions import RegionRow, RegionTree
from suara.domain.search import RegionSearch

# the region tests' small tree, and a desa whose whole name is part of another's
SEARCH = RegionSearch(RegionTree([*ROWS, RegionRow("3101011003", 4, "KELAPA", "1")]))


def codes(query: str, limit: int = 50) -> list[str]:
    return [str(hit["kode"]) for hit in SEARCH.find(query, limit)]


def test_by_code_prefix_and_full_tps_code():
    assert codes("3101") == ["3101", "310101", "3101011001", "3101011002", "3101011003"]
    assert codes("3101011001901") == ["3101011001901"]
    assert codes("3101011001004") == []  # no such TPS


def test_by_name_in_any_case_and_spacing():
    assert codes("pulau") == ["3101", "310101", "3101011001", "3101011002"]  # KEPULAUAN too
    assert codes("  kepulauan   seribu ") == ["3101", "310101"]
    assert codes("kelapa") == ["3101011003", "3101011002"]  # the region named so comes first
    assert SEARCH.find("panggang", 5)[0] == {"kode": "3101011001", "nama": "PULAU PANGGANG", "tingkat": 4,
                                             "induk": "KEPULAUAN SERIBU UTARA"}


def test_a_tps_by_its_number_and_desa_name():
    assert codes("TPS 2 pulau") == ["3101011001002", "3101011002002"]
    assert codes("kelapa tps002") == ["3101011002002"]
    assert codes("TPS 1 kelapa") == ["3101011003001", "3101011002001"]  # the desa named so comes first
    assert codes("tps 3 pulau") == ["3101011001003"]  # PULAU KELAPA has only two
    assert codes("TPS 901 panggang") == ["3101011001901"]
    assert SEARCH.find("tps 1 pulau kelapa", 5) == [{"kode": "3101011002001", "nama": "TPS 001", "tingkat": 5,
                                                      "induk": "PULAU KELAPA"}]
    assert codes("TPS 1") == []  # a number alone names no place


def test_limit_is_kept():
    assert len(codes("pulau", 1)) == 1 and len(codes("TPS 2 pulau", 1)) == 1
