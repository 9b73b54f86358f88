"""jmd.booking.joint on SQLite and PostgreSQL: both free, both held, all or nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.engine import Engine

from jmd.booking import free, joint, service
from jmd.booking.service import BookingError, Preferences
from jmd.db import make_engine, session_scope
from jmd.db.engine import in_transaction
from jmd.db.models import JointAppointment
from jmd.retention import purge
from tests.helpers.booking import add_counselor, add_slot, at

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def two(engine: Engine) -> tuple[int, int]:
    """Anna (JMD) and Jonas (Jobcenter)."""
    return (add_counselor(engine, "Anna", telegram_user_id=501),
            add_counselor(engine, "Jonas", organisation="jobcenter", telegram_user_id=502))


def test_offered_only_where_both_are_free_at_the_same_start_and_mode(engine: Engine) -> None:
    anna, jonas = two(engine)
    both = (add_slot(engine, jonas, at(26, 10)), add_slot(engine, anna, at(26, 10)))
    add_slot(engine, jonas, at(26, 11))  # Anna is not free then
    add_slot(engine, anna, at(26, 12), mode="phone")
    add_slot(engine, jonas, at(26, 12), mode="video")  # same time, another mode
    taken = add_slot(engine, anna, at(27, 9))
    add_slot(engine, jonas, at(27, 9))
    colleague = add_counselor(engine, "Bea", telegram_user_id=503)  # JMD as Anna
    add_slot(engine, colleague, at(26, 10))
    with session_scope(engine) as session:
        service.book(session, "someone", taken, "de", NOW)
    with session_scope(engine) as session:
        times = joint.joint_times(session, jonas, anna, NOW)
        assert [(t.host.ref, t.partner.ref) for t in times] == [both]
        assert joint.joint_times(session, anna, colleague, NOW) == [], "one organisation"


def test_booked_holds_both_slots_until_cancelled(engine: Engine) -> None:
    anna, jonas = two(engine)
    host, partner = add_slot(engine, jonas, at(26, 10)), add_slot(engine, anna, at(26, 10))
    with session_scope(engine) as session:
        view = joint.book_joint(session, "u1", host, partner, "prs", NOW)
        again = joint.book_joint(session, "u1", host, partner, "prs", NOW)  # a double tap
        assert again.ref == view.ref
    assert (view.host.name, view.host.organisation_id) == ("Jonas", "jobcenter")
    assert (view.partner.name, view.partner.organisation_id) == ("Anna", "jmd")
    assert view.host.telegram_id == 502 and view.partner.telegram_id == 501
    with session_scope(engine) as session:
        assert free.free_slots(session, Preferences(), NOW) == [], "both are held"
        with pytest.raises(BookingError) as refused:
            service.book(session, "u2", partner, "de", NOW)
        assert refused.value.reason == service.TAKEN
        assert [b.ref for b in service.upcoming(session, "u1", NOW)] == [view.booking.ref]
    with session_scope(engine) as session:
        with pytest.raises(BookingError):
            joint.cancel_joint(session, "u2", view.ref, NOW)  # not theirs
        cancelled = joint.cancel_joint(session, "u1", view.ref, NOW)
        assert cancelled.cancelled
        assert joint.mark_cancelled(session, view.booking.ref, NOW) is None, "told once"
    with session_scope(engine) as session:
        refs = {s.ref for s in free.free_slots(session, Preferences(), NOW)}
        assert refs == {host, partner}


def test_refused_when_the_partner_is_taken_or_the_same_organisation(engine: Engine) -> None:
    anna, jonas = two(engine)
    host, partner = add_slot(engine, jonas, at(26, 10)), add_slot(engine, anna, at(26, 10))
    other = add_slot(engine, anna, at(26, 11))
    with session_scope(engine) as session:
        service.book(session, "u2", partner, "de", NOW)
    for partner_ref, reason in ((partner, service.TAKEN), (other, service.GONE),
                                ("forged12", service.GONE)):
        with session_scope(engine) as session, pytest.raises(BookingError) as refused:
            joint.book_joint(session, "u1", host, partner_ref, "de", NOW)
        assert refused.value.reason == reason
    bea = add_counselor(engine, "Bea", telegram_user_id=503)
    mine = add_slot(engine, bea, at(26, 11))
    with session_scope(engine) as session, pytest.raises(BookingError) as refused:
        joint.book_joint(session, "u1", mine, other, "de", NOW)
    assert refused.value.reason == joint.SAME_ORGANISATION
    with session_scope(engine) as session:
        assert service.upcoming(session, "u1", NOW) == [], "nothing was booked"


def test_the_calendar_file_names_both_organisations_and_counselors(engine: Engine) -> None:
    anna, jonas = two(engine)
    host, partner = add_slot(engine, jonas, at(26, 10)), add_slot(engine, anna, at(26, 10))
    with session_scope(engine) as session:
        view = joint.book_joint(session, "u1", host, partner, "ar", NOW)
    event = Calendar.from_ical(joint.joint_ics(view, "ar", NOW)).walk("VEVENT")[0]
    assert str(event["summary"]).startswith(
        "Jobcenter Anhalt-Bitterfeld + Jugendmigrationsdienst (JMD)")
    assert "Jonas" in str(event["description"]) and "Anna" in str(event["description"])


def test_counts_per_month_and_organisation_and_retention_keeps_them(engine: Engine) -> None:
    anna, jonas = two(engine)
    pairs = [(add_slot(engine, jonas, start), add_slot(engine, anna, start))
             for start in (at(26, 10), at(27, 10), at(33, 10))]  # two in Nov, one in Dec
    with session_scope(engine) as session:
        views = [joint.book_joint(session, f"u{i}", h, p, "de", NOW)
                 for i, (h, p) in enumerate(pairs)]
        joint.cancel_joint(session, "u1", views[1].ref, NOW)
    with session_scope(engine) as session:
        assert [(c.month, c.organisation, c.count) for c in joint.counts(session)] == [
            ("2026-11", "jmd", 1), ("2026-11", "jobcenter", 1),
            ("2026-12", "jmd", 1), ("2026-12", "jobcenter", 1)]
    with session_scope(engine) as session:  # a year later: the bookings go, counts stay
        purge(session, NOW + timedelta(days=365))
    with session_scope(engine) as session:
        rows = session.scalars(select(JointAppointment)).all()
        assert rows and all(r.person_key is None and r.booking_id is None for r in rows)
        assert len(joint.counts(session)) == 4


def test_joint_and_ordinary_bookings_racing_for_the_partners_slot(engine: Engine) -> None:
    """Ten people book Anna's slot while ten joint appointments want it: one wins."""
    anna, _ = two(engine)
    partner = add_slot(engine, anna, at(26, 10))
    hosts = [add_slot(engine, add_counselor(engine, f"Jobcenter {n}", organisation="jobcenter"),
                      at(26, 10)) for n in range(10)]
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def attempt(n: int) -> None:
        start.wait()
        try:
            if n % 2:
                in_transaction(lambda s: service.book(s, f"p{n}", partner, "de", NOW), engine)
            else:
                in_transaction(lambda s: joint.book_joint(s, f"p{n}", hosts[n // 2], partner,
                                                          "de", NOW), engine)
            result = "booked"
        except BookingError as error:
            result = error.reason
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == 20 and outcomes.count("booked") == 1, outcomes
    with session_scope(engine) as session:
        assert partner not in {s.ref for s in free.free_slots(session, Preferences(), NOW)}
