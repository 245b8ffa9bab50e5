"""Synthetic photos of C Hasil pages: real JPEGs that pass the photo checks, one per page of the
contest's form, carrying the form's numbers, cheap and repeatable."""

from __future__ import annotations

import io

import pytest
from helpers import ppwp_form
from PIL import Image, ImageStat

from suara.blobs import check_photo
from suara.domain.contests import Candidate, Contest
from suara.synth.photos import pages_of, photographed, render_form

PPWP = Contest("ppwp", "ppwp", "0", "Pemilihan Presiden dan Wakil Presiden 2024", 300,
               tuple(Candidate(n, str(n), f"PASLON {n}", "") for n in (1, 2, 3)))
DPR = Contest("pdpr", "pdpr", "0", "Pemilihan Anggota DPR RI 2024", 300,
              tuple(Candidate(n, str(n), f"Partai {n}", "") for n in (*range(1, 18), 24)))


def dpr_form() -> dict:
    partai = {str(c.nomor_urut): {"suara_partai": c.nomor_urut, "caleg": {"1": 2}, "jumlah": c.nomor_urut + 2}
              for c in DPR.candidates}
    return {"tps": "3171011001001", "contest": "pdpr", "dapil": "3101", "partai": partai, "suara_sah": 300,
            "suara_tidak_sah": 4, "suara_total": 304, "administrasi": ppwp_form()["administrasi"]}


@pytest.mark.parametrize(("contest", "form"), [(PPWP, ppwp_form()), (DPR, dpr_form())], ids=["ppwp", "pdpr"])
def test_every_page_is_a_photo_that_passes_the_checks(contest, form):
    pages = render_form(form, contest, "TPS 001, GAMBIR, GAMBIR, KOTA JAKARTA PUSAT", seed=1)
    assert len(pages) == contest.info.pages
    for data in pages:
        photo = check_photo(data, declared_type="image/jpeg")
        assert photo.media_type == "image/jpeg" and photo.width == 1000 and 1300 < photo.height < 1600
        assert len(data) < 150_000
        image = Image.open(io.BytesIO(data))
        # mostly paper, with a table around it, ink and print on it: not a blank or a noise image
        assert 150 < ImageStat.Stat(image.convert("L")).mean[0] < 240
    assert render_form(form, contest, "TPS 001, GAMBIR", seed=1) == render_form(form, contest, "TPS 001, GAMBIR",
                                                                                  seed=1)
    assert render_form(form, contest, "TPS 001, GAMBIR", seed=2) != render_form(form, contest, "TPS 001, GAMBIR",
                                                                                  seed=1)


def test_the_pages_carry_every_number_of_the_form_in_the_forms_order():
    form = ppwp_form(votes=(60, 122, 1064))  # past 999: written out of its boxes, as a tired hand would
    pages = pages_of(form, PPWP)
    assert [title[:3] for title, _ in pages] == ["I. ", "II.", "III"]
    voters, votes, totals = (rows for _, rows in pages)
    assert [row.numbers[0][1] for row in votes] == [60, 122, 1064]
    assert [row.numbers[0][1] for row in totals] == [form["suara_sah"], form["suara_tidak_sah"], form["suara_total"]]
    assert voters[0].numbers == (("L", form["administrasi"]["pemilih_dpt_l"]), ("P", form["administrasi"]["pemilih_dpt_p"]),
                                 ("J", form["administrasi"]["pemilih_dpt_j"]))
    check_photo(render_form(form, PPWP, "TPS 001", seed=3)[1])

    dpr = pages_of(dpr_form(), DPR)
    assert len(dpr) == 5 and [len(rows) for _, rows in dpr[1:4]] == [6, 6, 6]
    assert dpr[3][1][-1].label == "24. Partai 24" and dpr[3][1][-1].numbers == (("partai", 24), ("jumlah", 26))


def test_the_photographed_share_of_tps_is_stable_and_near_the_share():
    codes = [f"3171011{n:06d}" for n in range(20_000)]
    chosen = [c for c in codes if photographed(c, 1, 0.05)]
    assert 800 < len(chosen) < 1200
    assert chosen == [c for c in codes if photographed(c, 1, 0.05)]
    assert not any(photographed(c, 1, 0.0) for c in codes[:1000])
    assert all(photographed(c, 1, 1.0) for c in codes[:1000])
