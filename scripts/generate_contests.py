"""Writes the 2024 contest definitions shipped in src/suara/data (run once; the CSVs are the source).

The presidential race uses the real candidate pairs. Pilkada candidate names are synthetic
placeholders, generated deterministically, for an election commission to replace with the
real ones by editing candidates-2024.csv.
"""

import csv
import gzip
import hashlib
import io
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "src" / "suara" / "data"
FIRST = ["AHMAD", "BUDI", "CITRA", "DEWI", "EKO", "FAJAR", "GITA", "HENDRA", "INDAH", "JOKO", "KARTIKA",
         "LUKMAN", "MAYA", "NUR", "OKTA", "PUTRI", "RIZKY", "SRI", "TAUFIK", "UMAR", "WAHYU", "YUSUF", "ZAINAL"]
LAST = ["SANTOSO", "RAHAYU", "HIDAYAT", "SIREGAR", "NASUTION", "WIBOWO", "LUBIS", "SAPUTRA", "HARAHAP",
        "PRATAMA", "KUSUMA", "SETIAWAN", "MANURUNG", "WIJAYA", "HASIBUAN", "PANJAITAN", "SIMANJUNTAK"]
COLOURS = ["#8CB9BD", "#ECB159", "#B67352", "#6A9C89", "#C7B7A3", "#7469B6"]
PPWP = [
    ("100025", "ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR"),
    ("100026", "PRABOWO SUBIANTO - GIBRAN RAKABUMING RAKA"),
    ("100027", "GANJAR PRANOWO - MAHFUD MD"),
]
# Regions with no election of their own head in 2024: the governor of DI Yogyakarta is not
# elected, and DKI Jakarta's administrative cities and regency have appointed heads.
NO_GOVERNOR = {"34"}
NO_REGENT_PREFIX = "31"


def person(seed: bytes) -> str:
    h = hashlib.sha256(seed).digest()
    return f"{FIRST[h[0] % len(FIRST)]} {LAST[h[1] % len(LAST)]}"


def main() -> None:
    with gzip.open(DATA / "wilayah-2024.csv.gz", "rt", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    contests = [("ppwp", "ppwp", "0", "Pemilihan Presiden dan Wakil Presiden 2024", 300)]
    candidates = [("ppwp", i + 1, cid, nama, COLOURS[i]) for i, (cid, nama) in enumerate(PPWP)]
    next_id = 1000001
    for row in rows:
        kode, tingkat, nama = row["kode"], int(row["tingkat"]), row["nama"]
        if tingkat == 1 and kode not in NO_GOVERNOR:
            key, kind, title = f"pkwkp-{kode}", "pkwkp", f"Pemilihan Gubernur {nama} 2024"
        elif tingkat == 2 and not kode.startswith(NO_REGENT_PREFIX):
            head = "Walikota" if nama.startswith("KOTA ") else "Bupati"
            key, kind, title = f"pkwkk-{kode}", "pkwkk", f"Pemilihan {head} {nama} 2024"
        else:
            continue
        contests.append((key, kind, kode, title, 600))
        count = 2 + hashlib.sha256(key.encode()).digest()[0] % 3
        for nomor in range(1, count + 1):
            pair = f"{person(f'{key}/{nomor}/a'.encode())} - {person(f'{key}/{nomor}/b'.encode())}"
            candidates.append((key, nomor, str(next_id), pair, COLOURS[nomor - 1]))
            next_id += 1
    write(DATA / "contests-2024.csv", ("key", "kind", "region", "nama", "tps_cap"), contests)
    write(DATA / "candidates-2024.csv", ("contest", "nomor_urut", "id", "nama", "warna"), candidates)
    print(f"{len(contests)} contests, {len(candidates)} candidate pairs")


def write(path: Path, header: tuple[str, ...], rows: list[tuple]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    main()
