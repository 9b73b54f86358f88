"""The bookings of a counselor's office as a week (admins: every office, or one).

Read-only except the "nicht erschienen" form of a past booking, which posts to
``/bookings/{ref}/no-show`` (console/pages of the dashboard helper). The person is shown
only as the short pseudonym the counselor group knows. Editors never see this page.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.pages.slots import day_label
from console.web import account, render
from jmd.booking.own import MODE_LABELS, counselor_info
from jmd.booking.week import Week, week_entries
from jmd.clock import local, now
from jmd.content.offices import load_offices
from jmd.db import db


async def calendar_page(request: Request) -> Response:
    """``/calendar?week=YYYY-Www`` (``&office=`` for admins)."""
    who = await account(request, "counselor")
    moment = now()
    week = Week.parse(request.query_params.get("week"), local(moment).date())
    offices = [(office.id, office.name) for office in load_offices()]
    counselor = await db(counselor_info, who.counselor_id)
    if who.role == "admin":
        wanted = request.query_params.get("office") or None
        office = wanted if wanted in dict(offices) else None
    else:
        office = counselor.office_id if counselor else None
    entries = await db(week_entries, week, moment, office) if (
        office or who.role == "admin") else []
    days = [(day, [entry for entry in entries if entry.day == day]) for day in week.days]
    return render(request, "calendar.html", {
        "week": week, "days": days, "count": len(entries), "office": office,
        "offices": offices, "counselor": counselor, "is_admin": who.role == "admin",
        "modes": MODE_LABELS, "day_label": day_label,
        "office_query": f"&office={office}" if who.role == "admin" and office else "",
    })


routes = [Route("/calendar", calendar_page, methods=["GET"])]
