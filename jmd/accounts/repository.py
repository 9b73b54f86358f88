"""Accounts, logins, sessions and the audit log (tables of migration 0013).

Invariants:
* a session token exists only in the browser's cookie; the database keeps its SHA-256;
* a session ends after ``idle`` without a request and at the latest ``lifetime`` after the
  login, whatever the browser says; logging out or deactivating the account ends it at once;
* after :data:`MAX_FAILED` wrong passwords in a row the account is locked for
  :data:`LOCK_MINUTES`; a locked or inactive account never logs in, even with the right
  password, and the answer does not say which of the two was wrong;
* every change the console makes is written with :func:`audit`, in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jmd.accounts.passwords import hash_password, verify, weakness
from jmd.db.models import AuditEntry, ConsoleAccount, ConsoleSession, utcnow

ROLES = ("editor", "counselor", "admin")
MAX_FAILED = 5
LOCK_MINUTES = 15
# A hash to compare against when the user does not exist: the answer takes as long.
_DUMMY_HASH = hash_password("no such account, same time")


class AccountError(ValueError):
    """An account cannot be created or changed as asked (the message says why)."""


@dataclass(frozen=True)
class Account:
    """A logged-in staff member, as the console's pages see them."""

    id: int
    username: str
    role: str
    counselor_id: int | None
    csrf_token: str

    def can(self, *roles: str) -> bool:
        """Admins can do everything; the others what their role names."""
        return self.role == "admin" or self.role in roles


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_account(session: Session, username: str, password: str, role: str,
                   counselor_id: int | None = None) -> int:
    """A new active account; raises :class:`AccountError` for a taken name, weak password
    or unknown role."""
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("Benutzername fehlt oder ist zu lang")
    if role not in ROLES:
        raise AccountError(f"Rolle muss eine von {', '.join(ROLES)} sein")
    problem = weakness(password)
    if problem:
        raise AccountError(f"Passwort zu schwach: {problem}")
    if session.scalar(select(ConsoleAccount.id).where(ConsoleAccount.username == username)):
        raise AccountError(f"Benutzer {username} gibt es schon")
    account = ConsoleAccount(username=username, password_hash=hash_password(password),
                             role=role, counselor_id=counselor_id, active=True,
                             failed_logins=0)
    session.add(account)
    session.flush()
    return account.id


def set_password(session: Session, username: str, password: str) -> None:
    """A new password; ends the account's sessions and lifts a lock."""
    problem = weakness(password)
    if problem:
        raise AccountError(f"Passwort zu schwach: {problem}")
    account = session.scalar(select(ConsoleAccount).where(ConsoleAccount.username == username))
    if account is None:
        raise AccountError(f"Benutzer {username} gibt es nicht")
    account.password_hash = hash_password(password)
    account.failed_logins = 0
    account.locked_until = None
    session.execute(delete(ConsoleSession).where(ConsoleSession.account_id == account.id))


def set_active(session: Session, username: str, active: bool) -> None:
    """Switch an account on or off; switching off ends its sessions."""
    account = session.scalar(select(ConsoleAccount).where(ConsoleAccount.username == username))
    if account is None:
        raise AccountError(f"Benutzer {username} gibt es nicht")
    account.active = active
    if not active:
        session.execute(delete(ConsoleSession).where(ConsoleSession.account_id == account.id))


def log_in(session: Session, username: str, password: str, *, idle: timedelta,
           lifetime: timedelta) -> str | None:
    """A new session token for the right password of an active, unlocked account."""
    now = utcnow()
    account = session.scalar(select(ConsoleAccount).where(
        ConsoleAccount.username == username.strip()))
    if account is None:
        verify(password, _DUMMY_HASH)
        return None
    if not account.active or (account.locked_until and account.locked_until > now):
        verify(password, _DUMMY_HASH)
        return None
    if not verify(password, account.password_hash):
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED:
            account.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            account.failed_logins = 0
        return None
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_hash=_digest(token), account_id=account.id,
                               csrf_token=secrets.token_urlsafe(32), created_at=now,
                               last_seen_at=now, expires_at=now + lifetime))
    # old sessions of anyone are cleaned up here: logins are rare, requests are not
    session.execute(delete(ConsoleSession).where(
        (ConsoleSession.expires_at < now) | (ConsoleSession.last_seen_at < now - idle)))
    return token


def account_for(session: Session, token: str | None, *, idle: timedelta) -> Account | None:
    """The account of a live session (and the session's idle clock restarted), or None."""
    if not token:
        return None
    now = utcnow()
    row = session.get(ConsoleSession, _digest(token))
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at <= now - idle:
        session.delete(row)
        return None
    account = session.get(ConsoleAccount, row.account_id)
    if account is None or not account.active:
        session.delete(row)
        return None
    row.last_seen_at = now
    return Account(id=account.id, username=account.username, role=account.role,
                   counselor_id=account.counselor_id, csrf_token=row.csrf_token)


def log_out(session: Session, token: str | None) -> None:
    """End the session of ``token`` (nothing if there is none)."""
    if token:
        session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _digest(token)))


def audit(session: Session, username: str, action: str, target: str = "",
          detail: str = "") -> None:
    """Write down one change made in the console (never a young person's data)."""
    session.add(AuditEntry(username=username, action=action, target=target[:200],
                           detail=detail))


@dataclass(frozen=True)
class AuditView:
    at: str
    username: str
    action: str
    target: str
    detail: str


def recent_audit(session: Session, limit: int = 200, offset: int = 0) -> list[AuditView]:
    """The latest audit entries, newest first (``offset``: skip that many, for pages)."""
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())
                           .offset(offset).limit(limit))
    return [AuditView(row.at.strftime("%Y-%m-%d %H:%M"), row.username, row.action, row.target,
                      row.detail) for row in rows]


@dataclass(frozen=True)
class AccountView:
    """An account as the admin page lists it (never its password hash)."""

    username: str
    role: str
    counselor_id: int | None
    active: bool
    locked: bool
    last_login: str | None


def all_accounts(session: Session) -> list[AccountView]:
    """Every account, by name."""
    now = utcnow()
    rows = session.scalars(select(ConsoleAccount).order_by(ConsoleAccount.username))
    return [AccountView(row.username, row.role, row.counselor_id, row.active,
                        bool(row.locked_until and row.locked_until > now),
                        row.last_login_at.strftime("%Y-%m-%d %H:%M") if row.last_login_at
                        else None) for row in rows]
