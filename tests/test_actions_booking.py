"""Appointments in the running assistant (Rasa + action server + database), per language:
book through the form, list, reschedule, cancel; forged and stale buttons are refused."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.rasa_client import Reply
from jmd.booking import service
from jmd.clock import local, now
from jmd.db.engine import make_engine, session_scope
from jmd.db.models import Booking
from jmd.shared.settings import Settings
from tests.helpers.booking import add_counselor, add_slot
from tests.helpers.conversation import new_sender, say
from tests.helpers.domain import matches

pytestmark = pytest.mark.model

CHOOSE = '/change_language{{"language": "{}"}}'
REQUESTS = {
    "de": ("ich brauche einen termin bei der beratung", "meine termine", "termin absagen", "ja"),
    "prs": ("میخایم یک وقت با مشاور بگیرم", "وقت مه کی است", "وقتمه کنسل کو",
            "بلی"),
    "ar": ("بدي احجز موعد مع مستشار", "شو مواعيدي", "بدي الغي موعدي", "نعم"),
}


@pytest.fixture(scope="module")
def slots(rasa_stack: Settings) -> list[str]:
    """Free slots in two offices, from tomorrow on (the action server uses the real clock)."""
    engine = make_engine(rasa_stack.database_url)
    tomorrow = local(now()).date() + timedelta(days=1)
    refs = []
    for name, office, languages, mode in (("Frau Amal", "zerbst", "de,ar", "in_person"),
                                          ("Herr Wais", "bitterfeld-wolfen", "de,prs", "phone")):
        counselor = add_counselor(engine, name, office, languages)
        for day in range(3):
            for hour in (9, 11, 14):
                start = datetime.combine(tomorrow + timedelta(days=day), datetime.min.time())
                refs.append(add_slot(engine, counselor, start.replace(hour=hour), mode=mode))
    engine.dispose()
    return refs


def only(replies: list[Reply], name: str, language: str) -> Reply:
    texts = [r.text for r in replies if r.text]
    found = [r for r in replies if r.text and matches(name, language, r.text)]
    assert found, (name, texts)
    return found[-1]


def payloads(reply: Reply, start: str) -> list[str]:
    return [b.payload for b in reply.buttons if b.payload.startswith(start)]


async def book_with_buttons(settings: Settings, sender: str, language: str, request: str
                            ) -> list[Reply]:
    """Answer every question of the form with its first real choice, take the first slot,
    confirm. Returns the replies to the confirmation."""
    replies = await say(settings, sender, request)
    for _ in range(5):
        choices = [p for r in replies for p in payloads(r, "/inform") if '"any"' not in p]
        if not choices:
            break
        replies = await say(settings, sender, choices[0])
    offer = only(replies, "utter_booking_slots", language)
    assert len(payloads(offer, "/choose_slot")) <= service.PAGE
    summary = only(await say(settings, sender, payloads(offer, "/choose_slot")[0]),
                   "utter_booking_summary", language)
    return await say(settings, sender, payloads(summary, "/confirm_booking")[0])


def bookings_of(settings: Settings, sender: str) -> list[Booking]:
    with session_scope(make_engine(settings.database_url)) as session:
        rows = session.execute(select(Booking).where(Booking.person_key == sender)
                               .order_by(Booking.id)).scalars().all()
        session.expunge_all()
        return list(rows)


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_book_list_reschedule_cancel(rasa_stack: Settings, slots: list[str],
                                           language: str) -> None:
    book, show, cancel, yes = REQUESTS[language]
    sender = new_sender()
    await say(rasa_stack, sender, CHOOSE.format(language))

    confirmed = await book_with_buttons(rasa_stack, sender, language, book)
    only(confirmed, "utter_booking_confirmed", language)
    assert {"ics", "staff"} <= {key for r in confirmed for key in r.custom}
    [booking] = bookings_of(rasa_stack, sender)
    assert booking.status == "active" and booking.language == language

    listing = only(await say(rasa_stack, sender, show), "utter_appointments_list", language)
    reschedule = payloads(listing, "/reschedule_appointment")
    assert reschedule == [f'/reschedule_appointment{{"booking_ref":"{booking.ref}"}}']

    replies = await say(rasa_stack, sender, reschedule[0])
    only(replies, "utter_reschedule_start", language)
    for _ in range(5):  # the office and mode are kept; perhaps the day is asked
        choices = [p for r in replies for p in payloads(r, "/inform") if '"any"' not in p]
        if not choices:
            break
        replies = await say(rasa_stack, sender, choices[-1])  # a later day than before
    offer = only(replies, "utter_booking_slots", language)
    new_slot = payloads(offer, "/choose_slot")[-1]
    summary = only(await say(rasa_stack, sender, new_slot), "utter_booking_summary", language)
    moved = await say(rasa_stack, sender, payloads(summary, "/confirm_booking")[0])
    only(moved, "utter_booking_rescheduled", language)
    old, new = bookings_of(rasa_stack, sender)
    assert (old.status, new.status) == ("cancelled", "active")

    only(await say(rasa_stack, sender, cancel), "utter_cancel_confirm", language)
    only(await say(rasa_stack, sender, yes), "utter_cancelled", language)
    assert [b.status for b in bookings_of(rasa_stack, sender)] == ["cancelled", "cancelled"]
    only(await say(rasa_stack, sender, show), "utter_appointments_none", language)


async def test_typed_answers_and_days(rasa_stack: Settings, slots: list[str]) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, CHOOSE.format("ar"))
    replies = await say(rasa_stack, sender, "بدي موعد بالهاتف")  # mode given: phone → Wolfen
    only(replies, "utter_booking_ask_age_band", "ar")  # first: the age band (asked once)
    only(await say(rasa_stack, sender, "عمري 19"), "utter_booking_ask_language",
         "ar")  # Herr Wais speaks German and Dari
    only(await say(rasa_stack, sender, "كلام فاضي"), "utter_booking_not_understood", "ar")
    only(await say(rasa_stack, sender, "لا يهم"), "utter_booking_ask_day", "ar")
    offer = only(await say(rasa_stack, sender, "بكرة"), "utter_booking_slots", "ar")
    assert len(payloads(offer, "/choose_slot")) == service.PAGE and payloads(offer, "/more")
    summary = only(await say(rasa_stack, sender, payloads(offer, "/choose_slot")[0]),
                   "utter_booking_summary", "ar")
    assert "📞" in summary.text
    only(await say(rasa_stack, sender, "نعم"), "utter_booking_confirmed", "ar")
    await say(rasa_stack, sender, "/cancel_appointment")
    await say(rasa_stack, sender, "/confirm_cancel")


async def test_a_typed_counselling_language_keeps_the_chat_language(
        rasa_stack: Settings, slots: list[str]) -> None:
    """"In German, please" answers the form's question; the chat itself stays Arabic."""
    sender = new_sender()
    await say(rasa_stack, sender, CHOOSE.format("ar"))
    only(await say(rasa_stack, sender, "بدي موعد بالهاتف"), "utter_booking_ask_age_band", "ar")
    only(await say(rasa_stack, sender, "18–26"), "utter_booking_ask_language", "ar")
    only(await say(rasa_stack, sender, "بالالماني لو سمحت"), "utter_booking_ask_day", "ar")
    await say(rasa_stack, sender, "/stop_booking")


async def test_stop_in_the_middle(rasa_stack: Settings, slots: list[str]) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, CHOOSE.format("prs"))
    await say(rasa_stack, sender, "میخایم وقت بگیرم")
    only(await say(rasa_stack, sender, "/stop_booking"), "utter_booking_stopped", "prs")
    assert bookings_of(rasa_stack, sender) == []


async def test_forged_and_stale_buttons_are_refused(rasa_stack: Settings,
                                                    slots: list[str]) -> None:
    owner, intruder = new_sender(), new_sender()
    await say(rasa_stack, owner, CHOOSE.format("de"))
    await say(rasa_stack, intruder, CHOOSE.format("de"))
    only(await book_with_buttons(rasa_stack, owner, "de", "termin buchen"),
         "utter_booking_confirmed", "de")
    [booking] = bookings_of(rasa_stack, owner)
    # someone else's booking: neither shown nor cancellable nor movable
    for payload in (f'/cancel_appointment{{"booking_ref":"{booking.ref}"}}',
                    f'/confirm_cancel{{"booking_ref":"{booking.ref}"}}',
                    f'/reschedule_appointment{{"booking_ref":"{booking.ref}"}}',
                    '/cancel_appointment{"booking_ref":"zzzzzzzz"}'):
        only(await say(rasa_stack, intruder, payload), "utter_booking_not_found", "de")
    assert bookings_of(rasa_stack, owner)[0].status == "active"
    # the owner's slot, a forged and a past slot cannot be booked by the intruder
    with session_scope(make_engine(rasa_stack.database_url)) as session:
        taken = service.booking_by_ref(session, booking.ref)
    assert taken is not None
    for slot_ref in (taken.slot.ref, "forged99"):
        replies = await say(rasa_stack, intruder, f'/confirm_booking{{"slot_ref":"{slot_ref}"}}')
        assert any(matches(name, "de", r.text) for r in replies if r.text
                   for name in ("utter_booking_taken", "utter_booking_slot_gone"))
    past = add_slot(make_engine(rasa_stack.database_url),
                    add_counselor(make_engine(rasa_stack.database_url), "Frau Gestern"),
                    datetime.combine(local(now()).date() - timedelta(days=1),
                                     datetime.min.time()).replace(hour=10))
    only(await say(rasa_stack, intruder, f'/choose_slot{{"slot_ref":"{past}"}}'),
         "utter_booking_slot_gone", "de")
    assert bookings_of(rasa_stack, intruder) == []
    await say(rasa_stack, owner, f'/confirm_cancel{{"booking_ref":"{booking.ref}"}}')


async def test_at_most_two_upcoming(rasa_stack: Settings, slots: list[str]) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, CHOOSE.format("de"))
    for _ in range(2):
        only(await book_with_buttons(rasa_stack, sender, "de", "termin buchen"),
             "utter_booking_confirmed", "de")
    limit = only(await say(rasa_stack, sender, "ich brauche noch einen termin"),
                 "utter_booking_limit", "de")
    assert len(payloads(limit, "/cancel_appointment")) == 2
    for booking in bookings_of(rasa_stack, sender):
        await say(rasa_stack, sender, f'/confirm_cancel{{"booking_ref":"{booking.ref}"}}')
    assert {b.status for b in bookings_of(rasa_stack, sender)} == {"cancelled"}
