"""The machine-readable sheets of the long forms: DPD and the party lists (DPR, DPRD provinsi,
DPRD kab/kota), issue 15.

Their layout follows from the reference data (the TPS's dapil, the parties standing there and
their candidates' numbers) and is carried by each page's QR code, so the reader rebuilds it with
no database. A DPR page is filled with the classifier's HELD-OUT handwriting, photographed at a
slant and read back: every box cut in its place, every number right or marked unsure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from PIL import Image
from test_reading_geometry import _assert_crops_hold
from typer.testing import CliRunner

from suara.cli import app
from suara.domain.contests import KIND_INFO, Contest
from suara.reading import geometry, photograph, reader, sheet
from suara.reference import packaged_reference
from suara.store.reference import Reference

TPS = "3171011001001"  # DKI Jakarta, Kota Jakarta Pusat, Gambir: DPR dapil DKI JAKARTA II
PLACE = ["KOTA JAKARTA PUSAT", "GAMBIR", "GAMBIR"]


@pytest.fixture(scope="module")
def pemilu() -> Reference:
    return packaged_reference()


def _ballot(pemilu: Reference, key: str, tps: str = TPS) -> tuple[Contest, sheet.Ballot | None]:
    contest = pemilu.contest(key)
    if not contest.is_party_list:
        return contest, None
    assert pemilu.book is not None
    ballot = sheet.ballot_of(pemilu.book, contest.kind, tps)
    assert ballot is not None
    return contest, ballot


def _party_values(ballot: sheet.Ballot, seed: int) -> dict[str, int]:
    """A consistent party-list vote section: jumlah = suara_partai + candidates, suara_sah = sum."""
    rng = np.random.default_rng(seed)
    values: dict[str, int] = {}
    for party in ballot.parties:
        votes = [int(rng.choice([0, 0, 1, 2, 3, 5, 9, 17])) for _ in party.caleg]
        values[f"partai.{party.nomor}.suara_partai"] = int(rng.integers(0, 16))
        values.update({f"partai.{party.nomor}.caleg.{c}": v for (c, _), v in zip(party.caleg, votes, strict=True)})
        values[f"partai.{party.nomor}.jumlah"] = values[f"partai.{party.nomor}.suara_partai"] + sum(votes)
    sah = sum(v for k, v in values.items() if k.endswith(".jumlah"))
    assert sah <= 990  # fits three boxes with the invalid votes
    return values | {"suara_sah": sah, "suara_tidak_sah": 9, "suara_total": sah + 9}


def test_candidate_lists_round_trip_through_their_qr_text() -> None:
    parties = {"1": ("1", "2", "3"), "2": (), "4": ("1", "3", "4"), "24": tuple(str(n) for n in range(1, 13))}
    text = sheet.encode_lists(parties)
    assert text == "30-(134)" + "-" * 19 + "c"
    assert sheet.decode_lists(text) == parties
    for bad in ("3(12", "3?", "(1!)"):
        with pytest.raises(ValueError):
            sheet.decode_lists(bad)
    sid = sheet.SheetId(TPS, "pdpr", 2, 4, 4, text, "3102")
    assert sheet.parse_qr(sheet.qr_payload(sid)) == sid
    assert sid.parties == parties
    with pytest.raises(ValueError):  # the party count must match the lists
        sheet.parse_qr(sheet.qr_payload(sheet.SheetId(TPS, "pdpr", 2, 4, 3, text, "3102")))
    with pytest.raises(sheet.UnsupportedSheet):  # a party-list sheet needs its lists
        sheet.page_layout("pdpr", 0, 2)


def test_every_2024_ballot_fits_the_pages_the_photo_service_takes(pemilu: Reference) -> None:
    assert pemilu.book is not None
    for kind in sheet.PARTY_KINDS:
        for dapil in pemilu.book.dapil_map.dapils(kind):
            standing = pemilu.book.standing(kind, dapil.kode)
            lists = sheet.encode_lists({n: [str(c.nomor_urut) for c in cs] for n, cs in standing.items()})
            assert 2 <= sheet.sheet_pages(kind, len(standing), lists) <= KIND_INFO[kind].pages, (kind, dapil.kode)
    for contest in pemilu.contests.values():
        if contest.kind == "pdpd":
            assert sheet.sheet_pages("pdpd", len(contest.candidates)) <= KIND_INFO["pdpd"].pages


@pytest.mark.parametrize(("key", "tps"), [("pdpr", TPS), ("pdprdp", TPS), ("pdprdk", "3273010001001"),
                                          ("pdpd-31", TPS)])
def test_the_layout_names_every_number_of_the_ballot_once_inside_the_page(pemilu: Reference, key: str,
                                                                         tps: str) -> None:
    contest, ballot = _ballot(pemilu, key, tps)
    sid = sheet.sheet_id(contest, tps, 1, ballot)
    pages = sheet.form_layout(contest.kind, sid.candidates, sid.lists)
    keys = [f.key for page in pages for f in page.fields]
    assert len(keys) == len(set(keys)) and pages[0].fields[0].key == "administrasi.pemilih_dpt_l"
    if ballot is not None:
        expected = {f"partai.{p.nomor}.{part}" for p in ballot.parties for part in ("suara_partai", "jumlah")}
        expected |= {f"partai.{p.nomor}.caleg.{c}" for p in ballot.parties for c, _ in p.caleg}
    else:
        expected = {f"suara.{c.nomor_urut}" for c in contest.candidates}
    assert set(keys[20:]) == expected | {"suara_sah", "suara_tidak_sah", "suara_total"}
    assert keys[-3:] == ["suara_sah", "suara_tidak_sah", "suara_total"]
    assert set(reader.whole_layout(sid).fields) == set(keys)
    for page in pages[1:]:
        boxes = page.boxes
        for box in boxes:
            assert 40 < box.x and box.x + box.w < sheet.PAGE_W - 40 and 420 < box.y and box.y + box.h < 1600
        for i, a in enumerate(boxes):  # no two boxes overlap
            for b in boxes[i + 1:]:
                assert a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y


def test_a_photographed_dpr_page_gives_every_box_in_its_place(pemilu: Reference) -> None:
    contest, ballot = _ballot(pemilu, "pdpr")
    assert ballot is not None and ballot.dapil == "3102"
    values = _party_values(ballot, seed=3)
    page: Image.Image = sheet.render_page(contest, TPS, 2, PLACE, ballot)
    sid = sheet.sheet_id(contest, TPS, 2, ballot)
    layout = sheet.page_layout("pdpr", sid.candidates, 2, sid.lists)
    filled, written = photograph.fill_page(page, layout, values, pool=photograph.heldout_pool(), seed=2)
    shot = photograph.Shot(tilt=20, tilt_direction=150, rotation=-3, blur=0.7, shadow=0.35)
    located = geometry.locate(photograph.photograph(filled, shot, seed=4), tps=TPS, contest="pdpr")
    assert located.sheet == sid and located.sheet.dapil == "3102"
    assert len(located.crops) == 3 * len(layout.fields) > 150
    # the boxes are smaller than on the paslon pages, so a slant blurs more of a thin digit away;
    # each crop must still look most like its own box's writing
    _assert_crops_hold(located, filled, layout, written, min_similarity=0.6)


@pytest.mark.parametrize("key", ["pdpr", "pdpd-31"])
def test_a_long_form_photographed_with_heldout_handwriting_reads_back_right_or_unsure(
        pemilu: Reference, key: str) -> None:
    contest, ballot = _ballot(pemilu, key)
    if ballot is not None:
        values = _party_values(ballot, seed=11)
    else:
        votes = [int(v) for v in np.random.default_rng(7).integers(0, 40, len(contest.candidates))]
        values = {f"suara.{n}": v for n, v in enumerate(votes, 1)}
        values |= {"suara_sah": sum(votes), "suara_tidak_sah": 12, "suara_total": sum(votes) + 12}
    sid = sheet.sheet_id(contest, TPS, 1, ballot)
    photos: list[bytes] = []
    for number in range(2, sid.pages + 1):  # the vote pages, in reverse order, the last upside down
        layout = sheet.page_layout(contest.kind, sid.candidates, number, sid.lists)
        filled, _ = photograph.fill_page(sheet.render_page(contest, TPS, number, PLACE, ballot), layout, values,
                                         pool=photograph.heldout_pool(), seed=number)
        shot = photograph.Shot(tilt=12, tilt_direction=70 * number, rotation=180 if number == sid.pages else 2,
                               blur=0.6, shadow=0.3)
        photos.insert(0, photograph.photograph(filled, shot, seed=number))
    read = reader.read_form(photos, tps=TPS, contest=contest.key)
    assert [n.key for n in read.numbers] == list(values)
    assert [p.sheet.page for p in read.pages] == list(range(2, sid.pages + 1))
    wrong_and_sure = [n.key for n in read.numbers if not n.unsure and n.value != values[n.key]]
    assert wrong_and_sure == []
    if read.classified:  # the party blocks and the DPD's long sum are weighed whole: most numbers are sure
        assert sum(not n.unsure for n in read.numbers) > 0.8 * len(values)
    answer = reader.form_read_json(read, images=False)
    assert answer["form"]["tps"] == TPS and answer["form"]["contest"] == contest.key
    if ballot is not None:
        assert answer["dapil"] == answer["form"]["dapil"] == "3102"
        first = ballot.parties[0]
        assert set(answer["form"]["partai"][first.nomor]) <= {"suara_partai", "caleg", "jumlah"}
    else:
        assert "dapil" not in answer and set(answer["form"]["suara"]) <= {str(c.nomor_urut) for c in contest.candidates}


def test_form_sheet_prints_a_dpr_form_for_its_dapil_and_read_form_reads_a_page(
        db_url: str, pemilu_engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite and PostgreSQL: the small Pemilu's DPR ballot of a Jakarta Pusat TPS."""
    monkeypatch.setenv("SUARA_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["form-sheet", "--tps", TPS, "--contest", "pdpr", "--out", "dpr.pdf",
                                 "--png-dir", "png"])
    assert result.exit_code == 0, result.output
    assert "dapil 3102" in result.output
    pngs = sorted((tmp_path / "png").iterdir())
    assert len(pngs) >= 2 and (tmp_path / "dpr.pdf").read_bytes().startswith(b"%PDF-")
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(photograph.photograph(Image.open(pngs[1]), photograph.Shot(tilt=15), seed=2))
    result = runner.invoke(app, ["read-form", str(photo), "--tps", TPS, "--json"])
    assert result.exit_code == 0, result.output
    answer = orjson.loads(result.stdout)
    assert (answer["contest"], answer["dapil"], answer["pages"][0]["page"]) == ("pdpr", "3102", 2)
    assert answer["numbers"][0]["field"].startswith("partai.") and all(n["value"] is None or n["unsure"]
                                                                       for n in answer["numbers"])
    refused = runner.invoke(app, ["form-sheet", "--tps", "3171011009999", "--contest", "pdpr", "--out", "x.pdf"])
    assert refused.exit_code == 2 and "tidak ada" in refused.output
