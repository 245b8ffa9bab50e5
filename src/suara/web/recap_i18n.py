"""English for the recapitulation's portal pages (web/i18n.py merges it into its table)."""

from __future__ import annotations

RECAP_ENGLISH = {
    # the box on a region page
    "Rekapitulasi berjenjang": "Tiered recapitulation",
    "belum dicatat": "not yet recorded",
    "dicatat": "recorded",
    "ditetapkan": "decided (closed)",
    "sebagian dicatat": "partly recorded",
    "hasil resmi": "official result",
    "Hasil resmi pemilihan ini telah ditetapkan.": "The official result of this contest has been decided.",
    "{n} baris rekapitulasi di wilayah ini berbeda dengan publikasi atau tingkat di bawahnya.":
        "Rows of the recapitulation in this region that differ from the publication or the tier below: {n}.",
    "Tidak ada selisih rekapitulasi yang tercatat di wilayah ini.":
        "No recapitulation discrepancies recorded in this region.",
    "Rekapitulasi {formulir} beserta perbandingannya": "The {formulir} recapitulation and its comparisons",
    "Laporan selisih ({n})": "Discrepancy report ({n})",
    # a tier
    "Rekapitulasi resmi sebagaimana dicatat, bukan publikasi awal.":
        "The official recapitulation as recorded, not the preliminary publication.",
    "Dicatat (revisi {n}) oleh {who}, {time}": "Recorded (revision {n}) by {who}, {time}",
    "Ditetapkan oleh {who}, {time}": "Closed by {who}, {time}",
    "Dibuka kembali oleh {who}, {time}": "Reopened by {who}, {time}",
    "Sidik isi": "Content hash",
    "Suara sah seluruhnya: {n}": "Valid votes in all: {n}",
    "Foto berita acara rapat pleno, revisi {n}": "Photo of the plenary's minutes, revision {n}",
    "Berita acara rapat pleno": "Minutes of the plenary",
    "Belum ada foto berita acara untuk revisi ini.": "No photo of the minutes for this revision.",
    "Rapat pleno tingkat ini belum mencatat rekapitulasinya.": "This tier's plenary has not recorded its recapitulation yet.",
    "Tingkat di atasnya": "The tier above",
    "Per wilayah": "By region",
    "Selisih dengan publikasi": "Difference from the publication",
    "Selisih dengan tingkat bawah": "Difference from the tier below",
    "Status tingkat bawah": "Status of the tier below",
    "Selisih: jumlah mutlak selisih suara per calon/partai; baris yang berbeda ditandai.":
        "Difference: the sum of absolute vote differences per candidate or party; differing rows are marked.",
    "Rincian per wilayah": "Details by region",
    "ada selisih": "differs",
    "Perolehan": "Figure",
    "Rekapitulasi": "Recapitulation",
    "Publikasi (C Hasil)": "Publication (C Hasil)",
    "Selisih": "Difference",
    "dengan publikasi": "from the publication",
    "Tingkat bawah": "Tier below",
    "dengan tingkat bawah": "from the tier below",
    "Buka {nama}": "Open {nama}",
    "Riwayat revisi": "Revisions",
    "Revisi {n}, {time}, oleh {who}": "Revision {n}, {time}, by {who}",
    "foto berita acara": "photo of the minutes",
    "Alasan pembukaan kembali terakhir": "Reason of the latest reopening",
    "Laporan selisih": "Discrepancy report",
    "Publikasi awal wilayah ini": "Preliminary publication of this region",
    # the discrepancy report
    "Baris rekapitulasi berjenjang (D Hasil) di wilayah ini yang berbeda dengan jumlah formulir C Hasil yang "
    "dipublikasikan atau dengan rekapitulasi tingkat di bawahnya, dari yang terbesar.":
        "Rows of the tiered recapitulation (D Hasil) in this region that differ from the sums of the published "
        "C Hasil forms or from the recapitulation of the tier below, largest first.",
    "{n} selisih; ditampilkan {first}-{last}.": "Discrepancies: {n}; showing {first}-{last}.",
    "Baris": "Row",
    "Besar": "Size",
    "Dicatat oleh": "Recorded by",
    "Terhadap": "Against",
    "Rincian": "Details",
    "publikasi (jumlah C Hasil)": "the publication (sums of C Hasil)",
    "rekapitulasi tingkat bawah": "the recapitulation of the tier below",
    "Halaman": "Pages",
    "Sebelumnya": "Previous",
    "Berikutnya": "Next",
    "Halaman {page} dari {pages}": "Page {page} of {pages}",
    "Rekapitulasi wilayah ini": "This region's recapitulation",
}
