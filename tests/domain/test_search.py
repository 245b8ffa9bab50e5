"""Finding a region or a TPS by code, by name, or by TPS number and desa name."""

from __future__ import annotations

from test_regions import ROWS

from suara.domain.regions import RegionRow, RegionTree
from suara.domain.search import COUNT_LIMIT, RegionSearch

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
                                             "tingkat_nama": "desa", "induk": "KEPULAUAN SERIBU UTARA",
                                             "provinsi": {"kode": "31", "nama": "DKI JAKARTA"}}


def test_a_tps_by_its_number_and_desa_name():
    assert codes("TPS 2 pulau") == ["3101011001002", "3101011002002"]
    assert codes("kelapa tps002") == ["3101011002002"]
    assert codes("TPS 1 kelapa") == ["3101011003001", "3101011002001"]  # the desa named so comes first
    assert codes("tps 3 pulau") == ["3101011001003"]  # PULAU KELAPA has only two
    assert codes("TPS 901 panggang") == ["3101011001901"]
    assert SEARCH.find("tps 1 pulau kelapa", 5) == [{"kode": "3101011002001", "nama": "TPS 001", "tingkat": 5,
                                                      "tingkat_nama": "tps", "induk": "PULAU KELAPA",
                                                      "provinsi": {"kode": "31", "nama": "DKI JAKARTA"}}]
    assert codes("TPS 1") == []  # a number alone names no place


def test_limit_is_kept():
    assert len(codes("pulau", 1)) == 1 and len(codes("TPS 2 pulau", 1)) == 1


def test_every_match_is_counted_and_a_cut_is_said():
    found = SEARCH.search("pulau", 2)
    assert [h["kode"] for h in found.hits] == ["3101", "310101"]
    assert (found.total, found.exact, found.truncated) == (4, True, True)
    whole = SEARCH.search("pulau", 50)
    assert (whole.total, whole.truncated) == (4, False)
    tps = SEARCH.search("TPS 2 pulau", 1)  # TPS are counted too
    assert (len(tps.hits), tps.total, tps.truncated) == (1, 2, True)
    assert SEARCH.search("zzzz", 20).total == 0


def test_a_province_is_its_own_province_and_code_prefixes_are_counted():
    (province,) = SEARCH.find("dki", 5)
    assert province["provinsi"] == {"kode": "31", "nama": "DKI JAKARTA"} and province["induk"] == "INDONESIA"
    assert SEARCH.search("31010110", 1).total == 3  # the three desa, by bisection of the sorted codes


def test_a_search_too_broad_stops_counting():
    names = [RegionRow("31", 1, "DKI JAKARTA", ""), RegionRow("3101", 2, "KEPULAUAN SERIBU", ""),
             RegionRow("310101", 3, "KEPULAUAN SERIBU UTARA", "")]
    names += [RegionRow(f"310101{n:04d}", 4, f"DESA {n}", "1") for n in range(1, COUNT_LIMIT + 10)]
    broad = RegionSearch(RegionTree(names)).search("desa", 20)
    assert (len(broad.hits), broad.total, broad.exact, broad.truncated) == (20, COUNT_LIMIT, False, True)
    narrow = RegionSearch(RegionTree(names)).search("desa 99", 20)
    assert (narrow.total, narrow.exact) == (11, True)  # DESA 99, 990-999
