"""jmd.interpreters.register: the volunteer register, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from jmd.db.engine import make_engine, session_scope
from jmd.db.models import Interpreter, InterpreterAssignment
from jmd.interpreters import register as book
from jmd.interpreters.assignments import request_chat
from jmd.interpreters.register import Registration, parse_registration

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(("args", "problem"), [
    ([], "interpreter.add_usage"),
    (["ali", "prs", "01.11.2026", "Ali"], "interpreter.add_usage"),  # no Telegram ID
    (["123", "prs,xx", "01.11.2026", "Ali"], "interpreter.add_languages"),
    (["123", "prs", "1.13.2026", "Ali"], "interpreter.add_pledge"),  # no such day
    (["123", "prs", "2027-01-01", "Ali"], "interpreter.add_pledge"),  # in the future
    (["123", "prs", "01.11.2026"], "interpreter.add_usage"),  # no name
])
def test_a_bad_registration_names_its_problem(args: list[str], problem: str) -> None:
    assert parse_registration(args, TODAY) == problem


def test_a_registration_is_read_in_both_date_formats_and_on_one_line() -> None:
    parsed = parse_registration(["123", "PRS,de,prs", "1.11.2026", "Ali", "\u202eRahimi"],
                                TODAY)
    assert parsed == Registration(123, ("prs", "de"), date(2026, 11, 1), "Ali Rahimi")
    iso = parse_registration(["123", "ar", "2026-11-01", "Samira"], TODAY)
    assert isinstance(iso, Registration) and iso.pledge_signed_on == date(2026, 11, 1)


def test_register_update_deactivate_find_and_remove(database_url: str) -> None:
    engine = make_engine(database_url)
    ali = Registration(501, ("prs", "de"), date(2026, 11, 1), "Ali")
    with session_scope(engine) as session:
        view, created = book.register(session, ali, "ukey-ali")
        samira, _ = book.register(session, Registration(502, ("ar",), TODAY, "Samira"),
                                  "ukey-samira")
    assert created and view.active and view.languages == ("prs", "de")
    with session_scope(engine) as session:  # the same account again: updated, not doubled
        again, created = book.register(session, Registration(501, ("prs",), TODAY, "Ali R."),
                                       "ukey-ali")
        assert not created and again.id == view.id and again.name == "Ali R."
        assert [v.name for v in book.volunteers_for(session, "prs")] == ["Ali R."]
        assert book.volunteers_for(session, "prs", except_key="ukey-ali") == []
        assert book.by_telegram_id(session, 502) == samira
        assert book.by_telegram_id(session, 999) is None  # a stranger
    with session_scope(engine) as session:
        off = book.set_active(session, view.id, False)
        assert off is not None and not off.active
        assert book.by_telegram_id(session, 501) is None, "inactive: a stranger to this"
        assert book.volunteers_for(session, "prs") == []
        assert book.set_active(session, 999, True) is None
    with session_scope(engine) as session:
        request = request_chat(session, "ukey-person", 1, "ar", "Anna")
        assert request is not None
        session.execute(InterpreterAssignment.__table__.update()
                        .where(InterpreterAssignment.id == request.id)
                        .values(interpreter_id=samira.id))
    with session_scope(engine) as session:
        assert book.remove(session, samira.id) == samira
        assert book.remove(session, samira.id) is None
    with session_scope(engine) as session:
        names = session.scalars(select(Interpreter.name)).all()
        kept = session.get(InterpreterAssignment, request.id)
        assert names == ["Ali R."] and kept is not None and kept.interpreter_id is None
    engine.dispose()
