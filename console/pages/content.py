"""The FAQ topic editor: three languages side by side, the content checks live while typing.

Thin handlers: reading, checking and writing the topic files is jmd.content.editing.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.web import account, form, record, redirect, render, settings_of
from jmd import clock
from jmd.accounts.repository import Account
from jmd.content import editing
from jmd.content.editing import Conflict, EditError, Files, TopicForm
from jmd.content.faq import BUTTON_TARGETS, REVIEW_MONTHS, months_later
from jmd.shared.languages import registry
from jmd.shared.topics import ContentError, load_topic

EDITOR = "editor"


def files_of(request: Request) -> Files:
    """The editors' files of this console (settings FAQ_DIR and OFFICES_FILE)."""
    return Files.of(settings_of(request))


def languages() -> list[dict[str, str]]:
    """Per language: code, name, writing direction and the HTML ``lang`` value."""
    return [{"code": lang.code, "name": lang.name, "dir": lang.direction,
             "lang": lang.babel_locale.replace("_", "-").removesuffix("-DE")}
            for lang in registry().languages.values()]


def _topic_list(files: Files) -> list[dict[str, str]]:
    found = []
    for name in editing.topic_names(files):
        try:
            title = load_topic(files.faq_dir / f"{name}.yml").title.get(registry().default, "")
        except ContentError:
            title = "(Datei nicht lesbar)"
        found.append({"name": name, "title": title})
    return found


async def topics(request: Request) -> Response:
    """Every FAQ topic, with its German title."""
    await account(request, EDITOR)
    listed = await run_in_threadpool(_topic_list, files_of(request))
    return render(request, "content_list.html", {"topics": listed})


def _stale(topic_form: TopicForm) -> bool:
    """Whether the facts were last checked more than REVIEW_MONTHS ago (a warning)."""
    if topic_form.reviewed is None:
        return False
    today = clock.now().astimezone(clock.BERLIN).date()
    return months_later(topic_form.reviewed, REVIEW_MONTHS) < today


def _page(request: Request, name: str, topic_form: TopicForm, version: str,
          problems: list[str], status_code: int = 200, error: str | None = None,
          message: str | None = None) -> Response:
    return render(request, "content_topic.html", {
        "name": name, "topic": topic_form, "version": version, "problems": problems,
        "languages": languages(), "error": error, "message": message,
        "button_targets": sorted(BUTTON_TARGETS), "stale": _stale(topic_form),
    }, status_code=status_code)


async def topic(request: Request) -> Response:
    """One topic's form, with what the check says about it now."""
    await account(request, EDITOR)
    name, files = request.path_params["topic"], files_of(request)
    try:
        topic_form, version = await run_in_threadpool(editing.read_topic, files, name)
        problems = await run_in_threadpool(editing.check_edit, files, name, topic_form)
    except EditError as error:
        raise HTTPException(404, str(error)) from error
    saved = "Gespeichert." if request.query_params.get("saved") else None
    return _page(request, name, topic_form, version, problems, message=saved)


async def _json_fields(request: Request, who: Account) -> dict[str, Any]:
    """The form's state a live check sent as JSON, refused (403) without the CSRF header."""
    sent = request.headers.get("x-csrf-token", "")
    if not hmac.compare_digest(sent, who.csrf_token):
        raise HTTPException(403, "Das Formular ist abgelaufen (CSRF). Bitte Seite neu laden.")
    try:
        fields: Any = await request.json()
    except ValueError as error:
        raise HTTPException(400, "Kein JSON.") from error
    if not isinstance(fields, dict):
        raise HTTPException(400, "Erwartet ein Objekt mit den Feldern des Formulars.")
    return fields


async def check(request: Request) -> Response:
    """The live check: the form's state as JSON in, the problems as JSON out."""
    who = await account(request, EDITOR)
    fields = await _json_fields(request, who)
    name = request.path_params["topic"]
    try:
        problems = await run_in_threadpool(editing.check_edit, files_of(request), name,
                                           TopicForm.from_fields(fields))
    except EditError as error:
        return JSONResponse({"problems": [str(error)]}, status_code=422)
    return JSONResponse({"problems": problems})


async def save(request: Request) -> Response:
    """Save the topic unless the check finds a problem (422, nothing written)."""
    who = await account(request, EDITOR)
    data = await form(request, who)
    name, files = request.path_params["topic"], files_of(request)
    topic_form = TopicForm.from_fields(data)
    version = str(data.get("version", ""))
    try:
        topic_form.reviewed = (await run_in_threadpool(editing.read_topic, files, name))[0].reviewed
    except EditError as error:
        raise HTTPException(404, str(error)) from error
    try:
        problems = await run_in_threadpool(editing.save_topic, files, name, topic_form, version)
    except Conflict as error:
        return _page(request, name, topic_form, version, [], status_code=409, error=str(error))
    except EditError as error:
        raise HTTPException(404, str(error)) from error
    if problems:
        return _page(request, name, topic_form, version, problems, status_code=422,
                     error="Nicht gespeichert: bitte zuerst die Probleme beheben.")
    await record(who, "topic.save", f"faq/{name}")
    return redirect(f"/content/topics/{name}?saved=1")


def _new_page(request: Request, name: str, topic_form: TopicForm, problems: list[str],
              status_code: int = 200, error: str | None = None) -> Response:
    return render(request, "content_topic.html", {
        "new": True, "name": name, "topic": topic_form, "version": "", "problems": problems,
        "languages": languages(), "error": error, "stale": False,
        "button_targets": sorted(BUTTON_TARGETS),
    }, status_code=status_code)


async def new_form(request: Request) -> Response:
    """An empty topic form with a name and sources (created only when the check passes)."""
    await account(request, EDITOR)
    return _new_page(request, "", TopicForm(), [])


async def check_new(request: Request) -> Response:
    """The live check of a new topic (JSON, like :func:`check`)."""
    who = await account(request, EDITOR)
    fields = await _json_fields(request, who)
    try:
        problems = await run_in_threadpool(editing.check_new, files_of(request),
                                           str(fields.get("name", "")).strip(),
                                           TopicForm.from_fields(fields))
    except EditError as error:
        return JSONResponse({"problems": [str(error)]})
    return JSONResponse({"problems": problems})


async def create(request: Request) -> Response:
    """Create the topic file if the check passes (else 422, nothing written)."""
    who = await account(request, EDITOR)
    data = await form(request, who)
    name, topic_form = str(data.get("name", "")).strip(), TopicForm.from_fields(data)
    try:
        problems = await run_in_threadpool(editing.create_topic, files_of(request), name,
                                           topic_form)
    except EditError as error:
        return _new_page(request, name, topic_form, [str(error)], 422,
                         "Nicht angelegt: bitte zuerst die Probleme beheben.")
    if problems:
        return _new_page(request, name, topic_form, problems, 422,
                         "Nicht angelegt: bitte zuerst die Probleme beheben.")
    await record(who, "topic.create", f"faq/{name}")
    return redirect(f"/content/topics/{name}?saved=1")


routes = [
    Route("/content", topics, methods=["GET"]),
    Route("/content/new", new_form, methods=["GET"]),
    Route("/content/new", create, methods=["POST"]),
    Route("/content/new/check", check_new, methods=["POST"]),
    Route("/content/topics/{topic}", topic, methods=["GET"]),
    Route("/content/topics/{topic}", save, methods=["POST"]),
    Route("/content/topics/{topic}/check", check, methods=["POST"]),
]
