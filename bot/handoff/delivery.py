"""What the counselor group's mirror sends, and what happens to what it cannot send.

:func:`deliver` is the Telegram side of :class:`bot.handoff.mirror.GroupMirror`: one item
is copied as it is (media included), a batch of texts goes as one message, always into
the person's topic (recreated if counselors deleted it, :func:`bot.handoff.topics.in_topic`).

:func:`undelivered` keeps the promise that nothing is lost: a message that went only to
the counselor (the handoff is assigned) and that Telegram refused (bot removed from the
group, 403, chat or topic not found, any error after retries) ends the handoff, tells the
person the counselor could not be reached (with the booking button and /human), and
sends their texts to Rasa; if Rasa is down, :func:`bot.relay.relay` keeps them in
``pending_messages`` (with the crisis reply first). It runs in the person's chat inbox,
in turn with their other answers.
"""

from __future__ import annotations

import logging
from functools import partial

from telegram import Bot, Message

from bot.front import Front, Person
from bot.handoff.common import group_of, note, offer_booking
from bot.handoff.mirror import GroupMirror, Item, batch_text
from bot.handoff.topics import copy_in, in_topic
from bot.inbox import Spawn
from bot.relay import relay
from jmd.db import db
from jmd.handoff.state import close_assigned
from jmd.handoff.topics import any_topic
from jmd.identity import short
from jmd.texts import staff

logger = logging.getLogger(__name__)


def group_mirror(front: Front, bot: Bot, spawn: Spawn) -> GroupMirror:
    """The front's mirror into the counselor group, paced by COUNSELOR_GROUP_PER_MINUTE."""
    return GroupMirror(
        partial(deliver, front, bot), partial(undelivered, front, bot),
        per_window=front.settings.counselor_group_per_minute, period=60.0, spawn=spawn,
    )


async def deliver(front: Front, bot: Bot, items: list[Item]) -> None:
    """Send ``items`` (one, or a batch of one person's texts) into the person's topic."""
    first, group = items[0], group_of(front)
    if len(items) == 1 and first.message is not None:
        await copy_in(front, bot, first.key, first.person.chat_id, first.message.message_id)
        return
    text = batch_text(items) if len(items) > 1 else (first.note or "")
    await in_topic(front, bot, first.key,
                   lambda thread: bot.send_message(group, text, message_thread_id=thread))


async def undelivered(front: Front, bot: Bot, items: list[Item]) -> None:
    """Answer the person another way for each diverted message the group refused."""
    lost = [item for item in items if item.diverted and item.message is not None]
    if not lost:  # notes, or context copies while Rasa answered anyway
        return
    person = lost[0].person  # a delivery is one person's
    messages = [item.message for item in lost if item.message is not None]
    front.inbox.submit(person.chat_id, partial(_answer_instead, front, bot, person, messages))


async def _answer_instead(front: Front, bot: Bot, person: Person,
                          messages: list[Message]) -> None:
    """End the handoff (once), tell the person, give their texts to Rasa (or keep them)."""
    closed = await db(close_assigned, person.key)
    if closed is not None:
        logger.warning("handoff %d for %s closed: the counselor group refused its messages",
                       closed.id, short(person.key))
        await offer_booking(front, bot, person.chat_id, "handoff_unreachable",
                            await person.language_async())
        topic = await db(any_topic, person.key)
        if topic is not None:  # best effort: the group refused the copy, maybe this too
            await note(bot, topic.chat_id, topic.thread_id, staff("handoff.unreachable_note"))
    texts = [message.text for message in messages if message.text]
    if texts:
        # a crisis among them had its reply when it was diverted (bot.handoff.person)
        await relay(front, bot, person, "\n".join(texts), messages[0].message_id,
                    crisis_told=True)
