"""jmd.handoff.state, .topics, .counselors: handoff state on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from jmd import clock
from jmd.db.engine import make_engine, session_scope
from jmd.db.models import Booking, Counselor, Handoff, Slot
from jmd.db.models import Office as OfficeRow
from jmd.handoff.counselors import counselor_by_telegram_id, speakers, upcoming_booking
from jmd.handoff.state import (
    ASSIGNED,
    OPEN,
    active_handoff,
    close,
    due_timeouts,
    mark_notified,
    purge_closed,
    request_handoff,
    take,
)
from jmd.handoff.topics import forget_topic, old_topics, person_of_thread, save_topic, topic_of
from jmd.identity import display_name
from tests.helpers.db import rows_with

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday, 10:00 in Berlin
KEY = "u0123456789abcdef0123456789abcd"
GROUP = -1001234567890


def test_one_active_handoff_per_person(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        first = request_handoff(session, KEY, urgent=False, language="de", at=NOW)
        assert first.created and first.needs_card
    with session_scope(engine) as session:
        again = request_handoff(session, KEY, urgent=False, language="de")
        assert not again.created and not again.escalated and again.handoff.id == first.handoff.id
        assert again.needs_card, "no card was posted yet"
    with session_scope(engine) as session:
        crisis = request_handoff(session, KEY, urgent=True, language="de", office_id="zerbst")
        assert crisis.escalated and crisis.handoff.urgent
        assert crisis.handoff.office_id == "zerbst"
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Handoff(person_key=KEY, status=OPEN, urgent=False, language="de",
                            created_at=NOW))
        session.flush()
    with session_scope(engine) as session:  # once closed, a new one may open
        assert close(session, first.handoff.id)
        assert not close(session, first.handoff.id)
        assert request_handoff(session, KEY, urgent=False, language="ar").created
    engine.dispose()


def test_first_counselor_wins(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        handoff_id = request_handoff(session, KEY, urgent=False, language="prs").handoff.id
    with session_scope(engine) as session:
        assert take(session, handoff_id, 7001, "Anna", at=NOW)
    with session_scope(engine) as session:
        assert not take(session, handoff_id, 7002, "Omid")
        row = active_handoff(session, KEY)
        assert row is not None and row.status == ASSIGNED
        assert (row.counselor_telegram_id, row.counselor_name) == (7001, "Anna")
        assert close(session, handoff_id)
    with session_scope(engine) as session:
        assert active_handoff(session, KEY) is None
        assert not take(session, handoff_id, 7002, "Omid"), "a closed one cannot be taken"
    engine.dispose()


def test_timeouts_are_due_once(database_url: str) -> None:
    engine = make_engine(database_url)
    timeout = timedelta(minutes=15)
    with clock.frozen(NOW), session_scope(engine) as session:
        waiting = request_handoff(session, KEY, urgent=False, language="de").handoff.id
        taken = request_handoff(session, "u-other", urgent=False, language="de").handoff.id
        take(session, taken, 7001, "Anna")
    with session_scope(engine) as session:
        assert due_timeouts(session, timeout, NOW + timedelta(minutes=14)) == []
        due = due_timeouts(session, timeout, NOW + timedelta(minutes=15))
        assert [h.id for h in due] == [waiting]
        assert mark_notified(session, waiting) and not mark_notified(session, waiting)
    with session_scope(engine) as session:
        assert due_timeouts(session, timeout, NOW + timedelta(hours=3)) == []
    engine.dispose()


def test_topics_and_retention(database_url: str) -> None:
    engine = make_engine(database_url)
    cutoff = NOW - timedelta(days=90)
    with session_scope(engine) as session:
        for key, thread, closed_days_ago in [("u-old", 11, 100), ("u-new", 12, 10),
                                             ("u-open", 13, None), ("u-never", 14, None)]:
            save_topic(session, key, GROUP, thread, display_name(key),
                       at=NOW - timedelta(days=120))
            if key == "u-never":
                continue
            handoff_id = request_handoff(session, key, urgent=False, language="de",
                                         at=NOW - timedelta(days=120)).handoff.id
            if closed_days_ago is not None:
                close(session, handoff_id, at=NOW - timedelta(days=closed_days_ago))
        save_topic(session, "u-new", GROUP, 15, "renamed")  # recreated topic
    with session_scope(engine) as session:
        assert person_of_thread(session, GROUP, 15) == "u-new"
        assert person_of_thread(session, GROUP, 12) is None
        assert person_of_thread(session, -100999, 15) is None, "another group"
        topic = topic_of(session, "u-new", GROUP)
        assert topic is not None and topic.title == "renamed"
        assert topic_of(session, "u-new", -100999) is None
        assert old_topics(session, cutoff) == [("u-old", GROUP, 11), ("u-never", GROUP, 14)]
        forget_topic(session, "u-old")
        assert purge_closed(session, cutoff) == 1
    with session_scope(engine) as session:
        assert old_topics(session, cutoff) == [("u-never", GROUP, 14)]
    # outside the session: a SQLite transaction holds the write lock until it ends
    assert rows_with(engine, "u-old") == {}
    engine.dispose()


def add_counselors(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        session.add(OfficeRow(id="zerbst", name="JMD Zerbst", area="Zerbst"))
        session.flush()
        session.add_all([
            Counselor(id=1, name="Anna", office_id="zerbst", languages="de,prs",
                      telegram_user_id=7001, active=True, is_demo=False),
            Counselor(id=2, name="Omid", office_id="zerbst", languages="ar,prs",
                      telegram_user_id=7002, active=False, is_demo=False),
            Counselor(id=3, name="Sami", office_id="zerbst", languages="ar",
                      telegram_user_id=None, active=True, is_demo=True),
            Counselor(id=4, name="Lina", office_id="zerbst", languages="ar,de",
                      telegram_user_id=7004, active=True, is_demo=False),
        ])


def test_who_counts_as_a_counselor(database_url: str) -> None:
    engine = make_engine(database_url)
    add_counselors(engine)
    with session_scope(engine) as session:
        anna = counselor_by_telegram_id(session, 7001)
        assert anna.allowed and anna.name == "Anna"
        assert not counselor_by_telegram_id(session, 7002).allowed, "inactive"
        assert not counselor_by_telegram_id(session, 7777).allowed
        listed = counselor_by_telegram_id(session, 7777, frozenset({7777}))
        assert listed.allowed and listed.name is None
        assert speakers(session, "ar") == ["Lina"], "active, with a Telegram account"
        assert speakers(session, "prs") == ["Anna"]
    engine.dispose()


def test_upcoming_booking_of_the_person(database_url: str) -> None:
    engine = make_engine(database_url)
    add_counselors(engine)
    with session_scope(engine) as session:
        for slot_id, days in [(1, -2), (2, 3), (3, 9)]:
            starts = NOW + timedelta(days=days)
            session.add(Slot(id=slot_id, ref=f"s{slot_id}", counselor_id=1, starts_at=starts,
                             ends_at=starts + timedelta(hours=1), mode="in_person",
                             withdrawn=False))
        session.flush()
        for booking_id, slot_id, status in [(1, 1, "active"), (2, 2, "cancelled"),
                                            (3, 3, "active")]:
            session.add(Booking(id=booking_id, ref=f"b{booking_id}", slot_id=slot_id,
                                person_key=KEY, language="de", status=status, created_at=NOW))
    with session_scope(engine) as session:
        booking = upcoming_booking(session, KEY, NOW)
        assert booking is not None
        assert booking.starts_at == NOW + timedelta(days=9) and booking.office_id == "zerbst"
        assert upcoming_booking(session, "u-nobody", NOW) is None
    engine.dispose()
