"""The partner figures of a year (the same as ``/zahlen``): a table and its CSV.

Counts only (:mod:`jmd.partners.figures`): nothing on these pages names a person.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.web import account, render
from jmd.clock import local, now
from jmd.db import db
from jmd.partners.figures import COLUMNS, figures, name_of, to_csv, year_bounds

FIRST_YEAR = 2020  # nothing was counted before


def _year(request: Request) -> int:
    """``?year=`` if it is a plausible year, else the current one."""
    this_year = local(now()).year
    text = request.query_params.get("year", "")
    return int(text) if text.isdigit() and FIRST_YEAR <= int(text) <= this_year + 1 \
        else this_year


async def figures_page(request: Request) -> Response:
    """``/figures?year=``: referrals and joint appointments per month and organisation."""
    await account(request, "counselor")
    year = _year(request)
    rows = await db(figures, *year_bounds(year))
    this_year = local(now()).year
    return render(request, "figures.html", {
        "year": year, "rows": rows, "columns": list(COLUMNS.values()), "name_of": name_of,
        "years": list(range(this_year, FIRST_YEAR - 1, -1)),
    })


async def figures_csv(request: Request) -> Response:
    """``/figures.csv?year=``: the same table for a spreadsheet (semicolons, German header)."""
    await account(request, "counselor")
    year = _year(request)
    rows = await db(figures, *year_bounds(year))
    return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="partnerzahlen-{year}.csv"'})


routes = [
    Route("/figures", figures_page, methods=["GET"]),
    Route("/figures.csv", figures_csv, methods=["GET"]),
]
