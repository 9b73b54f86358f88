"""Idle handoffs are closed: nobody is left talking to an empty chat.

A handoff a counselor has (``assigned``) with no message of either side for
HANDOFF_IDLE_MINUTES is closed by :func:`close_idle_handoffs` (a job of :mod:`bot.jobs`).
The close is claimed in the database first (one conditional UPDATE each), so two passes or
two processes never tell twice; a message arriving meanwhile keeps the handoff open.
The person is told (in their language) that the assistant answers again and how to reach
a counselor again; the topic gets a note, after the person's messages still waiting.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from telegram import Bot

from bot.front import AnyApplication, Person, front_of, say
from bot.handoff.mirror import Item
from bot.handoff.person import mirror_of
from jmd.db import db
from jmd.handoff.state import close_idle
from jmd.identity import short
from jmd.texts import staff

logger = logging.getLogger(__name__)


async def _tell(bot: Bot, chat_id: int, language: str) -> None:
    """The person: the assistant answers again; /human finds a counselor again."""
    await say(bot, chat_id, "handoff_idle_closed", language)


async def close_idle_handoffs(application: AnyApplication) -> int:
    """Close every idle assigned handoff; returns how many were closed."""
    front = front_of(application)
    idle = timedelta(minutes=front.settings.handoff_idle_minutes)
    closed = await db(close_idle, idle)
    for done in closed:
        handoff = done.handoff
        logger.info("handoff %d for %s closed after %d idle minutes", handoff.id,
                    short(handoff.person_key), front.settings.handoff_idle_minutes)
        chat_id = done.person.chat_id
        if chat_id is None:
            continue
        person = Person(handoff.person_key, chat_id, None)
        mirror_of(front).put(Item(person, note=staff(
            "handoff.idle_note", minutes=front.settings.handoff_idle_minutes)))
        job = partial(_tell, application.bot, chat_id, done.person.language or handoff.language)
        front.inbox.submit(chat_id, job)  # in turn with the chat's other answers
    return len(closed)
