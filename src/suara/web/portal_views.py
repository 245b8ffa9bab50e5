"""What the portal's pages show, built from the published documents: numbers formatted for the
reader's language, the children table in the order asked for, flags with an example TPS."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from suara.domain.form import PERSON_GROUPS, SURAT_SUARA
from suara.domain.rules import RULES
from suara.web.i18n import number

CHILD_HEADINGS = {0: "Provinsi", 1: "Kabupaten/kota", 2: "Kecamatan", 3: "Kelurahan/desa", 4: "TPS"}
GROUP_LABELS = {"pemilih_dpt": "Pemilih dalam DPT", "pengguna_dpt": "Pengguna hak pilih DPT",
                "pengguna_dptb": "Pengguna hak pilih DPTb", "pengguna_non_dpt": "Pengguna hak pilih DPK",
                "pengguna_total": "Jumlah pengguna hak pilih", "pemilih_disabilitas": "Pemilih disabilitas"}
BALLOT_LABELS = {"surat_suara_diterima": "Surat suara diterima (termasuk cadangan 2%)",
                 "surat_suara_dikembalikan": "Surat suara dikembalikan (rusak/keliru coblos)",
                 "surat_suara_tidak_digunakan": "Surat suara tidak digunakan",
                 "surat_suara_digunakan": "Surat suara digunakan"}
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


def candidates_view(doc: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    totals = doc["totals"]
    shown = []
    for c in doc["contest"]["candidates"]:
        nomor = str(c["nomor_urut"])
        persen = totals["persen"][nomor]
        shown.append({**c, "votes": totals["votes"][nomor], "votes_text": number(totals["votes"][nomor], lang),
                      "persen_text": number(persen, lang) if persen is not None else "-",
                      "width": f"{float(persen or 0):.2f}"})
    return shown


def children_view(doc: Mapping[str, Any], order: Order, lang: str) -> list[dict[str, Any]]:
    contest = doc["contest"]["key"]
    rows = sorted(doc["children"], key=_sort_key(order.column), reverse=order.direction == "turun")
    return [{"kode": row["kode"], "nama": station_label(row, lang) if row["tingkat"] == 5 else row["nama"],
             "href": f"/tps/{contest}/{row['kode']}" if row["tingkat"] == 5 else f"/wilayah/{contest}/{row['kode']}",
             "votes": [number(row["votes"][str(c["nomor_urut"])], lang) for c in doc["contest"]["candidates"]],
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


def administrasi_view(administrasi: Mapping[str, int] | None) -> dict[str, list[Any]]:
    """Sections I-III of the form: voters by sex (L, P, total) and the ballots, as on paper."""
    if not administrasi:
        return {"people": [], "ballots": []}
    people = [(GROUP_LABELS[g], [administrasi.get(f"{g}_{s}") for s in ("l", "p", "j")]) for g in PERSON_GROUPS]
    if "pemilih_disabilitas_j" in administrasi:
        people.append((GROUP_LABELS["pemilih_disabilitas"], [None, None, administrasi["pemilih_disabilitas_j"]]))
    ballots = [(BALLOT_LABELS[k], administrasi.get(k)) for k in SURAT_SUARA]
    return {"people": [p for p in people if any(v is not None for v in p[1])],
            "ballots": [b for b in ballots if b[1] is not None]}


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
