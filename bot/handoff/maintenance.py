"""Handoff work nobody asked for just now: timeouts, retention of topics, erasure.

:func:`check_timeouts` is one pass (the periodic loop, later the JobQueue, repeats it);
a timeout is claimed in the database before the person is told, so two passes or two
processes never tell twice. Topics are deleted in Telegram before their rows are
forgotten; a topic Telegram refuses to delete (erasure or retention) becomes a tombstone
(group and thread only): the person's data goes on time and :func:`bury_tombstones`, a job
of :mod:`bot.jobs`, retries the deletion until Telegram has done it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from telegram import Bot

from bot.front import AnyApplication, Front, front_of
from bot.handoff.common import note, offer_booking
from bot.handoff.topics import delete_topic
from jmd.db import db
from jmd.handoff.state import ASSIGNED, active_handoff, claim_timeouts, purge_closed
from jmd.handoff.topics import (
    any_topic,
    bury,
    forget_topic,
    not_buried,
    old_topics,
    tombstone_topic,
    tombstones,
)
from jmd.texts import staff

logger = logging.getLogger(__name__)


async def check_timeouts(application: AnyApplication) -> int:
    """Tell everyone whose open handoff nobody took within HANDOFF_TIMEOUT_MINUTES.

    A job of :mod:`bot.jobs`. Returns how many were told.
    """
    front = front_of(application)
    timeout = timedelta(minutes=front.settings.handoff_timeout_minutes)
    due = await db(claim_timeouts, timeout)
    for claimed in due:
        logger.info("handoff %d not taken in time; the person is offered a booking",
                    claimed.handoff_id)
        job = partial(offer_booking, front, application.bot, claimed.chat_id,
                      "handoff_timeout", claimed.language)
        front.inbox.submit(claimed.chat_id, job)  # in turn with the chat's other answers
    return len(due)


async def end_for_erasure(front: Front, bot: Bot, key: str) -> None:
    """Before /delete erases the rows: tell an assigned counselor, delete the topic."""
    topic = await db(any_topic, key)
    if topic is None:
        return
    handoff = await db(active_handoff, key)
    if handoff is not None and handoff.status == ASSIGNED:
        await note(bot, topic.chat_id, topic.thread_id, staff("handoff.erased_note"))
    if not await delete_topic(bot, topic.chat_id, topic.thread_id, key):
        # the erasure goes on: the transcript is deleted later, by bury_tombstones
        await db(tombstone_topic, key)


async def purge_old_topics(bot: Bot, cutoff: datetime) -> int:
    """For the retention job: delete topics whose last handoff closed before ``cutoff``.

    Their closed handoffs go too; a topic Telegram refuses to delete becomes a tombstone.
    Returns the number of topics deleted now.
    """
    deleted = 0
    for key, group, thread in await db(old_topics, cutoff):
        if await delete_topic(bot, group, thread, key):
            await db(forget_topic, key)
            deleted += 1
        else:
            await db(tombstone_topic, key)
    await db(purge_closed, cutoff)
    return deleted


TOMBSTONE_INTERVAL = timedelta(minutes=10)  # how often bury_tombstones runs


async def bury_tombstones(application: AnyApplication) -> int:
    """Delete the topics Telegram refused to delete before (a job of :mod:`bot.jobs`).

    A tombstone goes once its topic is gone; one Telegram still refuses stays for the next
    run. Returns the number of topics deleted.
    """
    buried = 0
    for tombstone, group, thread in await db(tombstones):
        if await delete_topic(application.bot, group, thread, None):
            await db(bury, tombstone)
            buried += 1
        else:
            await db(not_buried, tombstone)
    return buried


async def retention_hook(cutoff: datetime, bot: Bot | None) -> dict[str, int]:
    """Retention hook (registered by ``bot.app``): old topics through the Bot API.

    ``make purge`` has no front, so no hook: the topics wait for the front's next run;
    closed handoffs go anyway (``jmd.personal_data.ClosedHandoffs``).
    """
    if bot is None:
        return {}
    return {"counselor_topics": await purge_old_topics(bot, cutoff)}
