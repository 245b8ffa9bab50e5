"""Writes the 2024 contest definitions shipped in src/suara/data (the CSVs are the source).

Run after scripts/build_reference_data.py. The presidential race uses the real candidate pairs,
the DPD races the real candidates of each province, the Pilkada races the real pairs with
KPU's ids (pilkada-2024/paslon.csv). The party-list contests (DPR, DPRD provinsi, DPRD kab/kota)
list no candidates here: their parties come from partai-2024.csv and their candidates, per
dapil, from caleg-2024.csv.gz.
"""

import csv
import gzip
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "src" / "suara" / "data"
COLOURS = ["#8CB9BD", "#ECB159", "#B67352", "#6A9C89", "#C7B7A3", "#7469B6"]
PPWP = [
    ("100025", "ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR"),
    ("100026", "PRABOWO SUBIANTO - GIBRAN RAKABUMING RAKA"),
    ("100027", "GANJAR PRANOWO - MAHFUD MD"),
]
PEMILU, PILKADA = "pemilu-2024", "pilkada-2024"


def main() -> None:
    with gzip.open(DATA / "wilayah-2024.csv.gz", "rt", encoding="utf-8") as f:
        names = {row["kode"]: row["nama"] for row in csv.DictReader(f) if int(row["tingkat"]) <= 2}
    contests = [
        ("ppwp", "ppwp", "0", "Pemilihan Presiden dan Wakil Presiden 2024", 300, PEMILU, ""),
        # overseas voters vote for the DPR (dapil DKI Jakarta II) and the presidency only; DKI
        # Jakarta has no DPRD of its own below the province
        ("pdpr", "pdpr", "0", "Pemilihan Anggota DPR RI 2024", 300, PEMILU, ""),
        ("pdprdp", "pdprdp", "0", "Pemilihan Anggota DPRD Provinsi 2024", 300, PEMILU, "99"),
        ("pdprdk", "pdprdk", "0", "Pemilihan Anggota DPRD Kabupaten/Kota 2024", 300, PEMILU, "31;99"),
    ]
    candidates = [("ppwp", i + 1, cid, nama, COLOURS[i]) for i, (cid, nama) in enumerate(PPWP)]
    with gzip.open(DATA / "caleg-2024.csv.gz", "rt", encoding="utf-8") as f:
        dpd = [row for row in csv.DictReader(f) if row["jenis"] == "pdpd"]
    for provinsi in sorted({row["kode_dapil"] for row in dpd}):
        contests.append((f"pdpd-{provinsi}", "pdpd", provinsi, f"Pemilihan Anggota DPD {names[provinsi]} 2024",
                         300, PEMILU, ""))
    for row in dpd:
        number = int(row["nomor_urut"])
        candidates.append((f"pdpd-{row['kode_dapil']}", number, row["id"], " ".join(row["nama"].split()),
                           COLOURS[(number - 1) % len(COLOURS)]))
    with open(DATA / "paslon-pilkada-2024.csv", encoding="utf-8") as f:
        pairs = list(csv.DictReader(f))
    for key in dict.fromkeys(p["contest"] for p in pairs):
        kind, region = key.split("-")
        if kind == "pkwkp":
            title = f"Pemilihan Gubernur {names[region]} 2024"
        else:
            head = "Walikota" if names[region].startswith("KOTA ") else "Bupati"
            title = f"Pemilihan {head} {names[region]} 2024"
        contests.append((key, kind, region, title, 600, PILKADA, ""))
    candidates += [(p["contest"], int(p["nomor_urut"]), p["kpu_id"], p["nama"], p["warna"]) for p in pairs]
    with open(DATA / "contests-2024.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["key", "kind", "region", "nama", "tps_cap", "election", "excludes"])
        writer.writerows(contests)
    with open(DATA / "candidates-2024.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["contest", "nomor_urut", "id", "nama", "warna"])
        writer.writerows(candidates)
    print(f"{len(contests)} contests, {len(candidates)} candidates")


if __name__ == "__main__":
    main()
