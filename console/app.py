"""``build_app()``: all of the console's wiring in one place."""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from console.pages import (
    admin,
    auth,
    calendar,
    content,
    dashboard,
    data,
    figures,
    inbox,
    interpreters,
    no_show,
    publish,
    slots,
)
from console.web import LoginRequired, current_account, redirect, render
from jmd.shared.settings import Settings, get_settings

logger = logging.getLogger(__name__)

# No script or style from anywhere else, no framing, no referrer leaving the console.
SECURITY_HEADERS = {
    b"content-security-policy": b"default-src 'self'; img-src 'self' data:; "
                                b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"cache-control": b"no-store",
}


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *(
                    (name, value) for name, value in SECURITY_HEADERS.items()
                    if name not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _to_login(request: Request, _exc: Exception) -> Response:
    return redirect("/login")


async def _error(request: Request, exc: Exception) -> Response:
    await current_account(request)  # the layout's navigation, for someone logged in
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Interner Fehler"
    return render(request, "error.html", {"status": status, "detail": detail},
                  status_code=status)


async def _crash(request: Request, exc: Exception) -> Response:
    logger.error("console error on %s", request.url.path, exc_info=exc)
    return render(request, "error.html", {"status": 500, "detail": "Interner Fehler"},
                  status_code=500)


def page_routes() -> list[BaseRoute]:
    """Every page module's routes (each area adds its module here)."""
    return [*auth.routes, *dashboard.routes, *content.routes, *inbox.routes, *data.routes,
            *publish.routes, *slots.routes, *calendar.routes, *no_show.routes,
            *interpreters.routes, *figures.routes, *admin.routes]


def build_app(settings: Settings | None = None) -> Starlette:
    """The console as an ASGI app (``python -m console`` serves it with uvicorn)."""
    app = Starlette(
        routes=[*page_routes(),
                Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"),
                      name="static")],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={LoginRequired: _to_login, HTTPException: _error,
                            Exception: _crash},
    )
    app.state.settings = settings or get_settings()
    return app
