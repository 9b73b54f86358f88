"""A counselor's own free times: add (repeated weekly), see which are booked, withdraw free ones.

The account's ``counselor_id`` says whose times these are; an account without one sees a
message and can change nothing. The logic is :mod:`jmd.booking.own`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.web import account, form, redirect, render
from jmd.accounts.repository import Account, audit
from jmd.booking.own import (
    MAX_REPEAT,
    MODE_LABELS,
    CounselorInfo,
    SlotError,
    SlotRequest,
    add_slots,
    counselor_info,
    parse_request,
    upcoming_slots,
    withdraw,
)
from jmd.clock import local, now
from jmd.db import db

FIELDS = ("date", "start", "end", "mode", "repeat_weeks")
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def day_label(moment: date | datetime) -> str:
    """ "Mo, 07.12.2026": a local day as the console writes it."""
    day = local(moment).date() if isinstance(moment, datetime) else moment
    return f"{WEEKDAYS[day.weekday()]}, {day:%d.%m.%Y}"


def clock_time(moment: datetime) -> str:
    """ "09:30": the local time of ``moment``."""
    return f"{local(moment):%H:%M}"


async def _page(request: Request, who: Account, *, problems: list[str] | None = None,
                values: dict[str, str] | None = None, message: str | None = None,
                status_code: int = 200) -> Response:
    counselor = await db(counselor_info, who.counselor_id)
    slots = await db(upcoming_slots, counselor.id, now()) if counselor else []
    return render(request, "slots.html", {
        "counselor": counselor, "slots": slots, "problems": problems or [],
        "values": values or {"mode": "in_person", "repeat_weeks": "0"},
        "modes": MODE_LABELS, "max_repeat": MAX_REPEAT, "day_label": day_label,
        "clock_time": clock_time,
        "message": message or _done(request),
    }, status_code=status_code)


def _done(request: Request) -> str | None:
    """The result of the POST before the redirect (fixed sentences: no text from the URL)."""
    added = request.query_params.get("added", "")
    if added.isdigit():
        return f"{int(added)} Zeit(en) eingetragen: sie werden im Telegram-Assistenten angeboten."
    if "removed" in request.query_params:
        return "Die Zeit wurde entfernt und wird nicht mehr angeboten."
    return None


async def slots_page(request: Request) -> Response:
    """The counselor's upcoming times and the form to add more."""
    who = await account(request, "counselor")
    return await _page(request, who)


def _add(session: Session, who: Account, counselor: CounselorInfo, wanted: SlotRequest) -> int:
    refs = add_slots(session, counselor.id, wanted, now())
    audit(session, who.username, "slot.add", ",".join(refs),
          f"counselor {counselor.id}, {len(refs)} slot(s), {wanted.mode}")
    return len(refs)


async def add(request: Request) -> Response:
    """Add a time (and its weekly repeats); all or nothing, problems shown with the form."""
    who = await account(request, "counselor")
    data = await form(request, who)
    counselor = await db(counselor_info, who.counselor_id)
    if counselor is None:
        return await _page(request, who, status_code=403)
    values = {name: str(data.get(name, "")) for name in FIELDS}
    wanted = parse_request(values["date"], values["start"], values["end"], values["mode"],
                           values["repeat_weeks"] or "0")
    if not isinstance(wanted, SlotRequest):
        return await _page(request, who, problems=wanted, values=values, status_code=422)
    try:
        count = await db(_add, who, counselor, wanted)
    except SlotError as error:
        return await _page(request, who, problems=error.problems, values=values,
                           status_code=422)
    return redirect(f"/slots?added={count}")


def _withdraw(session: Session, who: Account, counselor_id: int, ref: str) -> None:
    withdraw(session, counselor_id, ref, now())
    audit(session, who.username, "slot.withdraw", ref, f"counselor {counselor_id}")


async def remove(request: Request) -> Response:
    """Withdraw a free time (a booked one stays: the page says why)."""
    who = await account(request, "counselor")
    await form(request, who)
    counselor = await db(counselor_info, who.counselor_id)
    if counselor is None:
        return await _page(request, who, status_code=403)
    try:
        await db(_withdraw, who, counselor.id, request.path_params["ref"])
    except SlotError as error:
        return await _page(request, who, problems=error.problems, status_code=409)
    return redirect("/slots?removed=1")


routes = [
    Route("/slots", slots_page, methods=["GET"]),
    Route("/slots", add, methods=["POST"]),
    Route("/slots/{ref}/remove", remove, methods=["POST"]),
]
