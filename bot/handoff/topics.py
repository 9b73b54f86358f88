"""The person's forum topic in the counselor group: created, renamed, recreated, deleted.

Invariant: whatever is sent into a topic goes through :func:`in_topic`, which recreates a
topic counselors deleted by hand (headed by the card of the active handoff) and sends
again, once. The database remembers one topic per person (:mod:`jmd.handoff.topics`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.front import Front
from bot.handoff.common import group_of, offices_of, take_markup, thread_gone
from jmd.db import db
from jmd.handoff.cards import office_name, render_card, topic_title
from jmd.handoff.state import OPEN, active_handoff, set_card
from jmd.handoff.topics import save_topic, topic_of
from jmd.identity import short

logger = logging.getLogger(__name__)



async def create_topic(bot: Bot, group: int, key: str, title: str) -> int:
    """A new topic for the person, remembered; returns its thread id."""
    topic = await bot.create_forum_topic(group, title)
    await db(save_topic, key, group, topic.message_thread_id, title)
    logger.info("created the counselor topic of %s", short(key))
    return int(topic.message_thread_id)


async def ensure_topic(bot: Bot, group: int, key: str, title: str | None) -> int:
    """The person's topic: the stored one (renamed if ``title`` changed), or a new one."""
    topic = await db(topic_of, key, group)
    if topic is None:
        return await create_topic(bot, group, key, title or topic_title(key, None))
    if title and title != topic.title:
        try:
            await bot.edit_forum_topic(group, topic.thread_id, name=title)
            await db(save_topic, key, group, topic.thread_id, title)
        except BadRequest as error:
            if thread_gone(error):
                return await create_topic(bot, group, key, title)
            logger.warning("could not rename the counselor topic of %s", short(key))
    return topic.thread_id


async def recreate_topic(front: Front, bot: Bot, group: int, key: str) -> int:
    """A new topic for a deleted one, headed by the card of the active handoff."""
    logger.warning("the counselor topic of %s was deleted; creating a new one", short(key))
    topic = await db(topic_of, key, group)
    handoff = await db(active_handoff, key)
    title = topic.title if topic else topic_title(key, handoff.language if handoff else None)
    thread = await create_topic(bot, group, key, title)
    if handoff is not None:
        office = office_name(handoff.office_id, offices_of(front))
        card = render_card(handoff, office=office, recreated=True)
        markup = take_markup(handoff.id) if handoff.status == OPEN else None
        message = await bot.send_message(group, card, message_thread_id=thread,
                                         reply_markup=markup)
        await db(set_card, handoff.id, message.message_id)
    return thread


async def in_topic[T](
    front: Front, bot: Bot, key: str, send: Callable[[int], Awaitable[T]],
    title: str | None = None,
) -> T:
    """``send(thread)`` into the person's topic; a deleted topic is recreated once."""
    group = group_of(front)
    thread = await ensure_topic(bot, group, key, title)
    try:
        return await send(thread)
    except BadRequest as error:
        if not thread_gone(error):
            raise
    thread = await recreate_topic(front, bot, group, key)
    return await send(thread)


async def copy_in(front: Front, bot: Bot, key: str, chat_id: int, message_id: int) -> None:
    """Copy the person's message ``message_id`` into their topic."""
    group = group_of(front)

    async def send(thread: int) -> None:
        """One copy into ``thread``."""
        await bot.copy_message(group, chat_id, message_id, message_thread_id=thread)

    await in_topic(front, bot, key, send)


async def delete_topic(bot: Bot, group: int, thread: int, key: str | None) -> bool:
    """Delete a topic with its messages; True if it is gone (or was already).

    ``key`` is the person's, for the log; None for a tombstone (the person is erased).
    """
    whose = short(key) if key else "an erased person (tombstone)"
    try:
        await bot.delete_forum_topic(group, thread)
    except BadRequest as error:
        if thread_gone(error):
            return True
        logger.warning("could not delete the counselor topic of %s", whose)
        return False
    except TelegramError:
        logger.warning("could not delete the counselor topic of %s", whose)
        return False
    logger.info("deleted the counselor topic of %s", whose)
    return True
