"""The other content: offices, organisations and crisis phrases, edited as their YAML text.

A save is checked by the file's own loader and ``make check-content``'s checks first; a
broken one is refused with their message and the file stays as it was.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.pages.content import EDITOR, files_of
from console.web import account, form, record, redirect, render
from jmd.content import editing
from jmd.content.editing import Conflict

LABELS = {
    "offices": "Büros (content/offices.yml): Adressen, Öffnungszeiten, Telefon",
    "organisations": "Partner (content/organisations.yml): was sie tun, für wen, Kontakt",
    "crisis_phrases": "Krisen-Wendungen (content/crisis_phrases.yml): wirken sofort",
}


def _read(request: Request) -> list[dict[str, str]]:
    found = []
    for name, (path, _checks) in editing.data_files(files_of(request)).items():
        found.append({"name": name, "label": LABELS[name], "file": path.name,
                      "text": path.read_text(encoding="utf-8"), "version": editing.version(path)})
    return found


async def show(request: Request, edited: dict[str, str] | None = None,
               problems: list[str] | None = None, status_code: int = 200) -> Response:
    """The three files, each in its own form (one of them as just submitted, with problems)."""
    await account(request, EDITOR)
    items = await run_in_threadpool(_read, request)
    for item in items:
        if edited and item["name"] == edited["name"]:
            item.update(edited)
    saved = request.query_params.get("saved")
    return render(request, "data.html", {
        "items": items, "problems": problems or [], "failed": (edited or {}).get("name"),
        "message": f"{LABELS[saved].split(' (')[0]} gespeichert." if saved in LABELS else None,
    }, status_code=status_code)


async def page(request: Request) -> Response:
    """GET /data."""
    return await show(request)


async def save(request: Request) -> Response:
    """Save one file unless its checks find problems (422, file untouched)."""
    who = await account(request, EDITOR)
    data = await form(request, who)
    name = request.path_params["name"]
    known = editing.data_files(files_of(request))
    if name not in known:
        raise HTTPException(404, "Diese Datei gibt es hier nicht.")
    path, checks = known[name]
    text, version = str(data.get("text", "")), str(data.get("version", ""))
    edited = {"name": name, "text": text, "version": version}
    try:
        problems = await run_in_threadpool(editing.save_file, path, text, checks, version)
    except Conflict as error:
        return await show(request, edited, [str(error)], 409)
    if problems:
        return await show(request, edited, problems, 422)
    await record(who, "data.save", path.name)
    return redirect(f"/data?saved={name}")


routes = [
    Route("/data", page, methods=["GET"]),
    Route("/data/{name}", save, methods=["POST"]),
]
