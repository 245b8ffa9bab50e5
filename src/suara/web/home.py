"""The page every operator lands on after login (/ui): a KPPS sees its TPS's ballots and their
state; an official (PPK, KPU kab/kota, KPU provinsi, PPLN) every race of its region with its
progress, its flagged TPS, the corrections and complaints waiting and its recapitulation tasks;
an observer (saksi, pengawas) the same figures, read only; KPU RI the corrections waiting for its
authorisation first, then the nation. What is counted is in web/home_views.py."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from suara.api.access import access
from suara.domain.access import Role
from suara.services import complaints, corrections
from suara.services.resends import stored_versions
from suara.web import home_views, session
from suara.web.correction_pages import summary
from suara.web.entry import ballots_of
from suara.web.nav import ROLE_NAMES, scope_name

# web/routes.py adds the page to the /ui router as its root (a sub-router cannot hold an empty path)
ACCESS = access("authenticated: each role its own TPS or region")
QUEUE_SHOWN = 50  # the rest of KPU RI's queue is on /ui/corrections


def home(request: Request) -> Response:
    who = session.who(request)
    if who is None:
        return RedirectResponse("/ui/login", status_code=303)
    reference, writer = request.app.state.reference, request.app.state.writer
    screens = home_views.may_handle(who)
    waiting = corrections.waiting_by_contest(writer, who.scope)
    context = {"who": who, "role": ROLE_NAMES[who.role], "region": scope_name(reference, who.scope),
               "screens": screens, "waiting_total": sum(waiting.values()), "queue": None, "ballots": None,
               "races": None, "open_total": 0}
    if len(who.scope) == 13:  # a KPPS (or an observer of one TPS): the TPS's ballots
        tabs = [tab.key for election in ballots_of(reference, who.scope) for tab in election.tabs]
        with request.app.state.publisher.engine.connect() as conn:
            stored = stored_versions(conn, [(key, who.scope) for key in tabs])
        context["ballots"] = home_views.ballots(reference, who.scope, stored, waiting)
        context["can_enter"] = who.role is Role.KPPS
        return session.page(request, "home.html", context)
    open_complaints = complaints.open_by_contest(writer, who.scope) if screens["complaints"] else {}
    if who.role is Role.KPU_RI:
        queue = corrections.listing(writer, who, corrections.PROPOSED)
        context["queue"] = [summary(reference, item) for item in queue[:QUEUE_SHOWN]]
    with request.app.state.publisher.engine.connect() as conn:
        context["races"] = home_views.races(conn, reference, who, waiting if screens["corrections"] else {},
                                            open_complaints)
    context["open_total"] = sum(open_complaints.values())
    return session.page(request, "home.html", context)
