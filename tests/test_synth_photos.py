"""The demo's photos of C Hasil pages: the form's machine-readable sheet, written with held-out
handwriting and photographed; real JPEGs that pass the photo checks, one per page of the sheet,
and that the reader reads back to the form's own numbers (or marks unsure: never wrong and sure)."""

from __future__ import annotations

import io

import pytest
from helpers import ppwp_form
from PIL import Image, ImageStat

from suara.blobs import check_photo
from suara.domain.contests import Candidate, Contest
from suara.reading import reader, sheet
from suara.synth.photos import ballot_of_form, form_values, photographed, render_form

PPWP = Contest("ppwp", "ppwp", "0", "Pemilihan Presiden dan Wakil Presiden 2024", 300,
               tuple(Candidate(n, str(n), f"PASLON {n}", "") for n in (1, 2, 3)))
DPR = Contest("pdpr", "pdpr", "0", "Pemilihan Anggota DPR RI 2024", 300,
              tuple(Candidate(n, str(n), f"Partai {n}", "") for n in (*range(1, 18), 24)))
TPS_LABEL = "TPS 001, GAMBIR, GAMBIR, KOTA JAKARTA PUSAT"


def dpr_form() -> dict:
    partai = {str(c.nomor_urut): {"suara_partai": c.nomor_urut, "caleg": {"1": 2, "2": c.nomor_urut % 4, "3": 0},
                                  "jumlah": c.nomor_urut + 2 + c.nomor_urut % 4}
              for c in DPR.candidates}
    sah = sum(block["jumlah"] for block in partai.values())
    return {"tps": "3171011001001", "contest": "pdpr", "dapil": "3102", "partai": partai, "suara_sah": sah,
            "suara_tidak_sah": 4, "suara_total": sah + 4, "administrasi": ppwp_form()["administrasi"]}


@pytest.mark.parametrize(("contest", "form"), [(PPWP, ppwp_form()), (DPR, dpr_form())], ids=["ppwp", "pdpr"])
def test_every_page_of_the_sheet_is_a_photo_that_passes_the_checks(contest, form):
    pages = render_form(form, contest, TPS_LABEL, seed=1)
    ballot = ballot_of_form(form, contest, None)
    assert len(pages) == sheet.sheet_id(contest, form["tps"], 1, ballot).pages <= contest.info.pages
    for data in pages:
        photo = check_photo(data, declared_type="image/jpeg")
        assert photo.media_type == "image/jpeg" and (photo.width, photo.height) == (1200, 1600)
        assert len(data) < 350_000
        image = Image.open(io.BytesIO(data))
        # mostly paper, with a table around it, ink and print on it: not a blank or a noise image
        assert 150 < ImageStat.Stat(image.convert("L")).mean[0] < 240
    assert render_form(form, contest, TPS_LABEL, seed=1) == pages
    assert render_form(form, contest, TPS_LABEL, seed=2) != pages


@pytest.mark.parametrize(("contest", "form"), [(PPWP, ppwp_form()), (DPR, dpr_form())], ids=["ppwp", "pdpr"])
def test_a_demo_photo_reads_back_to_the_forms_numbers_or_unsure(contest, form):
    pages = render_form(form, contest, TPS_LABEL, seed=3)
    read = reader.read_form(pages[::-1], tps=form["tps"], contest=contest.key)  # any order
    values = form_values(form)
    assert [n.key for n in read.numbers] == list(values)  # every number of the form, in the sheet's order
    assert read.dapil == form.get("dapil", "")
    wrong_and_sure = [n.key for n in read.numbers if not n.unsure and n.value != values[n.key]]
    assert wrong_and_sure == []
    if read.classified:  # the handwriting is legible and the sums agree: most numbers need no officer
        assert sum(not n.unsure for n in read.numbers) > 0.7 * len(values)


def test_the_form_as_the_sheet_names_its_numbers():
    form = ppwp_form(votes=(60, 122, 1064))  # past 999: written out of its boxes, as a tired hand would
    values = form_values(form)
    assert [values[f"suara.{n}"] for n in (1, 2, 3)] == [60, 122, 1064]
    assert values["administrasi.pemilih_dpt_j"] == form["administrasi"]["pemilih_dpt_j"]
    check_photo(render_form(form, PPWP, "TPS 001", seed=3)[1])
    dpr = form_values(dpr_form())
    assert dpr["partai.24.suara_partai"] == 24 and dpr["partai.24.caleg.2"] == 0 and dpr["partai.24.jumlah"] == 26
    ballot = ballot_of_form(dpr_form(), DPR, None)  # without the reference: the lists the form itself names
    assert ballot is not None and ballot.dapil == "3102" and len(ballot.parties) == 18
    assert ballot.parties[-1].nomor == "24" and [c for c, _ in ballot.parties[-1].caleg] == ["1", "2", "3"]


def test_the_photographed_share_of_tps_is_stable_and_near_the_share():
    codes = [f"3171011{n:06d}" for n in range(20_000)]
    chosen = [c for c in codes if photographed(c, 1, 0.05)]
    assert 800 < len(chosen) < 1200
    assert chosen == [c for c in codes if photographed(c, 1, 0.05)]
    assert not any(photographed(c, 1, 0.0) for c in codes[:1000])
    assert all(photographed(c, 1, 1.0) for c in codes[:1000])
