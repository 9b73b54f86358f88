"""The booking dialogue: what typed answers mean, which questions are asked, which buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from jmd.booking import dialogue
from jmd.booking.questions import DAY, LANGUAGE, MODE, OFFICE, Question
from jmd.booking.service import ANY, BookingView, SlotView
from jmd.db import make_engine, session_scope
from tests.helpers.booking import add_counselor, add_slot

TODAY = date(2026, 11, 25)  # a Wednesday
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("question", "text", "expected"), [
    (OFFICE, "in Wolfen bitte", "bitterfeld-wolfen"), (OFFICE, "köthen", "koethen"),
    (OFFICE, "زیربست", "zerbst"), (OFFICE, "تسيربست", "zerbst"), (OFFICE, "كوتن", "koethen"),
    (OFFICE, "egal", ANY),
    (MODE, "lieber telefonisch", "phone"), (MODE, "بالهاتف", "phone"), (MODE, "ویدیو", "video"),
    (MODE, "فرق نمیکند", ANY), (LANGUAGE, "auf arabisch", "ar"), (LANGUAGE, "به دری", "prs"),
    (DAY, "so bald wie möglich", ANY), (DAY, "بكرة", "2026-11-26"), (OFFICE, "hallo", None),
    (MODE, "/inform{\"booking_mode\":\"x\"}", None),
])
def test_typed_answers(question: Question, text: str, expected: str | None) -> None:
    assert dialogue.interpret(question, text, None, TODAY) == expected


def test_button_values_are_checked_too() -> None:
    assert dialogue.interpret(OFFICE, "", "zerbst", TODAY) == "zerbst"
    assert dialogue.interpret(OFFICE, "", "pyongyang", TODAY) is None
    assert dialogue.interpret(MODE, "", "carrier-pigeon", TODAY) is None
    assert dialogue.interpret(DAY, "", "2026-11-01", TODAY) is None  # in the past
    assert dialogue.interpret(DAY, "", "not-a-date", TODAY) is None


def test_prefill_from_the_request() -> None:
    assert dialogue.prefill("Termin in Bitterfeld morgen am Telefon", TODAY) == {
        OFFICE.slot: "bitterfeld-wolfen", MODE.slot: "phone", DAY.slot: "2026-11-26"}
    assert dialogue.prefill("Termin auf Arabisch", TODAY) == {}  # the chat's language
    assert dialogue.prefill("میخایم وقت بگیرم", TODAY) == {}


def test_only_questions_that_matter_are_asked(database_url: str) -> None:
    engine = make_engine(database_url)
    anna = add_counselor(engine, "Anna", "zerbst", "de,ar")
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


SLOT = SlotView(ref="abcd2345", starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
                ends_at=datetime(2026, 12, 1, 9, 45, tzinfo=UTC), mode="phone",
                counselor="Frau Test", counselor_languages=("de",), office_id="zerbst",
                office_name="JMD Zerbst", address=None)
BOOKING = BookingView(ref="zz99yy88", status="active", language="ar", slot=SLOT,
                      person_key="u1")


def test_button_payloads_keep_their_bytes() -> None:
    """The payloads the buttons had when they were f-strings (old buttons still work)."""
    assert [c.payload for c in dialogue.manage_choices([BOOKING], "ar")] == [
        '/reschedule_appointment{"booking_ref":"zz99yy88"}',
        '/cancel_appointment{"booking_ref":"zz99yy88"}']
    assert [c.payload for c in dialogue.manage_choices([BOOKING], "de", reschedule=False)] \
        == ['/cancel_appointment{"booking_ref":"zz99yy88"}']
    assert [c.payload for c in dialogue.summary_choices("abcd2345", False, "de")] == [
        '/confirm_booking{"slot_ref":"abcd2345"}', "/other_day", "/stop_booking"]
    assert [c.payload for c in dialogue.cancel_choices("zz99yy88", "prs")] == [
        '/confirm_cancel{"booking_ref":"zz99yy88"}', "/keep_booking"]
    assert [c.payload for c in dialogue.slot_choices([SLOT], "de", more=True)] == [
        '/choose_slot{"slot_ref":"abcd2345"}', "/more_slots", "/other_day", "/stop_booking"]
    assert [c.payload for c in dialogue.no_slot_choices("de")] == [
        "/other_day", "/book_appointment", "/human_handoff"]


def test_labels_come_from_the_catalogue() -> None:
    assert dialogue.action_choice("book_appointment", "ar").title == "📅 حجز موعد"
    assert dialogue.summary_choices("abcd2345", True, "de")[0].title == "✅ Ja, verschieben"
    assert dialogue.manage_choices([BOOKING], "de")[0].title == "🔁 Verschieben · Di. 1. Dez."
    assert "📞" in dialogue.listing([BOOKING], "de")
