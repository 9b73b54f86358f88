"""The young person's side: asking for a counselor, and where their messages go.

Invariant: every job of a person's chat passes :func:`route` first (the chat inbox calls
it, see ``bot/app.py``), so no handler decides by itself whether Rasa may answer. While
a counselor has the chat (``assigned``), messages are queued for the topic (the group's
paced mirror, :mod:`.mirror`) and the job does not run; while a request is ``open``,
texts and media are queued for context and the job runs (Rasa answers; media get the
"passed on" note instead).

Safety while a counselor has the chat: a crisis message gets the emergency numbers at
once (in the message's language) and an urgent note in the topic; ``/bot`` and the
button under "a counselor writes with you" take the person back to the assistant
(:func:`back_to_assistant`); what the group refuses is answered another way
(:mod:`.delivery`); an idle handoff is closed (:mod:`.idle`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from telegram import Bot, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.crisis import send_crisis_reply_if_needed
from bot.front import Front, Person, front_of_context, say
from bot.handoff.common import (
    BACK_COMMAND,
    BACK_DATA,
    back_markup,
    group_of,
    offer_booking,
    offices_of,
    take_markup,
)
from bot.handoff.mirror import GroupMirror, Item
from bot.handoff.topics import in_topic
from jmd.content.offices import is_open, opening_hours, render_hours
from jmd.db import db
from jmd.handoff.cards import office_name, render_card, topic_title
from jmd.handoff.counselors import UpcomingBooking, speakers, upcoming_booking
from jmd.handoff.request import Request
from jmd.handoff.state import (
    ASSIGNED,
    OPEN,
    HandoffView,
    Requested,
    active_handoff,
    close,
    mark_notified,
    now,
    request_handoff,
    set_card,
    status_of,
    touch,
)
from jmd.identity import short
from jmd.shared.safety import is_crisis
from jmd.texts import staff, t

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Opened:
    """The request's outcome, with the card's booking and speakers."""

    requested: Requested
    booking: UpcomingBooking | None
    speakers: tuple[str, ...]


def _open(session: Session, key: str, urgent: bool, language: str) -> _Opened:
    """The person's active handoff (opened if needed), with what the card shows."""
    booking = upcoming_booking(session, key)
    requested = request_handoff(session, key, urgent=urgent, language=language,
                                office_id=booking.office_id if booking else None)
    return _Opened(requested, booking, tuple(speakers(session, language)))


async def _open_retrying(key: str, request: Request, language: str) -> _Opened:
    """:func:`_open`, again in a new transaction if a simultaneous request won the race."""
    try:
        return await db(_open, key, request.urgent, language)
    except IntegrityError:  # the unique index: the other request's handoff exists now
        return await db(_open, key, request.urgent, language)


async def perform(front: Front, bot: Bot, person: Person, custom: dict[str, Any]) -> None:
    """Carry out ``{"handoff": {...}}`` from Rasa: card in the topic, the person told."""
    data = custom.get("handoff")
    if not isinstance(data, dict):
        return
    request = Request.from_custom(data)
    language = request.language or await person.language_async()
    group = front.settings.counselor_chat_id
    if group is None:
        logger.warning("handoff asked for by %s, but COUNSELOR_CHAT_ID is not set",
                       short(person.key))
        await offer_booking(front, bot, person.chat_id, "handoff_unavailable", language)
        return
    opened = await _open_retrying(person.key, request, language)
    requested, handoff = opened.requested, opened.requested.handoff
    if handoff.status == ASSIGNED:  # a counselor writes with the person already
        return
    offices = offices_of(front)
    if requested.needs_card:
        office = office_name(handoff.office_id, offices)
        card = render_card(handoff, request.recent, opened.booking, office,
                           speaking=opened.speakers)
        markup = take_markup(handoff.id)
        try:
            message = await in_topic(
                front, bot, person.key,
                lambda thread: bot.send_message(group, card, message_thread_id=thread,
                                                reply_markup=markup),
                title=topic_title(person.key, handoff.language, office),
            )
        except TelegramError as error:  # e.g. the bot may not manage topics: say so
            logger.error("could not post the handoff card of %s: %s", short(person.key),
                         type(error).__name__)
            if requested.created:  # no request nobody can see
                await db(close, handoff.id)
            await offer_booking(front, bot, person.chat_id, "handoff_unavailable", language)
            return
        await db(set_card, handoff.id, message.message_id)
        logger.info("handoff %d for %s%s in the counselor group", handoff.id,
                    short(person.key), " (urgent)" if handoff.urgent else "")
    if not (requested.created or requested.escalated):
        await say(bot, person.chat_id, "handoff_still_waiting", language)
        return
    hours = opening_hours(offices)
    waiting = (t("handoff_waiting_hours", language, hours=render_hours(hours, language))
               if hours else t("handoff_waiting", language))
    await bot.send_message(person.chat_id, waiting)
    # Told once: the timeout check skips a person who already got the booking offer.
    if is_open(hours, now()) is False and await db(mark_notified, handoff.id):
        await offer_booking(front, bot, person.chat_id, "handoff_outside_hours", language)


def is_command(message: Message) -> bool:
    """Whether ``message`` starts with a bot command (what ``filters.COMMAND`` matches)."""
    first = message.entities[0] if message.entities else None
    return first is not None and first.type == MessageEntity.BOT_COMMAND and first.offset == 0


def is_back(update: Update) -> bool:
    """``/bot`` or a tap on "back to the assistant": the front's own job ends the handoff."""
    query, message = update.callback_query, update.message
    if query is not None:
        return query.data == BACK_DATA
    if message is None or not message.text or not is_command(message):
        return False
    return message.text.split()[0].lstrip("/").split("@")[0].lower() == BACK_COMMAND


def _routed_person(update: Any, exempt: Callable[[Update], bool]) -> Person | None:
    """Whose message or tap this is, if it is one that may go to a counselor."""
    if not isinstance(update, Update):
        return None
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return None  # the counselor group's own work
    if (update.message is None and update.callback_query is None) or exempt(update) \
            or is_back(update):
        return None  # an edit, or what the front answers itself
    return Person.of(update)


def _messages(update: Update, items: Sequence[Any]) -> list[Message]:
    """The person's messages a job stands for: a burst's items, else the update's message."""
    burst = [item for item in items if isinstance(item, Message)]
    if burst:
        return burst
    return [update.message] if update.message is not None else []


def mirror_of(front: Front) -> GroupMirror:
    """The counselor group's queue; the front builds it with the handoff handlers."""
    assert front.mirror is not None, "the front has no counselor group mirror"
    return front.mirror


async def _divert(front: Front, bot: Bot, person: Person, messages: list[Message]) -> None:
    """The messages go to the counselor only; a crisis gets the emergency numbers now."""
    mirror = mirror_of(front)
    try:
        await db(touch, person.key)  # not idle
    except Exception:  # the idle check may close it early; the messages still go
        logger.warning("could not note activity in the handoff of %s", short(person.key),
                       exc_info=True)
    for message in messages:
        text_ = message.text or message.caption or ""
        crisis = is_crisis(text_)
        # Queued first (that cannot fail): a failing crisis reply must not lose the message.
        mirror.put(Item(person, message, urgent=crisis, diverted=True))
        if not crisis:
            continue
        logger.warning("a crisis message in a handoff; urgent note in the topic")
        mirror.put(Item(person, note=staff("handoff.crisis_note"), urgent=True))
        try:  # at once: the group may have to wait, the emergency numbers must not
            await send_crisis_reply_if_needed(bot, person, text_)
        except TelegramError:
            logger.warning("could not send the crisis reply in a handoff", exc_info=True)


async def route(
    front: Front, bot: Bot, update: Any, items: Sequence[Any] = (), *,
    exempt: Callable[[Update], bool] = lambda update: False,
) -> bool:
    """Whether the person's update went to their counselor (True: its job must not run).

    Only new messages and button taps of private chats are routed; ``exempt`` names what
    the front always answers itself (/privacy, /delete; /bot and its button always are).
    A tap while assigned gets a note.
    """
    person = _routed_person(update, exempt)
    if front.settings.counselor_chat_id is None or person is None:
        return False
    try:
        status = await db(status_of, person.key)
    except Exception:  # the database is down: the conversation goes on with Rasa
        logger.warning("handoff state unknown for %s", short(person.key), exc_info=True)
        return False
    messages = _messages(update, items)
    if status == ASSIGNED:
        if not messages:  # a tapped button of the assistant
            language = await person.language_async()
            await say(bot, person.chat_id, "handoff_paused", language,
                      reply_markup=back_markup(language))
        await _divert(front, bot, person, messages)
        return True
    if status != OPEN or not messages or is_command(messages[0]):
        return False
    for message in messages:  # context for the counselors: Rasa still answers
        mirror_of(front).put(Item(person, message))
    if messages[0].text is None:  # media: the counselors have it; Rasa reads only text
        await say(bot, person.chat_id, "handoff_media_waiting", await person.language_async())
        return True
    return False


# -- back to the assistant ---------------------------------------------------------------------


async def back_to_assistant(front: Front, bot: Bot, person: Person) -> None:
    """End the person's handoff (open or assigned) at their wish; tell them and the topic.

    The note goes through the mirror, so it follows the person's messages still waiting.
    """
    language = await person.language_async()
    handoff: HandoffView | None = await db(active_handoff, person.key)
    if handoff is None or not await db(close, handoff.id):
        await say(bot, person.chat_id, "handoff_back_none", language)
        return
    logger.info("handoff %d for %s ended by the person", handoff.id, short(person.key))
    mirror_of(front).put(Item(person, note=staff("handoff.back_note")))
    if handoff.status == OPEN and handoff.card_message_id:  # nobody can take it any more
        try:
            await bot.edit_message_reply_markup(group_of(front), handoff.card_message_id,
                                                reply_markup=None)
        except TelegramError:
            logger.info("could not remove the button of a closed handoff", exc_info=True)
    await say(bot, person.chat_id, "handoff_back", language)


async def on_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/bot``: back to the assistant, in turn with the chat's other work."""
    person, front = Person.of(update), front_of_context(context)
    if person is not None:
        job = partial(back_to_assistant, front, context.bot, person)
        front.inbox.submit(person.chat_id, job, update)


async def on_back_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button "back to the assistant": as ``/bot``; the button goes."""
    query, person, front = update.callback_query, Person.of(update), front_of_context(context)
    if query is None or person is None:
        return
    await query.answer()

    async def job() -> None:
        """The button goes, then the handoff."""
        if isinstance(query.message, Message):
            try:
                await query.message.edit_reply_markup(reply_markup=None)
            except TelegramError:
                logger.info("could not remove the back button", exc_info=True)
        await back_to_assistant(front, context.bot, person)

    front.inbox.submit(person.chat_id, job, update)
