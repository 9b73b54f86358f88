"""The data layer on SQLite and PostgreSQL: migrations and the person repository."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from jmd.db.engine import make_engine, session_scope
from jmd.db.models import Base
from jmd.db.persons import delete_person, get_language, get_person, touch_person


def test_migrations_create_the_tables(database_url: str) -> None:
    tables = set(inspect(make_engine(database_url)).get_table_names())
    assert {"persons", "feedback", "alembic_version"} <= tables


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
