"""bot.handoff.counselor: who may take over and close, and what leaves the group."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from jmd.handoff.state import ASSIGNED, OPEN
from jmd.texts import t
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.handoff import (
    ALREADY_TAKEN,
    ANNA,
    FORMER,
    GROUP,
    INTERN,
    LEA,
    NO_CONVERSATION,
    NOT_COUNSELOR,
    NOT_FORWARDED_CLOSED,
    NOT_FORWARDED_OPEN,
    OMID,
    ask_for_a_person,
    copied,
    handoff_of,
    notes_in,
    take_button,
    take_over,
    thread_of,
)
from tests.test_bot import eventually, wait_for_message

pytest_plugins = ["tests.helpers.handoff_fixtures"]


async def test_only_counselors_may_take_over_and_close(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8120, "prs")
    data = take_button(card)
    assert data
    for stranger in (INTERN, FORMER):  # in the group but not listed; listed but left
        api.push_group_tap(stranger, card, data)
    await eventually(lambda: api.answers().count(NOT_COUNSELOR) == 2, "refused both")
    handoff = handoff_of(8120)
    assert handoff is not None and handoff.status == OPEN

    api.push_group_tap(LEA, card, data, first_name="Lea")  # allow-list: Telegram name
    await wait_for_message(api, 8120, t("handoff_taken", "prs").format(name="Lea"))
    api.push_group_tap(OMID, card, data)
    await eventually(lambda: ALREADY_TAKEN.format(name="Lea") in api.answers(),
                     "told Omid who has it")

    thread = thread_of(card)
    api.push_group_text(GROUP, INTERN, "/done", thread)
    await eventually(lambda: NOT_COUNSELOR in notes_in(api, thread), "refused /done")
    handoff = handoff_of(8120)
    assert handoff is not None and handoff.status == ASSIGNED
    assert handoff.counselor_telegram_id == LEA and handoff.counselor_name == "Lea"


async def test_notes_in_the_group_when_nothing_is_sent(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8125, "de")
    thread = thread_of(card)
    api.push_group_text(GROUP, ANNA, "Hallo?", thread)
    await eventually(lambda: NOT_FORWARDED_OPEN in notes_in(api, thread), "said: take it first")
    api.push_group_text(GROUP, ANNA, "/done", thread)
    await wait_for_message(api, 8125, t("handoff_done", "de"))
    api.push_group_text(GROUP, ANNA, "Noch was", thread)
    await eventually(lambda: NOT_FORWARDED_CLOSED in notes_in(api, thread), "said: closed")
    api.push_group_text(GROUP, ANNA, "/done", thread)
    await eventually(lambda: NO_CONVERSATION in notes_in(api, thread), "nothing to close")
    assert api.copies_to(8125) == []


# -- an edited counselor message reaches the person once -----------------------------------------


def edited(api: BotApiStandIn, sent: dict[str, Any], text: str, user: int) -> dict[str, Any]:
    """``user`` edits their group message ``sent`` to ``text``."""
    message = {**sent["message"], "text": text, "edit_date": sent["message"]["date"] + 5}
    return api.push({"edited_message": message})


async def test_an_edited_message_edits_the_persons_copy(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8121, "ar")
    await take_over(api, card)
    await wait_for_message(api, 8121, t("handoff_taken", "ar").format(name="Anna"))
    sent = api.push_group_text(GROUP, ANNA, "Wir sehen uns um 10 Uhr.", thread_of(card))
    copy = await eventually(lambda: copied(api, 8121, GROUP, sent["message"]["message_id"]),
                            "passed the message on")
    edited(api, sent, "Wir sehen uns um 11 Uhr.", ANNA)
    edit = await eventually(
        lambda: next((c for c in api.calls_of("editMessageText")
                      if int(c.params["chat_id"]) == 8121), None), "edited the copy")
    assert int(edit.params["message_id"]) == copy.result["message_id"]
    assert edit.params["text"] == "Wir sehen uns um 11 Uhr."
    colleague = api.push_group_text(GROUP, OMID, "Notiz", thread_of(card))
    edited(api, colleague, "Notiz (geändert)", OMID)
    api.push_group_text(GROUP, ANNA, "/done", thread_of(card))
    await wait_for_message(api, 8121, t("handoff_done", "ar"))
    assert len(api.copies_to(8121)) == 1, "sent once, then edited"
    assert not [text for text in api.sent_texts(8121) if "11 Uhr" in text or "Notiz" in text]


async def test_an_edit_after_a_restart_is_sent_once_marked(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8122, "prs")
    await take_over(api, card)
    await wait_for_message(api, 8122, t("handoff_taken", "prs").format(name="Anna"))
    sent = api.push_group_text(GROUP, ANNA, "Termin am Montag", thread_of(card))
    await eventually(lambda: copied(api, 8122, GROUP, sent["message"]["message_id"]),
                     "passed the message on")
    front.bot_data.pop("counselor_copies")  # what a restart forgets
    edited(api, sent, "Termin am Dienstag", ANNA)
    marked = f"{t('handoff_corrected', 'prs')}\nTermin am Dienstag"
    await wait_for_message(api, 8122, marked)
    api.push_group_text(GROUP, ANNA, "/done", thread_of(card))
    await wait_for_message(api, 8122, t("handoff_done", "prs"))
    assert api.sent_texts(8122).count(marked) == 1
    assert len(api.copies_to(8122)) == 1
