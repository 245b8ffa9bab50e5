"""What the portal's recapitulation pages show, built from recap_docs' documents: each row's
figures key by key beside the publication and the tier below, differences signed and marked,
vote keys by name (party, party-only votes, candidates under their party), numbers and times
in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from suara.domain.localtime import wib_text
from suara.domain.recap import TIER_NAMES, Tingkat
from suara.domain.tally import PARTY_ONLY, split_candidate_key, vote_key_order
from suara.web.i18n import number

Translate = Callable[..., str]
TOTAL_KEYS = ("suara_sah", "suara_tidak_sah", "pengguna_total_j")
TOTAL_LABELS = {"suara_sah": "Suara sah", "suara_tidak_sah": "Suara tidak sah",
                "pengguna_total_j": "Jumlah pengguna hak pilih"}
STATUS_PHRASES = {"belum_dicatat": "belum dicatat", "recorded": "dicatat", "locked": "ditetapkan",
                  "sebagian": "sebagian dicatat"}
AGAINST_PHRASES = {"publikasi": "publikasi (jumlah C Hasil)", "tingkat_bawah": "rekapitulasi tingkat bawah"}


def signed(value: int, lang: str) -> str:
    """+40 / −40 (a real minus sign, so that it reads as one and is not broken across lines)."""
    return ("+" if value > 0 else "\u2212") + number(abs(value), lang)


def when(moment: str | None) -> str | None:
    return None if moment is None else wib_text(datetime.fromisoformat(moment)) + " WIB"


def party_of(key: str) -> int:
    """The party a party-list vote key belongs to (its total, its own votes, its candidates)."""
    if key.isdigit():
        return int(key)
    if key.startswith(PARTY_ONLY):
        return int(key[1:])
    split = split_candidate_key(key)
    return int(split[1]) if split is not None else 0


def _line_order(key: str) -> tuple[int, int, int, str]:
    """Party-list keys grouped by party: its own votes, its candidates in list order, its total."""
    kind, rank, extra = vote_key_order(key)
    place = {1: 0, 2: 1, 0: 2}.get(kind, 3)
    return (party_of(key), place, rank, extra)


def vote_lines(keys: set[str], party_list: bool, labels: Mapping[str, str], parties: Mapping[str, str],
               _: Translate) -> list[tuple[str, str, bool]]:
    """(key, label, is a party heading) for each vote key, then the totals; party-list contests
    get a heading per party before its lines."""
    lines: list[tuple[str, str, bool]] = []
    if party_list:
        party = None
        for key in sorted(keys, key=_line_order):
            owner = str(party_of(key))
            if owner != party:
                party = owner
                lines.append((f"partai:{owner}", f"{owner}. {parties.get(owner, owner)}", True))
            if key.isdigit():
                label = _("Jumlah suara {party}", party=parties.get(key, key))
            elif key.startswith(PARTY_ONLY):
                label = _("Suara partai saja")
            else:
                split = split_candidate_key(key)
                label = f"{split[2] if split else ''}. {labels.get(key, key)}"
            lines.append((key, label, False))
    else:
        lines += [(key, f"{key}. {labels.get(key, key)}", False) for key in sorted(keys, key=vote_key_order)]
    lines += [(key, _(TOTAL_LABELS[key]), False) for key in TOTAL_KEYS]
    return lines


def _figure(figures: Mapping[str, Any] | None, key: str) -> int | None:
    if figures is None:
        return None
    return int(figures[key]) if key in TOTAL_KEYS else int(figures["votes"].get(key, 0))


def _diffs(comparison: Mapping[str, Any] | None) -> Mapping[str, int]:
    return {} if comparison is None else comparison["selisih"]


def row_view(row: Mapping[str, Any], lines: list[tuple[str, str, bool]], href: str, lang: str,
             _: Translate) -> dict[str, Any]:
    """One child of a recorded tier: its summary and, key by key, the three sources side by side."""
    against_pub, against_lower = _diffs(row["selisih_publikasi"]), _diffs(row["selisih_tingkat_bawah"])
    shown = []
    for key, label, heading in lines:
        if heading:
            shown.append({"heading": True, "label": label})
            continue
        recorded, published, lower = (_figure(row["rekapitulasi"], key), _figure(row["publikasi"], key),
                                      _figure(row["tingkat_bawah"], key))
        shown.append({"heading": False, "label": label, "total": key in TOTAL_KEYS,
                      "recorded": number(recorded or 0, lang), "published": number(published or 0, lang),
                      "lower": "\u2013" if lower is None else number(lower, lang),
                      "diff_pub": signed(against_pub[key], lang) if key in against_pub else "",
                      "diff_lower": signed(against_lower[key], lang) if key in against_lower else "",
                      "differs": key in against_pub or key in against_lower})
    pub_size = row["selisih_publikasi"]["besar"]
    lower_size = row["selisih_tingkat_bawah"]["besar"] if row["selisih_tingkat_bawah"] else None
    return {"kode": row["kode"], "nama": row["nama"], "href": href, "anchor": f"baris-{row['kode']}",
            "lower_status": status_word(row["status_tingkat_bawah"], _),
            "sah": number(row["rekapitulasi"]["suara_sah"], lang),
            "pub_size": number(pub_size, lang), "lower_size": "\u2013" if lower_size is None else number(lower_size, lang),
            "differs": bool(against_pub or against_lower), "lines": shown}


def status_word(status: str | None, _: Translate) -> str | None:
    return None if status is None else _(STATUS_PHRASES.get(status, status))


def names_of(contest: Mapping[str, Any]) -> dict[str, str]:
    """Candidate pairs' or parties' names by ballot number, from a document's contest."""
    return {str(c["nomor_urut"]): c["nama"] for c in contest["candidates"]}


def tier_view(doc: Mapping[str, Any], party_list: bool, child_href: Callable[[str], str],
              photo_href: Callable[[int], str], lang: str, _: Translate) -> dict[str, Any]:
    """A tier's page: where it stands, its minutes, its rows and its revisions."""
    record = doc["record"]
    parties = names_of(doc["contest"])
    rows: list[dict[str, Any]] = []
    if record is None:
        rows = [{"kode": r["kode"], "nama": r["nama"], "href": child_href(r["kode"]), "anchor": f"baris-{r['kode']}",
                 "lower_status": status_word(r["status_tingkat_bawah"], _)} for r in doc["rows"]]
    else:
        for row in doc["rows"]:
            keys = {k for source in (row["rekapitulasi"], row["publikasi"], row["tingkat_bawah"]) if source
                    for k in source["votes"]}
            keys |= set(parties)  # every candidate or party, with nothing too
            lines = vote_lines(keys, party_list, doc.get("label_suara", {}), parties, _)
            rows.append(row_view(row, lines, child_href(row["kode"]), lang, _))
    history = [{"revision": h["revision"], "by": h["recorded_by"], "at": when(h["recorded_at"]),
                "photo": photo_href(h["revision"]) if h["foto_berita_acara"] else None,
                "hash": h["content_hash"][:16]} for h in reversed(doc["riwayat"])]
    return {
        "status": doc["status"], "status_word": status_word(doc["status"], _),
        "official": doc["sah_hasil_resmi"], "certified": doc["hasil_ditetapkan"],
        "record": None if record is None else {
            "revision": record["revision"], "recorded_by": record["recorded_by"],
            "recorded_at": when(record["recorded_at"]), "locked_by": record["locked_by"],
            "locked_at": when(record["locked_at"]), "reopened_by": record["reopened_by"],
            "reopened_at": when(record["reopened_at"]), "reopen_reason": record["reopen_reason"],
            "photo": photo_href(record["revision"]) if record["foto_berita_acara"] else None,
            "hash": record["content_hash"]},
        "rows": rows, "differing": sum(1 for r in rows if r.get("differs")), "history": history,
        "has_lower": any(r["lower_status"] is not None for r in rows),  # a kecamatan's desa have no tier
        "total_sah": number(doc["total"]["suara_sah"], lang) if doc.get("total") else None,
    }


def discrepancy_view(doc: Mapping[str, Any], contest: str, parties: Mapping[str, str], lang: str,
                     _: Translate) -> list[dict[str, Any]]:
    """The discrepancy report's items: where, against what, how large, and each figure by name."""
    labels = {**doc.get("label_suara", {}), **parties}
    shown = []
    for item in doc["selisih"]:
        details = [{"label": _(TOTAL_LABELS[k]) if k in TOTAL_LABELS else _vote_label(k, labels, _),
                    "value": signed(v, lang)} for k, v in item["selisih"].items()]
        shown.append({"tier_href": f"/rekap/{contest}/{item['kode']}#baris-{item['baris']}",
                      "formulir": TIER_NAMES[Tingkat(item["tingkat"])], "nama": item["nama"], "kode": item["kode"],
                      "baris": item["baris"], "nama_baris": item["nama_baris"],
                      "against": _(AGAINST_PHRASES.get(item["terhadap"], item["terhadap"])),
                      "size": number(item["besar"], lang), "details": details})
    return shown


def _vote_label(key: str, labels: Mapping[str, str], _: Translate) -> str:
    if key.startswith(PARTY_ONLY):
        return f"{labels.get(key[1:], key[1:])}: " + _("suara partai saja")
    if key.isdigit():
        return f"{key}. {labels.get(key, key)}"
    return labels.get(key, key)
