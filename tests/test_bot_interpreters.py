"""Volunteer interpreters through the real Application and the Bot API stand-in.

A counselor asks in a person's topic, the person agrees, volunteers are asked privately,
the first accepts, messages flow three ways until the counselor ends it. Rasa is the
stand-in of tests/helpers/fake_rasa.py (echo), so a test can prove what Rasa heard.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from telegram.ext import Application

from bot.booking import send_due_reminders
from bot.front import front_of
from bot.interpreters.jobs import check_interpreters
from jmd import clock
from jmd.booking import service
from jmd.db.engine import get_engine, session_scope
from jmd.db.persons import touch_person
from jmd.identity import display_name, pseudonym
from jmd.interpreters.assignments import ACTIVE, DECLINED, ENDED, SEARCHING, TIMED_OUT
from jmd.texts import staff, t
from tests.helpers.booking import add_counselor, add_slot
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.fake_rasa import FakeRasa
from tests.helpers.handoff import (
    ANNA,
    GROUP,
    answered,
    copied,
    handoff_env,
    notes_in,
    photo_update,
    register_counselors,
)
from tests.helpers.interpreters import (
    ALI,
    KARIM,
    NAMES,
    NOT_INTERPRETER,
    SAMIRA,
    STRANGER,
    TAKEN,
    VOLUNTEERS,
    ZAHRA,
    accept,
    answer,
    ask_for_interpreter,
    edits_to,
    forged_tap,
    offer_to,
    offers_to,
    person_with_counselor,
    register_volunteers,
    status_of_request,
)
from tests.test_bot import CODE, eventually, running_front, wait_for_message

pytest_plugins = ["tests.helpers.handoff_fixtures"]


@pytest.fixture(autouse=True)
def reset_clock() -> Iterator[None]:
    clock.set_now(None)
    yield
    clock.set_now(None)


def _others(language: str) -> tuple[int, ...]:
    return next(people for lang, people in VOLUNTEERS.items() if lang != language)


@pytest.mark.parametrize(("language", "user"), [("prs", 8301), ("ar", 8302)])
async def test_an_interpreter_joins_relays_three_ways_and_is_ended(
    front: Application, api: BotApiStandIn, rasa: FakeRasa, language: str, user: int
) -> None:
    await the_interpreters_way(front, api, rasa, language, user)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_interpreters_way_on_postgresql(
    api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path, database_url: str
) -> None:
    async with running_front(handoff_env(api, tmp_path, database_url, rasa.url)) as front:
        register_counselors()
        assert get_engine().dialect.name == "postgresql"
        await the_interpreters_way(front, api, rasa, "ar", 8308)


async def the_interpreters_way(front: Application, api: BotApiStandIn, rasa: FakeRasa,
                               language: str, user: int) -> None:
    """Asked, agreed, two volunteers offered, the first joins, three ways, ended."""
    await register_volunteers(api)
    first, second = VOLUNTEERS[language]
    key = pseudonym(user)
    thread = await person_with_counselor(api, user, language)

    question = await ask_for_interpreter(api, user, language, thread)
    assert offers_to(api, first) == [], "nobody is asked before the person agrees"
    answer(api, user, language, question, yes=True)
    await wait_for_message(api, user, t("interpreter_searching", language))

    # both volunteers for the language are asked: pseudonym and language only
    offer_first, offer_second = await offer_to(api, first), await offer_to(api, second)
    text = str(offer_first.params["text"])
    assert display_name(key) in text and str(user) not in text
    assert "Test" not in text, "never the person's Telegram name"
    assert all(offers_to(api, other) == [] for other in _others(language))
    before = api.push_text(user, "پیش از ترجمان", CODE[language])  # before anyone joined
    await eventually(lambda: copied(api, GROUP, user, before["message"]["message_id"]),
                     "copied the person's message into the topic")

    accept(api, first, offer_first)
    await wait_for_message(api, user, t("interpreter_joined", language,
                                        name=NAMES[first]))
    await eventually(lambda: TAKEN in edits_to(api, second), "told the second it is taken")
    accept(api, second, offer_second)  # too late: told so, nothing changes
    await eventually(lambda: TAKEN in api.answers(), "answered the late tap")
    assert status_of_request(user) == ACTIVE
    await eventually(lambda: any(note.startswith(f"🗣 {NAMES[first]} dolmetscht jetzt")
                                 for note in notes_in(api, thread)),
                     "told the counselors who interprets")
    assert not any("پیش" in text for text in api.sent_texts(first)), "nothing from before"

    # the person writes: to the topic (as always) and to the interpreter, marked
    sent = api.push_text(user, "سلام، مشکل دارم", CODE[language])
    await eventually(lambda: copied(api, GROUP, user, sent["message"]["message_id"]),
                     "copied the person's message into the topic")
    marked_person = f"{staff('interpreter.from_person', person=display_name(key))}\n" \
                    "سلام، مشکل دارم"
    await wait_for_message(api, first, marked_person)
    photo = photo_update(api, user, language)  # media too: the marker, then the copy
    await eventually(lambda: copied(api, first, user, photo["message"]["message_id"]),
                     "copied the person's photo to the interpreter")

    # the interpreter writes: to the person and to the topic, marked as theirs
    api.push_text(first, "Er sagt: Ich habe ein Problem.", "de")
    marker = t("interpreter_marker", language, name=NAMES[first])
    await wait_for_message(api, user, f"{marker}\nEr sagt: Ich habe ein Problem.")
    from_interpreter = f"{staff('interpreter.from_interpreter', name=NAMES[first])}\n" \
                       "Er sagt: Ich habe ein Problem."
    await front_of(front).mirror.drained()  # type: ignore[union-attr]
    await eventually(lambda: from_interpreter in notes_in(api, thread),
                     "put the interpreter's message into the topic")
    assert rasa.heard(pseudonym(first)) == [], "the interpreter's words are not for Rasa"

    # the counselor writes: to the person (as always) and to the interpreter, marked
    said = api.push_group_text(GROUP, ANNA, "Welches Problem?", thread, "Anna")
    await eventually(lambda: copied(api, user, GROUP, said["message"]["message_id"]),
                     "copied the counselor's message to the person")
    await wait_for_message(api, first, f"{staff('interpreter.from_counselor', name='Anna')}"
                                       "\nWelches Problem?")
    heard = list(rasa.heard(key))

    # the counselor ends it: the interpreter and the person are told, then nothing more
    api.push_group_text(GROUP, ANNA, "/dolmetscher_ende", thread, "Anna")
    await wait_for_message(api, first, staff("interpreter.ended_interpreter",
                                             person=display_name(key)))
    await wait_for_message(api, user, t("interpreter_left", language))
    assert status_of_request(user) == ENDED
    to_first = len(api.sent_messages(first)) + len(api.copies_to(first))
    after = api.push_text(user, "هنوز هستید؟", CODE[language])
    api.push_group_text(GROUP, ANNA, "Ich bin noch da.", thread, "Anna")
    later = api.push_group_text(GROUP, ANNA, "Noch etwas.", thread, "Anna")
    await eventually(lambda: copied(api, GROUP, user, after["message"]["message_id"]),
                     "copied the person's later message into the topic")
    # the group's jobs run in order: the first message's have all run once this is copied
    await eventually(lambda: copied(api, user, GROUP, later["message"]["message_id"]),
                     "copied the counselor's later message to the person")
    api.push_text(first, "Hallo?", "de")  # now an ordinary chat with the assistant
    await wait_for_message(api, first, answered("Hallo?", "de"))
    assert len(api.sent_messages(first)) + len(api.copies_to(first)) == to_first + 1
    assert not any("هنوز" in text or "Ich bin noch da." in text
                   for text in api.sent_texts(first))
    assert not any("Hallo?" in text for text in api.sent_texts(user))
    assert rasa.heard(key) == heard, "the person's chat stayed with the counselor"
    assert api.refused() == []


async def test_the_person_says_no_and_no_volunteer_is_contacted(
    front: Application, api: BotApiStandIn
) -> None:
    await register_volunteers(api)
    user = 8303
    thread = await person_with_counselor(api, user, "ar")
    question = await ask_for_interpreter(api, user, "ar", thread)
    answer(api, user, "ar", question, yes=False)
    await wait_for_message(api, user, t("interpreter_declined", "ar"))
    await eventually(lambda: staff("interpreter.person_declined") in notes_in(api, thread),
                     "told the counselors")
    assert status_of_request(user) == DECLINED
    for volunteer in (ALI, ZAHRA, SAMIRA, KARIM):
        assert offers_to(api, volunteer) == [], "nobody was asked"
    # a second tap on the same question changes nothing
    answer(api, user, "ar", question, yes=True)
    await wait_for_message(api, user, t("interpreter_expired", "ar"))
    assert status_of_request(user) == DECLINED
    assert all(offers_to(api, volunteer) == [] for volunteer in (SAMIRA, KARIM))


async def test_strangers_cannot_accept_or_relay(
    front: Application, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    """Someone not in the register (or deactivated) taps a forged accept and writes to
    the bot: refused, and their messages get the normal assistant, never the person."""
    await register_volunteers(api)
    user = 8304
    thread = await person_with_counselor(api, user, "prs")
    answer(api, user, "prs", await ask_for_interpreter(api, user, "prs", thread), yes=True)
    offer = await offer_to(api, ALI)
    data = offer.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    # Zahra is deactivated: from now on a stranger like everyone else
    api.push_group_text(GROUP, ANNA, "/dolmetscher_aus 2", None, "Anna")
    await eventually(lambda: any(text.startswith("⏸️") for text in api.sent_texts(GROUP)),
                     "deactivated Zahra")
    for stranger in (STRANGER, ZAHRA, SAMIRA):  # unknown; inactive; another language
        forged_tap(api, stranger, data)
    await eventually(lambda: api.answers().count(NOT_INTERPRETER) == 3, "refused all three")
    assert status_of_request(user) == SEARCHING
    for stranger in (STRANGER, ZAHRA):
        api.push_text(stranger, "Ich bin der Dolmetscher", "de")
        await wait_for_message(api, stranger, answered("Ich bin der Dolmetscher", "de"))
    assert not any("Dolmetscher" in text for text in api.sent_texts(user))
    # the real volunteer still can
    accept(api, ALI, offer)
    await wait_for_message(api, user, t("interpreter_joined", "prs", name="Ali"))
    assert api.refused() == []


async def test_nobody_accepts_in_time(front: Application, api: BotApiStandIn) -> None:
    await register_volunteers(api)
    user = 8305
    thread = await person_with_counselor(api, user, "ar")
    answer(api, user, "ar", await ask_for_interpreter(api, user, "ar", thread), yes=True)
    await offer_to(api, KARIM)
    clock.set_now(clock.now() + timedelta(minutes=31))  # INTERPRETER_TIMEOUT_MINUTES: 30
    assert await check_interpreters(front) == 1
    assert await check_interpreters(front) == 0, "told once"
    await wait_for_message(api, user, t("interpreter_timeout", "ar"))
    await eventually(lambda: any("rechtzeitig" in note for note in notes_in(api, thread)),
                     "told the counselors")
    await eventually(lambda: staff("interpreter.expired") in edits_to(api, KARIM),
                     "withdrew the offers")
    assert status_of_request(user) == TIMED_OUT


async def test_the_register_commands_are_for_counselors_and_reach_only_started_chats(
    front: Application, api: BotApiStandIn
) -> None:
    api.block(ALI)  # has not started the bot (Telegram: 403)
    api.push_group_text(GROUP, ANNA, "/dolmetscher_neu 7101 prs 01.11.2026 Ali", None, "Anna")
    await eventually(lambda: any("kann Ali nicht privat schreiben" in text
                                 for text in api.sent_texts(GROUP)), "told Anna")
    api.push_group_text(GROUP, 7004, "/dolmetscher_neu 7102 prs 01.11.2026 Zahra", None,
                        "Intern")  # in the group, not a counselor
    await eventually(lambda: staff("handoff.not_counselor") in api.sent_texts(GROUP),
                     "refused the intern")
    api.push_group_text(GROUP, ANNA, "/dolmetscher_neu 7102 xx 01.11.2026 Zahra", None, "Anna")
    await eventually(lambda: any(text.startswith("Unbekannte Sprache")
                                 for text in api.sent_texts(GROUP)), "named the problem")
    api.push_group_text(GROUP, ANNA, "/dolmetscher", None, "Anna")
    listing = await eventually(lambda: [text for text in api.sent_texts(GROUP)
                                        if text.startswith("🗣 Ehrenamtliche")], "listed")
    assert "Nr. 1 · Ali · Dari · Verschwiegenheit 01.11.2026 · aktiv" in listing[0]
    assert "Zahra" not in listing[0] and "7101" not in listing[0]
    api.push_group_text(GROUP, ANNA, "/dolmetscher_loeschen 1", None, "Anna")
    await eventually(lambda: any(text.startswith("🗑️") for text in api.sent_texts(GROUP)),
                     "removed Ali")
    api.push_command(STRANGER, "/ehrenamt", "de")
    await wait_for_message(api, STRANGER, staff("interpreter.your_id", telegram_id=STRANGER))


# -- an appointment ------------------------------------------------------------------------

START = datetime(2026, 12, 2, 10, 0)  # Berlin time, a Wednesday
CONFIRM = "ja, buchen"


@pytest.mark.parametrize(("language", "user"), [("prs", 8310), ("ar", 8311)])
async def test_a_booking_with_an_interpreter_reaches_them_with_ics_reminder_and_cancel(
    front: Application, api: BotApiStandIn, rasa: FakeRasa, language: str, user: int
) -> None:
    await register_volunteers(api)
    first, second = VOLUNTEERS[language]
    # nobody at the Bitterfeld-Wolfen office speaks Dari or Arabic
    counselor = add_counselor(None, "Frau Krause", "bitterfeld-wolfen", "de")
    slot = add_slot(None, counselor, START)
    start_utc = START.replace(tzinfo=clock.BERLIN).astimezone(UTC)
    key = pseudonym(user)
    with session_scope() as session:
        touch_person(session, key, language=language, chat_id=user)
        booking = service.book(session, key, slot, language, start_utc - timedelta(days=3))
    clock.set_now(start_utc - timedelta(days=3))
    rasa.scripted[CONFIRM] = [
        {"text": "Gebucht."}, {"custom": {"ics": {"booking_ref": booking.ref}}},
        {"custom": {"staff": {"event": "booked", "booking_ref": booking.ref}}}]
    api.push_text(user, CONFIRM, CODE[language])
    offer = await wait_for_message(api, user, t("interpreter_booking_offer", language))
    answer(api, user, language, offer, yes=True)
    await wait_for_message(api, user, t("interpreter_booking_searching", language))
    offer_first, _ = await offer_to(api, first), await offer_to(api, second)
    assert "Frau Krause" in str(offer_first.params["text"])
    accept(api, first, offer_first)

    # who comes: the person, the counselors and the interpreter (with the .ics) know
    await eventually(lambda: any(str(c.params["text"]).startswith(
        t("interpreter_booking_found", language).split("{")[0]) and NAMES[first]
        in str(c.params["text"]) for c in api.sent_messages(user)), "told the person")
    await eventually(lambda: any(f"{NAMES[first]} dolmetscht beim Termin" in text
                                 and display_name(key) in text
                                 for text in api.sent_texts(GROUP)), "told the counselors")
    documents = await eventually(lambda: [c for c in api.calls_of("sendDocument")
                                          if int(c.params["chat_id"]) == first], "sent the .ics")
    event = next(iter(Calendar.from_ical(documents[0].params["document"]["content"])
                      .walk("VEVENT")))
    assert event.decoded("dtstart") == start_utc
    assert TAKEN in edits_to(api, second)

    # the reminder the day before reaches the interpreter too
    clock.set_now(start_utc - timedelta(hours=20))
    await send_due_reminders(front)
    reminder = await eventually(lambda: [text for text in api.sent_texts(first)
                                         if text.startswith("⏰")], "reminded the interpreter")
    assert display_name(key) in reminder[0] and "Frau Krause" in reminder[0]

    # cancelling tells them
    with session_scope() as session:
        service.cancel(session, key, booking.ref, clock.now())
    rasa.scripted["absagen"] = [
        {"text": "Abgesagt."},
        {"custom": {"staff": {"event": "cancelled", "booking_ref": booking.ref}}}]
    api.push_text(user, "absagen", CODE[language])
    await eventually(lambda: any(text.startswith("❌") and display_name(key) in text
                                 for text in api.sent_texts(first)), "told the interpreter")
    assert api.refused() == []


async def test_delete_tells_the_interpreter_and_erases_the_assignment(
    front: Application, api: BotApiStandIn
) -> None:
    await register_volunteers(api)
    user = 8306
    thread = await person_with_counselor(api, user, "prs")
    answer(api, user, "prs", await ask_for_interpreter(api, user, "prs", thread), yes=True)
    accept(api, ALI, await offer_to(api, ALI))
    await wait_for_message(api, user, t("interpreter_joined", "prs", name="Ali"))
    api.push_command(user, "/delete", CODE["prs"])
    confirm = await wait_for_message(api, user, t("delete_confirm", "prs"))
    api.push_tap(user, confirm, "del:yes", CODE["prs"])
    await wait_for_message(api, user, t("deleted", "prs"))
    await wait_for_message(api, ALI, staff("interpreter.ended_interpreter",
                                           person=display_name(pseudonym(user))))
    assert status_of_request(user) is None, "the assignment is erased"


async def test_done_ends_the_interpreters_part_too(
    front: Application, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    await register_volunteers(api)
    user = 8307
    thread = await person_with_counselor(api, user, "ar")
    answer(api, user, "ar", await ask_for_interpreter(api, user, "ar", thread), yes=True)
    accept(api, SAMIRA, await offer_to(api, SAMIRA))
    await wait_for_message(api, user, t("interpreter_joined", "ar", name="Samira"))
    api.push_group_text(GROUP, ANNA, "/done", thread, "Anna")
    await wait_for_message(api, user, t("handoff_done", "ar"))
    await wait_for_message(api, SAMIRA, staff("interpreter.ended_interpreter",
                                              person=display_name(pseudonym(user))))
    assert status_of_request(user) == ENDED
    api.push_text(user, "شكرا", "ar")  # the assistant again; the interpreter hears nothing
    await wait_for_message(api, user, answered("شكرا", "ar"))
    api.push_text(SAMIRA, "مرحبا؟", "ar")
    await wait_for_message(api, SAMIRA, answered("مرحبا؟", "ar"))
    assert not any("شكرا" in text for text in api.sent_texts(SAMIRA))
    assert not any("مرحبا؟" in text for text in api.sent_texts(user))
