"""Corrections on the officials' screens: the list of a region's proposals (/ui/corrections), an
official's proposal sent from the prefilled correction form, and a page per proposal
(/ui/corrections/{id}) where KPU RI reads the published and proposed numbers side by side, what
they change in the totals, the flags the new numbers raise and the form's photos, and decides."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from suara.api.access import access
from suara.api.body_limits import MAX_ROW_ID
from suara.domain.access import Action, may
from suara.domain.contests import Contest
from suara.domain.localtime import wib_text
from suara.domain.policy import Policy
from suara.domain.tally import Totals, dapil_rollup_code
from suara.publish.own import flag_docs
from suara.publish.routes import photo_url
from suara.services import corrections
from suara.services.accounts import Principal
from suara.services.corrections import Correction
from suara.services.errors import ServiceError
from suara.services.submission import SubmissionResult, check, flag_dict
from suara.store.reference import Reference
from suara.tally.queries import StoredVersion, photos_of, rollup, versions_of
from suara.web import correction_views as views
from suara.web import entry as entry_screen
from suara.web import forms, session
from suara.web.nav import scope_name

router = APIRouter()
CORRECTION_ID = PathParam(ge=1, le=MAX_ROW_ID)
# as routes.py's entry form: a party-list form has a box per candidate (api/body_limits.py caps the body)
ENTRY_MAX_FIELDS = 24 * 14 + 40


def where_of(reference: Reference, contest_key: str, tps: str) -> str:
    """A TPS as officials name it: "TPS 001 GAMBIR" (abroad "KSK 001 (Kotak Suara Keliling) ...")."""
    contest = reference.contests.get(contest_key)
    try:
        return f"{entry_screen.station_label(reference, contest, tps)} {reference.tree.get(tps[:10]).nama}" \
            if contest else tps
    except LookupError:
        return tps


def summary(reference: Reference, item: Correction) -> dict[str, Any]:
    """A proposal as a line of a list: its race, its TPS by name, who proposed it and why."""
    contest = reference.contests.get(item.contest)
    where = where_of(reference, item.contest, item.tps)
    return {"id": item.id, "contest": item.contest, "contest_nama": contest.nama if contest else item.contest,
            "tps": item.tps, "where": where, "proposer": views.proposer(item), "reason": item.reason,
            "proposed_at": wib_text(item.proposed_at), "status": item.status,
            "status_words": views.STATUS_WORDS.get(item.status, item.status), "decided_by": views.actor_words(item.decided_by) if item.decided_by else None,
            "decision_reason": item.decision_reason, "href": f"/ui/corrections/{item.id}"}


@router.get("/corrections", openapi_extra=access("role:officials and KPU_RI, in scope"))
def corrections_page(request: Request) -> Response:
    who = session.who(request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    return _list_page(request, who)


def _list_page(request: Request, who: Principal) -> HTMLResponse:
    items = corrections.listing(request.app.state.writer, who, None)
    reference = request.app.state.reference
    waiting = [summary(reference, c) for c in items if c.status == corrections.PROPOSED]
    decided = [summary(reference, c) for c in reversed(items) if c.status != corrections.PROPOSED]
    return session.page(request, "corrections.html", {
        "who": who, "waiting": waiting, "decided": decided, "region": scope_name(reference, who.scope),
        "can_propose": may(who.role, who.scope, Action.PROPOSE_CORRECTION, who.scope),
        "can_decide": may(who.role, who.scope, Action.DECIDE_CORRECTION, who.scope)})


@router.post("/corrections", openapi_extra=access("role:PPK|KPU_KABKOTA|KPU_PROVINSI, in scope"))
async def propose_correction(request: Request) -> Response:
    form = await request.form(max_fields=ENTRY_MAX_FIELDS)
    session.check_csrf(request, forms.text(form, "csrf"))
    who = session.signed_in(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    doc = entry_screen.form_doc(request.app.state.reference, fields)
    proposal = await run_in_threadpool(corrections.propose, request.app.state.writer, request.app.state.reference,
                                       who, doc, fields.get("reason", ""))
    return _proposal_page(request, who, proposal,
                          f"Koreksi #{proposal.id} diusulkan; menunggu pengesahan KPU RI.")


@router.get("/corrections/{correction_id}",
            openapi_extra=access("role:officials of the TPS's region and KPU_RI"))
def proposal_page(request: Request, correction_id: Annotated[int, CORRECTION_ID]) -> Response:
    who = session.who(request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    proposal = corrections.get(request.app.state.writer, correction_id)
    return _proposal_page(request, who, proposal, None)


@router.post("/corrections/{correction_id}/decision", openapi_extra=access("role:KPU_RI"))
async def decide_correction(request: Request, correction_id: Annotated[int, CORRECTION_ID]) -> Response:
    form = await request.form(max_fields=5)
    session.check_csrf(request, forms.text(form, "csrf"))
    who = session.signed_in(request)
    approve = forms.text(form, "approve") == "1"
    decided = await run_in_threadpool(corrections.decide, request.app.state.writer, request.app.state.reference,
                                      who, correction_id, approve, forms.text(form, "reason"))
    words = "disahkan; angka barunya kini dipublikasikan" if approve else "ditolak; angka yang dipublikasikan tetap"
    return _proposal_page(request, who, decided, f"Koreksi #{decided.id} {words}.")


def _before(versions: list[StoredVersion], proposal: Correction) -> StoredVersion | None:
    """The version the proposal corrects: the one published now, or for an authorised correction
    the one its own version replaced."""
    if proposal.version_id is not None:
        earlier = [v for v in versions if v.version_id < proposal.version_id]
        return earlier[-1] if earlier else None
    return versions[-1] if versions else None


def _area(reference: Reference, contest: Contest, proposal: Correction) -> tuple[str, str]:
    """Where the change is felt: the dapil of a party-list TPS, otherwise the contest's whole area."""
    if contest.is_party_list and "dapil" in proposal.form:
        ballot = reference.ballot(contest, proposal.tps)
        nama = proposal.form["dapil"]
        if ballot is not None and reference.book is not None:
            try:
                nama = reference.book.dapil_map.get(contest.kind, ballot.dapil).nama
            except LookupError:
                pass
        return dapil_rollup_code(proposal.form["dapil"]), f"Dapil {nama}"
    return contest.region, scope_name(reference, contest.region)


def _proposal_page(request: Request, who: Principal, proposal: Correction, notice: str | None) -> HTMLResponse:
    allowed = may(who.role, who.scope, Action.PROPOSE_CORRECTION, proposal.tps) or \
        may(who.role, who.scope, Action.DECIDE_CORRECTION, proposal.tps)
    if not allowed:
        raise ServiceError(403, "forbidden", f"{who.actor} tidak boleh melihat koreksi untuk TPS {proposal.tps}")
    reference = request.app.state.reference
    contest = reference.contest(proposal.contest)
    party_form = entry_screen.party_form(reference, contest, proposal.tps) if contest.is_party_list else None
    area_code, area_name = _area(reference, contest, proposal)
    with request.app.state.publisher.engine.connect() as conn:
        versions = versions_of(conn, contest.key, proposal.tps)
        before = _before(versions, proposal)
        digests = photos_of(conn, [before.version_id]).get(before.version_id, {}) if before else {}
        area = rollup(conn, contest.key, area_code) if proposal.status == corrections.PROPOSED else Totals()
    checked = check(reference, proposal.form, Policy.AS_IS)
    new_flags = [] if isinstance(checked, SubmissionResult) else flag_docs([flag_dict(f) for f in checked.flags])
    sections = views.side_by_side(contest, party_form, before.form if before else None, proposal.form)
    return session.page(request, "correction.html", {
        "who": who, "notice": notice, "item": summary(reference, proposal), "contest": contest,
        "before": before, "sections": sections, "changed": [(s.title, b) for s in sections for b in s.boxes if b.changed],
        "totals": views.total_changes(contest, party_form, before.form if before else None, proposal.form, area),
        "area": area_name if proposal.status == corrections.PROPOSED else None, "flags": views.flag_changes(flag_docs(before.flags) if before else [], new_flags),
        "photos": [(n, photo_url(digests[n]) if n in digests else None)
                   for n in entry_screen.photo_slots(reference, contest, proposal.tps, digests)],
        "public_href": f"/tps/{contest.key}/{proposal.tps}",
        "actor_words": views.actor_words,
        "can_decide": proposal.status == corrections.PROPOSED
        and may(who.role, who.scope, Action.DECIDE_CORRECTION, proposal.tps)})
