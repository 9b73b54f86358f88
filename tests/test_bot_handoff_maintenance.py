"""bot.handoff.maintenance: timeouts, erasure and retention of the counselor topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from telegram.ext import Application

from bot.handoff.maintenance import bury_tombstones, check_timeouts, purge_old_topics
from bot.privacy import DELETE_YES
from jmd import clock
from jmd.db.engine import get_engine, session_scope
from jmd.db.models import CounselorTopic, Handoff, TopicTombstone
from jmd.handoff.state import OPEN
from jmd.identity import pseudonym
from jmd.texts import t
from tests.helpers.bot_api import BotApiStandIn
from tests.helpers.db import rows_with
from tests.helpers.handoff import (
    ANNA,
    BOOK,
    ERASED_NOTE,
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
from tests.test_bot import buttons, wait_for_message

pytest_plugins = ["tests.helpers.handoff_fixtures"]


# -- waiting too long ----------------------------------------------------------------------


async def test_nobody_takes_over_in_time(front: Application, api: BotApiStandIn) -> None:
    with clock.frozen(TUESDAY_10.astimezone(UTC)):
        card = await ask_for_a_person(api, 8150, "prs")
        await wait_for_message(api, 8150, t("handoff_waiting", "prs"))
        clock.advance(timedelta(minutes=14))
        assert await check_timeouts(front) == 0
        clock.advance(timedelta(minutes=2))
        assert await check_timeouts(front) == 1
        notice = await wait_for_message(api, 8150, t("handoff_timeout", "prs"))
        assert buttons(notice) == [BOOK]
        clock.advance(timedelta(hours=1))
        assert await check_timeouts(front) == 0, "told once"
    handoff = handoff_of(8150)
    assert handoff is not None and handoff.status == OPEN, "still open for counselors"
    await take_over(api, card)
    await wait_for_message(api, 8150, t("handoff_taken", "prs").format(name="Anna"))


async def test_taken_in_time_no_timeout(front: Application, api: BotApiStandIn) -> None:
    with clock.frozen(TUESDAY_10):
        card = await ask_for_a_person(api, 8151, "de")
        await take_over(api, card)
        await wait_for_message(api, 8151, t("handoff_taken", "de").format(name="Anna"))
        clock.advance(timedelta(hours=2))
        assert await check_timeouts(front) == 0


# -- erasure and retention -------------------------------------------------------------------


async def test_delete_tells_the_counselor_and_deletes_the_topic(
    front: Application, api: BotApiStandIn
) -> None:
    key = pseudonym(8190)
    card = await ask_for_a_person(api, 8190, "ar")
    await take_over(api, card)
    await wait_for_message(api, 8190, t("handoff_taken", "ar").format(name="Anna"))
    thread = thread_of(card)
    api.push_command(8190, "/delete", "ar")
    question = await wait_for_message(api, 8190, t("delete_confirm", "ar"))
    api.push_tap(8190, question, DELETE_YES, "ar")
    await wait_for_message(api, 8190, t("deleted", "ar"))
    assert ERASED_NOTE in notes_in(api, thread)
    assert [int(c.params["message_thread_id"]) for c in api.calls_of("deleteForumTopic")] == [
        thread
    ]
    assert rows_with(get_engine(), key) == {}
    late = api.push_group_text(GROUP, ANNA, "Bist du noch da?", thread)
    api.push_text(8191, "hallo", "de")  # something after it, to know it was handled
    await wait_for_message(api, 8191, answered("hallo", "de"))
    assert not copied(api, 8190, GROUP, late["message"]["message_id"])


def tombstones_now() -> list[tuple[int, int]]:
    """(group, thread) of every topic still to be deleted."""
    with session_scope() as session:
        rows = session.execute(select(TopicTombstone.chat_id, TopicTombstone.message_thread_id))
        return [(int(chat), int(thread)) for chat, thread in rows]


async def test_delete_erases_even_when_telegram_keeps_the_topic_and_retries_later(
    front: Application, api: BotApiStandIn
) -> None:
    key = pseudonym(8192)
    card = await ask_for_a_person(api, 8192, "prs")
    thread = thread_of(card)
    api.fail("deleteForumTopic", status=400, description="Bad Request: not enough rights")
    api.push_command(8192, "/delete", "prs")
    question = await wait_for_message(api, 8192, t("delete_confirm", "prs"))
    api.push_tap(8192, question, DELETE_YES, "prs")
    await wait_for_message(api, 8192, t("deleted", "prs"))  # erasure confirmed
    assert rows_with(get_engine(), key) == {}, "nothing about the person is kept"
    assert thread not in api.deleted_topics
    assert tombstones_now() == [(GROUP, thread)]  # where the transcript is, nothing else
    assert await bury_tombstones(front) == 1  # the job's next run
    assert thread in api.deleted_topics
    assert tombstones_now() == []
    assert await bury_tombstones(front) == 0
    assert len(api.calls_of("deleteForumTopic")) == 2


async def test_a_tombstone_stays_while_telegram_refuses(
    front: Application, api: BotApiStandIn
) -> None:
    card = await ask_for_a_person(api, 8193, "de")
    thread = thread_of(card)
    api.fail("deleteForumTopic", status=403, description="Forbidden: bot was kicked",
             times=2)
    api.push_command(8193, "/delete", "de")
    question = await wait_for_message(api, 8193, t("delete_confirm", "de"))
    api.push_tap(8193, question, DELETE_YES, "de")
    await wait_for_message(api, 8193, t("deleted", "de"))
    assert await bury_tombstones(front) == 0
    assert tombstones_now() == [(GROUP, thread)], "tried again on the next run"
    with session_scope() as session:
        assert session.scalars(select(TopicTombstone.attempts)).one() == 1
    assert await bury_tombstones(front) == 1 and tombstones_now() == []


async def test_old_topics_are_deleted_for_retention(
    front: Application, api: BotApiStandIn
) -> None:
    now = datetime.now(UTC)
    people = {"old": 8201, "recent": 8202, "waiting": 8203}
    threads = {}
    for name, user in people.items():
        with clock.frozen(now - timedelta(days=120)):
            card = await ask_for_a_person(api, user, "de")
        threads[name] = thread_of(card)
    with clock.frozen(now - timedelta(days=100)):
        api.push_group_text(GROUP, ANNA, "/done", threads["old"])
        await wait_for_message(api, people["old"], t("handoff_done", "de"))
    with clock.frozen(now - timedelta(days=10)):
        api.push_group_text(GROUP, ANNA, "/done", threads["recent"])
        await wait_for_message(api, people["recent"], t("handoff_done", "de"))

    api.fail("deleteForumTopic", status=400, description="Bad Request: not enough rights")
    assert await purge_old_topics(front.bot, now - timedelta(days=90)) == 0
    # the person's topic row goes on time; where the topic is stays, to delete it later
    left = rows_with(get_engine(), pseudonym(people["old"]))
    assert "counselor_topics.person_key" not in left and "handoffs.person_key" not in left
    assert tombstones_now() == [(GROUP, threads["old"])]
    assert await purge_old_topics(front.bot, now - timedelta(days=90)) == 0, "nothing left"
    assert await bury_tombstones(front) == 1
    assert tombstones_now() == []
    deleted = [int(c.params["message_thread_id"]) for c in api.calls_of("deleteForumTopic")]
    assert deleted == [threads["old"], threads["old"]]
    assert threads["old"] in api.deleted_topics
    with session_scope() as session:
        assert session.get(CounselorTopic, pseudonym(people["old"])) is None
        assert session.get(CounselorTopic, pseudonym(people["recent"])) is not None
        assert session.get(CounselorTopic, pseudonym(people["waiting"])) is not None
        left = session.execute(select(Handoff.person_key)).scalars().all()
    assert pseudonym(people["old"]) not in left, "its closed handoff went too"
