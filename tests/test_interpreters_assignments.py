"""jmd.interpreters.assignments: consent, the first accept wins, relays, time-outs,
retention, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from jmd.db.engine import in_transaction, make_engine, session_scope
from jmd.db.models import Counselor, Handoff, InterpreterAssignment, InterpreterOffer
from jmd.db.models import Office as OfficeRow
from jmd.handoff.state import ASSIGNED, CLOSED
from jmd.interpreters import assignments as a
from jmd.interpreters.register import Registration, register
from jmd.personal_data import REGISTRY
from jmd.privacy import erase_person
from jmd.retention import purge

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PERSON = "u0123456789abcdef0123456789abcd"


def _setup(url: str) -> tuple[int, list[int]]:
    """A person's assigned handoff and three Dari volunteers; (handoff, volunteer ids)."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        handoff = Handoff(person_key=PERSON, status=ASSIGNED, urgent=False, language="prs",
                          counselor_telegram_id=7001, counselor_name="Anna", created_at=NOW)
        session.add(handoff)
        ids = [register(session, Registration(600 + n, ("prs", "de"), date(2026, 11, 1),
                                              f"V{n}"), f"ukey-v{n}")[0].id for n in range(3)]
        session.flush()
        handoff_id = int(handoff.id)
    engine.dispose()
    return handoff_id, ids


def test_the_person_is_asked_first_and_only_their_answer_counts(database_url: str) -> None:
    handoff_id, _ = _setup(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        asked = a.request_chat(session, PERSON, handoff_id, "prs", "Anna", at=NOW)
        assert asked is not None and asked.status == a.ASKED
        assert a.request_chat(session, PERSON, handoff_id, "prs", "Anna") is None, "one open"
    with session_scope(engine) as session:
        assert a.consent(session, asked.id, "u-somebody-else", True) is None, "forged"
        no = a.consent(session, asked.id, PERSON, False)
        assert no is not None and no.status == a.DECLINED
        assert a.consent(session, asked.id, PERSON, True) is None, "answered already"
        again = a.request_chat(session, PERSON, handoff_id, "prs", "Anna")
        assert again is not None, "a declined request is over: a new one may be asked"
    engine.dispose()


def test_the_first_accept_wins_among_many_at_once(database_url: str) -> None:
    handoff_id, volunteers = _setup(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        request = a.request_chat(session, PERSON, handoff_id, "prs", "Anna")
        assert request is not None and a.consent(session, request.id, PERSON, True)
        for n, volunteer in enumerate(volunteers):
            a.record_offer(session, request.id, volunteer, 100 + n)

    def tap(telegram_id: int) -> a.Accepted:
        return in_transaction(lambda session: a.accept(session, request.id, telegram_id),
                              engine)

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(tap, [600, 601, 602]))
    assert sum(r.won for r in results) == 1 and all(r.allowed for r in results)
    with session_scope(engine) as session:
        row = session.get(InterpreterAssignment, request.id)
        assert row is not None and row.status == a.ACTIVE and row.interpreter_id in volunteers
        winner = next(r.assignment for r in results if r.won)
        assert winner is not None and winner.interpreter is not None
        relayed = a.relay_for_interpreter(session, winner.interpreter.telegram_user_id)
        assert relayed is not None and relayed.person_key == PERSON
        assert a.relay_for_person(session, PERSON) == relayed
        assert len(a.offers(session, request.id)) == 3
    engine.dispose()


def test_strangers_and_other_languages_cannot_accept_or_relay(database_url: str) -> None:
    handoff_id, _ = _setup(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        register(session, Registration(700, ("ar",), date(2026, 11, 1), "Samira"), "ukey-s")
        request = a.request_chat(session, PERSON, handoff_id, "prs", "Anna")
        assert request is not None
        assert not a.accept(session, request.id, 600).won, "not searching yet"
        a.consent(session, request.id, PERSON, True)
        for stranger in (999, 700):  # not registered; registered for Arabic only
            result = a.accept(session, request.id, stranger)
            assert not result.allowed and not result.won
            assert a.relay_for_interpreter(session, stranger) is None
        assert a.relay_for_person(session, PERSON) is None, "nobody accepted"
    engine.dispose()


def test_an_interpreter_relays_only_while_the_chat_is_assigned(database_url: str) -> None:
    handoff_id, _ = _setup(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        request = a.request_chat(session, PERSON, handoff_id, "prs", "Anna")
        assert request is not None
        a.consent(session, request.id, PERSON, True)
        assert a.accept(session, request.id, 600).won
        other = Handoff(person_key="u-other", status=ASSIGNED, urgent=False, language="prs",
                        created_at=NOW)
        session.add(other)
        session.flush()
        second = a.request_chat(session, "u-other", int(other.id), "prs", "Anna")
        assert second is not None and a.consent(session, second.id, "u-other", True)
        busy = a.accept(session, second.id, 600)
        assert busy.busy and not busy.won, "one chat at a time"
    with session_scope(engine) as session:
        session.execute(Handoff.__table__.update().where(Handoff.id == handoff_id)
                        .values(status=CLOSED))
    with session_scope(engine) as session:
        assert a.relay_for_interpreter(session, 600) is None, "the chat ended: nothing more"
        assert a.relay_for_person(session, PERSON) is None
        [orphan] = a.claim_orphans(session)
        assert orphan.id == request.id and orphan.status == a.ENDED
        assert a.claim_orphans(session) == []
    engine.dispose()


def test_time_outs_are_claimed_once(database_url: str) -> None:
    handoff_id, _ = _setup(database_url)
    engine = make_engine(database_url)
    minutes = timedelta(minutes=30)
    with session_scope(engine) as session:
        unanswered = a.request_chat(session, PERSON, handoff_id, "prs", "Anna", at=NOW)
        assert unanswered is not None
        assert a.claim_timeouts(session, minutes, NOW + timedelta(minutes=31)) == [], \
            "asked, not searching: the other kind of time-out"
        [late] = a.claim_timeouts(session, minutes, NOW + timedelta(minutes=31),
                                  waiting_for=a.ASKED)
        assert late.id == unanswered.id and late.status == a.TIMED_OUT
        searching = a.request_chat(session, PERSON, handoff_id, "prs", "Anna", at=NOW)
        assert searching is not None and a.consent(session, searching.id, PERSON, True)
        assert a.claim_timeouts(session, minutes, NOW + timedelta(minutes=29)) == []
        [late] = a.claim_timeouts(session, minutes, NOW + timedelta(minutes=31))
        assert late.id == searching.id and late.status == a.TIMED_OUT
        assert a.claim_timeouts(session, minutes, NOW + timedelta(hours=2)) == []
        assert a.claim_timeouts(session, minutes, NOW + timedelta(hours=2),
                                waiting_for=a.ASKED) == []
    engine.dispose()


def test_erasure_and_retention_take_assignments_and_offers(database_url: str) -> None:
    handoff_id, volunteers = _setup(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        request = a.request_chat(session, PERSON, handoff_id, "prs", "Anna", at=NOW)
        assert request is not None
        a.consent(session, request.id, PERSON, True)
        a.record_offer(session, request.id, volunteers[0], 100)
        old = a.request_chat(session, "u-old", handoff_id, "prs", "Anna", at=NOW)
        assert old is not None
        a.end(session, old.id, at=NOW)
    with session_scope(engine) as session:  # ended 100 days ago: retention takes it
        counts = purge(session, NOW + timedelta(days=100))
        assert counts["interpreter_assignments"] == 1 and counts["interpreters"] == 0
    with session_scope(engine) as session:
        erase_person(session, PERSON)
    with session_scope(engine) as session:
        assert session.scalars(select(InterpreterAssignment)).all() == []
        assert session.scalars(select(InterpreterOffer)).all() == []
    assert {"interpreter_assignments", "interpreters"} <= {e.table_name for e in REGISTRY}
    engine.dispose()


def test_a_volunteers_own_erasure_and_deactivation_retention(database_url: str) -> None:
    _, volunteers = _setup(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        erase_person(session, "ukey-v0")  # the volunteer's own /delete
        from jmd.interpreters.register import everyone, set_active
        assert [v.name for v in everyone(session)] == ["V1", "V2"]
        set_active(session, volunteers[1], False, at=NOW)
    with session_scope(engine) as session:
        assert purge(session, NOW + timedelta(days=100))["interpreters"] == 1
        from jmd.interpreters.register import everyone
        assert [v.name for v in everyone(session)] == ["V2"], "active volunteers stay"
    engine.dispose()


def test_an_appointment_needs_an_interpreter_when_nobody_at_the_office_speaks_it(
    database_url: str,
) -> None:
    from jmd.booking.service import BookingView, SlotView
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        session.add(OfficeRow(id="zerbst", name="JMD Zerbst", area="Zerbst"))
        session.flush()
        session.add(Counselor(name="Frau A", office_id="zerbst", languages="de,ar",
                              active=True, is_demo=False))
    slot = SlotView("s", NOW, NOW + timedelta(minutes=45), "in_person", "Frau A", ("de", "ar"),
                    "zerbst", "JMD Zerbst", None)
    with session_scope(engine) as session:
        def booking(language: str) -> BookingView:
            return BookingView("ref" + language, "active", language, slot, PERSON)
        assert a.needs_interpreter(session, booking("prs"))
        assert not a.needs_interpreter(session, booking("ar"))
        assert not a.needs_interpreter(session, booking("de"))
        first = a.request_appointment(session, booking("prs"))
        assert first is not None and first.kind == a.APPOINTMENT
        assert a.request_appointment(session, booking("prs")) is None, "one per appointment"
        assert a.open_for_booking(session, "refprs") == first
    engine.dispose()
