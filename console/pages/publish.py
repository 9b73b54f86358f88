"""Train and publish: the button, its progress, and the figures of the old and new model.

The job itself is :class:`jmd.publish.Publisher` (one per console process, one run at a
time); this page starts it, shows its state and polls ``/publish/status``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.web import account, form, record, redirect, render, settings_of
from jmd.accounts.repository import audit
from jmd.db.engine import in_transaction
from jmd.publish import MEASURE, STEPS, Publisher, Status
from jmd.shared.languages import registry


def _audit(username: str, action: str, target: str, detail: str) -> None:
    in_transaction(lambda session: audit(session, username, action, target, detail))


def publisher(request: Request) -> Publisher:
    """This console's job (made on first use)."""
    state = request.app.state
    if not hasattr(state, "publisher"):
        state.publisher = Publisher(settings_of(request), _audit)
    found: Publisher = state.publisher
    return found


def _label(status: Status) -> str:
    if status.state == "running":
        return f"läuft: {status.step} – {status.text}"
    if status.state in ("done", "failed"):
        return status.text
    return "bereit"


def added_text(status: Status) -> str:
    """The examples added since the old model, and how each model read them."""
    if status.state == "idle" or status.step == STEPS[0]:
        return ""
    added = status.added
    if added is None:
        return ("Neue Beispiele: nicht bekannt (zum bisherigen Modell ist keine Liste seiner"
                " Beispiele gespeichert)." if status.step != STEPS[-1] else "")
    count, asked = added.get("count") or 0, added.get("asked") or 0
    if not count:
        return "Keine neuen Beispiele seit dem bisherigen Modell."

    def right(value: int | None) -> str:
        return "–" if value is None else f"{value} von {asked}"

    sampled = f" (davon {asked} geprüft)" if asked < count else ""
    return (f"Neue Beispiele seit dem bisherigen Modell: {count}{sampled}. Richtig erkannt:"
            f" bisheriges Modell {right(added.get('old'))}, neues Modell"
            f" {right(added.get('new'))}. Das neue Modell hat diese Beispiele gelernt: seine"
            " Zahl zeigt, dass sie angekommen sind, sie ist kein Test.")


def figures_rows(status: Status) -> list[tuple[str, str, str, str]]:
    """(language, old F1, new F1, difference) per language and overall, "–" where unknown."""
    def value(figures: dict[str, Any] | None, lang: str) -> float | None:
        if not figures:
            return None
        languages = figures.get("languages")
        found = figures.get("overall") if lang == "overall" else (
            languages.get(lang) if isinstance(languages, dict) else None)
        return float(found) if isinstance(found, int | float) else None

    rows = []
    for lang in [*registry().codes, "overall"]:
        old, new = value(status.old, lang), value(status.new, lang)
        diff = f"{new - old:+.3f}" if old is not None and new is not None else "–"
        rows.append((lang, f"{old:.3f}" if old is not None else "–",
                     f"{new:.3f}" if new is not None else "–", diff))
    return rows


async def page(request: Request) -> Response:
    """The button, the state and the figures."""
    await account(request, "editor")
    status = publisher(request).status()
    message = ("Ein Training läuft schon – bitte warten, bis es fertig ist."
               if request.query_params.get("running") else None)
    return render(request, "publish.html", {
        "status": status, "label": _label(status), "steps": STEPS, "measure": MEASURE,
        "rows": figures_rows(status), "added": added_text(status), "message": message})


async def train(request: Request) -> Response:
    """Start the job (a second press while it runs changes nothing)."""
    who = await account(request, "editor")
    await form(request, who)
    if not publisher(request).start(who.username):
        return redirect("/publish?running=1")
    await record(who, "publish.train", settings_of(request).model_file.name)
    return redirect("/publish")


async def status(request: Request) -> Response:
    """The job's state as JSON (publish.js polls it)."""
    await account(request, "editor")
    current = publisher(request).status()
    return JSONResponse({**current.as_json(), "label": _label(current),
                         "rows": figures_rows(current), "added_text": added_text(current)})


routes = [
    Route("/publish", page, methods=["GET"]),
    Route("/publish/train", train, methods=["POST"]),
    Route("/publish/status", status, methods=["GET"]),
]
