"""An election night on the small whole Pemilu as the officials meet it: an account for every role,
forms of three ballots at Gambir (the presidential one misread: R8 and R9, with photos of its three
pages), one at Cibinong, a KPPS's re-send after publication waiting as a correction proposal, a
complaint, and the kecamatan tier of Gambir recorded but not locked."""

from __future__ import annotations

import io
from typing import Any

from helpers import ppwp_form
from PIL import Image, ImageDraw
from sqlalchemy import Engine
from test_legislative_results import weighted_form

from suara.blobs import blob_store_from_settings
from suara.domain.access import Role
from suara.domain.policy import Policy
from suara.services import complaints, recap
from suara.services.accounts import Principal, create_account
from suara.services.photos import submit_with_photos
from suara.services.submission import Submission, submit_forms
from suara.store.reference import Reference
from suara.tally.fold import fold_all

PASSWORD = "rahasia-sekali-123"
GAMBIR_TPS = "3171011001001"
CIBINONG_TPS = "3201011001001"
ACCOUNTS = {  # username: (role, scope)
    "kpps-gambir": (Role.KPPS, GAMBIR_TPS),
    "ppk-gambir": (Role.PPK, "317101"),
    "ppk-cibinong": (Role.PPK, "320101"),
    "kpu-jakpus": (Role.KPU_KABKOTA, "3171"),
    "kpu-dki": (Role.KPU_PROVINSI, "31"),
    "kpu-ri": (Role.KPU_RI, "0"),
    "ppln-kl": (Role.PPLN, "99AG"),
    "saksi-gambir": (Role.SAKSI, "317101"),
}
TRUE_VOTES = (117, 100, 20)  # what the photos show
MISREAD = {"1": 617}  # what was typed for candidate 1 (R8 and R9 follow)


def page_photo(page: int) -> bytes:
    """A stand-in for a phone photo of a form page, with the numbers the paper holds."""
    image = Image.new("RGB", (600, 850), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), f"MODEL C.HASIL-PPWP halaman {page}", fill=(0, 0, 0))
    for row, votes in enumerate(TRUE_VOTES):
        draw.rectangle((40, 120 + 80 * row, 560, 180 + 80 * row), outline=(0, 0, 0), width=2)
        draw.text((60, 140 + 80 * row), f"{row + 1}.   {votes}", fill=(0, 0, 120))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def misread_form() -> dict[str, Any]:
    doc = ppwp_form(GAMBIR_TPS, TRUE_VOTES)
    doc["suara"].update(MISREAD)
    return doc


def principal(username: str) -> Principal:
    role, scope = ACCOUNTS[username]
    return Principal(0, username, role, scope)


def seed(engine: Engine, reference: Reference, blobs_url: str) -> dict[str, Any]:
    """Everything above; returns the complaint's number and the re-send proposal's id."""
    for username, (role, scope) in ACCOUNTS.items():
        create_account(engine, username, PASSWORD, role, scope, "test")
    store = blob_store_from_settings(blobs_url)
    uploads = {page: (page_photo(page), "image/jpeg") for page in (1, 2, 3)}
    stored = submit_with_photos(store, engine, reference, Submission(misread_form(), "kpps:1", "KPPS:kpps-gambir"),
                                uploads, Policy.AS_IS)
    assert getattr(stored, "version_id", None), stored
    others = [weighted_form(reference, "pdpr", GAMBIR_TPS, {"1": 10, "2": 3}),
              ppwp_form("3171011001002", (50, 60, 70)), ppwp_form(CIBINONG_TPS, (90, 80, 10)),
              ppwp_form("99AG010001001", (5, 6, 7), with_adm=False)]
    submit_forms(engine, reference, [Submission(doc, f"seed:{n}", "test") for n, doc in enumerate(others)],
                 Policy.AS_IS)
    fold_all(engine)
    resent = weighted_form(reference, "pdpr", GAMBIR_TPS, {"1": 11, "2": 3})  # the KPPS sends other numbers
    [proposal] = submit_forms(engine, reference, [Submission(resent, "kpps:2", "KPPS:kpps-gambir", resend_grace=0)],
                              Policy.AS_IS)
    assert proposal.correction_id is not None
    filed = complaints.file(engine, reference, "ppwp", GAMBIR_TPS, "Foto halaman 2 menunjukkan 117, bukan 617")
    fold_all(engine)
    return {"complaint": filed["number"], "resend": proposal.correction_id}


def record_gambir_tier(engine: Engine, reference: Reference) -> None:
    """The PPK's plenary records (does not lock) the kecamatan tier of Gambir's presidential race."""
    from test_recap import published

    line = published(engine, reference, "ppwp", "317101")
    line["rows"]["3171011001"]["suara"]["1"] -= 500  # the plenary reads 117 on the paper, as the photos show
    who = principal("ppk-gambir")
    recap.record(engine, reference, who, who.actor, "ppwp", "317101", line["tingkat"], line["rows"])
