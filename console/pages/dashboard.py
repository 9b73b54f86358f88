"""The dashboard: questions, handoffs and bookings of the last 30 days, counts drawn as
inline SVG (:mod:`console.charts`); the figures come from :mod:`jmd.stats`.

Editors and counselors see it; the bookings chart only counselors (an editor never sees
bookings, not even counted).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console import charts
from console.web import account, render
from jmd.db import db
from jmd.shared.languages import registry
from jmd.stats import ANSWERED, DAYS, DID_YOU_MEAN, UNANSWERED, dashboard

OUTCOME_LABELS = {ANSWERED: "beantwortet", DID_YOU_MEAN: "„Meinten Sie …?“",
                  UNANSWERED: "nicht beantwortet"}
# waiting time until a counselor took a handoff: (upper end in minutes, label)
WAIT_BANDS = ((5, "unter 5 Min."), (15, "5–15 Min."), (60, "15–60 Min."),
              (float("inf"), "über 60 Min."))


def _wait_bands(waits: list[float]) -> list[int]:
    counts = [0] * len(WAIT_BANDS)
    for minutes in waits:
        counts[next(i for i, (upper, _) in enumerate(WAIT_BANDS) if minutes < upper)] += 1
    return counts


def _name(code: str) -> str:
    language = registry().get(code)
    return language.name if language else code


async def page(request: Request) -> Response:
    """Charts of the last :data:`DAYS` days."""
    who = await account(request, "editor", "counselor")
    languages = registry().codes
    figures = await db(dashboard, languages)
    labels = [day.strftime("%d.%m.") for day in figures.days]
    names = {code: _name(code) for code in figures.questions}
    questions = charts.bars(
        "Fragen pro Tag und Sprache", labels,
        [charts.Series(names[code], code, values) for code, values in figures.questions.items()])
    outcomes = [charts.Series(OUTCOME_LABELS[o], o.replace("_", "-"), [figures.outcomes[o]])
                for o in OUTCOME_LABELS]
    handoffs = charts.bars("Übergaben an Berater:innen pro Tag", labels,
                           [charts.Series("Übergaben", "handoffs", figures.handoffs)])
    bands = _wait_bands(figures.waits)
    waits = charts.bars("Wartezeit bis zur Übernahme", [label for _, label in WAIT_BANDS],
                        [charts.Series("Übergaben", "waits", bands)], every=1)
    bookings = charts.bars(
        "Termine pro Tag: gebucht und nicht erschienen", labels,
        [charts.Series("gebucht", "bookings", figures.bookings),
         charts.Series("nicht erschienen", "no-shows", figures.no_shows)], stacked=False,
    ) if who.can("counselor") else None
    return render(request, "dashboard.html", {
        "days": DAYS, "figures": figures, "questions": questions, "names": names,
        "share": charts.share("Anteil beantwortet / Meinten Sie / nicht beantwortet",
                              outcomes),
        "outcomes": [(label, o.replace("_", "-"), figures.outcomes[o], figures.share(o))
                     for o, label in OUTCOME_LABELS.items()],
        "handoffs": handoffs, "waits": waits, "bookings": bookings,
    })


routes = [Route("/dashboard", page, methods=["GET"])]
