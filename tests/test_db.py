"""The data layer on SQLite and PostgreSQL: migrations and the repositories."""

import logging
from datetime import timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError

from jmd.db.engine import make_engine, session_scope
from jmd.db.models import Base, PendingMessage, Person, utcnow
from jmd.db.pending import (
    expire_pending,
    forget_pending,
    has_pending,
    keep_pending,
    pending_of,
    waiting_people,
)
from jmd.db.persons import delete_person, get_language, get_person, touch_person
from jmd.shared.logging_setup import install_redaction


def test_migrations_create_the_tables(database_url: str) -> None:
    tables = set(inspect(make_engine(database_url)).get_table_names())
    assert {"persons", "feedback", "pending_messages", "alembic_version", "offices",
            "counselors", "slots", "bookings"} <= tables


def test_migrations_match_the_models(database_url: str) -> None:
    with make_engine(database_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_person_round_trip(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        touch_person(session, "u123", language="prs", chat_id=987654321012)
    with session_scope(engine) as session:
        touch_person(session, "u123", language="ar")
    with session_scope(engine) as session:
        person = get_person(session, "u123")
        assert person is not None
        assert person.language == "ar"
        assert person.chat_id == 987654321012  # kept: only given fields change
        assert get_language(session, "nobody") is None


def test_delete_person(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        touch_person(session, "u1", language="de")
    with session_scope(engine) as session:
        assert delete_person(session, "u1")
        assert not delete_person(session, "u1")
        assert get_person(session, "u1") is None


def test_failed_transaction_rolls_back(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            touch_person(session, "u2", language="de")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with session_scope(engine) as session:
        assert get_person(session, "u2") is None


def test_pending_messages_wait_in_order_until_answered(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        keep_pending(session, "u7", 7007, "erste", message_id=11, telegram_language_code="de")
        keep_pending(session, "u8", 8008, "andere Person")
        keep_pending(session, "u7", 7007, "zweite", message_id=12)
    with session_scope(engine) as session:
        assert has_pending(session, "u7") and not has_pending(session, "nobody")
        assert waiting_people(session) == [("u7", 7007), ("u8", 8008)]
        rows = pending_of(session, "u7")
        assert [r.text for r in rows] == ["erste", "zweite"]
        assert rows[0].message_id == 11 and rows[0].telegram_language_code == "de"
        forget_pending(session, rows[0].id)
    with session_scope(engine) as session:
        assert [r.text for r in pending_of(session, "u7")] == ["zweite"]


def test_too_old_pending_messages_expire(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        old = keep_pending(session, "u9", 9009, "alt", telegram_language_code="fa")
        old.created_at = utcnow() - timedelta(hours=2)
        keep_pending(session, "u9", 9009, "neu")
        other = keep_pending(session, "u10", 1010, "alt, andere Person")
        other.created_at = utcnow() - timedelta(hours=2)
    with session_scope(engine) as session:
        assert expire_pending(session, "u9", utcnow() - timedelta(hours=1)) == ["fa"]
    with session_scope(engine) as session:
        assert [r.text for r in pending_of(session, "u9")] == ["neu"]
        assert has_pending(session, "u10"), "only the given person's messages expire"


# -- no parameters in logs ------------------------------------------------------------------

CRISIS_SENTENCE = "ich will nicht mehr leben"
PERSON_KEY = "u0123456789abcdef0123456789abcde"


def _fail_twice(engine: Engine, statement: Any) -> StatementError:
    """Run ``statement`` twice (the second violates a key); the error of the second."""
    with session_scope(engine) as session:
        session.execute(statement)
    with pytest.raises(StatementError) as failed, session_scope(engine) as session:
        session.execute(statement)
    return failed.value


def test_a_failing_statement_is_logged_without_its_parameters(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(database_url)
    pending = insert(PendingMessage).values(
        id=1, person_key=PERSON_KEY, chat_id=1, text=CRISIS_SENTENCE, created_at=utcnow())
    error = _fail_twice(engine, pending)
    # the exception itself: the statement, not its values (hide_parameters)
    assert "hidden" in str(error)
    assert CRISIS_SENTENCE not in str(error) and PERSON_KEY not in str(error)
    # PostgreSQL's own message quotes the key ("DETAIL: Key (key)=(…)"): the log hides it
    person = insert(Person).values(key=PERSON_KEY, created_at=utcnow(), last_seen_at=utcnow())
    errors = [error, _fail_twice(engine, person)]
    factory = logging.getLogRecordFactory()
    install_redaction([])  # as the action server and Rasa do; the front's handler filters
    try:
        with caplog.at_level(logging.ERROR):
            for failure in errors:
                try:
                    raise failure
                except StatementError:
                    logging.getLogger("jmd.test").exception("storing failed")
    finally:
        logging.setLogRecordFactory(factory)
    assert caplog.text.count("storing failed") == 2 and "IntegrityError" in caplog.text
    assert CRISIS_SENTENCE not in caplog.text and PERSON_KEY not in caplog.text
    engine.dispose()
