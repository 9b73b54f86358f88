"""jmd.booking.own: a counselor's own free times, added, repeated, refused and withdrawn."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from jmd.booking import free, service
from jmd.booking.own import (
    SlotError,
    SlotRequest,
    add_slots,
    parse_request,
    upcoming_slots,
    withdraw,
)
from jmd.booking.service import Preferences
from jmd.clock import BERLIN, local
from jmd.db import make_engine, session_scope
from jmd.db.engine import in_transaction
from jmd.db.models import Slot
from tests.helpers.booking import add_counselor, add_slot, at

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _request(day: str = "2026-11-26", start: str = "10:00", end: str = "10:45",
             mode: str = "phone", repeat: str = "0") -> SlotRequest:
    wanted = parse_request(day, start, end, mode, repeat)
    assert isinstance(wanted, SlotRequest), wanted
    return wanted


def test_bad_fields_are_named_and_make_no_request() -> None:
    problems = parse_request("26.11.", "10", "", "fax", "13")
    assert isinstance(problems, list) and len(problems) == 5
    assert parse_request("2026-11-26", "11:00", "10:00", "phone") == [
        "Das Ende liegt nicht nach dem Beginn."]
    assert isinstance(parse_request("2026-11-26", "08:00", "13:00", "phone"), list)
    assert parse_request("9999-12-30", "10:00", "11:00", "phone", "2") == [
        "Das Datum liegt zu weit in der Zukunft."]


def test_a_weekly_repeat_keeps_the_local_time_across_the_clock_change() -> None:
    wanted = _request("2027-03-22", "09:00", "09:45", repeat="2")
    assert [local(start).strftime("%Y-%m-%d %H:%M %z") for start in wanted.starts] == [
        "2027-03-22 09:00 +0100", "2027-03-29 09:00 +0200", "2027-04-05 09:00 +0200"]


def test_added_slots_are_offered_by_the_bot_at_once(engine: Engine) -> None:
    anna = add_counselor(engine)
    with session_scope(engine) as session:
        refs = add_slots(session, anna, _request(repeat="3"), NOW)
    assert len(refs) == 4
    with session_scope(engine) as session:
        offered = free.free_slots(session, Preferences(office_id="zerbst", mode="phone"), NOW)
        assert [slot.ref for slot in offered] == refs
        assert [local(slot.starts_at).strftime("%d.%m. %H:%M") for slot in offered] == [
            "26.11. 10:00", "03.12. 10:00", "10.12. 10:00", "17.12. 10:00"]
        booking = service.book(session, "u1", refs[0], "de", NOW)
    assert booking.slot.counselor == "Frau Test"


def test_past_and_overlapping_times_add_nothing(engine: Engine) -> None:
    anna = add_counselor(engine)
    add_slot(engine, anna, at(3 + 30, 10))  # Thursday 3 December, 10:00–10:45
    with pytest.raises(SlotError) as overlapping, session_scope(engine) as session:
        add_slots(session, anna, _request(start="10:30", end="11:00", repeat="2"), NOW)
    assert overlapping.value.problems == [
        "03.12.2026 10:30: überschneidet sich mit Ihrer Zeit 03.12.2026 10:00–10:45."]
    with pytest.raises(SlotError, match="Vergangenheit"), session_scope(engine) as session:
        add_slots(session, anna, _request(day="2026-11-24"), NOW)
    bea = add_counselor(engine, "Bea")
    with session_scope(engine) as session:
        assert len(session.scalars(select(Slot)).all()) == 1, "all or nothing"
        # another counselor's time is no overlap
        assert len(add_slots(session, bea, _request(day="2026-12-03", start="10:30",
                                                      end="11:00"), NOW)) == 1


def test_a_free_slot_is_withdrawn_a_booked_one_is_not(engine: Engine) -> None:
    anna = add_counselor(engine)
    bea = add_counselor(engine, "Bea")
    with session_scope(engine) as session:
        kept, dropped = add_slots(session, anna, _request(repeat="1"), NOW)
        service.book(session, "u1", kept, "ar", NOW)
    with session_scope(engine) as session:
        assert [(s.slot.ref, s.booked) for s in upcoming_slots(session, anna, NOW)] == [
            (kept, True), (dropped, False)]
        with pytest.raises(SlotError, match="gebucht"):
            withdraw(session, anna, kept, NOW)
        with pytest.raises(SlotError, match="gibt es nicht"):
            withdraw(session, bea, dropped, NOW)  # not Bea's
        assert withdraw(session, anna, dropped, NOW).ref == dropped
    with session_scope(engine) as session:
        assert [s.slot.ref for s in upcoming_slots(session, anna, NOW)] == [kept]
        assert free.free_slots(session, Preferences(), NOW) == []
        assert not free.is_free(session, dropped, NOW)
        # the same time again: the withdrawn row is offered again
        again = add_slots(session, anna, _request(day="2026-12-03", start="10:00",
                                                    end="11:00", mode="video"), NOW)
        assert again == [dropped]
        assert [(s.ref, s.mode) for s in free.free_slots(session, Preferences(), NOW)] == [
            (dropped, "video")]


def test_a_past_slot_cannot_be_withdrawn(engine: Engine) -> None:
    anna = add_counselor(engine)
    ref = add_slot(engine, anna, datetime(2026, 11, 25, 8, 0, tzinfo=BERLIN))
    with session_scope(engine) as session, pytest.raises(SlotError):
        withdraw(session, anna, ref, NOW + timedelta(hours=1))


def test_two_overlapping_times_sent_at_once_add_one(engine: Engine) -> None:
    anna = add_counselor(engine)
    wishes = [_request(start="10:00", end="11:00"), _request(start="10:30", end="11:30")]
    outcomes: list[str] = []
    start = threading.Barrier(len(wishes))

    def send(wanted: SlotRequest) -> None:
        start.wait()
        try:
            in_transaction(lambda session: add_slots(session, anna, wanted, NOW), engine)
            outcomes.append("added")
        except SlotError:
            outcomes.append("refused")

    threads = [threading.Thread(target=send, args=(wanted,)) for wanted in wishes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["added", "refused"]
    with session_scope(engine) as session:
        assert len(session.scalars(select(Slot)).all()) == 1
