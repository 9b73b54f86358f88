"""jmd.booking.service on SQLite and PostgreSQL: booking rules, no double booking."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from jmd.booking import free, service
from jmd.booking.service import BookingError, Preferences
from jmd.db import make_engine, session_scope
from jmd.db.engine import in_transaction
from tests.helpers.booking import add_counselor, add_slot, at

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_book_list_cancel(engine) -> None:  # type: ignore[no-untyped-def]
    anna = add_counselor(engine)
    ref = add_slot(engine, anna, at(26, 10))
    with session_scope(engine) as session:
        booking = service.book(session, "u1", ref, "ar", NOW)
        assert booking.slot.ref == ref and booking.status == "active"
        again = service.book(session, "u1", ref, "ar", NOW)  # a double tap
        assert again.ref == booking.ref
    with session_scope(engine) as session:
        assert [b.ref for b in service.upcoming(session, "u1", NOW)] == [booking.ref]
        assert free.free_slots(session, Preferences(), NOW) == []
        with pytest.raises(BookingError) as refused:
            service.cancel(session, "someone-else", booking.ref, NOW)
        assert refused.value.reason == service.NOT_YOURS
        cancelled = service.cancel(session, "u1", booking.ref, NOW)
        assert cancelled.status == "cancelled"
    with session_scope(engine) as session:
        assert service.upcoming(session, "u1", NOW) == []
        assert [s.ref for s in free.free_slots(session, Preferences(), NOW)] == [ref]
        rebooked = service.book(session, "u2", ref, "de", NOW)  # the slot is free again
        assert rebooked.person_key == "u2"


def test_taken_past_forged_and_limit(engine) -> None:  # type: ignore[no-untyped-def]
    anna = add_counselor(engine)
    refs = [add_slot(engine, anna, at(26, hour)) for hour in (9, 10, 11)]
    past = add_slot(engine, anna, at(24, 10))
    with session_scope(engine) as session:
        service.book(session, "u1", refs[0], "de", NOW)
        for slot_ref, reason in ((refs[0], service.TAKEN), (past, service.GONE),
                                 ("forged12", service.GONE)):
            with pytest.raises(BookingError) as refused:
                service.book(session, "u2", slot_ref, "de", NOW)
            assert refused.value.reason == reason
        service.book(session, "u1", refs[1], "de", NOW)
        with pytest.raises(BookingError) as refused:
            service.book(session, "u1", refs[2], "de", NOW)
        assert refused.value.reason == service.LIMIT


def test_reschedule_moves_in_one_step(engine) -> None:  # type: ignore[no-untyped-def]
    anna = add_counselor(engine)
    first, second, third = (add_slot(engine, anna, at(26, h)) for h in (9, 10, 11))
    with session_scope(engine) as session:
        a = service.book(session, "u1", first, "prs", NOW)
        service.book(session, "u1", second, "prs", NOW)
        # at the limit, moving one is still possible
        moved = service.book(session, "u1", third, "prs", NOW, replacing=a.ref)
    with session_scope(engine) as session:
        assert sorted(b.slot.ref for b in service.upcoming(session, "u1", NOW)) == sorted(
            [second, third])
        assert moved.slot.ref == third
        with pytest.raises(BookingError) as refused:
            service.book(session, "u2", first, "de", NOW, replacing=moved.ref)  # not u2's
        assert refused.value.reason == service.NOT_YOURS


def test_fifty_people_one_slot_exactly_one_booking(engine) -> None:  # type: ignore[no-untyped-def]
    anna = add_counselor(engine)
    ref = add_slot(engine, anna, at(26, 10))
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(50)

    def attempt(n: int) -> None:
        start.wait()
        try:
            in_transaction(lambda s: service.book(s, f"person-{n}", ref, "de", NOW), engine)
            result = "booked"
        except BookingError as error:
            result = error.reason
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == 50
    assert outcomes.count("booked") == 1, outcomes
    assert set(outcomes) == {"booked", service.TAKEN}
    with session_scope(engine) as session:
        booked = service.bookings_between(session, NOW, NOW + timedelta(days=7))
        assert len(booked) == 1
