"""bot.handoff.person: a person asks for a counselor; where their messages go meanwhile."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.handoff.common import BACK_DATA
from bot.handoff.maintenance import check_timeouts
from jmd import clock
from jmd.handoff.state import ASSIGNED, CLOSED, OPEN
from jmd.identity import pseudonym
from jmd.texts import staff, t
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.fake_rasa import CRISIS_TEXT, FakeRasa
from tests.helpers.handoff import (
    ANNA,
    BOOK,
    CARD_URGENT,
    GROUP,
    SATURDAY_11,
    TUESDAY_10,
    answered,
    ask_for_a_person,
    cards,
    copied,
    handoff_of,
    notes_in,
    photo_update,
    take_button,
    take_over,
    thread_of,
)
from tests.test_bot import (
    CODE,
    buttons,
    eventually,
    front_env,
    running_front,
    wait_for_message,
)

pytest_plugins = ["tests.helpers.handoff_fixtures"]


async def test_a_second_request_reuses_the_topic(front: Application, api: BotApiStandIn) -> None:
    card = await ask_for_a_person(api, 8110, "de")
    await wait_for_message(api, 8110, t("handoff_waiting", "de"))
    api.push_command(8110, "/human", "de")
    await wait_for_message(api, 8110, t("handoff_still_waiting", "de"))
    assert len(cards(api)) == 1, "one request is open: no second card"
    await take_over(api, card)
    await wait_for_message(api, 8110, t("handoff_taken", "de").format(name="Anna"))
    api.push_group_text(GROUP, ANNA, "/done", thread_of(card))
    await wait_for_message(api, 8110, t("handoff_done", "de"))
    again = await ask_for_a_person(api, 8110, "de")
    assert thread_of(again) == thread_of(card)
    assert len(api.calls_of("createForumTopic")) == 1


async def test_a_photo_while_waiting_is_passed_on_with_a_note(
    front: Application, api: BotApiStandIn
) -> None:
    await ask_for_a_person(api, 8127, "prs")
    photo = photo_update(api, 8127, "prs")
    await wait_for_message(api, 8127, t("handoff_media_waiting", "prs"))
    await eventually(lambda: copied(api, GROUP, 8127, photo["message"]["message_id"]),
                     "the photo passed on to the counselors")
    assert t("not_text", "prs") not in api.sent_texts(8127)


async def test_the_assistants_buttons_rest_while_a_counselor_writes(
    front: Application, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    api.push_text(8126, "hallo", "ar")
    greeting = await wait_for_message(api, 8126, answered("hallo", "ar"))
    card = await ask_for_a_person(api, 8126, "ar")
    await take_over(api, card)
    await wait_for_message(api, 8126, t("handoff_taken", "ar").format(name="Anna"))
    heard = list(rasa.heard(pseudonym(8126)))
    api.push({"callback_query": {
        "id": "tap-1", "from": api.message_base(8126, "ar")["from"], "chat_instance": "c",
        "data": "/help", "message": greeting.result,
    }})
    await wait_for_message(api, 8126, t("handoff_paused", "ar"))
    api.push_command(8126, "/start", "ar")  # a command goes to the counselor as it is
    await eventually(lambda: len(api.copies_to(GROUP)) >= 1, "passed /start on")
    assert rasa.heard(pseudonym(8126)) == heard


# -- waiting ---------------------------------------------------------------------------------


HOURS = {
    "de": "Mo.: 09:00–16:00\nDi.: 09:00–16:00\nDo.: 10:00–18:00\nFr.: 09:00–12:00",
}


async def test_outside_office_hours_the_person_is_told_and_offered_a_booking(
    front_with_hours: Application, api: BotApiStandIn
) -> None:
    with clock.frozen(SATURDAY_11):
        await ask_for_a_person(api, 8160, "de")
        waiting = t("handoff_waiting_hours", "de").format(hours=HOURS["de"])
        await wait_for_message(api, 8160, waiting)
        closed = await wait_for_message(api, 8160, t("handoff_outside_hours", "de"))
        assert buttons(closed) == [BOOK]
        clock.advance(timedelta(hours=1))
        assert await check_timeouts(front_with_hours) == 0, "no second notice"
    handoff = handoff_of(8160)
    assert handoff is not None and handoff.status == OPEN


@pytest.mark.parametrize("language", ["prs", "ar"])
async def test_during_office_hours_only_the_hours_are_named(
    front_with_hours: Application, api: BotApiStandIn, language: str
) -> None:
    user = {"prs": 8161, "ar": 8162}[language]
    with clock.frozen(TUESDAY_10):
        await ask_for_a_person(api, user, language)
        await eventually(lambda: len(api.sent_texts(user)) >= 1, "told the person")
    message = api.sent_texts(user)[0]
    assert message.startswith(t("handoff_waiting_hours", language).split("{hours}")[0])
    assert "09:00–16:00" in message and "10:00–18:00" in message
    assert t("handoff_outside_hours", language) not in api.sent_texts(user)


async def test_without_a_counselor_group_the_person_is_offered_a_booking(
    api: BotApiStandIn, rasa: FakeRasa, tmp_path: Path
) -> None:
    env = front_env(api, tmp_path, f"sqlite:///{tmp_path / 'jmd.db'}", rasa.url)
    async with running_front(env):
        api.push_command(8170, "/human", "ar")
        notice = await wait_for_message(api, 8170, t("handoff_unavailable", "ar"))
        assert buttons(notice) == [BOOK]
    assert api.calls_of("createForumTopic") == []


async def test_when_the_group_refuses_the_card_the_person_is_offered_a_booking(
    front: Application, api: BotApiStandIn
) -> None:
    api.fail("createForumTopic", status=400,
             description="Bad Request: not enough rights to create a topic")
    api.push_command(8171, "/human", "de")
    notice = await wait_for_message(api, 8171, t("handoff_unavailable", "de"))
    assert buttons(notice) == [BOOK]
    handoff = handoff_of(8171)
    assert handoff is not None and handoff.status == CLOSED, "no request nobody can see"
    card = await ask_for_a_person(api, 8171, "de")  # the next request works again
    assert take_button(card)


# -- crisis ----------------------------------------------------------------------------------


async def test_crisis_reply_first_then_an_urgent_card(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8180, "de", how="ich will nicht mehr leben")
    assert card.params["text"].startswith(CARD_URGENT)
    assert "ich will nicht mehr leben" in card.params["text"]
    await wait_for_message(api, 8180, t("handoff_waiting", "de"))
    texts = api.sent_texts(8180)
    assert texts.index(CRISIS_TEXT) < texts.index(t("handoff_waiting", "de"))
    handoff = handoff_of(8180)
    assert handoff is not None and handoff.urgent


async def test_a_crisis_from_someone_who_blocked_the_bot_still_reaches_the_counselors(
    front: Application, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    """Written just before blocking: nothing can reach the person (403), but the
    counselors get the urgent card, and the next person is served as usual."""
    api.block(8182)
    api.push_text(8182, "ich will nicht mehr leben", "de")
    urgent = await eventually(lambda: cards(api), "posted the urgent card")
    assert urgent[0].params["text"].startswith(CARD_URGENT)
    assert "ich will nicht mehr leben" in urgent[0].params["text"]
    assert api.sent_texts(8182) == [] and api.refused()
    assert {c.error["description"] for c in api.refused() if c.error} == {
        "Forbidden: bot was blocked by the user"}
    api.push_text(8183, "hallo", "de")
    await wait_for_message(api, 8183, answered("hallo", "de"))


async def test_a_crisis_while_waiting_makes_the_request_urgent(
    front: Application, api: BotApiStandIn
) -> None:
    first_card = await ask_for_a_person(api, 8181, "de")
    assert not first_card.params["text"].startswith(CARD_URGENT)
    urgent = await ask_for_a_person(api, 8181, "de", how="ich will nicht mehr leben")
    assert urgent.params["text"].startswith(CARD_URGENT)
    assert thread_of(urgent) == thread_of(first_card)
    assert take_button(urgent) == take_button(first_card), "one handoff, a louder card"


# -- routing: decided once, before every job of the person's chat --------------------------------


async def test_privacy_and_edits_stay_with_the_front_while_a_counselor_writes(
    front: Application, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    card = await ask_for_a_person(api, 8128, "de")
    await take_over(api, card)
    await wait_for_message(api, 8128, t("handoff_taken", "de").format(name="Anna"))
    heard = list(rasa.heard(pseudonym(8128)))
    asked = api.push_command(8128, "/privacy", "de")
    await wait_for_message(api, 8128, t("privacy", "de").format(days=3650))
    assert not copied(api, GROUP, 8128, asked["message"]["message_id"])
    base = api.message_base(8128, "de")
    api.push({"edited_message": {**base, "text": "korrigiert", "edit_date": base["date"]}})
    await wait_for_message(api, 8128, t("edited", "de"))
    sent = api.push_text(8128, "danke", "de")  # the next message goes to the counselor again
    await eventually(lambda: copied(api, GROUP, 8128, sent["message"]["message_id"]),
                     "passed the message on")
    assert rasa.heard(pseudonym(8128)) == heard


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"


async def test_a_message_cannot_fake_lines_on_the_card(
    front: Application, api: BotApiStandIn
) -> None:
    crafted = ("wann habt ihr offen?\n\n✅ Übernommen von Anna\r\n\u202eNETNEGRUD 🚨"
               "\u2028Büro: Wittenberg\x00\x1b[31m")
    api.push_text(8128, crafted, "de")
    await wait_for_message(api, 8128, answered(crafted, "de"))
    card = (await ask_for_a_person(api, 8128, "de")).params["text"]
    lines = card.splitlines()
    shown = next(line for line in lines if line.startswith("» wann habt ihr offen?"))
    assert "✅ Übernommen von Anna" in shown and "Büro: Wittenberg" in shown
    assert not any(line.startswith(("✅", "🚨")) for line in lines), "no faked line"
    assert [line for line in lines if line.startswith("Büro:")] == ["Büro: unbekannt"]
    assert not set(BIDI + "\x00\x1b\r\u2028") & set(card)


# -- safety while a counselor has the chat ------------------------------------------------------


CRISIS_NOTE = staff("handoff.crisis_note")
BACK_NOTE = staff("handoff.back_note")


async def taken(api: BotApiStandIn, user: int, language: str) -> int:
    """``user`` asks, Anna takes over; the topic's thread."""
    card = await ask_for_a_person(api, user, language)
    await take_over(api, card)
    await wait_for_message(api, user, t("handoff_taken", language).format(name="Anna"))
    return thread_of(card)


@pytest.mark.parametrize(("language", "message"), [
    ("de", "ich will nicht mehr leben"), ("ar", "اريد ان انتحر"),
])
async def test_a_crisis_while_a_counselor_writes_gets_the_numbers_and_an_urgent_note(
    front: Application, api: BotApiStandIn, rasa: FakeRasa, language: str, message: str
) -> None:
    user = {"de": 8190, "ar": 8191}[language]
    thread = await taken(api, user, language)
    heard = list(rasa.heard(pseudonym(user)))
    sent = api.push_text(user, message, "de")  # a German phone: the message's language wins
    await wait_for_message(api, user, t("crisis", language))
    await eventually(lambda: CRISIS_NOTE in notes_in(api, thread), "posted the urgent note")
    copy = copied(api, GROUP, user, sent["message"]["message_id"])
    assert copy and copy.params["message_thread_id"] == thread
    assert api.calls.index(copy) < api.calls.index(
        next(c for c in api.in_topic(thread) if c.params["text"] == CRISIS_NOTE)
    ), "the note follows the message it is about"
    assert rasa.heard(pseudonym(user)) == heard, "the counselor still has the chat"
    handoff = handoff_of(user)
    assert handoff is not None and handoff.status == ASSIGNED


async def test_an_everyday_message_gets_no_crisis_reply(
    front: Application, api: BotApiStandIn
) -> None:
    thread = await taken(api, 8192, "de")
    sent = api.push_text(8192, "ich habe morgen eine prüfung", "de")
    await eventually(lambda: copied(api, GROUP, 8192, sent["message"]["message_id"]),
                     "passed the message on")
    assert t("crisis", "de") not in api.sent_texts(8192)
    assert CRISIS_NOTE not in notes_in(api, thread)


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_bot_takes_the_person_back_to_the_assistant(
    front: Application, api: BotApiStandIn, rasa: FakeRasa, language: str
) -> None:
    user = {"de": 8193, "prs": 8194, "ar": 8195}[language]
    thread = await taken(api, user, language)
    asked = api.push_command(user, "/bot", CODE[language])
    await wait_for_message(api, user, t("handoff_back", language))
    await eventually(lambda: BACK_NOTE in notes_in(api, thread), "told the topic")
    assert not copied(api, GROUP, user, asked["message"]["message_id"]), "not for the counselor"
    handoff = handoff_of(user)
    assert handoff is not None and handoff.status == CLOSED
    api.push_text(user, "hallo", CODE[language])
    await wait_for_message(api, user, answered("hallo", language))
    api.push_command(user, "/bot", CODE[language])  # nothing to end any more
    await wait_for_message(api, user, t("handoff_back_none", language))


async def test_the_button_under_taken_takes_the_person_back(
    front: Application, api: BotApiStandIn, rasa: FakeRasa
) -> None:
    card = await ask_for_a_person(api, 8196, "prs")
    await take_over(api, card)
    told = await wait_for_message(api, 8196, t("handoff_taken", "prs").format(name="Anna"))
    assert buttons(told) == [BACK_DATA]
    api.push_tap(8196, told, BACK_DATA, "fa")
    await wait_for_message(api, 8196, t("handoff_back", "prs"))
    await eventually(lambda: BACK_NOTE in notes_in(api, thread_of(card)), "told the topic")
    assert any(c.params.get("chat_id") == 8196 and not c.params.get("reply_markup")
               for c in api.calls_of("editMessageReplyMarkup")), "the button went"
    handoff = handoff_of(8196)
    assert handoff is not None and handoff.status == CLOSED
    api.push_text(8196, "سلام", "fa")
    await wait_for_message(api, 8196, answered("سلام", "prs"))


async def test_bot_while_waiting_withdraws_the_request(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8197, "de")
    api.push_command(8197, "/bot", "de")
    await wait_for_message(api, 8197, t("handoff_back", "de"))
    await eventually(lambda: BACK_NOTE in notes_in(api, thread_of(card)), "told the topic")
    removed = [c for c in api.calls_of("editMessageReplyMarkup")
               if int(c.params["chat_id"]) == GROUP]
    assert removed and int(removed[-1].params["message_id"]) == card.result["message_id"]
    handoff = handoff_of(8197)
    assert handoff is not None and handoff.status == CLOSED
