"""jmd.booking.free on SQLite and PostgreSQL: which slots, answers and days are free."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from jmd.booking import free
from jmd.booking.service import Preferences
from jmd.db import make_engine, session_scope
from tests.helpers.booking import add_counselor, add_slot, at

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_free_slots_filter_and_order(engine: Engine) -> None:
    anna = add_counselor(engine, "Anna", "zerbst", "de,ar")
    omid = add_counselor(engine, "Omid", "bitterfeld-wolfen", "de,prs")
    late = add_slot(engine, anna, at(27, 10), mode="phone")
    early = add_slot(engine, omid, at(26, 9))
    add_slot(engine, anna, at(25, 9))  # already begun (09:00 Berlin = 08:00 UTC < NOW)
    with session_scope(engine) as session:
        assert [s.ref for s in free.free_slots(session, Preferences(), NOW)] == [early, late]
        only_ar = free.free_slots(session, Preferences(language="ar"), NOW)
        assert [s.ref for s in only_ar] == [late]
        by_phone = free.free_slots(session, Preferences(mode="phone"), NOW)
        assert [s.ref for s in by_phone] == [late]
        dessau = free.free_slots(session, Preferences(office_id="bitterfeld-wolfen"), NOW)
        assert [s.ref for s in dessau] == [early]
        from_friday = Preferences(from_day=at(27, 0).date())
        assert [s.ref for s in free.free_slots(session, from_friday, NOW)] == [late]
        assert free.options(session, Preferences(), NOW, "language") == ["ar", "de", "prs"]
        assert free.free_days(session, Preferences(), NOW) == [at(26, 0).date(),
                                                                   at(27, 0).date()]


def test_only_counselors_of_the_organisation_kind(engine: Engine) -> None:
    """The age band's organisation kind: a counselor of their own organisation (the MBE) or,
    without one, of their office's (the JMD)."""
    jmd = add_counselor(engine, "Anna", "zerbst", "de,ar")
    mbe = add_counselor(engine, "Berta", "koethen", "de", organisation="mbe")
    young = add_slot(engine, jmd, at(26, 10))
    adult = add_slot(engine, mbe, at(26, 11))
    with session_scope(engine) as session:
        def refs(kind: str | None) -> list[str]:
            found = free.free_slots(session, Preferences(organisation_kind=kind), NOW)
            return [s.ref for s in found]

        assert refs("jmd") == [young]
        assert refs("mbe") == [adult]
        assert refs(None) == [young, adult]
        assert refs("jobcenter") == []
        by_mbe = Preferences(organisation_kind="mbe")
        assert free.options(session, by_mbe, NOW, "office_id") == ["koethen"]
