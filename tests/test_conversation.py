"""Whole conversations through Rasa's REST channel: trained model + real action server."""

from __future__ import annotations

import pytest

from jmd.shared.settings import Settings
from tests.helpers.conversation import language_slot, new_sender, say
from tests.helpers.domain import matches, response_text

pytestmark = pytest.mark.model


# A booking request is answered with the first question the form needs (which depends on
# the free slots in the database) or the slots themselves; a new person has no appointments.
BOOK_ASKS = ("utter_booking_ask_office", "utter_booking_ask_mode", "utter_booking_ask_language",
             "utter_booking_ask_day", "utter_booking_slots", "utter_booking_no_slots")

# One message per core intent and language, and the response it must produce.
CORE: dict[str, list[tuple[str, str | tuple[str, ...]]]] = {
    "de": [
        ("hallo wie gehts", "utter_greet"),
        ("tschuess bis dann", "utter_goodbye"),
        ("vielen dank", "utter_you_are_welcome"),
        ("bist du ein mensch oder ein bot", "utter_iamabot"),
        ("wie wird das wetter morgen", "utter_out_of_scope"),
        ("ich brauche einen termin bei der beratung", BOOK_ASKS),
        ("ich möchte meinen termin absagen", "utter_appointments_none"),
        ("kann ich meinen termin verschieben", "utter_appointments_none"),
        ("wann ist mein termin", "utter_appointments_none"),
        ("ich will mit einem echten menschen reden", "action_handoff"),
        ("ich will nicht mehr leben", "utter_crisis"),
    ],
    "prs": [
        ("سلام چطور استی", "utter_greet"),
        ("خدا حافظ فعلا", "utter_goodbye"),
        ("تشکر زیاد", "utter_you_are_welcome"),
        ("تو ربات استی یا آدم", "utter_iamabot"),
        ("هوا فردا چطور است", "utter_out_of_scope"),
        ("میخایم یک وقت با مشاور بگیرم", BOOK_ASKS),
        ("وقتمه کنسل کو", "utter_appointments_none"),
        ("میخایم وقتمه تغییر بتم", "utter_appointments_none"),
        ("وقت مه کی است", "utter_appointments_none"),
        ("میخایم با یک آدم واقعی گپ بزنم", "action_handoff"),
        ("دیگه نمیخایم زنده باشم", "utter_crisis"),
    ],
    "ar": [
        ("مرحبا شلونك", "utter_greet"),
        ("مع السلامة", "utter_goodbye"),
        ("شكرا كتير", "utter_you_are_welcome"),
        ("انت روبوت ولا انسان", "utter_iamabot"),
        ("شو الطقس بكرة", "utter_out_of_scope"),
        ("بدي موعد مع المستشار", BOOK_ASKS),
        ("بدي الغي الموعد", "utter_appointments_none"),
        ("بدي غير موعدي ليوم تاني", "utter_appointments_none"),
        ("امتى موعدي", "utter_appointments_none"),
        ("بدي احكي مع شخص حقيقي", "action_handoff"),
        ("ما بدي عيش بعد اليوم", "utter_crisis"),
    ],
}


@pytest.mark.parametrize(
    ("language", "message", "response"),
    [(lang, msg, resp) for lang, cases in CORE.items() for msg, resp in cases],
)
async def test_core_intent_answered_in_the_users_language(
    rasa_stack: Settings, language: str, message: str, response: str | tuple[str, ...]
) -> None:
    sender = new_sender()
    replies = await say(rasa_stack, sender, message)
    assert replies, "no reply"
    if response == "action_handoff":  # a request to the front, not a text
        assert replies[0].custom == {
            "handoff": {"urgent": False, "language": language, "recent": [message]}
        }
    else:
        names = response if isinstance(response, tuple) else (response,)
        assert any(matches(name, language, replies[0].text) for name in names), replies[0].text
    assert language_slot(rasa_stack, sender) == language


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_crisis_reply_comes_first_with_emergency_numbers(
    rasa_stack: Settings, language: str
) -> None:
    message = CORE[language][-1][0]
    replies = await say(rasa_stack, new_sender(), message)
    first = replies[0].text
    for number in ("112", "110", "116 111", "0800 111 0 111"):
        assert number in first
    # then an urgent handoff, with what the person wrote for the counselor's card
    assert replies[1].custom == {
        "handoff": {"urgent": True, "language": language, "recent": [message]}
    }


async def test_human_command_asks_for_a_handoff_without_payloads_in_recent(
    rasa_stack: Settings,
) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, "مرحبا شلونك")
    await say(rasa_stack, sender, '/change_language{"language": "ar"}')
    replies = await say(rasa_stack, sender, "/human_handoff")
    assert replies[-1].custom == {
        "handoff": {"urgent": False, "language": "ar", "recent": ["مرحبا شلونك"]}
    }


async def test_start_shows_welcome_with_language_buttons(rasa_stack: Settings) -> None:
    replies = await say(rasa_stack, new_sender(), "/start")
    assert replies[0].text == response_text("utter_welcome", "de")
    assert [b.title for b in replies[0].buttons] == ["Deutsch", "دری", "العربية"]


async def test_telegram_language_code_decides_on_first_contact(rasa_stack: Settings) -> None:
    sender = new_sender()
    replies = await say(rasa_stack, sender, "/start", telegram_language_code="fa")
    assert replies[0].text == response_text("utter_welcome", "prs")
    assert language_slot(rasa_stack, sender) == "prs"


# (from, to, how): every direction between the three languages, by button or by text.
SWITCHES = [
    ("de", "prs", '/change_language{"language": "prs"}'),
    ("de", "ar", "kannst du arabisch sprechen"),
    ("prs", "de", "میشه به آلمانی بنویسی"),
    ("prs", "ar", '/change_language{"language": "ar"}'),
    ("ar", "de", '/change_language{"language": "de"}'),
    ("ar", "prs", "بدي فارسي"),
]
OPENERS = {"de": "hallo", "prs": "سلام چطور استی", "ar": "مرحبا كيفك"}


@pytest.mark.parametrize(("start", "target", "how"), SWITCHES)
async def test_language_switch(rasa_stack: Settings, start: str, target: str, how: str) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, OPENERS[start])
    assert language_slot(rasa_stack, sender) == start
    replies = await say(rasa_stack, sender, how)
    assert replies[0].text == response_text("utter_language_changed", target)
    assert language_slot(rasa_stack, sender) == target


@pytest.mark.parametrize("language", ["prs", "ar"])
async def test_writing_in_another_language_switches(rasa_stack: Settings, language: str) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, "hallo ich bin neu hier")
    replies = await say(rasa_stack, sender, CORE[language][1][0])
    assert replies[0].text == response_text("utter_goodbye", language)


@pytest.mark.parametrize("short", ["ok", "👍"])
async def test_short_messages_keep_the_language(rasa_stack: Settings, short: str) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, "مرحبا شلونك")
    await say(rasa_stack, sender, short)
    assert language_slot(rasa_stack, sender) == "ar"


async def test_change_language_without_a_name_offers_buttons(rasa_stack: Settings) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, "سلام چطور استی")
    replies = await say(rasa_stack, sender, "زبانه تبدیل کو")
    assert replies[0].text == response_text("utter_choose_language", "prs")
    assert len(replies[0].buttons) == 3


# Dari and Arabic written in Latin letters (Finglish, Arabizi), as different writers spell
# them: the reply comes in Dari or Arabic, even when the conversation was German before.
LATIN_SCRIPT = [
    ("prs", "salam mikhaham termin begiram"),
    ("prs", "slm, mekhayum yak termin begirom lutfan"),
    ("ar", "marhaba bade a7jez maw3ed"),
    ("ar", "mar7aba, biddi maw3ed m3 el mustashar"),
]


@pytest.mark.parametrize(("language", "message"), LATIN_SCRIPT)
async def test_latin_script_dari_and_arabic_are_answered_in_that_language(
    rasa_stack: Settings, language: str, message: str
) -> None:
    sender = new_sender()
    await say(rasa_stack, sender, "hallo ich bin neu hier")
    replies = await say(rasa_stack, sender, message)
    assert replies, "no reply"
    assert any(matches(name, language, replies[0].text) for name in BOOK_ASKS), replies[0].text
    assert language_slot(rasa_stack, sender) == language
