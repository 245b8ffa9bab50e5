"""English for the anomaly page (web/i18n.py merges it into its table)."""

from __future__ import annotations

ANOMALY_ENGLISH = {
    "Layar anomali": "Anomaly screens",
    "Layar anomali (antrean pemeriksaan, bukan putusan)": "Anomaly screens (a review queue, not a verdict)",
    "Hasil wilayah ini": "Results of this region",
    "Layar dan ambangnya": "The screens and their thresholds",
    "{count} TPS": "{count} polling stations",
    "{count} wilayah": "{count} regions",
    "Sumber": "Sources",
    "TPS dalam antrean": "Polling stations in the queue",
    "Semua layar": "All screens",
    "Desa": "Village",
    "Layar": "Screens",
    "Halaman": "Pages",
    "Sebelumnya": "Previous",
    "Berikutnya": "Next",
    "Halaman {page} dari {pages}": "Page {page} of {pages}",
    "Tidak ada TPS dalam antrean ini.": "No polling station is in this queue.",
    "Hitungan dan pandangan pemantau": "The count and a monitor's view",
    "Calon": "Candidate",
    "Hitungan C Hasil": "C Hasil count",
    "Tanpa antrean": "Without the queue",
    "Tanpa antrean: {n} TPS dikeluarkan.": "Without the queue: {n} polling stations left out.",
    "Sidik jari partisipasi": "Turnout fingerprint",
    "Setiap sel 2 x 2 poin persen; makin gelap makin banyak TPS. Klimek dkk., PNAS 2012.":
        "Each cell is 2 x 2 percentage points; darker cells hold more polling stations. Klimek et al., PNAS 2012.",
    "Layar wilayah (A5, A6)": "Region screens (A5, A6)",
    "Ditandai": "Flagged",
    "Digit terakhir (4,5)": "Last digit (4.5)",
    "Digit kedua (4,187)": "Second digit (4.187)",
    "Di pojok sidik jari": "In the fingerprint's corner",
}
