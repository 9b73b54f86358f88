"""bot.handoff.idle: a counselor's chat with nobody writing is closed, and both sides told."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from telegram.ext import Application

from bot.handoff.idle import close_idle_handoffs
from jmd import clock
from jmd.handoff.state import ASSIGNED, CLOSED
from jmd.texts import staff, t
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.handoff import (
    ANNA,
    GROUP,
    TUESDAY_10,
    answered,
    ask_for_a_person,
    copied,
    handoff_of,
    notes_in,
    take_over,
    thread_of,
)
from tests.test_bot import CODE, eventually, wait_for_message

pytest_plugins = ["tests.helpers.handoff_fixtures"]

IDLE_NOTE = staff("handoff.idle_note", minutes=60)  # HANDOFF_IDLE_MINUTES: the default


async def taken(api: BotApiStandIn, user: int, language: str) -> int:
    card = await ask_for_a_person(api, user, language)
    await take_over(api, card)
    await wait_for_message(api, user, t("handoff_taken", language).format(name="Anna"))
    return thread_of(card)


def active(user: int) -> bool:
    handoff = handoff_of(user)
    return handoff is not None and handoff.status == ASSIGNED


@pytest.mark.parametrize("language", ["de", "prs", "ar"])
async def test_an_idle_handoff_is_closed_and_both_sides_told(
    front: Application, api: BotApiStandIn, language: str
) -> None:
    user = {"de": 8601, "prs": 8602, "ar": 8603}[language]
    with clock.frozen(TUESDAY_10.astimezone(UTC)):
        thread = await taken(api, user, language)
        clock.advance(timedelta(minutes=59))
        assert await close_idle_handoffs(front) == 0
        clock.advance(timedelta(minutes=2))
        assert await close_idle_handoffs(front) == 1
        await wait_for_message(api, user, t("handoff_idle_closed", language))
        await eventually(lambda: IDLE_NOTE in notes_in(api, thread), "told the topic")
        clock.advance(timedelta(hours=2))
        assert await close_idle_handoffs(front) == 0, "closed once"
    handoff = handoff_of(user)
    assert handoff is not None and handoff.status == CLOSED
    api.push_text(user, "hallo", CODE[language])  # the assistant answers again
    await wait_for_message(api, user, answered("hallo", language))


async def test_a_message_of_either_side_keeps_it_open(
    front: Application, api: BotApiStandIn
) -> None:
    with clock.frozen(TUESDAY_10.astimezone(UTC)):
        thread = await taken(api, 8604, "de")
        clock.advance(timedelta(minutes=50))
        sent = api.push_text(8604, "ich überlege noch", "de")
        await eventually(lambda: copied(api, GROUP, 8604, sent["message"]["message_id"]),
                         "passed the message on")
        clock.advance(timedelta(minutes=50))  # 100 minutes after the takeover
        assert await close_idle_handoffs(front) == 0
        answer = api.push_group_text(GROUP, ANNA, "Lass dir Zeit.", thread, "Anna")
        await eventually(lambda: copied(api, 8604, GROUP, answer["message"]["message_id"]),
                         "passed the answer on")
        await eventually(lambda: (h := handoff_of(8604)) and h.last_activity_at
                         and clock.utc(h.last_activity_at) == clock.utc(clock.now()),
                         "noted the answer")
        clock.advance(timedelta(minutes=50))  # 60 after the person's message
        assert await close_idle_handoffs(front) == 0
        assert active(8604)
        clock.advance(timedelta(minutes=11))
        assert await close_idle_handoffs(front) == 1
    assert not active(8604)
