"""The register of volunteer interpreters, kept by counselors in their group.

Functions take the session first and return frozen views. A volunteer is found by their
Telegram account only while ``active``; everyone else (not registered, deactivated) is a
stranger to every interpreter function: they cannot accept or relay anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jmd.clock import local, utc
from jmd.db.models import Interpreter, InterpreterAssignment, utcnow
from jmd.shared.languages import registry
from jmd.shared.one_line import one_line

MAX_NAME = 120


@dataclass(frozen=True)
class InterpreterView:
    """A volunteer as read in one transaction."""

    id: int
    name: str
    languages: tuple[str, ...]
    telegram_user_id: int
    active: bool
    pledge_signed_on: date

    @classmethod
    def of(cls, row: Interpreter) -> InterpreterView:
        return cls(int(row.id), str(row.name), tuple(row.language_codes),
                   int(row.telegram_user_id), bool(row.active), row.pledge_signed_on)


@dataclass(frozen=True)
class Registration:
    """What ``/dolmetscher_neu`` asked for, checked."""

    telegram_user_id: int
    languages: tuple[str, ...]
    pledge_signed_on: date
    name: str


def _date(text: str) -> date | None:
    """``2026-11-01`` or ``1.11.2026``."""
    for pattern, order in ((r"(\d{4})-(\d{1,2})-(\d{1,2})", (0, 1, 2)),
                           (r"(\d{1,2})\.(\d{1,2})\.(\d{4})", (2, 1, 0))):
        found = re.fullmatch(pattern, text)
        if found:
            parts = [int(found.group(i + 1)) for i in order]
            try:
                return date(parts[0], parts[1], parts[2])
            except ValueError:
                return None
    return None


def parse_registration(args: list[str], today: date | None = None) -> Registration | str:
    """``<Telegram-ID> <Sprachen> <Verpflichtung> <Name …>``; a problem's staff key if bad.

    Languages are codes of the assistant's languages (``prs,de``); the pledge date is not
    in the future; the name is one line.
    """
    if len(args) < 4 or not args[0].isdigit():
        return "interpreter.add_usage"
    codes = tuple(dict.fromkeys(c for c in args[1].lower().split(",") if c))
    if not codes or any(registry().get(code) is None for code in codes):
        return "interpreter.add_languages"
    pledge = _date(args[2])
    if pledge is None or pledge > (today or local(utcnow()).date()):
        return "interpreter.add_pledge"
    name = one_line(" ".join(args[3:]))[:MAX_NAME].strip()
    if not name:
        return "interpreter.add_usage"
    return Registration(int(args[0]), codes, pledge, name)


def register(session: Session, registration: Registration, person_key: str,
             at: datetime | None = None) -> tuple[InterpreterView, bool]:
    """Add the volunteer, or update (and reactivate) the one with this Telegram account.

    Returns the volunteer and whether they are new.
    """
    row = session.scalars(select(Interpreter).where(
        Interpreter.telegram_user_id == registration.telegram_user_id)).first()
    created = row is None
    if row is None:
        row = Interpreter(telegram_user_id=registration.telegram_user_id,
                          created_at=utc(at or utcnow()))
        session.add(row)
    row.name = registration.name
    row.languages = ",".join(registration.languages)
    row.pledge_signed_on = registration.pledge_signed_on
    row.person_key = person_key
    row.active = True
    row.deactivated_at = None
    session.flush()
    return InterpreterView.of(row), created


def everyone(session: Session) -> list[InterpreterView]:
    """The whole register, by number."""
    return [InterpreterView.of(row)
            for row in session.scalars(select(Interpreter).order_by(Interpreter.id))]


def get_interpreter(session: Session, number: int) -> InterpreterView | None:
    row = session.get(Interpreter, number, populate_existing=True)
    return InterpreterView.of(row) if row is not None else None


def set_active(session: Session, number: int, active: bool,
               at: datetime | None = None) -> InterpreterView | None:
    """(De)activate volunteer ``number``; None if there is none."""
    row = session.get(Interpreter, number)
    if row is None:
        return None
    row.active = active
    row.deactivated_at = None if active else utc(at or utcnow())
    session.flush()
    return InterpreterView.of(row)


def remove(session: Session, number: int) -> InterpreterView | None:
    """Delete volunteer ``number`` with their data: the offers they got go with them, and
    assignments they had keep no link to them. End their open assignments first."""
    row = session.get(Interpreter, number)
    if row is None:
        return None
    view = InterpreterView.of(row)
    session.execute(update(InterpreterAssignment)
                    .where(InterpreterAssignment.interpreter_id == number)
                    .values(interpreter_id=None)
                    .execution_options(synchronize_session=False))
    session.delete(row)  # offers: ON DELETE CASCADE
    session.flush()
    return view


def by_telegram_id(session: Session, telegram_user_id: int) -> InterpreterView | None:
    """The *active* volunteer with this Telegram account (None: a stranger to this)."""
    row = session.scalars(select(Interpreter).where(
        Interpreter.telegram_user_id == telegram_user_id, Interpreter.active.is_(True))).first()
    return InterpreterView.of(row) if row is not None else None


def volunteers_for(session: Session, language: str, *,
                   except_key: str | None = None) -> list[InterpreterView]:
    """Active volunteers who speak ``language`` (never the person themselves)."""
    rows = session.scalars(select(Interpreter).where(Interpreter.active.is_(True))
                           .order_by(Interpreter.id))
    return [InterpreterView.of(row) for row in rows
            if language in row.language_codes and row.person_key != except_key]


def by_person_key(session: Session, key: str) -> InterpreterView | None:
    """The volunteer whose own Telegram account has the pseudonym ``key`` (any status)."""
    row = session.scalars(select(Interpreter).where(Interpreter.person_key == key)).first()
    return InterpreterView.of(row) if row is not None else None
