"""The data layer on SQLite and PostgreSQL: migrations and the repositories."""

from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from jmd.db.engine import make_engine, session_scope
from jmd.db.models import Base, utcnow
from jmd.db.pending import (
    expire_pending,
    forget_pending,
    has_pending,
    keep_pending,
    pending_of,
    waiting_people,
)
from jmd.db.persons import delete_person, get_language, get_person, touch_person


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
