"""The portal's two languages: Indonesian first, English on request.

Templates are written in Indonesian and wrap each phrase in `_()`; English is a lookup of that
phrase, so a phrase nobody translated still shows (in Indonesian) rather than breaking a page.
The choice is made with `?lang=en` and kept in a cookie, so links need not carry it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from fastapi import Request

from suara.domain.percent import format_id
from suara.web.anomaly_i18n import ANOMALY_ENGLISH
from suara.web.recap_i18n import RECAP_ENGLISH

LANGS = ("id", "en")
COOKIE = "suara_lang"

ENGLISH = {
    # frame
    "Langsung ke isi": "Skip to content",
    "Cari wilayah atau TPS": "Find a region or polling station",
    "nama atau kode": "name or code",
    "Cari": "Search",
    "Publikasi awal formulir C Hasil, bukan hasil resmi; hasil resmi ditetapkan melalui rekapitulasi berjenjang.":
        "Preliminary publication of the C Hasil forms, not the official result, which comes from the tiered "
        "recapitulation.",
    "Cek status pengaduan": "Check a complaint's status",
    "Dokumentasi API": "API documentation",
    "Wilayah": "Regions",
    "Pemilihan": "Contests",
    # region page
    "{reported} dari {total} TPS ({persen}%)": "{reported} of {total} polling stations ({persen}%)",
    "Data per {time} WIB (titik tally {seq})": "Data as of {time} WIB (tally point {seq})",
    "Data per {time} {zone} (titik tally {seq})": "Data as of {time} {zone} (tally point {seq})",
    "Perolehan suara": "Votes",
    "Pasangan calon": "Candidates",
    "Suara": "Votes",
    "Suara sah {sah}, tidak sah {tidak_sah}. TPS bercatatan: {flagged}.":
        "Valid votes {sah}, invalid {tidak_sah}. Flagged polling stations: {flagged}.",
    "Catatan pemeriksaan": "Checks that failed",
    "{count} TPS, contoh:": "{count} polling stations, for example",
    "Provinsi": "Provinces",
    "Kabupaten/kota": "Regencies and cities",
    "Kecamatan": "Districts",
    "Kelurahan/desa": "Villages",
    "TPS": "Polling stations (TPS)",
    "Nama": "Name",
    "TPS masuk": "Reported",
    "Bercatatan": "Flagged",
    "urutkan": "sort",
    "Unduh": "Download",
    "CSV per wilayah": "CSV per region",
    "CSV TPS di desa ini": "CSV of the TPS in this village",
    "Halaman ini memperbarui diri sendiri saat hasil baru masuk.":
        "This page updates itself as new results arrive.",
    "Diperbarui": "Updated",
    "Geser tabel ke samping untuk melihat semua kolom.": "Slide the table sideways to see every column.",
    "Di bawah tiap angka: persentase suara calon itu di wilayah tersebut.":
        "Under each number: that candidate's share of the votes in that region.",
    "Di bawah tiap angka: persentase suara partai itu di wilayah tersebut.":
        "Under each number: that party's share of the votes in that region.",
    "Diperiksa": "Checked",
    "Gagal memeriksa data baru; mencoba lagi": "Could not check for new data; trying again",
    # TPS page
    "Belum ada data untuk TPS ini.": "No data for this polling station yet.",
    "Foto formulir": "Photos of the form",
    "Foto halaman {page} formulir C Hasil": "Photo of page {page} of the C Hasil form",
    "Halaman {page}: belum ada foto": "Page {page}: no photo yet",
    "Perbesar": "Zoom in",
    "Perkecil": "Zoom out",
    "Tutup": "Close",
    "IV. Perolehan suara": "IV. Votes per candidate",
    "V. Jumlah suara": "V. Vote totals",
    "Suara sah": "Valid votes",
    "Suara tidak sah": "Invalid votes",
    "Total suara": "Total votes",
    "I-III. Data pemilih dan surat suara": "I-III. Voters and ballots",
    "L": "M",
    "P": "F",
    "Jumlah": "Total",
    "Riwayat versi": "Version history",
    "Versi {no}, {time} {zone}, oleh {actor}": "Version {no}, {time} {zone}, by {actor}",
    "sistem (impor data)": "the system (data import)",
    "Peringatan": "Warning",
    "disahkan {who}": "authorised by {who}",
    "Angka dari foto: {read} dibaca mesin, {confirmed} diperiksa petugas, {changed} diubah petugas":
        "Numbers from the photos: {read} read by machine, {confirmed} checked by the officer, {changed} changed by "
        "the officer",
    "Pengaduan untuk TPS ini": "Complaints about this polling station",
    "Belum ada pengaduan.": "No complaints yet.",
    "Laporkan ketidaksesuaian": "Report a mismatch",
    "Jika angka di atas berbeda dengan foto formulir, tuliskan apa yang berbeda. Anda akan mendapat nomor "
    "pengaduan untuk melihat statusnya.":
        "If the numbers above differ from the photo of the form, write what differs. You will get a complaint "
        "number to follow its status.",
    "Uraian (10-2000 karakter)": "Description (10-2000 characters)",
    "Kirim pengaduan": "Send the complaint",
    "kode": "code",
    # complaints
    "Pengaduan {number}": "Complaint {number}",
    "Simpan nomor ini untuk melihat statusnya nanti.": "Keep this number to check its status later.",
    "Status": "Status",
    "Diterima pada": "Received at",
    "Terakhir berubah": "Last changed",
    "Alasan": "Reason",
    "Koreksi": "Correction",
    "Pemilih dalam DPT": "Voters on the voter list (DPT)",
    "Pengguna hak pilih DPT": "Voters from the DPT who voted",
    "Pengguna hak pilih DPTb": "Voters who moved here (DPTb) and voted",
    "Pengguna hak pilih DPK": "Voters with only an ID card (DPK) who voted",
    "Jumlah pengguna hak pilih": "All who voted",
    "Pemilih disabilitas": "Voters with disabilities",
    "Surat suara diterima (termasuk cadangan 2%)": "Ballots received (incl. 2% reserve)",
    "Surat suara dikembalikan (rusak/keliru coblos)": "Ballots returned (damaged or spoilt)",
    "Surat suara tidak digunakan": "Ballots not used",
    "Surat suara digunakan": "Ballots used",
    "Dikoreksi lewat koreksi nomor {id}.": "Corrected by correction number {id}.",
    "Nomor pengaduan": "Complaint number",
    "Lihat status": "Show status",
    "Halaman tidak ditemukan": "Page not found",
    "Permintaan ditolak": "Request refused",
    "Kembali ke halaman nasional": "Back to the national page",
    "Tidak ada halaman di alamat {path}.": "There is no page at {path}.",
    "Cari wilayah atau TPS dengan kotak pencarian di atas, atau:": "Find a region or polling station with the search box above, or:",
    "Kode status HTTP {status}": "HTTP status code {status}",
    "parameter tidak sah": "invalid parameter",
    # party-list contests, dapil, seat projection
    "Partai": "Party",
    "Dapil": "Electoral districts (dapil)",
    "Perolehan suara partai dan calon": "Votes per party and candidate",
    "suara": "votes",
    "Nama calon": "Candidate",
    "Suara partai saja": "Votes for the party only",
    "suara partai saja": "votes for the party only",
    "Partai dan calon": "Party and candidates",
    "Jumlah suara {party}": "Total of {party}",
    "{n} kursi": "{n} seats",
    "jumlah kursi disimpulkan": "number of seats inferred",
    "Proyeksi kursi": "Seat projection",
    "Proyeksi tidak dapat dihitung": "The projection cannot be computed",
    "Kursi": "Seats",
    "Calon dengan suara terbanyak": "Candidates with the most votes",
    "di bawah ambang batas 4%": "below the 4% threshold",
    "Kursi belum terbagi: {n}": "Seats not yet allocated: {n}",
    "Aturan seri": "Tie rule",
    "Proyeksi kursi semua dapil (JSON)": "Seat projection of every dapil (JSON)",
    # search
    "Hasil pencarian": "Search results",
    "Tidak ada wilayah atau TPS yang cocok.": "No region or polling station matches.",
    "Menampilkan {shown} dari {total} hasil; persempit pencarian (misalnya tambahkan nama kecamatan atau kabupaten).":
        "Showing {shown} of {total} results; narrow the search (add the name of the district or regency, say).",
    "{total} hasil.": "{total} results.",
    "lebih dari {n}": "more than {n}",
    "ketik paling sedikit 2 huruf": "type at least 2 letters",
    "ketik paling banyak 64 huruf": "type at most 64 letters",
}
ENGLISH.update(RECAP_ENGLISH)
ENGLISH.update(ANOMALY_ENGLISH)
# complaint states are stored as identifiers; each language shows its own words for them
STATUS_WORDS = {"id": {"received": "diterima", "under_review": "sedang diperiksa", "corrected": "dikoreksi",
                       "rejected": "ditolak"},
                "en": {"received": "received", "under_review": "under review", "corrected": "corrected",
                       "rejected": "rejected"}}


def language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    kept = request.cookies.get(COOKIE)
    return kept if kept in LANGS else "id"


def translator(lang: str) -> Callable[..., str]:
    table = ENGLISH if lang == "en" else {}

    def translate(phrase: str, **values: object) -> str:
        text = table.get(phrase, phrase)
        return text.format(**values) if values else text
    return translate


def number(value: int | Decimal | str, lang: str) -> str:
    """540.771 / 66,48688 in Indonesian, 540,771 / 66.48688 in English."""
    shown = format_id(Decimal(value) if isinstance(value, str) else value)
    if lang == "en":
        return shown.translate(str.maketrans(".,", ",."))
    return shown
