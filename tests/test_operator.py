"""The write side over HTTP on SQLite and PostgreSQL: who may change what, and the lifecycles."""

from __future__ import annotations

import pytest
from helpers import count_rows, ppwp_form

from suara.domain.access import Role
from suara.services import complaints, corrections
from suara.services.accounts import Principal, create_account, login
from suara.store.schema import form_versions
from suara.tally.fold import fold_all

PASSWORD = "rahasia-sekali-123"
ACCOUNTS = {  # name: (role, scope); the *_out ones are the same roles elsewhere
    "kpps": (Role.KPPS, "3171011001001"), "kpps_out": (Role.KPPS, "3201011001001"),
    "ppk": (Role.PPK, "317101"), "ppk_out": (Role.PPK, "320101"),
    "kabkota": (Role.KPU_KABKOTA, "3171"), "kabkota_out": (Role.KPU_KABKOTA, "3201"),
    "provinsi": (Role.KPU_PROVINSI, "31"), "provinsi_out": (Role.KPU_PROVINSI, "32"),
    "kpuri": (Role.KPU_RI, "0"), "saksi": (Role.SAKSI, "31"), "pengawas": (Role.PENGAWAS, "3171"),
}


@pytest.fixture
def tokens(client, engine):
    result = {}
    for name, (role, scope) in ACCOUNTS.items():
        create_account(engine, name.replace("_", "-"), PASSWORD, role, scope, "test")
        secret, _ = login(engine, name.replace("_", "-"), PASSWORD, "test")  # the login route is tested below
        result[name] = {"Authorization": f"Bearer {secret}"}
    result["anonymous"] = {}
    return result


def settle(client, engine):
    """What the app's background worker does a few times a second: fold, then refresh."""
    fold_all(engine)
    client.app.state.publisher.refresh()


def _seed(client, tokens):
    """The KPPS of 3171011001001 files a form with a misread 117 -> 617."""
    form = ppwp_form("3171011001001", (117, 100, 20))
    form["suara"]["1"] = 617
    response = client.post("/api/v1/submissions", json=form,
                           headers={**tokens["kpps"], "Idempotency-Key": "device-1:first"})
    assert response.status_code == 201, response.text
    return response.json()


def _call(client, tokens, who, action, target_inside):
    form = ppwp_form("3171011001001", (17, 100, 20))
    tps = "3171011001001" if target_inside else "3201011001001"
    if action == "submit":
        return client.post("/api/v1/submissions", json=dict(form, tps=tps),
                           headers={**tokens[who], "Idempotency-Key": f"matrix-{who}-{tps}"})
    if action == "propose":
        return client.post("/api/v1/corrections", json={"form": dict(form, tps=tps), "reason": "salah baca 617"},
                           headers=tokens[who])
    if action == "decide":
        number = client.propose()  # a fresh proposal each time: every decider starts from "proposed"
        return client.post(f"/api/v1/corrections/{number}/decision", json={"approve": False, "reason": "tidak berdasar"},
                           headers=tokens[who])
    if action == "complaint_move":
        number = client.file_complaint(tps)  # a fresh one each time: every mover starts from "received"
        return client.post(f"/api/v1/complaints/{number}/status", json={"status": "under_review"}, headers=tokens[who])
    if action == "account":
        return client.post("/api/v1/accounts", json={"username": f"new-{who.replace('_', '-')}-{int(target_inside)}", "password": PASSWORD,
                                                     "role": "PPK", "scope": "317101" if target_inside else "320101"},
                           headers=tokens[who])
    raise AssertionError(action)


ALLOWED = {  # action: who may, inside its scope
    "submit": {"kpps"}, "propose": {"ppk", "kabkota", "provinsi"}, "decide": {"kpuri"},
    "complaint_move": {"ppk", "kabkota", "provinsi", "kpuri"}, "account": {"kpuri"},
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_the_authorisation_matrix(client, engine, reference, tokens, action):
    _seed(client, tokens)
    client.post("/api/v1/submissions", json=ppwp_form("3201011001001", (5, 5, 5)),
                headers={**tokens["kpps_out"], "Idempotency-Key": "device-2:first"})
    ppk = Principal(0, "ppk", Role.PPK, "317101")
    client.propose = lambda: corrections.propose(engine, reference, ppk, ppwp_form("3171011001001", (17, 100, 20)),
                                                 "salah baca 617").id
    client.file_complaint = lambda tps: complaints.file(engine, reference, "ppwp", tps,
                                                        "angka di foto berbeda dengan data")["number"]
    for who in [*ACCOUNTS, "anonymous"]:
        for inside in (True, False):
            before = count_rows(engine, form_versions)
            response = _call(client, tokens, who, action, inside)
            target = "3171011001001" if inside else "3201011001001"
            role_name = who.removesuffix("_out")
            scope = ACCOUNTS[who][1] if who in ACCOUNTS else None
            allowed = role_name in ALLOWED[action] and scope is not None and (scope == "0" or target.startswith(scope))
            if allowed:
                # both TPS were seeded with a version: other numbers from their KPPS wait as a proposal
                resent = action == "submit"
                assert response.status_code == (202 if resent else 201 if action in ("submit", "propose", "account")
                                                else 200), (who, inside, response.text)
            else:
                expected = 401 if who == "anonymous" else 403
                assert response.status_code == expected, (who, inside, response.status_code, response.text)
                assert response.json()["error"]["code"] in ("unauthenticated", "forbidden")
                assert count_rows(engine, form_versions) == before


def test_a_retried_submission_is_counted_once(client, engine, tokens):
    form = ppwp_form("3171011001001", (60, 122, 64))
    answers = [client.post("/api/v1/submissions", json=form, headers={**tokens["kpps"], "Idempotency-Key": "k-123456"})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert len({a.json()["version_id"] for a in answers}) == 1 and answers[2].json()["replayed"]
    assert count_rows(engine, form_versions) == 1
    other = client.post("/api/v1/submissions", json=dict(form, suara_tidak_sah=4, suara_total=250),
                        headers={**tokens["kpps"], "Idempotency-Key": "k-123456"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    settle(client, engine)
    assert client.get("/api/v1/results/ppwp/0").json()["totals"]["tps_reported"] == 1


def test_the_correction_lifecycle(client, engine, tokens):
    _seed(client, tokens)
    settle(client, engine)
    assert client.get("/api/v1/results/ppwp/0").json()["totals"]["votes"]["1"] == 617
    proposal = client.post("/api/v1/corrections", json={"form": ppwp_form("3171011001001", (117, 100, 20)),
                                                       "reason": "angka 117 terbaca 617 (foto halaman 2)"},
                           headers=tokens["ppk"])
    assert proposal.status_code == 201 and proposal.json()["status"] == "proposed"
    number = proposal.json()["id"]
    settle(client, engine)
    assert client.get("/api/v1/results/ppwp/0").json()["totals"]["votes"]["1"] == 617  # not until authorised
    queue = client.get("/api/v1/corrections", params={"status": "proposed"}, headers=tokens["kabkota"]).json()
    assert [c["id"] for c in queue] == [number]
    assert client.get("/api/v1/corrections", headers=tokens["kabkota_out"]).json() == []
    decided = client.post(f"/api/v1/corrections/{number}/decision",
                          json={"approve": True, "reason": "sesuai foto C Hasil"}, headers=tokens["kpuri"])
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    again = client.post(f"/api/v1/corrections/{number}/decision", json={"approve": False, "reason": "ulang lagi"},
                        headers=tokens["kpuri"])
    assert again.status_code == 409
    settle(client, engine)
    assert client.get("/api/v1/results/ppwp/0").json()["totals"]["votes"]["1"] == 117
    record = client.get("/api/v1/tps/ppwp/3171011001001").json()
    current = record["current"]
    assert current["version_no"] == 2 and current["reason"] == "angka 117 terbaca 617 (foto halaman 2)"
    assert current["actor"] == "PPK:ppk" and current["authorised_by"] == "KPU_RI:kpuri"
    change = next(c for c in current["changes"] if c["field"] == "suara.1")
    assert (change["from"], change["to"]) == (617, 117) and change["label"]["id"].startswith("Suara 1.")

    rejected = client.post("/api/v1/corrections", json={"form": ppwp_form("3171011001001", (1, 1, 1)),
                                                       "reason": "coba-coba saja"}, headers=tokens["provinsi"])
    client.post(f"/api/v1/corrections/{rejected.json()['id']}/decision",
                json={"approve": False, "reason": "tidak sesuai foto"}, headers=tokens["kpuri"])
    settle(client, engine)
    assert client.get("/api/v1/results/ppwp/0").json()["totals"]["votes"]["1"] == 117


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"form": ppwp_form("3171011009001", (1, 1, 1)), "reason": "tidak ada"}, 404, "unknown_tps"),
    ({"form": ppwp_form("3171011001002", (1, 1, 1)), "reason": "belum ada data"}, 409, "nothing_to_correct"),
    ({"form": dict(ppwp_form("3171011001001", (1, 1, 1)), extra=1), "reason": "kunci aneh"}, 422, "malformed"),
    ({"form": ppwp_form("3171011001001", (1, 1, 1)), "reason": "x"}, 422, "invalid_request"),
    ({"form": ppwp_form("3171011001001", (1, 1, 1))}, 422, "invalid_request"),
])
def test_bad_corrections_are_refused(client, engine, tokens, body, status, code):
    _seed(client, tokens)
    response = client.post("/api/v1/corrections", json=body, headers=tokens["ppk"])
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_the_complaint_lifecycle(client, engine, tokens):
    _seed(client, tokens)
    filed = client.post("/api/v1/complaints", json={"contest": "ppwp", "tps": "3171011001001",
                                                    "text": "Foto menunjukkan 117, data 617"})
    assert filed.status_code == 201
    number = filed.json()["number"]
    assert client.get(f"/api/v1/complaints/{number}").json()["status"] == "received"
    queue = client.get("/api/v1/complaints", headers=tokens["ppk"]).json()
    assert [c["number"] for c in queue] == [number] and queue[0]["text"].startswith("Foto")
    assert client.get("/api/v1/complaints", headers=tokens["ppk_out"]).json() == []
    assert client.get("/api/v1/complaints", headers=tokens["kpps"]).status_code == 403
    bad = client.post(f"/api/v1/complaints/{number}/status", json={"status": "corrected"}, headers=tokens["ppk"])
    assert bad.status_code == 409
    client.post(f"/api/v1/complaints/{number}/status", json={"status": "under_review"}, headers=tokens["ppk"])
    proposal = client.post("/api/v1/corrections", json={"form": ppwp_form("3171011001001", (117, 100, 20)),
                                                       "reason": "sesuai pengaduan"}, headers=tokens["ppk"]).json()
    missing = client.post(f"/api/v1/complaints/{number}/status", json={"status": "corrected"}, headers=tokens["ppk"])
    assert missing.status_code == 422
    done = client.post(f"/api/v1/complaints/{number}/status",
                       json={"status": "corrected", "correction_id": proposal["id"]}, headers=tokens["kabkota"])
    assert done.status_code == 200
    public = client.get(f"/api/v1/complaints/{number}").json()
    assert public["status"] == "corrected" and public["correction_id"] == proposal["id"]
    other = client.post("/api/v1/complaints", json={"contest": "ppwp", "tps": "3171011001001",
                                                    "text": "tidak jelas apa masalahnya"}).json()["number"]
    no_reason = client.post(f"/api/v1/complaints/{other}/status", json={"status": "rejected"}, headers=tokens["kpuri"])
    assert no_reason.status_code == 422
    client.post(f"/api/v1/complaints/{other}/status", json={"status": "rejected", "reason": "foto sesuai data"},
                headers=tokens["kpuri"])
    assert client.get(f"/api/v1/complaints/{other}").json()["reason"] == "foto sesuai data"
    assert client.get("/api/v1/complaints/PGD-ZZZZZZZZ").status_code == 404
    assert client.post("/api/v1/complaints", json={"contest": "ppwp", "tps": "3171011009001",
                                                   "text": "TPS yang tidak ada"}).status_code == 404


def test_login_over_http_gives_a_working_token(client, engine, tokens):
    response = client.post("/api/v1/auth/token", json={"username": "kpps", "password": PASSWORD, "label": "hp-1"})
    assert response.status_code == 201
    assert (response.json()["role"], response.json()["scope"]) == ("KPPS", "3171011001001")
    submitted = client.post("/api/v1/submissions", json=ppwp_form("3171011001001", (1, 2, 3)),
                            headers={"Authorization": f"Bearer {response.json()['token']}", "Idempotency-Key": "hp-1:0001"})
    assert submitted.status_code == 201
    assert client.post("/api/v1/auth/token", json={"username": "kpps", "password": "salah"}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "nobody", "password": "salah"}).status_code == 401


def test_login_lock_out_and_rate_limits(client, engine, tokens):
    for _ in range(4):
        assert client.post("/api/v1/auth/token", json={"username": "ppk", "password": "salah"}).status_code in (401, 429)
    responses = [client.post("/api/v1/auth/token", json={"username": "ppk", "password": "salah"}) for _ in range(10)]
    codes = {r.status_code for r in responses}
    assert 429 in codes
    limited = next(r for r in responses if r.status_code == 429)
    assert int(limited.headers["retry-after"]) >= 1 and limited.json()["error"]["code"] == "rate_limited"
    complaints = [client.post("/api/v1/complaints", json={"contest": "ppwp", "tps": "3171011001001",
                                                          "text": "pengaduan berulang kali"}) for _ in range(6)]
    assert complaints[0].status_code == 201 and complaints[-1].status_code == 429


def test_revoked_accounts_and_tokens_stop_working(client, engine, tokens):
    assert client.delete("/api/v1/accounts/kpps", headers=tokens["kpuri"]).status_code == 204
    response = client.post("/api/v1/submissions", json=ppwp_form("3171011001001", (1, 2, 3)),
                           headers={**tokens["kpps"], "Idempotency-Key": "after-revoke"})
    assert response.status_code == 401
    assert client.delete("/api/v1/auth/token", headers=tokens["ppk"]).status_code == 204
    assert client.get("/api/v1/corrections", headers=tokens["ppk"]).status_code == 401


@pytest.mark.parametrize(("headers", "body", "status"), [
    ({}, "{bad json", 422),
    ({"Idempotency-Key": "short"}, None, 422),
    ({"Idempotency-Key": "ok-key-123"}, "[1, 2]", 422),
])
def test_bad_submissions_change_nothing(client, engine, tokens, headers, body, status):
    payload = body if body is not None else ppwp_form("3171011001001", (1, 2, 3))
    kwargs = {"content": payload, "headers": {**tokens["kpps"], **headers, "Content-Type": "application/json"}} \
        if isinstance(payload, str) else {"json": payload, "headers": {**tokens["kpps"], **headers}}
    response = client.post("/api/v1/submissions", **kwargs)
    assert response.status_code == status and "error" in response.json()
    assert count_rows(engine, form_versions) == 0


def test_security_headers_on_every_response(client):
    for path in ("/api/v1/results/ppwp/0", "/api/v1/results/ppwp/0", "/api/v1/nothing"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in headers["content-security-policy"]
