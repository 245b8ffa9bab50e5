"""The correction and complaint lifecycles through the officials' web screens."""

from __future__ import annotations

from helpers import csrf_of, fields_of, ppwp_form

from suara.domain.access import Role
from suara.services.accounts import create_account
from suara.services.submission import Submission, submit_forms
from suara.tally.fold import fold_all

PASSWORD = "rahasia-sekali-123"
TPS = "3171011001001"


def sign_in(client, username):
    token = csrf_of(client.get("/ui/login").text)
    response = client.post("/ui/login", data={"csrf": token, "username": username, "password": PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 303


def national_votes(client, engine):
    fold_all(engine)
    client.app.state.publisher.refresh()
    return client.get("/api/v1/results/ppwp/0").json()["totals"]["votes"]["1"]


def test_correction_and_complaint_through_the_screens(client, engine, reference):
    create_account(engine, "ppk-gambir", PASSWORD, Role.PPK, "317101", "test")
    create_account(engine, "kpu-ri", PASSWORD, Role.KPU_RI, "0", "test")
    misread = ppwp_form(TPS, (117, 100, 20))
    misread["suara"]["1"] = 617
    submit_forms(engine, reference, [Submission(misread, "hp:1")])
    assert national_votes(client, engine) == 617
    number = client.post("/api/v1/complaints", json={"contest": "ppwp", "tps": TPS,
                                                     "text": "Foto halaman 2 menunjukkan 117"}).json()["number"]

    sign_in(client, "ppk-gambir")
    queue = client.get("/ui/complaints")
    assert number in queue.text and "Foto halaman 2" in queue.text
    moved = client.post(f"/ui/complaints/{number}/status", data={"csrf": csrf_of(queue.text), "status": "under_review"})
    assert moved.status_code == 200 and f"Pengaduan {number}: sedang diperiksa." in moved.text

    form = client.get("/ui/correct", params={"tps": TPS})
    assert form.status_code == 200 and "Alasan koreksi" in form.text
    assert client.get("/ui/correct", params={"tps": "3201011001001"}).status_code == 403
    proposed = client.post("/ui/corrections", data={"csrf": csrf_of(form.text), "contest": "ppwp", "tps": TPS,
                                                    "reason": "angka 117 terbaca 617",
                                                    **fields_of(ppwp_form(TPS, (117, 100, 20)))})
    assert proposed.status_code == 200 and "Koreksi #1 diusulkan" in proposed.text
    assert "Sahkan" not in proposed.text  # a PPK proposes, it does not authorise
    assert national_votes(client, engine) == 617
    done = client.post(f"/ui/complaints/{number}/status",
                       data={"csrf": csrf_of(proposed.text), "status": "corrected", "correction_id": "1"})
    assert f"Pengaduan {number}: dikoreksi." in done.text and 'href="/ui/corrections/1">koreksi #1</a>' in done.text

    sign_in(client, "kpu-ri")
    listing = client.get("/ui/corrections")
    assert "angka 117 terbaca 617" in listing.text and 'href="/ui/corrections/1"' in listing.text
    proposal = client.get("/ui/corrections/1")  # KPU RI decides on the page of the proposal
    assert "Sahkan" in proposal.text
    forged = client.post("/ui/corrections/1/decision", data={"csrf": "forged", "approve": "1", "reason": "sesuai foto"})
    assert forged.status_code == 403
    as_file = client.post("/ui/corrections/1/decision", data={"csrf": csrf_of(listing.text), "approve": "1"},
                          files={"reason": ("alasan.txt", b"sesuai foto C Hasil")})
    assert as_file.status_code == 422 and "bukan berkas" in as_file.text
    assert national_votes(client, engine) != 117  # refused: nothing authorised
    decided = client.post("/ui/corrections/1/decision",
                          data={"csrf": csrf_of(listing.text), "approve": "1", "reason": "sesuai foto C Hasil"})
    assert decided.status_code == 200 and "Koreksi #1 disahkan" in decided.text
    assert national_votes(client, engine) == 117
    record = client.get(f"/api/v1/tps/ppwp/{TPS}").json()["current"]
    assert (record["actor"], record["authorised_by"]) == ("PPK:ppk-gambir", "KPU_RI:kpu-ri")
    assert client.get(f"/api/v1/complaints/{number}").json()["status"] == "corrected"
