"""Relaying messages to Rasa. What Rasa cannot take now is kept and answered later.

When Rasa or the action server is down, the person is told at once, and the message is
stored (``pending_messages``). A background task retries; the answer arrives without the
person writing again. Messages older than ``PENDING_MAX_AGE_MINUTES`` are given up with
a note. Text is stored only until Rasa has answered.

When handling a message fails in Rasa (HTTP 500, :class:`RasaFailed`), the person is told
at once (the crisis reply first) and the message is not kept: it would fail again and hold
up the person's later messages. Each message carries an idempotency key (its Telegram
message id, or the button tap's id) so that a retry or a replay is answered by Rasa from
the conversation instead of being handled twice (``jmd/nlu/channel.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy.orm import Session
from telegram import Bot, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import Forbidden

from bot.booking import handle_custom
from bot.crisis import send_crisis_reply_if_needed
from bot.front import (
    AnyApplication,
    Front,
    OnCustom,
    Person,
    blocked_by_person,
    front_of,
    say,
    send_replies,
)
from bot.handoff.person import perform
from bot.interpreters.appointment import on_booking_custom
from bot.rasa_client import RasaFailed, RasaUnavailable
from jmd.db import db
from jmd.db.models import utcnow
from jmd.db.pending import (
    expire_pending,
    forget_pending,
    has_pending,
    keep_pending,
    pending_of,
    waiting_people,
)
from jmd.db.persons import touch_person
from jmd.identity import short

logger = logging.getLogger(__name__)


@contextmanager
def _unless_blocked(key: str) -> Iterator[None]:
    """Go on when Telegram refuses a message because the person has blocked the bot.

    What they sent still counts (Rasa hears it, a crisis still reaches the counselors);
    only what was meant for them cannot be delivered.
    """
    try:
        yield
    except Forbidden as error:
        if not blocked_by_person(error):
            raise
        logger.warning("%s has blocked the bot: a message to them was not delivered",
                       short(key))


def _metadata(telegram_language_code: str | None, key: str | None = None) -> dict[str, Any]:
    """What Rasa's channel needs besides the text."""
    # Pending messages come from private chats only: the front relays nothing else.
    metadata: dict[str, Any] = {
        "telegram_language_code": telegram_language_code, "chat_type": "private",
    }
    if key is not None:  # Rasa handles each key once (jmd/nlu/channel.py)
        metadata["idempotency_key"] = key
    return metadata


def message_key(message_id: int | None) -> str | None:
    """The idempotency key of a person's message (unique in their chat, as Rasa's sender)."""
    return f"tg-{message_id}" if message_id is not None else None


def _remember_chat(session: Session, person: Person) -> None:
    """The person's chat, for answers that come later (pending, timeouts, reminders)."""
    touch_person(session, person.key, chat_id=person.chat_id)


def _keep(session: Session, person: Person, text_: str, message_id: int | None) -> None:
    """Store the message until Rasa can answer it."""
    keep_pending(
        session, person.key, person.chat_id, text_, message_id=message_id,
        telegram_language_code=person.telegram_language_code,
    )


@dataclass(frozen=True)
class _Waiting:
    """A stored message, as read in one transaction."""

    id: int
    chat_id: int
    text: str
    message_id: int | None
    telegram_language_code: str | None


def _waiting(session: Session, key: str) -> list[_Waiting]:
    """The person's waiting messages, oldest first."""
    return [
        _Waiting(int(row.id), int(row.chat_id), str(row.text),
                 int(row.message_id) if row.message_id else None, row.telegram_language_code)
        for row in pending_of(session, key)
    ]


def _on_custom(front: Front, bot: Bot, person: Person, language: str) -> OnCustom:
    """Rasa's custom messages: appointment files and notices, handoff requests."""

    async def handle(custom: dict[str, Any]) -> None:
        """One custom message: booking files and notices, then a handoff request."""
        await handle_custom(front, bot, person.chat_id, custom, language)
        await on_booking_custom(front, bot, person, custom, language)  # an interpreter?
        await perform(front, bot, person, custom)

    return handle


async def relay(
    front: Front, bot: Bot, person: Person, text_: str, message_id: int | None = None,
    *, key: str | None = None, crisis_told: bool = False,
) -> None:
    """Send ``text_`` to Rasa for ``person`` and deliver the answer; keep it if Rasa is down.

    ``key`` (default: from ``message_id``) makes Rasa handle the message once, however
    often it is sent. During a handoff the chat inbox has routed the message already
    (``bot.handoff.person``). ``crisis_told``: the person has had the crisis reply to this
    text already (a handoff's diverted message), so a failure does not send it again.
    """
    await db(_remember_chat, person)
    with _unless_blocked(person.key):
        await bot.send_chat_action(chat_id=person.chat_id, action=ChatAction.TYPING)
    # Older messages still waiting are answered first, or this one waits behind them.
    waiting = await db(has_pending, person.key)
    if waiting and not await flush(front, bot, person.key):
        await _kept(bot, person, text_, message_id, crisis_told=crisis_told)
        return
    try:
        replies = await front.rasa.send(
            person.key, text_,
            _metadata(person.telegram_language_code, key or message_key(message_id)),
        )
    except RasaUnavailable:
        logger.error("Rasa unavailable for %s; the message is kept", short(person.key))
        await _kept(bot, person, text_, message_id, crisis_told=crisis_told)
        return
    except RasaFailed:
        logger.error("Rasa failed to handle a message of %s", short(person.key))
        with _unless_blocked(person.key):
            await _failed(bot, person, "" if crisis_told else text_)
        return
    language = await person.language_async()
    with _unless_blocked(person.key):
        await send_replies(bot, person.chat_id, replies, language, front.payloads,
                           _on_custom(front, bot, person, language))


async def _kept(
    bot: Bot, person: Person, text_: str, message_id: int | None, *, crisis_told: bool = False
) -> None:
    """Store the message for later and tell the person (the crisis reply first)."""
    # A crisis message gets the emergency numbers now, before anything can fail.
    language = None
    if not crisis_told:
        with _unless_blocked(person.key):
            language = await send_crisis_reply_if_needed(bot, person, text_)
    await db(_keep, person, text_, message_id)
    with _unless_blocked(person.key):
        await say(
            bot, person.chat_id, "technical_problem", language or await person.language_async()
        )


async def _failed(
    bot: Bot, person: Person, text_: str, reply_to: ReplyParameters | None = None
) -> None:
    """Tell the person handling their message failed (the crisis reply first)."""
    language = await send_crisis_reply_if_needed(bot, person, text_)
    await say(bot, person.chat_id, "error", language or await person.language_async(),
              reply_parameters=reply_to)


async def flush(front: Front, bot: Bot, key: str) -> bool:
    """Answer the person's waiting messages, oldest first; False if Rasa is still down."""
    for row in await db(_waiting, key):
        person = Person(key, row.chat_id, row.telegram_language_code)
        reply_to = (
            ReplyParameters(row.message_id, allow_sending_without_reply=True)
            if row.message_id else None
        )
        try:
            metadata = _metadata(person.telegram_language_code, message_key(row.message_id))
            replies = await front.rasa.send(key, row.text, metadata)
        except RasaUnavailable:
            return False
        except RasaFailed:  # it would fail again: tell the person, go on with the next
            logger.error("Rasa failed to handle a waiting message of %s", short(key))
            await db(forget_pending, row.id)
            with _unless_blocked(key):
                await _failed(bot, person, row.text, reply_to)
            continue
        # Rasa has taken the message: forget it now (before answering, so that the answer
        # never arrives while the text is still stored); not sent again if Telegram fails.
        await db(forget_pending, row.id)
        language = await person.language_async()
        with _unless_blocked(key):
            await say(bot, person.chat_id, "pending_answer", language,
                      reply_parameters=reply_to)
        with _unless_blocked(key):
            await send_replies(bot, person.chat_id, replies, language, front.payloads,
                               _on_custom(front, bot, person, language))
    logger.info("answered the waiting messages of %s", short(key))
    return True


async def settle(front: Front, bot: Bot, key: str, chat_id: int, rasa_ready: bool) -> None:
    """One person's waiting messages: give up the too old ones, answer the rest if possible."""
    max_age = timedelta(minutes=front.settings.pending_max_age_minutes)
    expired = await db(expire_pending, key, utcnow() - max_age)
    if expired:
        logger.warning("gave up %d waiting message(s) of %s", len(expired), short(key))
        language = await Person(key, chat_id, expired[-1]).language_async()
        with _unless_blocked(key):
            await say(bot, chat_id, "pending_expired", language)
    if rasa_ready:
        await flush(front, bot, key)


async def retry_once(application: AnyApplication) -> None:
    """Queue a settle job for everyone with waiting messages (a job of :mod:`bot.jobs`)."""
    front = front_of(application)
    people = await db(waiting_people)
    if not people:
        return
    rasa_ready = await front.rasa.is_ready()
    for key, chat_id in people:
        # A busy chat is settled in a later round (and relay answers waiting ones first).
        if application.running and not front.inbox.busy(chat_id):
            job = partial(settle, front, application.bot, key, chat_id, rasa_ready)
            front.inbox.submit(chat_id, job)
