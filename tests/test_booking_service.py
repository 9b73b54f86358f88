"""jmd.booking.service on SQLite and PostgreSQL: booking rules, no double booking."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

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


# -- races and moves: correctness held by the database --------------------------------------


def _in_parallel(count: int, work: Callable[[int], str]) -> list[str]:
    """``work(n)`` for n in range(count), all released at once; the outcomes."""
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(count)

    def run(n: int) -> None:
        start.wait()
        try:
            result = work(n)
        except BookingError as error:
            result = error.reason
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == count
    return outcomes


def _active_slots(engine: Engine, person: str) -> list[str]:
    with session_scope(engine) as session:
        return sorted(b.slot.ref for b in service.upcoming(session, person, NOW))


def test_six_parallel_bookings_of_one_person_stay_within_the_limit(
    engine: Engine, database_url: str,
) -> None:
    anna = add_counselor(engine)
    refs = [add_slot(engine, anna, at(26, 8 + n)) for n in range(6)]

    def attempt(n: int) -> str:
        # an engine per thread, as separate processes (front, action server) would have
        own = make_engine(database_url)
        try:
            in_transaction(lambda s: service.book(s, "u-eager", refs[n], "de", NOW), own)
        finally:
            own.dispose()
        return "booked"

    outcomes = _in_parallel(6, attempt)
    assert outcomes.count("booked") == service.MAX_UPCOMING, outcomes
    assert outcomes.count(service.LIMIT) == 6 - service.MAX_UPCOMING, outcomes
    assert len(_active_slots(engine, "u-eager")) == service.MAX_UPCOMING


def test_a_move_onto_a_slot_taken_meanwhile_keeps_the_old_booking(engine) -> None:  # type: ignore[no-untyped-def]
    anna = add_counselor(engine)
    old_slot, wanted = add_slot(engine, anna, at(26, 9)), add_slot(engine, anna, at(26, 10))
    old = in_transaction(lambda s: service.book(s, "u-mover", old_slot, "de", NOW), engine)
    in_transaction(lambda s: service.book(s, "u-other", wanted, "de", NOW), engine)  # faster
    with pytest.raises(BookingError) as refused:
        in_transaction(lambda s: service.book(s, "u-mover", wanted, "de", NOW,
                                              replacing=old.ref), engine)
    assert refused.value.reason == service.TAKEN
    assert _active_slots(engine, "u-mover") == [old_slot]


def test_a_move_racing_others_for_the_slot_is_all_or_nothing(
    engine: Engine, database_url: str,
) -> None:
    anna = add_counselor(engine)
    old_slot, wanted = add_slot(engine, anna, at(26, 9)), add_slot(engine, anna, at(26, 10))
    old = in_transaction(lambda s: service.book(s, "u-mover", old_slot, "de", NOW), engine)

    def attempt(n: int) -> str:
        own = make_engine(database_url)
        try:
            if n == 0:
                in_transaction(lambda s: service.book(s, "u-mover", wanted, "de", NOW,
                                                      replacing=old.ref), own)
                return "moved"
            in_transaction(lambda s: service.book(s, f"u-{n}", wanted, "de", NOW), own)
            return "booked"
        finally:
            own.dispose()

    outcomes = _in_parallel(6, attempt)
    assert outcomes.count("moved") + outcomes.count("booked") == 1, outcomes
    mover = _active_slots(engine, "u-mover")
    # the result tells the truth: moved → only the new one; refused → only the old one
    assert mover == ([wanted] if "moved" in outcomes else [old_slot])


def test_a_move_failing_after_the_cancel_is_rolled_back(
    engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    anna = add_counselor(engine)
    old_slot, wanted = add_slot(engine, anna, at(26, 9)), add_slot(engine, anna, at(26, 10))
    old = in_transaction(lambda s: service.book(s, "u-mover", old_slot, "de", NOW), engine)
    cancel = service._cancel

    def cancel_then_fail(*args: Any, **kwargs: Any) -> None:
        cancel(*args, **kwargs)
        raise RuntimeError("injected failure after the cancel")

    monkeypatch.setattr(service, "_cancel", cancel_then_fail)
    with pytest.raises(RuntimeError):
        in_transaction(lambda s: service.book(s, "u-mover", wanted, "de", NOW,
                                              replacing=old.ref), engine)
    assert _active_slots(engine, "u-mover") == [old_slot]
    with session_scope(engine) as session:  # the new slot is still free for anyone
        assert wanted in [s.ref for s in free.free_slots(session, Preferences(), NOW)]


def test_a_retried_move_reports_what_happened(
    engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    anna = add_counselor(engine)
    old_slot, wanted = add_slot(engine, anna, at(26, 9)), add_slot(engine, anna, at(26, 10))
    old = in_transaction(lambda s: service.book(s, "u-mover", old_slot, "de", NOW), engine)
    cancel, failures = service._cancel, [1]

    def cancel_locked_once(*args: Any, **kwargs: Any) -> None:
        cancel(*args, **kwargs)
        if failures:  # after the new booking and the cancel: the whole unit must go
            failures.pop()
            raise OperationalError("UPDATE bookings", {}, Exception("database is locked"))

    monkeypatch.setattr(service, "_cancel", cancel_locked_once)
    moved = in_transaction(lambda s: service.book(s, "u-mover", wanted, "de", NOW,
                                                  replacing=old.ref), engine)
    assert not failures  # the retry happened
    assert moved.slot.ref == wanted
    assert _active_slots(engine, "u-mover") == [wanted]
    with session_scope(engine) as session:
        gone = service.booking_by_ref(session, old.ref)
        assert gone is not None and gone.status == service.CANCELLED
