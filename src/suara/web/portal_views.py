"""What the portal's pages show, built from the published documents: numbers formatted for the
reader's language, the children table in the order asked for, flags with an example TPS."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from suara.domain.form import PERSON_GROUPS, SURAT_SUARA
from suara.domain.form_labels import BALLOTS, GROUPS, TOTALS, box_label
from suara.domain.machine_reading import origin_counts
from suara.domain.rules import RULES, Severity
from suara.web.correction_views import actor_words
from suara.web.i18n import number

CHILD_HEADINGS = {0: "Provinsi", 1: "Kabupaten/kota", 2: "Kecamatan", 3: "Kelurahan/desa", 4: "TPS"}
DIRECTIONS = ("naik", "turun")


@dataclass(frozen=True, slots=True)
class Order:
    """How the children table is sorted: a column key and a direction, from the query string."""
    column: str = "kode"
    direction: str = "naik"

    @classmethod
    def parse(cls, column: str | None, direction: str | None, candidates: list[str]) -> Order:
        allowed = {"kode", "nama", "masuk", "catatan", *candidates}
        if column not in allowed:
            return cls()
        return cls(column, direction if direction in DIRECTIONS else "naik")

    def link(self, column: str) -> str:
        """The query string of a header link: the same column flips direction; a new one
        starts with the largest figures first (names with A)."""
        if column == self.column:
            flipped = "turun" if self.direction == "naik" else "naik"
            return f"?urut={column}&arah={flipped}"
        return f"?urut={column}&arah={'naik' if column == 'nama' else 'turun'}"

    def aria(self, column: str) -> str | None:
        if column != self.column:
            return None
        return "ascending" if self.direction == "naik" else "descending"


def _sort_key(column: str) -> Callable[[Mapping[str, Any]], Any]:
    if column == "nama":
        return lambda row: row["nama"].casefold()
    if column == "masuk":
        return lambda row: (row["tps_reported"] / row["tps_total"] if row["tps_total"] else 0, row["tps_reported"])
    if column == "catatan":
        return lambda row: row["tps_flagged"]
    if column == "kode":
        return lambda row: row["kode"]
    return lambda row: row["votes"][column]


# Words of a name that are titles or degrees, not what the person is called by
_TITLES = frozenset({"H", "HJ", "KH", "DR", "DRS", "DRA", "IR", "PROF", "HC", "ST", "SH", "SE", "MM", "MH", "MBA",
                     "SAG", "SPD", "SSOS", "SIP", "SKOM", "SHI", "LC", "MA", "MSI", "MT", "AMD", "TGH", "RADEN"})


def short_name(nama: str) -> str:
    """What a candidate (pair) is called in a narrow column: each person's first name that is
    no title or degree, "ANIES RASYID BASWEDAN - MUHAIMIN ISKANDAR" -> "Anies-Muhaimin"."""
    called = []
    for person in nama.split(" - "):
        words = [w.strip(",") for w in person.replace(",", ", ").split()]
        name = next((w for w in words if "." not in w and w.isalpha() and len(w) > 2
                     and w.upper().replace("'", "") not in _TITLES), words[0] if words else person)
        called.append(name.capitalize())
    return "-".join(called)


def candidates_view(doc: Mapping[str, Any], lang: str,
                    abbreviations: Mapping[int, str] | None = None) -> list[dict[str, Any]]:
    """The contest's candidates (pairs, or parties) with their totals here; `short` is what a
    table column is headed by: a party's abbreviation, a pair's first names."""
    totals = doc["totals"]
    shown = []
    for c in doc["contest"]["candidates"]:
        nomor = str(c["nomor_urut"])
        persen = totals["persen"][nomor]
        shown.append({**c, "votes": totals["votes"][nomor], "votes_text": number(totals["votes"][nomor], lang),
                      "persen_text": number(persen, lang) if persen is not None else "-",
                      "width": f"{float(persen or 0):.2f}",
                      "short": (abbreviations or {}).get(c["nomor_urut"]) or short_name(c["nama"])})
    return shown


def children_view(doc: Mapping[str, Any], order: Order, lang: str) -> list[dict[str, Any]]:
    """One row per child region (or TPS): each candidate's votes and share of the row's votes."""
    contest = doc["contest"]["key"]
    rows = sorted(doc["children"], key=_sort_key(order.column), reverse=order.direction == "turun")
    numbers = [str(c["nomor_urut"]) for c in doc["contest"]["candidates"]]
    return [{"kode": row["kode"], "nama": station_label(row, lang) if row["tingkat"] == 5 else row["nama"],
             "href": f"/tps/{contest}/{row['kode']}" if row["tingkat"] == 5 else f"/wilayah/{contest}/{row['kode']}",
             "votes": [(number(row["votes"][n], lang),
                        f"{number(row['persen'][n], lang)}%" if row["persen"].get(n) is not None else "")
                       for n in numbers],
             "progress": f"{number(row['tps_reported'], lang)}/{number(row['tps_total'], lang)}",
             "flagged": number(row["tps_flagged"], lang)} for row in rows]


def flags_view(doc: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """Each failing rule with how many TPS it flags here and one of them to look at."""
    contest = doc["contest"]["key"]
    examples = doc.get("flag_examples", {})
    return [{"rule": rule, "judul": RULES[rule].title if lang == "en" else RULES[rule].judul,
             "count": number(count, lang),
             "example": examples.get(rule), "href": f"/tps/{contest}/{examples[rule]}" if rule in examples else None}
            for rule, count in sorted(doc["totals"]["flag_counts"].items(), key=lambda kv: int(kv[0][1:])) if count]


def administrasi_view(administrasi: Mapping[str, int] | None, lang: str) -> dict[str, list[Any]]:
    """Sections I-III of the form: voters by sex (L, P, total) and the ballots, as on paper,
    under the form's own labels."""
    if not administrasi:
        return {"people": [], "ballots": []}
    pick = 1 if lang == "en" else 0
    people = [(GROUPS[g][pick], [administrasi.get(f"{g}_{s}") for s in ("l", "p", "j")]) for g in PERSON_GROUPS]
    if "pemilih_disabilitas_j" in administrasi:
        people.append((GROUPS["pemilih_disabilitas"][pick], [None, None, administrasi["pemilih_disabilitas_j"]]))
    ballots = [(BALLOTS[k][pick], administrasi.get(k)) for k in SURAT_SUARA]
    return {"people": [p for p in people if any(v is not None for v in p[1])],
            "ballots": [b for b in ballots if b[1] is not None]}


def totals_view(form: Mapping[str, Any], lang: str) -> list[tuple[str, Any]]:
    """Section V: valid, invalid, and both together, under the form's labels."""
    return [(TOTALS[k][1 if lang == "en" else 0], form.get(k)) for k in TOTALS]


def record_flags_view(flags: list[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """A version's flags in the reader's language, the rule id kept as a small code. A flag
    stored before messages were written in both languages shows its one message."""
    return [{"rule": f["rule"], "judul": RULES[f["rule"]].title if lang == "en" else RULES[f["rule"]].judul,
             "message": (f.get("message_en") or f["message"]) if lang == "en" else f["message"],
             "warning": f["severity"] == Severity.WARNING.value} for f in flags]


def history_view(versions: list[Mapping[str, Any]], names: Mapping[str, str], lang: str) -> list[dict[str, Any]]:
    """The versions of a TPS's form, newest first, each change named by the form's label and
    each account as officials say it ("PPK ppk-gambir"; None for the bulk import)."""
    return [{**v, "changes": [{"label": c["label"][lang] if "label" in c else box_label(c["field"], lang, names),
                               "from": c["from"], "to": c["to"]} for c in v["changes"]],
             "by": None if v["actor"] == "system" else actor_words(v["actor"]),
             "origins": origin_counts(v.get("reading")) if (v.get("reading") or {}).get("origins") else None,
             "authorised": actor_words(v["authorised_by"]) if v.get("authorised_by") else None}
            for v in versions]


def station_label(station: Mapping[str, Any], lang: str) -> str:
    """A station as readers know it: "TPS 001", and abroad with its voting method, "KSK 001
    (Kotak Suara Keliling)"."""
    metode = station.get("metode")
    if not metode or metode == "TPS":
        return str(station["nama"])
    words = METODE_WORDS[lang].get(metode, metode)
    return f"{station['nama']} ({words})"


METODE_WORDS = {"id": {"TPSLN": "TPS Luar Negeri", "KSK": "Kotak Suara Keliling", "POS": "Pos"},
                "en": {"TPSLN": "polling station abroad", "KSK": "mobile ballot box", "POS": "postal vote"}}


def parties_view(doc: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """Each party with its total, its own votes and, where the document lists them, its
    candidates (list order)."""
    shown = []
    for p in doc.get("partai", []):
        caleg = [{"nomor_urut": c["nomor_urut"], "nama": c["nama"], "dapil": c["dapil"],
                  "votes_text": number(c["suara"], lang)} for c in p.get("caleg", [])]
        shown.append({"nomor_urut": p["nomor_urut"], "nama": p["nama"], "warna": p["warna"],
                      "votes_text": number(p["suara"], lang), "party_only_text": number(p["suara_partai"], lang),
                      "caleg": caleg})
    return shown


def projection_view(projection: Mapping[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """The seat projection of a dapil: parties with seats, their elected candidates, the label."""
    if not projection:
        return None
    return {"label": projection["label"][lang], "tie_rule": projection["tie_rule"][lang],
            "seats": projection["seats"], "error": projection.get("error"),
            "tie_decided": projection.get("tie_decided", False),
            "unallocated": projection.get("unallocated_seats", 0),
            "parties": [{"nomor_urut": p["nomor_urut"], "nama": p["nama"], "seats": p["seats"],
                         "eligible": p["eligible"], "votes_text": number(p["votes"], lang),
                         "elected": [c["nama"] for c in p["elected"]]}
                        for p in projection["parties"] if p["seats"] or not p["eligible"]]}


def ballot_view(form: Mapping[str, Any], tps: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A party-list form as on paper: per party its own votes, each candidate, the total."""
    names = {str(p["nomor_urut"]): p for p in tps.get("daftar_calon", [])}
    shown = []
    for party, block in (form.get("partai") or {}).items():
        listed = names.get(party, {})
        caleg_names = {str(c["nomor_urut"]): c["nama"] for c in listed.get("caleg", [])}
        shown.append({"nomor_urut": party, "nama": listed.get("nama", party),
                      "suara_partai": block.get("suara_partai"), "jumlah": block.get("jumlah"),
                      "caleg": [(n, caleg_names.get(n, "?"), v) for n, v in (block.get("caleg") or {}).items()]})
    return shown


LEVEL_WORDS = {"id": {1: "Provinsi", 2: "Kab/Kota", 3: "Kecamatan", 4: "Desa/Kelurahan", 5: "TPS"},
               "en": {1: "Province", 2: "Regency/city", 3: "District", 4: "Village", 5: "Polling station"}}


def search_hits_view(hits: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Search hits labelled by level, with the place above them and their province, so that the
    many places of one name can be told apart."""
    shown = []
    for h in hits:
        province = h["provinsi"]["nama"] if h["tingkat"] > 1 else None
        above = [p for p in (h["induk"], province) if p and p != "INDONESIA"]
        shown.append({**h, "level": LEVEL_WORDS[lang][h["tingkat"]], "where": list(dict.fromkeys(above)),
                      "href": f"/tps/ppwp/{h['kode']}" if h["tingkat"] == 5 else f"/wilayah/ppwp/{h['kode']}"})
    return shown
