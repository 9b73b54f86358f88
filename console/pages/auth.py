"""Log in, log out, and the start page that leads each role to its work."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.web import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    account,
    current_account,
    form,
    idle,
    redirect,
    render,
    settings_of,
)
from jmd.accounts.repository import audit, log_in, log_out
from jmd.db import db

# a login lasts at most this long, however active
LIFETIME = timedelta(hours=12)


def _login_page(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", {"login_csrf": token, "error": error},
                      status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=settings_of(request).console_cookie_secure, path="/login")
    return response


async def login_form(request: Request) -> Response:
    """The login page (or the start page for someone logged in)."""
    if await current_account(request):
        return redirect("/")
    return _login_page(request)


async def login(request: Request) -> Response:
    """Check the password and open a session; a wrong one gets the same answer every time."""
    data = await request.form()
    sent, expected = data.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent, expected)):
        return _login_page(request, "Das Formular ist abgelaufen. Bitte noch einmal.", 403)
    username, password = str(data.get("username", "")), str(data.get("password", ""))
    token = await db(log_in, username, password, idle=idle(request), lifetime=LIFETIME)
    if token is None:
        return _login_page(request, "Benutzername oder Passwort stimmt nicht (oder das Konto"
                           " ist für 15 Minuten gesperrt).", 401)
    await db(audit, username.strip(), "login")
    response = redirect("/")
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=settings_of(request).console_cookie_secure)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


async def logout(request: Request) -> Response:
    """End the session."""
    who = await account(request)
    await form(request, who)
    await db(log_out, request.cookies.get(SESSION_COOKIE))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


async def home(request: Request) -> Response:
    """Editors and counselors start at the dashboard, admins at the accounts."""
    who = await account(request)
    return redirect("/admin/accounts" if who.role == "admin" else "/dashboard")


routes = [
    Route("/", home),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
