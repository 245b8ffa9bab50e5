"""The anomaly screens as data: a stable id, a plain explanation in Indonesian and English, the
threshold an operator can set, and what a screen queues (TPS or regions).

A screen never gives a verdict. It makes a review queue: a TPS or a region whose numbers are
unusual enough to be worth a person's look at the form's photos or the recapitulation. The
explanations carry the threshold in force, so what a reader sees says exactly what was tested.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum


class Target(str, Enum):
    TPS = "tps"
    WILAYAH = "wilayah"


@dataclass(frozen=True, slots=True)
class Screen:
    id: str
    target: Target
    nama_id: str
    nama_en: str
    penjelasan_id: str  # {threshold} is replaced by the threshold in force
    explanation_en: str
    default: float
    minimum: float
    maximum: float
    satuan_id: str  # what the threshold counts
    unit_en: str
    sources: tuple[str, ...] = ()

    def explain(self, threshold: float) -> dict[str, str]:
        shown = format_threshold(threshold)
        return {"id": self.penjelasan_id.format(threshold=shown), "en": self.explanation_en.format(threshold=shown)}


def format_threshold(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# Fixed parts of the screens, named so that the explanations and the code say the same.
OUTLIER_MIN_KECAMATAN = 10  # TPS with the statistic in the kecamatan before it is a distribution
OUTLIER_MIN_DESA = 5  # ... and in the desa; a smaller desa is judged by its kecamatan alone
OUTLIER_SCALE_FLOOR = 0.02  # 2 percentage points: a spread of zero would make every TPS "far"
SIMILAR_MIN_VOTES = 30  # small counts repeat by chance
DIGIT_MIN_COUNT = 10  # a count needs two digits for a second digit, and a last digit that is not its first
DIGIT_MIN_COUNTS = 50  # counts in a region before its digits are tested
DIGIT_MIN_SHARE = 0.5  # ... and at least this share of its counts above zero must be that large
DIGIT_CONFIDENCE = 99.0  # percent; thousands of kecamatan are tested at once
DIGIT_BOOTSTRAP = 1000  # resamples
LAST_DIGIT_MEAN = 4.5
SECOND_DIGIT_MEAN = 4.187
CORNER = 0.95  # turnout and the leader's share at or above this are the fingerprint's corner
FINGERPRINT_MIN_TPS = 20

MEBANE_2006 = ("Mebane, W. R. (2006). Election Forensics: Vote Counts and Benford's Law. Summer Meeting of "
               "the Political Methodology Society, UC Davis.")
MEBANE_2008 = ("Mebane, W. R. (2008). Election Forensics: The Second-Digit Benford's Law Test and Recent "
               "American Presidential Elections. In Alvarez, Hall & Hyde (eds.), Election Fraud: Detecting "
               "and Deterring Electoral Manipulation. Brookings.")
BEBER_SCACCO = ("Beber, B. & Scacco, A. (2012). What the Numbers Say: A Digit-Based Test for Election Fraud. "
                "Political Analysis 20(2), 211-234.")
HICKEN_MEBANE = ("Hicken, A. & Mebane, W. R. (2017). A Guide to Election Forensics. University of Michigan / "
                 "USAID (the Election Forensics Toolkit: digit means with nonparametric bootstrap intervals).")
KLIMEK = ("Klimek, P., Yegorov, Y., Hanel, R. & Thurner, S. (2012). Statistical detection of systematic "
          "election irregularities. PNAS 109(41), 16469-16473.")
LEYS = ("Leys, C. et al. (2013). Detecting outliers: Do not use standard deviation around the mean, use "
        "absolute deviation around the median. J. Experimental Social Psychology 49(4), 764-766.")

SCREENS: dict[str, Screen] = {s.id: s for s in (
    Screen("A1", Target.TPS, "Aturan formulir", "Form rules",
           "TPS yang formulirnya melanggar paling sedikit {threshold} aturan konsistensi C Hasil (R1-R16: "
           "jumlah pemilih, surat suara, suara sah dan tidak sah, tiga kotak angka, bacaan mesin atas fotonya).",
           "TPS whose form breaks at least {threshold} of the C Hasil consistency rules (R1-R16: voters, "
           "ballots, valid and invalid votes, the three digit boxes, the machine reading of its photo).",
           1, 1, 16, "aturan", "rules"),
    Screen("A2", Target.TPS, "Partisipasi di atas DPT", "Turnout above the register",
           "TPS dengan pengguna hak pilih (pengguna_total) di atas {threshold}% DPT, atau tepat 100% DPT dengan "
           "semua suara sah untuk satu calon. Pemilih DPTb dan DPK dapat membuat TPS sedikit melewati 100% "
           "secara sah (dari cadangan 2% surat suara), jadi ini antrean pemeriksaan, bukan putusan.",
           "TPS where the voters who voted (pengguna_total) exceed {threshold}% of the register (DPT), or are "
           "exactly 100% of it with every valid vote for one candidate. Voters from the DPTb and DPK lists can "
           "lawfully take a TPS slightly past 100% (from the 2% reserve ballots), so this queues a TPS for "
           "review; it is not a verdict.",
           100, 50, 200, "% DPT", "% of DPT"),
    Screen("A3", Target.TPS, "Jauh dari TPS sekitarnya", "Far from the TPS around it",
           "TPS yang partisipasinya atau perolehan calon teratas kecamatan (persen suara sah) berjarak lebih dari "
           "{threshold} skor z robust dari median TPS di kecamatannya, dan juga dari median TPS lain di desanya bila "
           f"desa itu punya paling sedikit {OUTLIER_MIN_DESA} TPS. Skor z robust = (nilai - median) / (1,4826 x MAD "
           "kecamatan), MAD = median simpangan absolut, dengan skala paling kecil 2 poin persen.",
           "TPS whose turnout or whose share of the valid votes for the kecamatan's leading candidate lies more "
           "than {threshold} robust z-scores from the median TPS of its kecamatan, and from the median of the other "
           f"TPS of its desa too when the desa has at least {OUTLIER_MIN_DESA} TPS. Robust z = (value - median) / "
           "(1.4826 x the kecamatan's MAD), MAD being the median absolute deviation, with a scale of at least 2 "
           "percentage points.",
           4.0, 2.0, 20.0, "skor z", "z-score", (LEYS,)),
    Screen("A4", Target.TPS, "Formulir kembar", "Repeated forms",
           "TPS yang perolehan suaranya (per calon atau per partai, dan suara tidak sah) sama atau hampir sama "
           "dengan TPS lain di kecamatan yang sama: selisih total paling banyak {threshold} suara (jarak L1). "
           f"TPS dengan kurang dari {SIMILAR_MIN_VOTES} suara sah tidak dibandingkan, karena angka kecil mudah "
           "sama secara kebetulan.",
           "TPS whose votes (per candidate or per party, and the invalid votes) equal or nearly equal those of "
           "another TPS of the same kecamatan: at most {threshold} votes apart in all (L1 distance). TPS with "
           f"fewer than {SIMILAR_MIN_VOTES} valid votes are not compared, since small counts repeat by chance.",
           0, 0, 50, "suara (jarak L1)", "votes (L1 distance)"),
    Screen("A5", Target.WILAYAH, "Uji digit", "Digit tests",
           "Kecamatan atau wilayah lebih besar yang rata-rata digit terakhir atau digit kedua (2BL) perolehan "
           f"suaranya menyimpang dari nilai harapan ({LAST_DIGIT_MEAN} dan {SECOND_DIGIT_MEAN}) lebih dari "
           "{threshold}, dengan selang bootstrap " f"{format_threshold(DIGIT_CONFIDENCE)}% ({DIGIT_BOOTSTRAP} kali "
           f"ambil ulang) seluruhnya di luar batas itu. Hanya angka {DIGIT_MIN_COUNT} ke atas yang dihitung; wilayah "
           f"dengan kurang dari {DIGIT_MIN_COUNTS} angka itu, atau yang kurang dari separuh angka bukan-nolnya "
           "sebesar itu (misalnya DPD, dengan puluhan calon), tidak diuji. Angka TPS yang kecil (paling banyak 300 "
           "pemilih) tidak selalu mengikuti hukum digit, maka selisih kecil tidak dianggap.",
           "A kecamatan or larger region whose mean last digit or mean second digit (2BL) of the vote counts "
           f"departs from the expected value ({LAST_DIGIT_MEAN} and {SECOND_DIGIT_MEAN}) by more than "
           "{threshold}, with its " f"{format_threshold(DIGIT_CONFIDENCE)}% bootstrap interval ({DIGIT_BOOTSTRAP} "
           f"resamples) wholly beyond that margin. Only counts of {DIGIT_MIN_COUNT} and more are used; a region "
           f"with fewer than {DIGIT_MIN_COUNTS} of them, or where fewer than half of its counts above zero are that "
           "large (a DPD race, with dozens of candidates), is not tested. Small TPS counts (at most 300 voters) "
           "need not follow the digit laws, so small departures are not counted.",
           0.5, 0.05, 3.0, "selisih rata-rata digit", "difference of the digit mean",
           (MEBANE_2006, MEBANE_2008, BEBER_SCACCO, HICKEN_MEBANE)),
    Screen("A6", Target.WILAYAH, "Sidik jari partisipasi", "Turnout fingerprint",
           "Wilayah yang lebih dari {threshold}% TPS-nya berada di pojok sidik jari: partisipasi dan perolehan "
           f"calon teratas wilayah itu sama-sama {int(CORNER * 100)}% ke atas. Sidik jari adalah histogram dua "
           "dimensi partisipasi terhadap perolehan calon teratas per TPS (Klimek dkk., PNAS 2012); kecurangan "
           f"besar tampak sebagai gumpalan di pojok 100%/100%. Wilayah dengan kurang dari {FINGERPRINT_MIN_TPS} "
           "TPS tidak diuji.",
           "A region where more than {threshold}% of the TPS sit in the corner of the fingerprint: turnout and the "
           f"region's leading candidate's share both at {int(CORNER * 100)}% or more. The fingerprint is the "
           "two-dimensional histogram of turnout against the leading candidate's share per TPS (Klimek et al., "
           "PNAS 2012); wholesale stuffing shows as a cluster in the 100%/100% corner. Regions with fewer than "
           f"{FINGERPRINT_MIN_TPS} TPS are not tested.",
           5.0, 0.5, 100.0, "% TPS", "% of TPS", (KLIMEK,)),
)}
TPS_SCREENS = tuple(s.id for s in SCREENS.values() if s.target is Target.TPS)
REGION_SCREENS = tuple(s.id for s in SCREENS.values() if s.target is Target.WILAYAH)
DEFAULT_THRESHOLDS: dict[str, float] = {s.id: s.default for s in SCREENS.values()}


class InvalidThresholds(ValueError):
    """Thresholds an operator set that cannot be used; the message says which and why."""


def parse_thresholds(text: str | None) -> dict[str, float]:
    """The thresholds in force: the defaults, overridden by a JSON object such as {"A3": 4.5}
    (SUARA_ANOMALY_THRESHOLDS). Anything else is refused with a message naming the fault."""
    thresholds = dict(DEFAULT_THRESHOLDS)
    if text is None or not text.strip():
        return thresholds
    try:
        given = json.loads(text)
    except ValueError as exc:
        raise InvalidThresholds(f"SUARA_ANOMALY_THRESHOLDS bukan JSON yang sah ({exc}); contoh: "
                                '{"A3": 4.5} / not valid JSON') from None
    if not isinstance(given, dict):
        raise InvalidThresholds('SUARA_ANOMALY_THRESHOLDS harus objek JSON seperti {"A3": 4.5} / must be a JSON '
                                "object")
    return with_overrides(given)


def with_overrides(given: Mapping[str, object]) -> dict[str, float]:
    thresholds = dict(DEFAULT_THRESHOLDS)
    for key, value in given.items():
        screen = SCREENS.get(key)
        if screen is None:
            raise InvalidThresholds(f"layar anomali tidak dikenal: {key!r} (yang ada: {', '.join(SCREENS)}) / "
                                    "unknown screen")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidThresholds(f"ambang {key} harus angka, bukan {value!r} / threshold must be a number")
        if not screen.minimum <= value <= screen.maximum:
            raise InvalidThresholds(f"ambang {key} harus antara {format_threshold(screen.minimum)} dan "
                                    f"{format_threshold(screen.maximum)} ({screen.satuan_id}), bukan {value!r} / "
                                    "threshold out of range")
        thresholds[key] = float(value)
    return thresholds
