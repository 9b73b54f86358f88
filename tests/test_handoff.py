"""jmd.handoff: handoff state on SQLite and PostgreSQL, the card, office hours, the action."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from actions.handoff import ActionHandoff
from jmd import clock
from jmd.content.offices import Office
from jmd.db.engine import make_engine, session_scope
from jmd.db.models import Booking, Counselor, Handoff, Slot
from jmd.db.models import Office as OfficeRow
from jmd.handoff import (
    ASSIGNED,
    CARD_URGENT,
    CLOSED,
    OPEN,
    Request,
    active_handoff,
    close,
    counselor_by_telegram_id,
    due_timeouts,
    forget_topic,
    is_open,
    language_name,
    mark_notified,
    old_topics,
    opening_hours,
    parse_take,
    person_of_thread,
    purge_closed,
    recent_texts,
    render_card,
    render_hours,
    request_handoff,
    save_topic,
    speakers,
    take,
    take_data,
    topic_of,
    topic_title,
    upcoming_booking,
)
from jmd.identity import display_name
from tests.helpers.db import rows_with

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)  # Tuesday, 10:00 in Berlin
KEY = "u0123456789abcdef0123456789abcd"
GROUP = -1001234567890


# -- what the action sends -------------------------------------------------------------------


def test_recent_texts_are_the_last_typed_messages_without_payloads() -> None:
    events = [
        {"event": "user", "text": "/start"},
        {"event": "bot", "text": "Hallo!"},
        *({"event": "user", "text": f"frage {n}"} for n in range(1, 8)),
        {"event": "user", "text": '/change_language{"language": "ar"}'},
        {"event": "user", "text": "  "},
        {"event": "slot", "name": "language", "value": "ar"},
    ]
    assert recent_texts(events) == [f"frage {n}" for n in range(3, 8)]
    assert recent_texts(events, limit=2) == ["frage 6", "frage 7"]
    assert recent_texts([]) == []


def test_request_from_the_action_is_checked() -> None:
    request = Request.from_custom({"urgent": 1, "language": "xx", "recent": ["a", " ", "b"]})
    assert request == Request(urgent=True, language=None, recent=("a", "b"))
    assert Request.from_custom(request.as_custom()["handoff"]) == request
    assert Request.from_custom({}) == Request()


class FakeTracker:
    """What ActionHandoff reads of a tracker."""

    def __init__(self, intent: str, language: str, events: list[dict]) -> None:
        self.latest_message = {"intent": {"name": intent}}
        self.events = events
        self._language = language

    def get_slot(self, name: str) -> str:
        assert name == "language"
        return self._language


@pytest.mark.parametrize(("intent", "urgent"), [("human_handoff", False), ("crisis", True)])
async def test_the_action_sends_one_custom_message(intent: str, urgent: bool) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    events = [{"event": "user", "text": "سلام"}, {"event": "user", "text": "/human_handoff"}]
    result = await ActionHandoff().run(dispatcher, FakeTracker(intent, "prs", events), {})  # type: ignore[arg-type]
    assert result == []
    assert [m["custom"] for m in dispatcher.messages] == [
        {"handoff": {"urgent": urgent, "language": "prs", "recent": ["سلام"]}}
    ]


# -- what counselors see ---------------------------------------------------------------------


def test_pseudonym_and_language_names_for_counselors() -> None:
    assert display_name(KEY) == "Person 012345"
    assert [language_name(code) for code in ("de", "prs", "ar", None)] == [
        "Deutsch", "Dari", "Arabisch", "unbekannt"
    ]
    assert topic_title(KEY, "prs", "JMD Wittenberg") == "Person 012345 · Dari · JMD Wittenberg"
    assert topic_title(KEY, "ar") == "Person 012345 · Arabisch"
    assert len(topic_title(KEY, "de", "x" * 300)) == 128


def handoff(status: str = OPEN, urgent: bool = False, counselor: str | None = None) -> Handoff:
    return Handoff(id=7, person_key=KEY, status=status, urgent=urgent, language="ar",
                   counselor_name=counselor)


def test_card_shows_urgency_language_questions_booking_and_speakers() -> None:
    from jmd.handoff import UpcomingBooking

    booking = UpcomingBooking(datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc), "wittenberg")
    card = render_card(handoff(urgent=True), ["ich brauche hilfe", "x" * 1000], booking,
                       "JMD Wittenberg", speaking=["Omid"])
    lines = card.splitlines()
    assert lines[0] == CARD_URGENT
    assert "Person 012345" in lines[1]
    assert "Sprache: Arabisch" in lines and "Sprechen Arabisch: Omid" in lines
    assert "Büro: JMD Wittenberg" in lines
    assert "Termin: Do. 03.12.2026, 10:30 Uhr" in lines  # Berlin time
    assert "» ich brauche hilfe" in lines
    assert len(card) < 1000, "long messages are shortened"
    assert "Übernehmen" in lines[-1]

    plain = render_card(handoff(ASSIGNED, counselor="Anna"))
    assert CARD_URGENT not in plain and "Termin: keiner gebucht" in plain
    assert "Büro: unbekannt" in plain and "Zuletzt" not in plain
    assert plain.splitlines()[-1].startswith("✅ Übernommen von Anna")
    assert render_card(handoff(CLOSED)).splitlines()[-1] == "☑️ Beendet."


def test_take_button_data_is_short_and_parsed_back() -> None:
    assert take_data(123456) == "ho:take:123456"
    assert parse_take("ho:take:123456") == 123456
    assert parse_take("/human_handoff") is None and parse_take(None) is None
    assert parse_take("ho:take:1; drop") is None


# -- office hours ----------------------------------------------------------------------------

OFFICES = (
    Office("a", "A", "A", hours={0: [(time(9), time(12)), (time(13), time(16))],
                                 4: [(time(9), time(12))]}),
    Office("b", "B", "B", hours={0: [(time(11), time(14))], 3: [(time(10), time(18))]}),
    Office("c", "C", "C"),  # hours unknown
)


def test_office_hours_are_merged_across_offices() -> None:
    assert opening_hours(OFFICES) == {
        0: [(time(9), time(16))],
        3: [(time(10), time(18))],
        4: [(time(9), time(12))],
    }
    assert opening_hours(OFFICES[2:]) == {}


def test_open_or_closed_in_berlin_time_unknown_without_hours() -> None:
    hours = opening_hours(OFFICES)
    monday = datetime(2026, 11, 30, 14, 59, tzinfo=timezone.utc)  # 15:59 in Berlin
    assert is_open(hours, monday) is True
    assert is_open(hours, monday + timedelta(minutes=1)) is False  # 16:00
    assert is_open(hours, datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc)) is False  # Sat
    assert is_open({}, monday) is None


def test_hours_are_rendered_in_the_persons_language() -> None:
    hours = opening_hours(OFFICES)
    assert render_hours(hours, "de") == "Mo.: 09:00–16:00\nDo.: 10:00–18:00\nFr.: 09:00–12:00"
    arabic = render_hours(hours, "ar").splitlines()
    assert arabic[0].endswith("09:00–16:00") and not arabic[0].startswith("Mo")


# -- state in the database -------------------------------------------------------------------


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
        crisis = request_handoff(session, KEY, urgent=True, language="de", office_id="wittenberg")
        assert crisis.escalated and crisis.handoff.urgent
        assert crisis.handoff.office_id == "wittenberg"
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
        assert rows_with(engine, "u-old") == {}
    engine.dispose()


def add_counselors(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        session.add(OfficeRow(id="wittenberg", name="JMD Wittenberg", area="Wittenberg"))
        session.flush()
        session.add_all([
            Counselor(id=1, name="Anna", office_id="wittenberg", languages="de,prs",
                      telegram_user_id=7001, active=True, is_demo=False),
            Counselor(id=2, name="Omid", office_id="wittenberg", languages="ar,prs",
                      telegram_user_id=7002, active=False, is_demo=False),
            Counselor(id=3, name="Sami", office_id="wittenberg", languages="ar",
                      telegram_user_id=None, active=True, is_demo=True),
            Counselor(id=4, name="Lina", office_id="wittenberg", languages="ar,de",
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
        assert booking.starts_at == NOW + timedelta(days=9) and booking.office_id == "wittenberg"
        assert upcoming_booking(session, "u-nobody", NOW) is None
    engine.dispose()


def test_the_terminal_chat_explains_that_it_has_no_counselors() -> None:
    from bot.rasa_client import Reply
    from bot.terminal import render
    from jmd.texts import t

    request = Request(urgent=True, language="prs", recent=("سلام",))
    output, buttons = render([Reply(text="crisis"), Reply(custom=request.as_custom())])
    assert output == f"🤖 crisis\n{t('handoff_terminal', 'prs')}" and buttons == ()
