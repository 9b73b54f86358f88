"""The front's own crisis reply, for when Rasa cannot give it.

Rasa answers a crisis message with ``utter_crisis`` first (the NLU safety net sets the
intent). When Rasa is down, the database is down, or handling fails, the person still gets
the emergency numbers at once, from ``content/texts/front.yml`` ("crisis", the same text).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot

from bot.front import Person, say
from jmd.shared.languages import registry
from jmd.shared.safety import crisis_match

logger = logging.getLogger(__name__)


async def message_language(person: Person, text_: str) -> str:
    """The language ``text_`` is written in, else the person's."""
    current = await person.language_async()
    try:
        # The detector is CPU work: in a worker thread, so the event loop keeps running.
        return await asyncio.to_thread(
            registry().resolve, current, text=text_, telegram_code=person.telegram_language_code
        )
    except Exception:  # the reply must go out whatever fails
        logger.warning("language detection failed", exc_info=True)
        return current


async def send_crisis_reply_if_needed(bot: Bot, person: Person, text_: str) -> str | None:
    """Send the emergency numbers if ``text_`` is a crisis message; its language, or None."""
    found = crisis_match(text_)
    if found is None:
        return None
    language = await message_language(person, text_)
    await say(bot, person.chat_id, "crisis", language)
    # Neither the pseudonym nor the category: together they would be health data in a log.
    logger.warning("a crisis message was answered by the front itself")
    return language
