"""Suara's own public JSON documents (/api/v1): results of a region, one TPS, contests, regions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from suara.domain.contests import Contest
from suara.domain.elections import ContestScope
from suara.domain.form_labels import labels
from suara.domain.localtime import utc_text, wib_text
from suara.domain.percent import percent
from suara.domain.regions import LEVEL_NAMES, METODE_NAMES, NATIONAL, Region, RegionTree
from suara.domain.rules import RULES
from suara.domain.tally import Totals
from suara.tally.queries import CurrentVersion, StoredVersion

DISCLAIMER = {
    "id": "Publikasi awal formulir C Hasil, bukan hasil resmi; hasil resmi ditetapkan melalui "
          "rekapitulasi berjenjang.",
    "en": "Preliminary publication of the C Hasil forms, not the official result, which comes from "
          "the tiered recapitulation.",
}


def as_of(tally_seq: int, moment: datetime) -> dict[str, Any]:
    return {"tally_seq": tally_seq, "time": utc_text(moment), "time_wib": wib_text(moment)}


def with_chain_head(value: Any, seq: int, digest: str, replica_lag: float | None = None) -> Any:
    """A document of Suara's own API gets the audit chain's head beside its tally point (in
    as_of), so a witness can hold the deployment to it; other documents (Sirekap shapes, CSV,
    NIST) keep their shapes and carry it in the X-Suara-Chain-Head header only.

    replica_lag_seconds says how far behind the primary the replica it was read from was when it
    was rendered (store/replica.py); null when it was read from the primary (no replica)."""
    if isinstance(value, dict) and isinstance(value.get("as_of"), dict):
        return {**value, "as_of": {**value["as_of"], "chain_head": {"seq": seq, "hash": digest},
                                   "replica_lag_seconds": replica_lag}}
    return value


def envelope(tally_seq: int, moment: datetime, **body: Any) -> dict[str, Any]:
    return {"as_of": as_of(tally_seq, moment), "disclaimer": DISCLAIMER, **body}


def contest_doc(contest: Contest) -> dict[str, Any]:
    return {"key": contest.key, "kind": contest.kind, "nama": contest.nama, "region": contest.region,
            "tps_cap": contest.tps_cap,
            "candidates": [{"nomor_urut": c.nomor_urut, "id": c.id, "nama": c.nama, "warna": c.warna}
                           for c in contest.candidates]}


def region_ref(region: Region, tps_total: int | None = None) -> dict[str, Any]:
    """A region with its TPS count (pass the contest's own count: its election's list, excluded
    parts taken out; the base tree's count otherwise)."""
    return {"kode": region.kode, "nama": region.nama, "tingkat": region.tingkat,
            "tingkat_nama": LEVEL_NAMES[region.tingkat],
            "tps_total": region.tps_total if tps_total is None else tps_total}


def station_ref(tree: RegionTree, tps: str) -> dict[str, Any]:
    """How a TPS is named and how its voters vote (TPS, TPSLN, KSK mobile box, POS by post)."""
    station = tree.station(tps)
    return {"kode": tps, "nama": station.nama, "metode": station.metode,
            "metode_nama": METODE_NAMES.get(station.metode, station.metode), "sintetis": station.sintetis}


def breadcrumbs(tree: RegionTree, kode: str) -> list[dict[str, Any]]:
    codes = [NATIONAL] + [kode[:n] for n in (2, 4, 6, 10) if len(kode) > n] if kode != NATIONAL else []
    return [{"kode": c, "nama": tree.get(c).nama} for c in codes]


def figures(contest: Contest, totals: Totals, tps_total: int) -> dict[str, Any]:
    """The numbers every level shows: votes with percentages, progress, flags, turnout."""
    votes = {str(c.nomor_urut): totals.votes.get(str(c.nomor_urut), 0) for c in contest.candidates}
    counted = sum(votes.values())
    return {
        "votes": votes,
        "persen": {k: str(percent(v, counted, 2)) if counted else None for k, v in votes.items()},
        "suara_sah": totals.suara_sah,
        "suara_tidak_sah": totals.suara_tidak_sah,
        "suara_total": totals.suara_total,
        "tps_reported": totals.tps_reported,
        "tps_total": tps_total,
        "progress_persen": str(percent(totals.tps_reported, tps_total, 5)),
        "tps_flagged": totals.tps_flagged,
        "flag_counts": dict(totals.flag_counts),
        "turnout": {
            "tps": totals.tps_turnout, "pemilih_dpt": totals.pemilih_dpt, "pengguna_total": totals.pengguna_total,
            "persen": str(percent(totals.pengguna_total, totals.pemilih_dpt, 2)) if totals.pemilih_dpt else None,
        },
    }


def results_doc(contest: Contest, scope: ContestScope, region: Region, own: Totals, children: Sequence[Region],
                child_totals: Mapping[str, Totals], tps_rows: Mapping[str, CurrentVersion] | None,
                tally_seq: int, moment: datetime, flag_examples: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Results of a region with one row per child region (or per TPS for a desa), progress
    counted on the contest's own election list.

    flag_examples: for each rule the region's totals count, one TPS code that carries it (the
    smallest), so a page can link "R8: 12 TPS" to an example.
    """
    rows: list[dict[str, Any]] = []
    if tps_rows is not None:
        for tps in scope.tps_of(region.kode):
            version = tps_rows.get(tps)
            totals = Totals()
            if version is not None:
                totals.apply(version.contribution)
            rows.append({**station_ref(scope.tree, tps), "tingkat": 5, **figures(contest, totals, 1)})
    else:
        rows = [{**region_ref(c, scope.tps_total(c.kode)), **figures(contest, child_totals[c.kode],
                                                                     scope.tps_total(c.kode))} for c in children]
    tps_total = scope.tps_total(region.kode)
    return envelope(tally_seq, moment, contest=contest_doc(contest), region=region_ref(region, tps_total),
                    breadcrumbs=breadcrumbs(scope.tree, region.kode), totals=figures(contest, own, tps_total),
                    flag_examples=dict(flag_examples or {}), children=rows)


def flag_docs(flags: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**f, "judul": RULES[f["rule"]].judul, "title": RULES[f["rule"]].title} for f in flags]


def box_names(contest: Contest, ballot: Mapping[str, Any] | None) -> dict[str, str]:
    """What readers call the numbers of a form (form_labels.box_label): the candidates (pairs)
    by number, or on a party-list ballot the parties and each party's candidates ("2.3")."""
    if ballot and ballot.get("daftar_calon"):
        names = {}
        for party in ballot["daftar_calon"]:
            names[str(party["nomor_urut"])] = party["nama"]
            names.update({f"{party['nomor_urut']}.{c['nomor_urut']}": c["nama"] for c in party.get("caleg", [])})
        return names
    return {str(c.nomor_urut): c.nama for c in contest.candidates}


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any],
            names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """What a version changed against the one before it, box by box: the box's path in the form
    (`field`) and its label on the form in both languages (`label`)."""
    def flat(form: Mapping[str, Any] | None) -> dict[str, Any]:
        if form is None:
            return {}
        out = {f"suara.{k}": v for k, v in (form.get("suara") or {}).items()}
        for party, block in (form.get("partai") or {}).items():
            out.update({f"partai.{party}.{k}": block[k] for k in ("suara_partai", "jumlah") if k in block})
            out.update({f"partai.{party}.caleg.{n}": v for n, v in (block.get("caleg") or {}).items()})
        out.update({k: form[k] for k in ("suara_sah", "suara_tidak_sah", "suara_total")})
        out.update({f"administrasi.{k}": v for k, v in (form.get("administrasi") or {}).items()})
        return out
    old, new = flat(before), flat(after)
    return [{"field": k, "label": labels(k, names), "from": old.get(k), "to": new.get(k)}
            for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


def tps_doc(contest: Contest, tree: RegionTree, tps: str, versions: Sequence[StoredVersion],
            tally_seq: int, moment: datetime,
            photos: Mapping[int, Mapping[int, str]] | None = None,
            ballot: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The full public record of one TPS: current form, every version with what changed, flags.

    tree: the contest's election tree (it names the station). ballot: for a party-list contest,
    the TPS's dapil and the lists standing there (names of parties and candidates)."""
    history = []
    names = box_names(contest, ballot)
    previous: Mapping[str, Any] | None = None
    for v in versions:
        history.append({"version_no": v.version_no, "version_id": v.version_id,
                        "submitted_at": utc_text(v.submitted_at), "submitted_at_wib": wib_text(v.submitted_at),
                        "actor": v.actor, "reason": v.reason, "authorised_by": v.authorised_by,
                        "outcome": v.outcome,
                        "flags": flag_docs(v.flags), "form": v.form, "reading": v.reading,
                        "photos": {str(p): url for p, url in sorted((photos or {}).get(v.version_id, {}).items())},
                        "changes": changes(previous, v.form, names) if previous is not None else []})
        previous = v.form
    desa = tree.get(tps[:10])
    return envelope(tally_seq, moment, contest=contest_doc(contest),
                    tps={**station_ref(tree, tps), "desa": region_ref(desa),
                         "breadcrumbs": breadcrumbs(tree, tps), **(ballot or {})},
                    current=history[-1] if history else None, versions=list(reversed(history)))
