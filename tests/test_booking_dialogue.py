"""The booking dialogue: what typed answers mean, which questions are asked, which buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from jmd.booking import dialogue, free
from jmd.booking.questions import AGE, DAY, LANGUAGE, MODE, OFFICE, Question
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


@pytest.mark.parametrize(("text", "expected"), [
    ("ich bin 30", "27+"), ("۳۰ سالمه", "27+"), ("عمري 30", "27+"), ("16", "12-17"),
    ("18–26", "18-26"), ("egal", None), ("weiß nicht", None), ("27+", "27+"),
])
def test_the_age_band_is_a_fact_not_a_wish(text: str, expected: str | None) -> None:
    assert dialogue.interpret(AGE, text, None, TODAY) == expected
    assert dialogue.interpret(AGE, "", ANY, TODAY) is None  # no "any" button either
    assert dialogue.interpret(AGE, "", "99+", TODAY) is None  # a forged band


def test_a_30_year_old_is_sent_to_the_mbe(database_url: str) -> None:
    """Band 27+: only MBE counselors; without free MBE times, the MBE itself (its card)."""
    engine = make_engine(database_url)
    add_slot(engine, add_counselor(engine, "Anna", "zerbst", "de,ar"), datetime(2026, 11, 26, 10))
    with session_scope(engine) as session:
        buttons = dialogue.choices(session, AGE, {}, NOW, "ar")
        assert [b.payload for b in buttons] == [
            '/inform{"booking_age_band":"12-17"}', '/inform{"booking_age_band":"18-26"}',
            '/inform{"booking_age_band":"27+"}', "/stop_booking"]
        assert buttons[2].title == "27 أو أكثر"
        # nothing left to ask: the form ends and the MBE is shown instead of slots
        assert dialogue.autofill(session, {AGE.slot: "27+"}, NOW, "de") == {
            OFFICE.slot: ANY, MODE.slot: ANY, LANGUAGE.slot: ANY, DAY.slot: ANY}
        elsewhere = dialogue.routed_elsewhere(session, {AGE.slot: "27+"}, NOW)
        assert elsewhere is not None and elsewhere.kind == "mbe"
        assert dialogue.routed_elsewhere(session, {AGE.slot: "18-26"}, NOW) is None
        assert dialogue.routed_elsewhere(session, {}, NOW) is None
    berta = add_counselor(engine, "Berta", "koethen", "de", organisation="mbe")
    add_slot(engine, berta, datetime(2026, 11, 27, 10))
    with session_scope(engine) as session:
        assert dialogue.routed_elsewhere(session, {AGE.slot: "27+"}, NOW) is None
        prefs = dialogue.preferences({AGE.slot: "27+"})
        assert [s.counselor for s in free.free_slots(session, prefs, NOW)] == ["Berta"]
        young = dialogue.preferences({AGE.slot: "12-17"})
        assert [s.counselor for s in free.free_slots(session, young, NOW)] == ["Anna"]
    engine.dispose()


def test_the_band_is_asked_once(database_url: str) -> None:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        assert dialogue.recalled(session, "person-1") == {}
        assert AGE.remember is not None
        AGE.remember(session, "person-1", "18-26")
    with session_scope(engine) as session:
        assert dialogue.recalled(session, "person-1") == {AGE.slot: "18-26"}
        assert dialogue.recalled(session, "person-2") == {}
    engine.dispose()
