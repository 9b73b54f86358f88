"""``POST /bookings/{ref}/no-show``: a counselor of the booking's office marks that the
person did not come (the calendar's "nicht erschienen" form; rules in
:mod:`jmd.booking.no_show`)."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.web import account, form, redirect
from jmd.accounts.repository import Account, audit
from jmd.booking.no_show import NoShow, mark_no_show
from jmd.db import db

REFUSED = {
    NoShow.NOT_FOUND: (404, "Diesen Termin gibt es nicht (mehr)."),
    NoShow.FORBIDDEN: (403, "Dieser Termin gehört zu einer anderen Stelle."),
    NoShow.NOT_YET: (409, "Der Termin hat noch nicht begonnen."),
}


def _mark(session: Session, ref: str, who: Account) -> NoShow:
    """Mark and audit in one unit of work (the booking ref only, no person)."""
    outcome = mark_no_show(session, ref, who)
    if outcome is NoShow.MARKED:
        audit(session, who.username, "booking.no_show", ref)
    return outcome


def _back(request: Request) -> str:
    """Back to the calendar page the form was on (only a local path)."""
    target = request.query_params.get("back", "")
    return target if target.startswith("/") and not target.startswith("//") else "/calendar"


async def no_show(request: Request) -> Response:
    """Mark the booking; back to the calendar."""
    who = await account(request, "counselor")
    await form(request, who)
    outcome = await db(_mark, request.path_params["ref"], who)
    if outcome in REFUSED:
        status, detail = REFUSED[outcome]
        raise HTTPException(status, detail)
    return redirect(_back(request))


routes = [Route("/bookings/{ref}/no-show", no_show, methods=["POST"])]
