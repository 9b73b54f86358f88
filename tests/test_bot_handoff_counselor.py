"""bot.handoff.counselor: who may take over and close, and what leaves the group."""

from __future__ import annotations

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
    handoff_of,
    notes_in,
    take_button,
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
