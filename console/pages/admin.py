"""Admin: staff accounts (create, switch off and on, new password) and the audit log.

Account rules are :mod:`jmd.accounts.repository`'s (names, roles, password strength); a
counselor account is linked to a row of ``counselors`` (their free times, their office's
bookings). Every change is audited with the account's name, never a password. An admin
cannot switch off their own account (someone must be able to log in).
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.web import account, form, redirect, render
from jmd.accounts.passwords import MIN_LENGTH
from jmd.accounts.repository import (
    Account,
    AccountError,
    all_accounts,
    audit,
    create_account,
    recent_audit,
    set_active,
    set_password,
)
from jmd.booking.own import all_counselors, counselor_info
from jmd.db import db

AUDIT_PAGE = 100
ROLE_LABELS = {"editor": "Redaktion", "counselor": "Beratung", "admin": "Administration"}


def _create(session: Session, who: Account, username: str, password: str, role: str,
            counselor: str) -> None:
    counselor_id = int(counselor) if counselor.isdigit() else None
    if counselor and (counselor_id is None or counselor_info(session, counselor_id) is None):
        raise AccountError("Diese Beraterin / diesen Berater gibt es nicht")
    create_account(session, username, password, role, counselor_id)
    audit(session, who.username, "account.create", username.strip(),
          f"role {role}" + (f", counselor {counselor_id}" if counselor_id else ""))


def _switch(session: Session, who: Account, username: str, active: bool) -> None:
    if not active and username == who.username:
        raise AccountError("Das eigene Konto kann nicht abgeschaltet werden")
    set_active(session, username, active)
    audit(session, who.username, "account.activate" if active else "account.deactivate",
          username)


def _password(session: Session, who: Account, username: str, password: str) -> None:
    set_password(session, username, password)
    audit(session, who.username, "account.password", username)


async def _page(request: Request, problem: str | None = None, values: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    accounts = await db(all_accounts)
    counselors = await db(all_counselors)
    done = request.query_params.get("done")
    return render(request, "admin_accounts.html", {
        "accounts": accounts, "counselors": counselors,
        "counselor_names": {c.id: f"{c.name} ({c.office_name})" for c in counselors},
        "roles": ROLE_LABELS, "problem": problem, "min_length": MIN_LENGTH,
        "values": values or {"role": "counselor"},
        "message": "Gespeichert." if done == "1" else None,
    }, status_code=status_code)


async def accounts_page(request: Request) -> Response:
    """Every account, and the form for a new one."""
    await account(request, "admin")
    return await _page(request)


async def create(request: Request) -> Response:
    """A new account with the password the admin typed (they pass it on in person)."""
    who = await account(request, "admin")
    data = await form(request, who)
    values = {name: str(data.get(name, "")) for name in ("username", "role", "counselor")}
    try:
        await db(_create, who, values["username"], str(data.get("password", "")),
                 values["role"], values["counselor"])
    except AccountError as error:
        return await _page(request, str(error), values, 422)
    return redirect("/admin/accounts?done=1")


async def switch(request: Request) -> Response:
    """``POST /admin/accounts/active`` with ``username`` and ``active=1`` or ``0``."""
    who = await account(request, "admin")
    data = await form(request, who)
    try:
        await db(_switch, who, str(data.get("username", "")), data.get("active") == "1")
    except AccountError as error:
        return await _page(request, str(error), status_code=409)
    return redirect("/admin/accounts?done=1")


async def password(request: Request) -> Response:
    """A new password for an account (its sessions end, a lock is lifted)."""
    who = await account(request, "admin")
    data = await form(request, who)
    try:
        await db(_password, who, str(data.get("username", "")),
                 str(data.get("password", "")))
    except AccountError as error:
        return await _page(request, str(error), status_code=422)
    return redirect("/admin/accounts?done=1")


async def audit_page(request: Request) -> Response:
    """The audit log, newest first, :data:`AUDIT_PAGE` entries a page."""
    await account(request, "admin")
    text = request.query_params.get("page", "1")
    page = max(int(text), 1) if text.isdigit() else 1
    entries = await db(recent_audit, AUDIT_PAGE + 1, (page - 1) * AUDIT_PAGE)
    return render(request, "admin_audit.html", {
        "entries": entries[:AUDIT_PAGE], "page": page, "more": len(entries) > AUDIT_PAGE})


routes = [
    Route("/admin/accounts", accounts_page, methods=["GET"]),
    Route("/admin/accounts", create, methods=["POST"]),
    # the name travels in the form, not the path: any character a name may have is safe
    Route("/admin/accounts/active", switch, methods=["POST"]),
    Route("/admin/accounts/password", password, methods=["POST"]),
    Route("/admin/audit", audit_page, methods=["GET"]),
]
