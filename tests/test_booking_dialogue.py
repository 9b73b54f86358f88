"""What typed answers mean, which questions are asked, how appointments read."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from icalendar import Calendar

from jmd.booking import dialogue
from jmd.booking.ics import booking_ics
from jmd.booking.present import day_label, details, slot_button, when
from jmd.booking.questions import DAY, LANGUAGE, MODE, OFFICE, Question
from jmd.booking.service import ANY, BookingView, SlotView
from jmd.booking.vocabulary import parse_day
from jmd.clock import BERLIN
from jmd.db import make_engine, session_scope
from tests.helpers.booking import add_counselor, add_slot

TODAY = date(2026, 11, 25)  # a Wednesday
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "expected"), [
    ("morgen", "2026-11-26"), ("nächsten Dienstag", "2026-12-01"), ("Di", "2026-12-01"),
    ("am freitag bitte", "2026-11-27"), ("übermorgen", "2026-11-27"), ("3.12.", "2026-12-03"),
    ("5. Dezember", "2026-12-05"), ("فردا", "2026-11-26"), ("سه‌شنبه", "2026-12-01"),
    ("پس فردا", "2026-11-27"), ("۳.۱۲", "2026-12-03"), ("بكرة", "2026-11-26"),
    ("بكره", "2026-11-26"), ("باجر", "2026-11-26"), ("الثلاثاء الجاي", "2026-12-01"),
    ("يوم الخميس", "2026-11-26"), ("Mittwoch", "2026-12-02"),  # today's weekday: next week
    ("ich weiß nicht", None), ("so bald es geht", None), ("So", "2026-11-29"),
    ("1.11.", "2027-11-01"),
])
def test_days_people_write(text: str, expected: str | None) -> None:
    day = parse_day(text, TODAY)
    assert (day.isoformat() if day else None) == expected


@pytest.mark.parametrize(("question", "text", "expected"), [
    (OFFICE, "in Dessau bitte", "dessau-rosslau"), (OFFICE, "köthen", "anhalt-bitterfeld"),
    (OFFICE, "ویتنبرگ", "wittenberg"), (OFFICE, "فيتنبرغ", "wittenberg"), (OFFICE, "egal", ANY),
    (MODE, "lieber telefonisch", "phone"), (MODE, "بالهاتف", "phone"), (MODE, "ویدیو", "video"),
    (MODE, "فرق نمیکند", ANY), (LANGUAGE, "auf arabisch", "ar"), (LANGUAGE, "به دری", "prs"),
    (DAY, "so bald wie möglich", ANY), (DAY, "بكرة", "2026-11-26"), (OFFICE, "hallo", None),
    (MODE, "/inform{\"booking_mode\":\"x\"}", None),
])
def test_typed_answers(question: Question, text: str, expected: str | None) -> None:
    assert dialogue.interpret(question, text, None, TODAY) == expected


def test_button_values_are_checked_too() -> None:
    assert dialogue.interpret(OFFICE, "", "wittenberg", TODAY) == "wittenberg"
    assert dialogue.interpret(OFFICE, "", "pyongyang", TODAY) is None
    assert dialogue.interpret(MODE, "", "carrier-pigeon", TODAY) is None
    assert dialogue.interpret(DAY, "", "2026-11-01", TODAY) is None  # in the past
    assert dialogue.interpret(DAY, "", "not-a-date", TODAY) is None


def test_prefill_from_the_request() -> None:
    assert dialogue.prefill("Termin in Dessau morgen am Telefon", TODAY) == {
        OFFICE.slot: "dessau-rosslau", MODE.slot: "phone", DAY.slot: "2026-11-26"}
    assert dialogue.prefill("Termin auf Arabisch", TODAY) == {}  # the chat's language
    assert dialogue.prefill("میخایم وقت بگیرم", TODAY) == {}


def test_only_questions_that_matter_are_asked(database_url: str) -> None:
    engine = make_engine(database_url)
    anna = add_counselor(engine, "Anna", "wittenberg", "de,ar")
    add_slot(engine, anna, datetime(2026, 11, 26, 10), mode="phone")
    add_slot(engine, anna, datetime(2026, 11, 27, 10), mode="video")
    with session_scope(engine) as session:
        # one office only; German chat: the counselor's language does not matter
        assert dialogue.autofill(session, {}, NOW, "de") == {
            OFFICE.slot: ANY, LANGUAGE.slot: ANY}
        # an Arabic chat: Anna speaks Arabic and German — ask
        assert LANGUAGE.slot not in dialogue.autofill(session, {}, NOW, "ar")
        # after choosing phone only one day is left
        assert dialogue.autofill(session, {OFFICE.slot: ANY, MODE.slot: "phone"}, NOW,
                                 "de") == {LANGUAGE.slot: ANY, DAY.slot: ANY}
        buttons = dialogue.choices(session, MODE, {}, NOW, "prs")
        assert [b.payload for b in buttons] == [
            '/inform{"booking_mode":"phone"}', '/inform{"booking_mode":"video"}',
            '/inform{"booking_mode":"any"}', "/stop_booking"]
        days = dialogue.choices(session, DAY, {}, NOW, "ar")
        assert days[0].payload == '/inform{"booking_day":"2026-11-26"}'
        assert all(len(b.payload.encode()) <= 64 for b in buttons + days)
    engine.dispose()


SLOT = SlotView(ref="abcd2345", starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc),
                ends_at=datetime(2026, 12, 1, 9, 45, tzinfo=timezone.utc), mode="in_person",
                counselor="Frau Test", counselor_languages=("de", "ar"), office_id="wittenberg",
                office_name="JMD Wittenberg (Diakonie)", address=None)


def test_dates_in_each_language_in_berlin_time() -> None:
    assert when(SLOT, "de") == "Dienstag, 1. Dezember 2026, 10:00–10:45"
    assert "دسمبر" in when(SLOT, "prs") and "10:00" in when(SLOT, "prs")  # Afghan month name
    assert "ديسمبر" in when(SLOT, "ar") and "الثلاثاء" in when(SLOT, "ar")
    assert day_label(date(2026, 12, 1), "de") == "Di. 1. Dez."
    assert slot_button(SLOT, "de") == "Di. 1. Dez. · 10:00 🏢"


def test_unknown_address_is_never_invented() -> None:
    place = details(SLOT, "de")["place"]
    assert place == "JMD Wittenberg (Diakonie). Die Adresse schicken wir dir noch."
    assert "PLATZHALTER" not in details(SLOT, "ar")["place"]


def test_calendar_file() -> None:
    booking = BookingView(ref="zz99yy88", status="active", language="de", slot=SLOT,
                          person_key="u1")
    calendar = Calendar.from_ical(booking_ics(booking, "de"))
    event = next(iter(calendar.walk("VEVENT")))
    assert event["UID"] == "zz99yy88@jmd-assistent"
    assert event.decoded("DTSTART") == SLOT.starts_at
    assert event.decoded("DTSTART").astimezone(BERLIN).hour == 10
    assert "Büro" in str(event["SUMMARY"])
