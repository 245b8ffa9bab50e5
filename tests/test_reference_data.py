"""The packaged 2024 reference data, checked over the real files: dapil cover every TPS exactly
once per legislative contest, the overseas branch, candidates, parties and the Pilkada TPS list.

Counts are KPU's published figures (and those stated in ../shared/data's READMEs), not values
read back from the files under test.
"""

from __future__ import annotations

import gzip
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from suara import reference_data
from suara.domain.dapil import Caleg, DapilMap
from suara.domain.regions import RegionTree, parse_tps_ranges
from suara.domain.tps_lists import pilkada_tps_ranges
from suara.reference import region_rows

DOMESTIC_TPS = 820_161
JAKARTA = "31"


@pytest.fixture(scope="module")
def tree() -> RegionTree:
    return RegionTree(region_rows())


@pytest.fixture(scope="module")
def dapil_map() -> DapilMap:
    return DapilMap(reference_data.read_dapil(), reference_data.read_dapil_members())


@pytest.fixture(scope="module")
def caleg() -> list[Caleg]:
    return list(reference_data.read_caleg())


@pytest.fixture(scope="module")
def stations() -> list[reference_data.OverseasStation]:
    return list(reference_data.overseas_stations())


def test_dapil_and_seat_counts(dapil_map: DapilMap) -> None:
    assert [len(dapil_map.dapils(j)) for j in ("pdpr", "pdprdp", "pdprdk")] == [84, 301, 2325]
    dpr = dapil_map.dapils("pdpr")
    assert sum(d.kursi for d in dpr) == 580
    assert all(3 <= d.kursi <= 10 for d in dpr)
    # The data's README: only Jawa Barat IV and X were inferred from the longest list.
    assert sorted(d.kode for d in dpr if d.kursi_inferred) == ["3204", "3210"]
    assert all(
        d.kursi_inferred and d.kursi >= 1 for j in ("pdprdp", "pdprdk") for d in dapil_map.dapils(j)
    )


@pytest.mark.parametrize("jenis", ["pdpr", "pdprdp", "pdprdk"])
def test_every_domestic_tps_is_in_exactly_one_dapil(
    tree: RegionTree, dapil_map: DapilMap, jenis: str
) -> None:
    # All TPS of a desa share the desa's dapil (membership never names anything below a desa),
    # so checking each desa, and counting its TPS, covers every one of the 820,161 TPS.
    in_scope = [
        d for d in tree.regions(4) if not (jenis == "pdprdk" and d.kode.startswith(JAKARTA))
    ]
    assert dapil_map.check_partition(jenis, (d.kode for d in in_scope)) == []
    tps_per_dapil: Counter[str] = Counter()
    for desa in in_scope:
        found = dapil_map.dapil_of(jenis, desa.kode)
        assert found is not None, desa.kode
        assert found.provinsi == desa.kode[:2], (desa.kode, found.kode)
        if jenis == "pdprdk":
            assert found.kabkota == desa.kode[:4], (desa.kode, found.kode)
        assert dapil_map.dapil_of(jenis, f"{desa.kode}001") == found
        tps_per_dapil[found.kode] += desa.tps_total
    jakarta_tps = tree.get(JAKARTA).tps_total
    assert sum(tps_per_dapil.values()) == DOMESTIC_TPS - (jakarta_tps if jenis == "pdprdk" else 0)
    # No dapil is empty.
    assert set(tps_per_dapil) == {d.kode for d in dapil_map.dapils(jenis)}


def test_jakarta_has_no_dprd_kabkota_dapil(tree: RegionTree, dapil_map: DapilMap) -> None:
    assert tree.get(JAKARTA).tps_total > 0
    assert all(
        dapil_map.dapil_of("pdprdk", d.kode) is None
        for d in tree.regions(4)
        if d.kode.startswith(JAKARTA)
    )
    assert not any(d.kode.startswith(JAKARTA) for d in dapil_map.dapils("pdprdk"))


def test_desa_missing_from_the_dapil_data_join_a_neighbour(dapil_map: DapilMap) -> None:
    # Sungai Raya (Kubu Raya) and Sentani (Jayapura): desa created after the dapil data.
    for desa in ("6112012021", "6112012022", "9103013007", "9103013010"):
        found = dapil_map.dapil_of("pdprdk", desa)
        assert found is not None and found.kabkota == desa[:4]


def test_sorong_kecamatan_join_on_their_2024_codes(dapil_map: DapilMap) -> None:
    # The dapil data number AIMAS 960105; in wilayah-2024 it is 960107 (960105 is SALAWATI).
    assert dapil_map.dapil_of("pdprdk", "960107").kode == "960101"  # type: ignore[union-attr]
    assert dapil_map.dapil_of("pdprdk", "960105").kode == "960104"  # type: ignore[union-attr]


def test_every_overseas_station_is_in_jakarta_ii_and_no_dprd_dapil(
    dapil_map: DapilMap, stations: list[reference_data.OverseasStation]
) -> None:
    for station in stations:
        found = dapil_map.dapil_of("pdpr", station.kode)
        assert found is not None and found.kode == "3102" and found.nama == "DKI JAKARTA II"
        assert dapil_map.dapil_of("pdprdp", station.kode) is None
        assert dapil_map.dapil_of("pdprdk", station.kode) is None


def test_overseas_tree_and_stations(stations: list[reference_data.OverseasStation]) -> None:
    rows = list(reference_data.overseas_region_rows())
    assert Counter(r.tingkat for r in rows) == {1: 1, 2: 129, 3: 128, 4: 128}
    assert rows[0].kode == "99" and all(r.kode.startswith("99") for r in rows)
    assert sum(1 for r in rows if r.tingkat == 2 and not r.kode[2:].isdigit()) == 32
    assert len(stations) == 3059
    assert len({s.kode for s in stations}) == 3059
    assert sum(1 for s in stations if not s.sintetis) == 1955
    by_desa: dict[str, list[reference_data.OverseasStation]] = defaultdict(list)
    for station in stations:
        by_desa[station.kode[:10]].append(station)
    level4 = {r.kode: r for r in rows if r.tingkat == 4}
    assert set(by_desa) == set(level4)
    assert not any(r.kode.startswith("99BF") for r in rows if r.tingkat > 2)
    listed = [desa for desa, its in by_desa.items() if not its[0].sintetis]
    assert len(listed) == 61
    for desa, its in by_desa.items():
        # KPU numbers a PPLN's codes 1..n in one sequence over all methods; the level-4 row
        # carries exactly those numbers; a PPLN is either all published or all generated.
        numbers = sorted(int(s.kode[10:]) for s in its)
        assert numbers == list(range(1, len(its) + 1)), desa
        assert [
            n for a, b in parse_tps_ranges(level4[desa].tps) for n in range(a, b + 1)
        ] == numbers
        assert len({s.sintetis for s in its}) == 1
        assert all(
            s.nama[:3] == {"TPSLN": "TPS", "KSK": "KSK", "POS": "POS"}[s.metode] for s in its
        )
        if its[0].sintetis:
            assert any(s.metode == "TPSLN" for s in its)
            for metode in ("TPSLN", "KSK", "POS"):
                names = [int(s.nama[4:]) for s in its if s.metode == metode]
                assert names == list(range(1, len(names) + 1)), (desa, metode)


def test_parties() -> None:
    parties = reference_data.read_parties()
    assert [p.nomor_urut for p in parties] == list(range(1, 25))
    assert [p.id_partai for p in parties] == [str(100000 + n) for n in range(1, 25)]
    assert [p.nomor_urut for p in parties if p.aceh_local] == [18, 19, 20, 21, 22, 23]
    assert len({p.warna for p in parties}) == 24 and len({p.singkatan for p in parties}) == 24
    by_short = {p.singkatan: p.nomor_urut for p in parties}
    assert (by_short["PDIP"], by_short["Golkar"], by_short["Ummat"], by_short["PAS Aceh"]) == (
        3,
        4,
        24,
        22,
    )


def test_candidates(caleg: list[Caleg], dapil_map: DapilMap, tree: RegionTree) -> None:
    assert Counter(c.jenis for c in caleg)["pdpr"] == 9917
    assert Counter(c.jenis for c in caleg)["pdpd"] == 668
    assert [c.id for c in caleg] == [str(100001 + i) for i in range(len(caleg))]
    assert {len(c.id) for c in caleg} == {6}
    assert {c.jenis_kelamin for c in caleg} == {"L", "P"}
    aceh = {p.nomor_urut for p in reference_data.read_parties() if p.aceh_local}
    list_length: Counter[tuple[str, str, int]] = Counter()
    slots: set[tuple[str, str, int | None, int]] = set()
    for c in caleg:
        key = (c.jenis, c.kode_dapil, c.partai, c.nomor_urut)
        assert key not in slots, key
        slots.add(key)
        if c.jenis == "pdpd":
            assert c.partai is None and tree.get(c.kode_dapil).tingkat == 1
            continue
        assert c.partai is not None and 1 <= c.partai <= 24
        dapil_map.get(c.jenis, c.kode_dapil)
        if c.partai in aceh:
            assert c.jenis != "pdpr" and c.kode_dapil.startswith("11"), key
        list_length[(c.jenis, c.kode_dapil, c.partai)] += 1
    assert len({c.kode_dapil for c in caleg if c.jenis == "pdpd"}) == 38
    # Every dapil has candidates, and no party list is longer than the dapil's seats.
    longest: dict[tuple[str, str], int] = defaultdict(int)
    for (jenis, kode, _), n in list_length.items():
        longest[(jenis, kode)] = max(longest[(jenis, kode)], n)
    for jenis in ("pdpr", "pdprdp", "pdprdk"):
        for dapil in dapil_map.dapils(jenis):
            assert 0 < longest[(jenis, dapil.kode)] <= dapil.kursi, (jenis, dapil.kode)


def test_pilkada_tps_list_follows_the_counts_per_kecamatan(tree: RegionTree) -> None:
    counts = reference_data.pilkada_tps_counts()
    assert sum(counts.values()) == 435_296
    assert set(counts) == {k.kode for k in tree.regions(3)}
    ranges = pilkada_tps_ranges(counts, {d.kode: d.tps_total for d in tree.regions(4)})
    per_kecamatan: Counter[str] = Counter()
    for desa, text in ranges.items():
        per_kecamatan[desa[:6]] += sum(b - a + 1 for a, b in parse_tps_ranges(text))
    assert sum(per_kecamatan.values()) == 435_296
    assert all(per_kecamatan[k] == n for k, n in counts.items())


def test_pilkada_pairs(tree: RegionTree) -> None:
    pairs = reference_data.pilkada_paslon()
    assert len(pairs) == 1594
    contests = {p.contest for p in pairs}
    assert len(contests) == 545
    assert all(
        tree.get(c.split("-")[1]).tingkat == (1 if c.startswith("pkwkp") else 2) for c in contests
    )
    assert len({p.kpu_id for p in pairs}) == 1594


def test_a_commissions_own_files_are_read_in_place_of_the_packaged_ones(tmp_path: Path) -> None:
    own = tmp_path / "tps.csv.gz"
    with gzip.open(own, "wt", encoding="utf-8") as f:
        f.write("# catatan\nkode_kecamatan,tps_pilkada\n110101,7\n110102,3\n")
    assert reference_data.pilkada_tps_counts(own) == {"110101": 7, "110102": 3}
    bad = tmp_path / "bad.csv"
    bad.write_text("kode_kecamatan,tps_pilkada\n110101,7\n110101,3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="baris 3"):
        reference_data.pilkada_tps_counts(bad)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("kode,tps\n110101,7\n", encoding="utf-8")
    with pytest.raises(ValueError, match="kolom"):
        reference_data.pilkada_tps_counts(wrong)
    stations = tmp_path / "stations.csv"
    stations.write_text(
        "kode,nama,metode,sintetis\n99AG010001001,TPS 001,TPSLN,false\n", encoding="utf-8"
    )
    region = tmp_path / "region.csv"
    region.write_text(
        "kode,tingkat,nama,tps\n99,1,Luar Negeri,\n99AG,2,X,\n99AG01,3,X,\n99AG010001,4,X,1-2\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="berbeda"):
        list(reference_data.overseas_region_rows(region, stations))
