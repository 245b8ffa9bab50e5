"""Packages the real 2024 reference data (parties, dapil, candidates, overseas, Pilkada) for Suara.

    python scripts/build_reference_data.py [SHARED_DATA_DIR]     (default: ../shared/data)

Reads the folders legislatif-2024/, luar-negeri-2024/ and pilkada-2024/ of the shared data
(their READMEs describe the sources) and writes compact, deterministic files into
src/suara/data/: the same input always gives byte-identical output (gzip without a time stamp).

Decisions taken here, beyond copying:
- Dapil splits: a `pecahan_*` row only marks the part of a split kab/kota or kecamatan; the
  same dapil lists that part's kecamatan or desa as ordinary rows, so the markers are dropped.
  Rows are joined on `kode_wilayah_2024` (the Sorong / Sorong Selatan / Raja Ampat kecamatan
  are numbered differently in the dapil data).
- Four desa are in no DPRD kab/kota dapil (created after the dapil data: 6112012021,
  6112012022 in SUNGAI RAYA, 9103013007, 9103013010 in SENTANI). Each is assigned to the dapil
  of the desa of its own kecamatan whose code is nearest (the smaller code on a tie). The same
  note is written at the top of dapil-wilayah-2024.csv.gz as `#` comment lines.
- Overseas: DPR dapil 3102 (DKI JAKARTA II) also covers region 99; DKI Jakarta (31) has no
  DPRD kab/kota, so it has no pdprdk rows.
- Seats: DPR seats come from the data (kursi_sumber "stated"), except 3204 and 3210, which the
  data's README says were inferred as the longest party list ("inferred"). DPRD seats are not
  in the data: each is inferred as the longest party list of that dapil (a rule that holds for
  every DPR dapil whose seats are stated).
- Overseas stations: the data lists the TPSLN/KSK/POS of 61 PPLN (1,955 stations); KPU set
  3,059. The other 1,104 are generated for the 67 PPLN that have a level-4 entry but no list,
  spread evenly (a deterministic shuffle seeded by the code decides which get one more), with
  a mix of methods drawn from a generator seeded by the PPLN code, numbered like KPU (codes
  1..n in one sequence over all methods, names numbered per method) and marked sintetis=true.
  99BF (Kuala Lumpur, repeat vote) has no level-3/4 entries and is kept so, with no stations.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "src" / "suara" / "data"
JENIS = {"DPR": "pdpr", "DPRD_PROVINSI": "pdprdp", "DPRD_KABKOTA": "pdprdk"}
CALEG_FILES = (
    ("pdpr", "caleg_dpr.csv"),
    ("pdprdp", "caleg_dprd_provinsi.csv"),
    ("pdprdk", "caleg_dprd_kabkota.csv.gz"),
)
DPR_SEATS_INFERRED = {"3204", "3210"}
OVERSEAS_DAPIL = ("pdpr", "3102", "99")
OVERSEAS_STATIONS_TOTAL = 3059
# Short names and colours by ballot number. Colours follow each party's own where it has one
# that is distinct from the others' (several parties use red or green, so some are shifted).
PARTIES = {
    1: ("Partai Kebangkitan Bangsa", "PKB", "#00843D"),
    2: ("Partai Gerakan Indonesia Raya", "Gerindra", "#9E1B1E"),
    3: ("Partai Demokrasi Indonesia Perjuangan", "PDIP", "#E4252C"),
    4: ("Partai Golongan Karya", "Golkar", "#F7D117"),
    5: ("Partai Nasional Demokrat", "NasDem", "#1C3F94"),
    6: ("Partai Buruh", "Buruh", "#F47920"),
    7: ("Partai Gelombang Rakyat Indonesia", "Gelora", "#29B6E8"),
    8: ("Partai Keadilan Sejahtera", "PKS", "#222222"),
    9: ("Partai Kebangkitan Nusantara", "PKN", "#8B5A2B"),
    10: ("Partai Hati Nurani Rakyat", "Hanura", "#F2A900"),
    11: ("Partai Garda Republik Indonesia", "Garuda", "#B8860B"),
    12: ("Partai Amanat Nasional", "PAN", "#0A4DA2"),
    13: ("Partai Bulan Bintang", "PBB", "#0B6E4F"),
    14: ("Partai Demokrat", "Demokrat", "#2E86DE"),
    15: ("Partai Solidaritas Indonesia", "PSI", "#E6007E"),
    16: ("Partai Persatuan Indonesia", "Perindo", "#1D5FAF"),
    17: ("Partai Persatuan Pembangunan", "PPP", "#00A651"),
    18: ("Partai Nanggroe Aceh", "PNA", "#FF6F61"),
    19: ("Partai Generasi Atjeh Beusaboh Tha'at dan Taqwa", "Gabthat", "#7B3F99"),
    20: ("Partai Darul Aceh", "PDA", "#5C8A00"),
    21: ("Partai Aceh", "PA", "#B22222"),
    22: ("Partai Adil Sejahtera Aceh", "PAS Aceh", "#00897B"),
    23: ("Partai Solidaritas Independen Rakyat Aceh", "SIRA", "#6D4C41"),
    24: ("Partai Ummat", "Ummat", "#3F51B5"),
}
STATION_PREFIX = {"TPSLN": "TPS", "KSK": "KSK", "POS": "POS"}
# Order of methods along a PPLN's code sequence, the most common one in the published lists.
METHOD_ORDER = ("POS", "TPSLN", "KSK")


def read_csv(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:  # type: ignore[operator]
        return list(csv.DictReader(f))


def write_csv(
    name: str, header: list[str], rows: list[list[object]], comments: list[str] = ()
) -> None:  # type: ignore[assignment]
    text = io.StringIO(newline="")
    for line in comments:
        text.write(f"# {line}\n")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = text.getvalue().encode("utf-8")
    if name.endswith(".gz"):
        data = gzip.compress(data, compresslevel=9, mtime=0)
    (OUT / name).write_bytes(data)
    print(f"{name}: {len(rows)} rows, {len(data):,} bytes")


def build_parties(src: Path) -> set[int]:
    rows = []
    aceh = set()
    for row in read_csv(src / "legislatif-2024" / "parties.csv"):
        nomor = int(row["nomor_urut"])
        nama_lengkap, singkatan, warna = PARTIES[nomor]
        local = row["aceh_local"] == "true"
        if local:
            aceh.add(nomor)
        rows.append(
            [nomor, 100000 + nomor, row["nama"], nama_lengkap, singkatan, warna, str(local).lower()]
        )
    assert len(rows) == 24 and len({r[5] for r in rows}) == 24, "24 parties, each its own colour"
    write_csv(
        "partai-2024.csv",
        ["nomor_urut", "id_partai", "nama", "nama_lengkap", "singkatan", "warna", "aceh_local"],
        rows,
    )
    return aceh


def read_caleg(src: Path) -> list[list[object]]:
    rows: list[list[object]] = []
    for jenis, name in CALEG_FILES:
        for row in read_csv(src / "legislatif-2024" / name):
            rows.append(
                [
                    jenis,
                    row["kode_dapil"],
                    int(row["nomor_urut_partai"]),
                    int(row["nomor_urut"]),
                    row["nama"],
                    row["jenis_kelamin"],
                ]
            )
    for row in read_csv(src / "legislatif-2024" / "caleg_dpd.csv"):
        rows.append(
            ["pdpd", row["provinsi"], "", int(row["nomor_urut"]), row["nama"], row["jenis_kelamin"]]
        )
    return rows


def build_caleg(caleg: list[list[object]]) -> None:
    rows = [
        [jenis, dapil, partai, nomor, str(100001 + i), nama, jk]
        for i, (jenis, dapil, partai, nomor, nama, jk) in enumerate(caleg)
    ]
    write_csv(
        "caleg-2024.csv.gz",
        ["jenis", "kode_dapil", "partai", "nomor_urut", "id", "nama", "jenis_kelamin"],
        rows,
    )


def build_dapil(src: Path, caleg: list[list[object]]) -> None:
    longest: Counter[tuple[str, str]] = Counter()
    list_length: Counter[tuple[str, str, object]] = Counter(
        (str(jenis), str(dapil), partai) for jenis, dapil, partai, *_ in caleg if jenis != "pdpd"
    )
    for (jenis, dapil, _), n in list_length.items():
        longest[(jenis, dapil)] = max(longest[(jenis, dapil)], n)
    rows = []
    for row in read_csv(src / "legislatif-2024" / "dapil.csv"):
        jenis, kode = JENIS[row["jenis"]], row["kode_dapil"]
        if jenis == "pdpr":
            kursi, sumber = (
                int(row["kursi"]),
                "inferred" if kode in DPR_SEATS_INFERRED else "stated",
            )
        else:
            kursi, sumber = longest[(jenis, kode)], "inferred"
        assert kursi > 0, (jenis, kode)
        rows.append(
            [jenis, kode, row["nama_dapil"], row["provinsi"], row["kabkota"], kursi, sumber]
        )
    write_csv(
        "dapil-2024.csv",
        ["jenis", "kode_dapil", "nama", "provinsi", "kabkota", "kursi", "kursi_sumber"],
        rows,
    )


def desa_codes(src: Path) -> list[str]:
    return [r["kode"] for r in read_csv(src / "wilayah-2024.csv") if r["tingkat"] == "4"]


def build_dapil_members(src: Path) -> None:
    members: dict[str, dict[str, str]] = defaultdict(dict)  # jenis -> region code -> dapil
    for row in read_csv(src / "legislatif-2024" / "dapil_wilayah.csv"):
        if row["tingkatan"].startswith("pecahan"):
            continue
        jenis, kode = JENIS[row["jenis"]], row["kode_wilayah_2024"]
        assert kode, f"unresolved row {row}"
        assert kode not in members[jenis], f"{jenis} {kode} twice"
        members[jenis][kode] = row["kode_dapil"]
    notes = []
    desa = desa_codes(src)
    for jenis, table in members.items():
        published = dict(table)  # the nearest desa is looked up among the published rows only

        def dapil_of(code: str, published: dict[str, str] = published) -> str | None:
            return next((published[code[:n]] for n in (10, 6, 4, 2) if code[:n] in published), None)

        uncovered = [
            d
            for d in desa
            if dapil_of(d) is None and not (jenis == "pdprdk" and d.startswith("31"))
        ]
        for code in uncovered:
            neighbours = [d for d in desa if d[:6] == code[:6] and dapil_of(d) is not None]
            nearest = min(neighbours, key=lambda d: (abs(int(d) - int(code)), d))
            table[code] = published_dapil = dapil_of(nearest) or ""
            assert published_dapil
            notes.append(
                f"{jenis} desa {code} tidak tercantum di data dapil; dimasukkan ke dapil {table[code]} "
                f"seperti desa {nearest}, desa terdekat menurut kode dalam kecamatannya"
            )
    assert len(notes) == 4, notes
    members["pdpr"][OVERSEAS_DAPIL[2]] = OVERSEAS_DAPIL[1]
    rows = [
        [jenis, dapil, kode]
        for jenis in ("pdpr", "pdprdp", "pdprdk")
        for kode, dapil in sorted(members[jenis].items(), key=lambda kv: (kv[1], kv[0]))
    ]
    comments = [
        "Wilayah tiap dapil 2024 (pdpr, pdprdp, pdprdk); baris pecahan dihapus, kode = kode_wilayah_2024.",
        "Dapil DPR 3102 (DKI JAKARTA II) juga mencakup Luar Negeri (99). DKI Jakarta (31) tidak punya DPRD kab/kota.",
        *notes,
    ]
    write_csv("dapil-wilayah-2024.csv.gz", ["jenis", "kode_dapil", "kode"], rows, comments)


def seed_of(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def synthetic_stations(desa: str, count: int) -> list[list[object]]:
    """count stations of one PPLN: at least one TPSLN, the rest a seeded mix of TPSLN/KSK/POS."""
    rng = random.Random(seed_of(f"tps-luar-negeri/{desa}"))
    methods = ["TPSLN"] + rng.choices(["TPSLN", "KSK", "POS"], weights=[45, 35, 20], k=count - 1)
    methods.sort(key=METHOD_ORDER.index)
    per_method: Counter[str] = Counter()
    rows: list[list[object]] = []
    for nomor, method in enumerate(methods, start=1):
        per_method[method] += 1
        rows.append(
            [
                f"{desa}{nomor:03d}",
                f"{STATION_PREFIX[method]} {per_method[method]:03d}",
                method,
                "true",
            ]
        )
    return rows


def build_overseas(src: Path) -> None:
    wilayah = read_csv(src / "luar-negeri-2024" / "wilayah_luar_negeri.csv")
    published = read_csv(src / "luar-negeri-2024" / "tps_luar_negeri.csv")
    write_csv(
        "wilayah-luar-negeri-2024.csv",
        ["kode", "tingkat", "nama", "tps"],
        [[r["kode"], r["tingkat"], r["nama"], r["tps"]] for r in wilayah],
    )
    listed = {r["kode_desa"] for r in published}
    without = sorted(r["kode"] for r in wilayah if r["tingkat"] == "4" and r["kode"] not in listed)
    missing = OVERSEAS_STATIONS_TOTAL - len(published)
    base, extra = divmod(missing, len(without))
    shuffled = sorted(without, key=lambda code: (seed_of(f"ppln/{code}"), code))
    counts = {code: base + (1 if i < extra else 0) for i, code in enumerate(shuffled)}
    stations = [[r["kode"], r["nama"], r["metode"], "false"] for r in published]
    for code in without:
        stations.extend(synthetic_stations(code, counts[code]))
    stations.sort(key=lambda r: str(r[0]))
    assert len(stations) == OVERSEAS_STATIONS_TOTAL and len({r[0] for r in stations}) == len(
        stations
    )
    print(f"overseas: {len(listed)} PPLN listed, {len(without)} generated ({missing} stations)")
    write_csv("tps-luar-negeri-2024.csv", ["kode", "nama", "metode", "sintetis"], stations)


def build_pilkada(src: Path) -> None:
    paslon = read_csv(src / "pilkada-2024" / "paslon.csv")
    write_csv(
        "paslon-pilkada-2024.csv",
        ["contest", "kpu_id", "nomor_urut", "nama", "warna"],
        [[r["contest"], r["kpu_id"], r["nomor_urut"], r["nama"], r["warna"]] for r in paslon],
    )
    tps = read_csv(src / "pilkada-2024" / "tps_per_kecamatan.csv")
    write_csv(
        "tps-pilkada-2024.csv",
        ["kode_kecamatan", "tps_pilkada"],
        [[r["kode_kecamatan"], r["tps_pilkada"]] for r in tps],
    )


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data"
    aceh = build_parties(src)
    caleg = read_caleg(src)
    for jenis, dapil, partai, *_ in caleg:
        assert partai not in aceh or (jenis != "pdpr" and str(dapil).startswith("11")), (
            jenis,
            dapil,
            partai,
        )
    build_caleg(caleg)
    build_dapil(src, caleg)
    build_dapil_members(src)
    build_overseas(src)
    build_pilkada(src)


if __name__ == "__main__":
    main()
