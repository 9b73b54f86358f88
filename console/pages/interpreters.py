"""The register of volunteer interpreters: the list, and switching a volunteer off and on.

The same functions as ``/dolmetscher_aus|_an`` in the counselor group
(:mod:`jmd.interpreters.register`). Registering needs the volunteer's Telegram ID and a
greeting from the bot, so it stays a group command; the page says how. A volunteer who
interprets a chat right now is not switched off here: the bot must tell both sides, which
only ``/dolmetscher_aus`` in the group does.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.pages.slots import day_label
from console.web import account, form, redirect, render
from jmd.accounts.repository import Account, audit
from jmd.db import db
from jmd.handoff.cards import language_name
from jmd.interpreters.assignments import CHAT, open_of_interpreter
from jmd.interpreters.register import everyone, set_active
from jmd.texts import staff

MAX_NUMBER = 2**31 - 1


class Busy(Exception):
    """The volunteer interprets a chat now: switch them off in the group instead."""


def _switch(session: Session, who: Account, number: int, active: bool) -> bool:
    """(De)activate volunteer ``number``, audited; False if there is none."""
    if not active and any(item.kind == CHAT for item in open_of_interpreter(session, number)):
        raise Busy
    view = set_active(session, number, active)
    if view is None:
        return False
    audit(session, who.username, "interpreter.activate" if active else "interpreter.deactivate",
          f"#{number}")
    return True


async def _page(request: Request, problem: str | None = None,
                status_code: int = 200) -> Response:
    volunteers = await db(everyone)
    changed = request.query_params.get("changed", "")
    return render(request, "interpreters.html", {
        "volunteers": volunteers, "language_name": language_name, "day_label": day_label,
        "how_to_add": staff("interpreter.add_usage"), "problem": problem,
        "message": f"Eintrag Nr. {int(changed)} geändert." if changed.isdigit() else None,
    }, status_code=status_code)


async def interpreters_page(request: Request) -> Response:
    """The register, with a switch per volunteer."""
    await account(request, "counselor")
    return await _page(request)


async def switch(request: Request) -> Response:
    """``POST /interpreters/{number}/active`` with ``active=1`` (on) or ``0`` (off)."""
    who = await account(request, "counselor")
    data = await form(request, who)
    number = request.path_params["number"]
    if number > MAX_NUMBER:  # no such row, and more than the database's integer
        return await _page(request, f"Nr. {number} gibt es nicht.", 404)
    try:
        found = await db(_switch, who, number, data.get("active") == "1")
    except Busy:
        return await _page(request, f"Nr. {number} dolmetscht gerade ein Gespräch. Bitte in der "
                           f"Beratungsgruppe mit /dolmetscher_aus {number} abschalten: dann "
                           "erfahren die Person und die Beratung davon.", 409)
    if not found:
        return await _page(request, f"Nr. {number} gibt es nicht.", 404)
    return redirect(f"/interpreters?changed={number}")


routes = [
    Route("/interpreters", interpreters_page, methods=["GET"]),
    Route("/interpreters/{number:int}/active", switch, methods=["POST"]),
]
