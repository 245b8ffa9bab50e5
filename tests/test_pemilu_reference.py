"""The whole Pemilu as data: five ballots, dapil, overseas stations and each election's own TPS
list, loaded into a database and checked at submission."""

from __future__ import annotations

from typing import Any

from helpers import ppwp_form
from sqlalchemy import Engine

from suara.domain.policy import Outcome
from suara.services.submission import Submission, submit_forms
from suara.store.reference import Reference


def party_form(tps: str, contest: str, dapil: str, lists: dict[str, list[str]], **changes: Any) -> dict[str, Any]:
    """A consistent party-list form for the given ballot: one party vote and one per candidate."""
    partai = {p: {"suara_partai": 1, "caleg": {n: 2 for n in numbers}, "jumlah": 1 + 2 * len(numbers)}
              for p, numbers in lists.items()}
    sah = sum(b["jumlah"] for b in partai.values())
    doc = {"tps": tps, "contest": contest, "dapil": dapil, "partai": partai,
           "suara_sah": sah, "suara_tidak_sah": 2, "suara_total": sah + 2}
    doc.update(changes)
    return doc


def ballot_lists(reference: Reference, contest: str, tps: str) -> tuple[str, dict[str, list[str]]]:
    ballot = reference.ballot(reference.contest(contest), tps)
    assert ballot is not None
    return ballot.dapil, {p: sorted(ns, key=int) for p, ns in ballot.parties.items()}


def test_each_contest_counts_its_own_tps(pemilu_reference: Reference) -> None:
    ref = pemilu_reference
    totals = {key: ref.scope(ref.contest(key)).tps_total("0") for key in ref.contests}
    # Pemilu: 3 + 3 (incl. TPS 901) + 2 + 2 + 3 + 2 domestic, and 5 overseas stations
    assert totals["ppwp"] == totals["pdpr"] == 20
    assert totals["pdprdp"] == 15  # no overseas
    assert totals["pdprdk"] == 7  # neither DKI Jakarta nor overseas
    assert totals["pdpd-31"] == 8 and totals["pdpd-32"] == 7
    assert totals["pkwkp-32"] == 4 and totals["pkwkk-3201"] == 4  # Pilkada's own, smaller list
    assert ref.scope(ref.contest("pkwkp-32")).tree.has_tps("3201011002002")
    assert not ref.scope(ref.contest("pkwkp-32")).tree.has_tps("3201011002003")
    station = ref.tree.station("9901010001003")
    assert (station.nama, station.metode) == ("KSK 001", "KSK")
    assert ref.tree.station("99AG010001001").sintetis


def test_a_party_list_form_is_stored_and_counted_by_region_and_dapil(pemilu_engine: Engine,
                                                                      pemilu_reference: Reference) -> None:
    from suara.tally.fold import fold_all
    from suara.tally.queries import rollup

    ref = pemilu_reference
    dapil, lists = ballot_lists(ref, "pdpr", "99AG010001002")
    assert dapil == "3102"  # overseas votes belong to DKI Jakarta II
    doc = party_form("99AG010001002", "pdpr", dapil, lists)
    [result] = submit_forms(pemilu_engine, ref, [Submission(doc)])
    assert result.outcome is Outcome.STORED, result
    fold_all(pemilu_engine)
    with pemilu_engine.connect() as conn:
        by_dapil, nation, overseas = (rollup(conn, "pdpr", k) for k in ("D3102", "0", "99AG"))
    assert by_dapil == nation == overseas
    assert nation.votes["1"] == doc["partai"]["1"]["jumlah"]
    assert nation.votes["P1"] == 1 and nation.votes["3102.1.1"] == 2


def test_bad_input_is_refused_and_nothing_is_stored(pemilu_engine: Engine, pemilu_reference: Reference) -> None:
    from helpers import count_rows

    ref = pemilu_reference
    dapil, lists = ballot_lists(ref, "pdpr", "3171011001001")
    wrong_candidate = party_form("3171011001001", "pdpr", dapil, lists)
    wrong_candidate["partai"]["4"]["caleg"]["3"] = 0  # party 4 lists 2 candidates in 3102
    not_standing = party_form("3172011001001", "pdpr", "3101", {**ballot_lists(ref, "pdpr", "3172011001001")[1],
                                                                 "4": ["1"]})
    wrong_dapil = party_form("3171011001001", "pdpr", "3101", lists)
    dpd_outside = ppwp_form("3201011001001", votes=(10, 20, 5), contest="pdpd-31")
    overseas_dprd = party_form("9901010001001", "pdprdp", "310001", {"1": ["1"]})
    other_election = ppwp_form("3201011002003", votes=(10, 20), contest="pkwkp-32")
    cases = {"malformed": [wrong_candidate, not_standing, wrong_dapil], "outside_contest": [dpd_outside, overseas_dprd],
             "other_election": [other_election]}
    for code, docs in cases.items():
        for doc in docs:
            [result] = submit_forms(pemilu_engine, ref, [Submission(doc)])
            assert result.outcome is Outcome.REFUSED and result.error_code == code, (doc, result)
    assert count_rows(pemilu_engine) == 0


def test_dprd_candidates_are_summed_only_up_to_their_level(pemilu_engine: Engine,
                                                            pemilu_reference: Reference) -> None:
    from suara.services.verify import verify
    from suara.tally.fold import fold_all
    from suara.tally.queries import rollup

    ref = pemilu_reference
    dapil, lists = ballot_lists(ref, "pdprdk", "3201011001001")
    submit_forms(pemilu_engine, ref, [Submission(party_form("3201011001001", "pdprdk", dapil, lists))])
    fold_all(pemilu_engine)
    with pemilu_engine.connect() as conn:
        kab, province, nation, by_dapil = (rollup(conn, "pdprdk", k) for k in ("3201", "32", "0", f"D{dapil}"))
    candidate = f"{dapil}.1.1"
    assert kab.votes[candidate] == by_dapil.votes[candidate] == 2
    assert candidate not in province.votes and candidate not in nation.votes
    assert nation.votes["1"] == kab.votes["1"] and nation.suara_sah == kab.suara_sah
    assert verify(pemilu_engine).ok


def test_a_legislative_form_takes_five_page_photos_and_ppwp_three(pemilu_engine: Engine, pemilu_reference: Reference,
                                                                   tmp_path: Any) -> None:
    import io

    import pytest
    from PIL import Image

    from suara.blobs.storage import FilesystemBlobStore
    from suara.domain.policy import Policy
    from suara.services.errors import ServiceError
    from suara.services.photos import submit_with_photos

    def jpeg(shade: int) -> tuple[bytes, str]:
        out = io.BytesIO()
        Image.new("RGB", (240, 320), (shade, 80, 120)).save(out, "JPEG")
        return out.getvalue(), "image/jpeg"

    store = FilesystemBlobStore(tmp_path / "blobs")
    ref = pemilu_reference
    dapil, lists = ballot_lists(ref, "pdpr", "3171011001001")
    pages = {page: jpeg(page * 40) for page in range(1, 6)}
    doc = party_form("3171011001001", "pdpr", dapil, lists)
    result = submit_with_photos(store, pemilu_engine, ref, Submission(doc), pages, Policy.AS_IS)
    assert not isinstance(result, Exception) and result.outcome is Outcome.STORED
    assert len(set(store.digests())) >= 5
    with pytest.raises(ServiceError) as refused:
        submit_with_photos(store, pemilu_engine, ref, Submission(ppwp_form("3171011001001")), {4: jpeg(7)},
                           Policy.AS_IS)
    assert refused.value.status == 422 and "1 sampai 3" in refused.value.message


def test_codes_with_letters_are_inside_their_region(pemilu_engine: Engine, pemilu_reference: Reference) -> None:
    from suara.tally.fold import fold_all
    from suara.tally.queries import current_versions

    ref = pemilu_reference
    submit_forms(pemilu_engine, ref, [Submission(ppwp_form(tps)) for tps in ("99AG010001001", "9901010001002")])
    fold_all(pemilu_engine)
    with pemilu_engine.connect() as conn:
        assert sorted(current_versions(conn, "ppwp", "99")) == ["9901010001002", "99AG010001001"]
        assert sorted(current_versions(conn, "ppwp", "99AG")) == ["99AG010001001"]


def test_a_region_lists_exactly_the_contests_with_a_tps_in_it(pemilu_reference: Reference) -> None:
    # contests_in looks only at contests whose area contains the region or lies inside it; the
    # answer must be what counting every contest's TPS there gives (Pilkada on their own TPS
    # list, DPRD kab/kota without DKI Jakarta, the overseas branch)
    listed = {}
    for region in pemilu_reference.tree.regions():
        every = [c.key for c in pemilu_reference.contests.values()
                 if pemilu_reference.scope(c).tps_total(region.kode) > 0]
        assert pemilu_reference.contests_in(region.kode) == every, region.kode
        listed[region.kode] = every
    # the small Pemilu has regions with a Pilkada, without one, and with no DPRD kab/kota
    assert len({len(keys) for keys in listed.values()}) >= 3
    assert any(key.startswith("pkwk") for keys in listed.values() for key in keys), listed
