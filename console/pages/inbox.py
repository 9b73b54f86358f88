"""The inbox: questions the assistant could not answer (or got 👎) become training examples.

Thin handlers: the questions are jmd.content.inbox, writing the example jmd.content.editing.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.pages.content import EDITOR, files_of, languages
from console.web import account, form, redirect, render
from jmd.content import editing, inbox
from jmd.content.editing import EditError
from jmd.db import db

MESSAGES = {
    "added": "Als Beispiel hinzugefügt. Es wirkt nach „Trainieren & veröffentlichen“.",
    "dismissed": "Aus dem Eingang entfernt.",
}


async def _page(request: Request, error: str | None = None, failed: int | None = None,
                status_code: int = 200) -> Response:
    files = files_of(request)
    questions = await db(inbox.questions)
    topics = await run_in_threadpool(editing.topic_names, files)
    intents = await run_in_threadpool(editing.intents, files)
    by_code = {lang["code"]: lang for lang in languages()}
    return render(request, "inbox.html", {
        "questions": questions, "topics": topics, "intents": intents,
        "languages": languages(), "by_code": by_code, "error": error, "failed": failed,
        "message": MESSAGES.get(request.query_params.get("done", "")),
    }, status_code=status_code)


async def show(request: Request) -> Response:
    """The open questions, newest first."""
    await account(request, EDITOR)
    return await _page(request)


async def handle(request: Request) -> Response:
    """Add the (edited) question as an example of a topic or intent, or dismiss it."""
    who = await account(request, EDITOR)
    data = await form(request, who)
    try:
        question_id = int(request.path_params["id"])
    except ValueError as error:
        raise HTTPException(404, "Diese Frage gibt es nicht.") from error
    if await db(inbox.question, question_id) is None:
        raise HTTPException(404, "Diese Frage ist schon erledigt oder gelöscht.")
    action = data.get("action")
    if action == "dismiss":
        await db(inbox.dismiss, question_id, who.username)
        return redirect("/inbox?done=dismissed")
    if action != "add":
        raise HTTPException(400, "Unbekannte Aktion.")
    target, language = str(data.get("target", "")), str(data.get("language", ""))
    if not target:
        return await _page(request, "Bitte ein Thema oder eine Absicht wählen.", question_id,
                           422)
    try:
        await run_in_threadpool(editing.add_example, files_of(request), target, language,
                                str(data.get("text", "")))
    except EditError as problem:
        return await _page(request, str(problem), question_id, 422)
    await db(inbox.added, question_id, target, language, who.username)
    return redirect("/inbox?done=added")


routes = [
    Route("/inbox", show, methods=["GET"]),
    Route("/inbox/{id}", handle, methods=["POST"]),
]
