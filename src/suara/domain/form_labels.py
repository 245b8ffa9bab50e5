"""The C Hasil form's boxes as the form itself calls them, in Indonesian and English: one table
for every screen and page that names a box (the entry screen, the public TPS page and its
version history, the rules' messages), so that no reader meets a developer key such as
`administrasi.pengguna_dpt_j`.

A box is named by its path in the form JSON (shared/spec/form-json.md), with or without the
`administrasi.` prefix: `pemilih_dpt_l`, `surat_suara_diterima`, `suara_sah`, `suara.2`,
`partai.1.suara_partai`, `partai.1.caleg.3`, `partai.1.jumlah`.
"""

from __future__ import annotations

from collections.abc import Mapping

Words = tuple[str, str]  # (Indonesian, English)

# Sections I-II: the rows of voters, each counted by sex (L, P) and in total (J)
GROUPS: dict[str, Words] = {
    "pemilih_dpt": ("Pemilih dalam DPT", "Voters on the voter list (DPT)"),
    "pengguna_dpt": ("Pengguna hak pilih DPT", "Voters from the DPT who voted"),
    "pengguna_dptb": ("Pengguna hak pilih DPTb", "Voters who moved here (DPTb) and voted"),
    "pengguna_non_dpt": ("Pengguna hak pilih DPK", "Voters with only an ID card (DPK) who voted"),
    "pengguna_total": ("Jumlah pengguna hak pilih", "All who voted"),
    "pemilih_disabilitas": ("Pemilih disabilitas", "Voters with disabilities"),
}
SEXES: dict[str, Words] = {"l": ("laki-laki", "male"), "p": ("perempuan", "female"), "j": ("jumlah", "total")}
# Section III: ballot papers
BALLOTS: dict[str, Words] = {
    "surat_suara_diterima": ("Surat suara diterima (termasuk cadangan 2%)", "Ballots received (incl. 2% reserve)"),
    "surat_suara_dikembalikan": ("Surat suara dikembalikan (rusak/keliru coblos)",
                                 "Ballots returned (damaged or spoilt)"),
    "surat_suara_tidak_digunakan": ("Surat suara tidak digunakan", "Ballots not used"),
    "surat_suara_digunakan": ("Surat suara digunakan", "Ballots used"),
}
# Section V: the totals (A, B, C on the form)
TOTALS: dict[str, Words] = {
    "suara_sah": ("Jumlah suara sah", "Valid votes"),
    "suara_tidak_sah": ("Jumlah suara tidak sah", "Invalid votes"),
    "suara_total": ("Jumlah seluruh suara sah dan tidak sah", "Valid and invalid votes together"),
}
ADMINISTRASI_PREFIX = "administrasi."


def _pick(words: Words, lang: str) -> str:
    return words[1] if lang == "en" else words[0]


def administrasi_label(key: str, lang: str) -> str | None:
    """`pengguna_dpt_j` -> "Pengguna hak pilih DPT (jumlah)"; None for a key not on the form."""
    if key in BALLOTS:
        return _pick(BALLOTS[key], lang)
    group, _, sex = key.rpartition("_")
    if group in GROUPS and sex in SEXES:
        return f"{_pick(GROUPS[group], lang)} ({_pick(SEXES[sex], lang)})"
    return None


def box_label(path: str, lang: str = "id", names: Mapping[str, str] | None = None) -> str:
    """The label of one box of the form, given its path in the form JSON.

    names: what the reader knows the numbers by, where known: a candidate (pair), or on a
    party-list form a party, by its number ("2"), and a party's candidate by "party.number"
    ("2.3"). A path that is no box of the form is returned as it is."""
    names = names or {}
    key = path.removeprefix(ADMINISTRASI_PREFIX)
    if key in TOTALS:
        return _pick(TOTALS[key], lang)
    if (label := administrasi_label(key, lang)) is not None:
        return label
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "suara":
        return _candidate(parts[1], names.get(parts[1]), lang)
    if len(parts) >= 3 and parts[0] == "partai":
        party = _named(parts[1], names.get(parts[1]))
        if parts[2:] == ["suara_partai"]:
            return f"Votes for the party only, {party}" if lang == "en" else f"Suara partai saja, {party}"
        if parts[2:] == ["jumlah"]:
            return f"Total votes of {party}" if lang == "en" else f"Jumlah suara {party}"
        if len(parts) == 4 and parts[2] == "caleg":
            who = _named(f"{parts[1]}.{parts[3]}", names.get(f"{parts[1]}.{parts[3]}"))
            return f"Votes for candidate {who}" if lang == "en" else f"Suara calon {who}"
    return path


def _named(number: str, name: str | None) -> str:
    return f"{number}. {name}" if name else f"nomor {number}"


def _candidate(number: str, name: str | None, lang: str) -> str:
    if lang == "en":
        return f"Votes for {number}. {name}" if name else f"Votes for number {number}"
    return f"Suara {number}. {name}" if name else f"Suara nomor urut {number}"


def labels(path: str, names: Mapping[str, str] | None = None) -> dict[str, str]:
    """Both languages at once, as the JSON documents carry them: {"id": ..., "en": ...}."""
    return {"id": box_label(path, "id", names), "en": box_label(path, "en", names)}
