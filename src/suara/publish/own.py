"""Suara's own public JSON documents (/api/v1): results of a region, one TPS, contests, regions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from suara.domain.contests import Contest
from suara.domain.localtime import utc_text, wib_text
from suara.domain.percent import percent
from suara.domain.regions import LEVEL_NAMES, NATIONAL, Region, RegionTree
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


def with_chain_head(value: Any, seq: int, digest: str) -> Any:
    """A document of Suara's own API gets the audit chain's head beside its tally point (in
    as_of), so a witness can hold the deployment to it; other documents (Sirekap shapes, CSV,
    NIST) keep their shapes and carry it in the X-Suara-Chain-Head header only."""
    if isinstance(value, dict) and isinstance(value.get("as_of"), dict):
        return {**value, "as_of": {**value["as_of"], "chain_head": {"seq": seq, "hash": digest}}}
    return value


def envelope(tally_seq: int, moment: datetime, **body: Any) -> dict[str, Any]:
    return {"as_of": as_of(tally_seq, moment), "disclaimer": DISCLAIMER, **body}


def contest_doc(contest: Contest) -> dict[str, Any]:
    return {"key": contest.key, "kind": contest.kind, "nama": contest.nama, "region": contest.region,
            "tps_cap": contest.tps_cap,
            "candidates": [{"nomor_urut": c.nomor_urut, "id": c.id, "nama": c.nama, "warna": c.warna}
                           for c in contest.candidates]}


def region_ref(region: Region) -> dict[str, Any]:
    return {"kode": region.kode, "nama": region.nama, "tingkat": region.tingkat,
            "tingkat_nama": LEVEL_NAMES[region.tingkat], "tps_total": region.tps_total}


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


def results_doc(contest: Contest, tree: RegionTree, region: Region, own: Totals, children: Sequence[Region],
                child_totals: Mapping[str, Totals], tps_rows: Mapping[str, CurrentVersion] | None,
                tally_seq: int, moment: datetime, flag_examples: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Results of a region with one row per child region (or per TPS for a desa).

    flag_examples: for each rule the region's totals count, one TPS code that carries it (the
    smallest), so a page can link "R8: 12 TPS" to an example.
    """
    rows: list[dict[str, Any]] = []
    if tps_rows is not None:
        for tps in tree.tps_of(region.kode):
            version = tps_rows.get(tps)
            totals = Totals()
            if version is not None:
                totals.apply(version.contribution)
            rows.append({"kode": tps, "nama": f"TPS {tps[10:]}", "tingkat": 5,
                         **figures(contest, totals, 1)})
    else:
        rows = [{**region_ref(c), **figures(contest, child_totals[c.kode], c.tps_total)} for c in children]
    return envelope(tally_seq, moment, contest=contest_doc(contest), region=region_ref(region),
                    breadcrumbs=breadcrumbs(tree, region.kode), totals=figures(contest, own, region.tps_total),
                    flag_examples=dict(flag_examples or {}), children=rows)


def flag_docs(flags: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    return [{**f, "judul": RULES[f["rule"]].judul, "title": RULES[f["rule"]].title} for f in flags]


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What a version changed against the one before it, field by field."""
    def flat(form: Mapping[str, Any] | None) -> dict[str, Any]:
        if form is None:
            return {}
        out = {f"suara.{k}": v for k, v in form["suara"].items()}
        out.update({k: form[k] for k in ("suara_sah", "suara_tidak_sah", "suara_total")})
        out.update({f"administrasi.{k}": v for k, v in (form.get("administrasi") or {}).items()})
        return out
    old, new = flat(before), flat(after)
    return [{"field": k, "from": old.get(k), "to": new.get(k)} for k in sorted(set(old) | set(new))
            if old.get(k) != new.get(k)]


def tps_doc(contest: Contest, tree: RegionTree, tps: str, versions: Sequence[StoredVersion],
            tally_seq: int, moment: datetime,
            photos: Mapping[int, Mapping[int, str]] | None = None) -> dict[str, Any]:
    """The full public record of one TPS: current form, every version with what changed, flags."""
    history = []
    previous: Mapping[str, Any] | None = None
    for v in versions:
        history.append({"version_no": v.version_no, "version_id": v.version_id,
                        "submitted_at": utc_text(v.submitted_at), "submitted_at_wib": wib_text(v.submitted_at),
                        "actor": v.actor, "reason": v.reason, "authorised_by": v.authorised_by,
                        "outcome": v.outcome,
                        "flags": flag_docs(v.flags), "form": v.form,
                        "photos": {str(p): url for p, url in sorted((photos or {}).get(v.version_id, {}).items())},
                        "changes": changes(previous, v.form) if previous is not None else []})
        previous = v.form
    desa = tree.get(tps[:10])
    return envelope(tally_seq, moment, contest=contest_doc(contest),
                    tps={"kode": tps, "nama": f"TPS {tps[10:]}", "desa": region_ref(desa),
                         "breadcrumbs": breadcrumbs(tree, tps)},
                    current=history[-1] if history else None, versions=list(reversed(history)))
