"""What every page uses: templates, the logged-in account, CSRF-checked forms, the audit log.

Invariants:
* every page but the login requires a live session (:func:`account`); a page for other
  roles answers 403, never its content;
* every POST is refused (403) unless its form carries the session's CSRF token
  (:func:`form`); the login form, before any session, uses a double-submit cookie;
* the session cookie is HttpOnly and SameSite=Strict, Secure behind TLS
  (CONSOLE_COOKIE_SECURE=1), and holds a random token whose hash alone is stored.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from jmd.accounts.repository import Account, account_for, audit
from jmd.db import db
from jmd.shared.settings import Settings

SESSION_COOKIE = "jmd_console"
LOGIN_CSRF_COOKIE = "jmd_console_login"
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

# (path, label, roles that see it) — the navigation; admins see everything
NAVIGATION: list[tuple[str, str, tuple[str, ...]]] = [
    ("/dashboard", "Übersicht", ("editor", "counselor")),
    ("/content", "Inhalte", ("editor",)),
    ("/inbox", "Eingang", ("editor",)),
    ("/publish", "Trainieren & veröffentlichen", ("editor",)),
    ("/data", "Stellen & Krisenwörter", ("editor",)),
    ("/slots", "Meine freien Zeiten", ("counselor",)),
    ("/calendar", "Termine", ("counselor",)),
    ("/interpreters", "Dolmetscher:innen", ("counselor",)),
    ("/figures", "Partnerzahlen", ("counselor",)),
    ("/admin/accounts", "Konten", ("admin",)),
    ("/admin/audit", "Protokoll", ("admin",)),
]


class LoginRequired(Exception):
    """No live session: the app answers with a redirect to the login page."""


def settings_of(request: Request) -> Settings:
    """The console's settings (``build_app``'s)."""
    settings: Settings = request.app.state.settings
    return settings


def idle(request: Request) -> timedelta:
    return timedelta(minutes=settings_of(request).console_session_minutes)


async def current_account(request: Request) -> Account | None:
    """The logged-in account of this request, or None (cached on the request)."""
    if "account" not in request.state._state:
        token = request.cookies.get(SESSION_COOKIE)
        request.state.account = await db(account_for, token, idle=idle(request)) if token else None
    account: Account | None = request.state.account
    return account


async def account(request: Request, *roles: str) -> Account:
    """The logged-in account if it has one of ``roles`` (admin has all): else the login
    page (no session) or 403."""
    found = await current_account(request)
    if found is None:
        raise LoginRequired
    if roles and not found.can(*roles):
        raise HTTPException(403, "Diese Seite ist für Ihre Rolle nicht freigegeben.")
    return found


async def form(request: Request, who: Account) -> FormData:
    """The POSTed form, refused (403) without ``who``'s CSRF token."""
    data = await request.form()
    sent = data.get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, who.csrf_token):
        raise HTTPException(403, "Das Formular ist abgelaufen (CSRF). Bitte Seite neu laden.")
    return data


async def record(who: Account, action: str, target: str = "", detail: str = "") -> None:
    """Audit one change (own transaction; use :func:`jmd.accounts.repository.audit` inside
    a unit of work to write it with the change itself)."""
    await db(audit, who.username, action, target, detail)


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> Response:
    """A page in the console's layout, with the account, its navigation and CSRF token."""
    who: Account | None = request.state._state.get("account")
    navigation = [(path, label) for path, label, roles in NAVIGATION
                  if who is not None and who.can(*roles)]
    full = {"account": who, "navigation": navigation,
            "csrf_token": who.csrf_token if who else "", **(context or {})}
    response: Response = TEMPLATES.TemplateResponse(request, template, full,
                                                    status_code=status_code)
    return response


def redirect(path: str) -> RedirectResponse:
    """After a POST: to the page that shows the result (303: the browser GETs it)."""
    return RedirectResponse(path, status_code=303)
