"""jmd.booking.week: an office's bookings of one ISO week, the person only as a pseudonym."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from jmd.booking import joint, service
from jmd.booking.week import Week, week_entries
from jmd.db import make_engine, session_scope
from jmd.db.models import Booking, Slot
from jmd.identity import short
from tests.helpers.booking import add_counselor, add_slot, at

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday of 2026-W48
KEY = "u7f3a9c0123456789abcdef0123456789"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    from jmd.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'week.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_weeks_are_iso_weeks_and_a_bad_one_is_this_week() -> None:
    today = date(2026, 11, 25)
    assert Week.parse("2026-W48", today).monday == date(2026, 11, 23)
    assert Week.parse("2026-w01", today).monday == date(2025, 12, 29)
    for bad in (None, "", "2026-W60", "48", "x-Wy"):
        assert Week.parse(bad, today).monday == date(2026, 11, 23)
    week = Week(date(2026, 12, 28))
    assert (week.name, week.previous, week.next) == ("2026-W53", "2026-W52", "2027-W01")


def test_an_office_sees_its_bookings_with_the_partner_and_only_the_pseudonym(
        engine: Engine) -> None:
    anna = add_counselor(engine, "Anna")
    jonas = add_counselor(engine, "Jonas", office="koethen", organisation="jobcenter")
    kai = add_counselor(engine, "Kai", office="koethen")
    host, partner = add_slot(engine, anna, at(26, 10)), add_slot(engine, jonas, at(26, 10))
    other = add_slot(engine, kai, at(27, 9))
    later = add_slot(engine, anna, at(30 + 1, 9))  # next week
    earlier = add_slot(engine, anna, at(24, 9))
    with session_scope(engine) as session:
        joint.book_joint(session, KEY, host, partner, "prs", NOW)
        service.book(session, "u2", other, "ar", NOW)
        service.book(session, "u3", later, "de", NOW)
    with session_scope(engine) as session:
        slot_id = session.scalars(select(Slot.id).where(Slot.ref == earlier)).one()
        session.add(Booking(ref="pastbook", slot_id=slot_id, person_key="u4", language="de",
                            status="active", created_at=NOW))  # booked before it began
    week = Week.parse("2026-W48", NOW.date())
    with session_scope(engine) as session:
        zerbst = week_entries(session, week, NOW, "zerbst")
        everywhere = week_entries(session, week, NOW)
    assert [(e.start, e.counselor, e.language, e.person) for e in zerbst] == [
        ("09:00", "Anna", "Deutsch", short("u4")),
        ("10:00", "Anna", "Dari", short(KEY))]
    assert short(KEY) == "7F3A9C"
    assert zerbst[1].partner == "Jonas (Jobcenter Anhalt-Bitterfeld)" and zerbst[0].partner is None
    assert [e.past for e in zerbst] == [True, False]
    assert {e.office_id for e in everywhere} == {"zerbst", "koethen"}
    with session_scope(engine) as session:  # Jonas's office sees his joint appointment too
        koethen = week_entries(session, week, NOW, "koethen")
    assert [(e.counselor, e.partner) for e in koethen] == [
        ("Anna", "Jonas (Jobcenter Anhalt-Bitterfeld)"), ("Kai", None)]
    assert KEY not in repr(everywhere)
