"""bot.handoff.topics: the person's topic, recreated when counselors deleted it."""

from __future__ import annotations

from telegram.ext import Application

from jmd.db.engine import session_scope
from jmd.db.models import CounselorTopic
from jmd.identity import pseudonym
from jmd.texts import t
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.handoff import (
    ANNA,
    GROUP,
    ask_for_a_person,
    copied,
    take_over,
    thread_of,
)
from tests.test_bot import eventually, wait_for_message

pytest_plugins = ["tests.helpers.handoff_fixtures"]


async def test_a_deleted_topic_is_recreated(front: Application, api: BotApiStandIn) -> None:
    card = await ask_for_a_person(api, 8140, "de")
    await take_over(api, card)
    await wait_for_message(api, 8140, t("handoff_taken", "de").format(name="Anna"))
    old = thread_of(card)
    api.delete_topic(old)  # a counselor deletes the topic by hand
    sent = api.push_text(8140, "hallo?", "de")
    copy = await eventually(lambda: copied(api, GROUP, 8140, sent["message"]["message_id"]),
                            "passed the message on")
    new = int(copy.params["message_thread_id"])
    assert new != old and len(api.calls_of("createForumTopic")) == 2
    header = api.in_topic(new)[0].params
    assert "neu angelegt" in header["text"] and "Übernommen von Anna" in header["text"]
    with session_scope() as session:
        topic = session.get(CounselorTopic, pseudonym(8140))
        assert topic is not None and topic.message_thread_id == new
    answer = api.push_group_text(GROUP, ANNA, "Hier bin ich.", new)
    await eventually(lambda: copied(api, 8140, GROUP, answer["message"]["message_id"]),
                     "the counselor writes in the new topic")


async def test_a_card_goes_to_a_new_topic_when_the_old_one_was_deleted(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8141, "prs")
    api.push_group_text(GROUP, ANNA, "/done", thread_of(card))
    await wait_for_message(api, 8141, t("handoff_done", "prs"))
    api.delete_topic(thread_of(card))
    again = await ask_for_a_person(api, 8141, "prs")
    assert thread_of(again) != thread_of(card)
