"""Handoff to a counselor, Telegram side: the counselor group, its topics and cards.

The counselor group (``COUNSELOR_CHAT_ID``) is a forum supergroup. Each young person has
one topic there (created on the first handoff, reused, recreated when it was deleted),
titled with a pseudonym, language and office. A handoff posts a card with "Übernehmen".

* ``open``: nobody has taken it yet. The person's messages still go to Rasa, and are
  also copied into the topic so the counselors see what the person writes meanwhile.
* ``assigned``: the first counselor who pressed "Übernehmen" writes with the person. The
  person's messages (text and media) are copied into the topic and not sent to Rasa;
  what that counselor writes in the topic is copied to the person. Other counselors'
  messages in the topic stay internal. ``/done`` in the topic closes the handoff.
* ``closed``: Rasa answers again.

All state is in the database (``jmd.handoff``), so a restart changes nothing. Logs name
people only by ``short(key)``, never by a Telegram ID, and never quote messages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessage,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.formatting import keyboard
from bot.front import Front, Person, front_of, front_of_context, say
from bot.rasa_client import Button
from jmd.content.offices import Office, OfficeDataError, load_offices
from jmd.db import session_scope
from jmd.db.models import CounselorTopic, Handoff
from jmd.db.persons import get_person
from jmd.handoff import (
    ASSIGNED,
    CLOSED,
    OPEN,
    TAKE_BUTTON,
    Request,
    Requested,
    UpcomingBooking,
    active_handoff,
    counselor_by_telegram_id,
    due_timeouts,
    forget_topic,
    get_handoff,
    is_open,
    mark_notified,
    now,
    office_name,
    old_topics,
    opening_hours,
    parse_take,
    person_of_thread,
    purge_closed,
    render_card,
    render_hours,
    request_handoff,
    save_topic,
    set_card,
    speakers,
    take,
    take_data,
    taken_line,
    topic_of,
    topic_title,
    upcoming_booking,
)
from jmd.handoff import close as close_handoff
from jmd.identity import short
from jmd.texts import t

logger = logging.getLogger(__name__)

T = TypeVar("T")

BOOKING_PAYLOAD = "/book_appointment"
# Who counts as being in the counselor group.
IN_GROUP = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}

# Notes in the counselor group (German, like the group).
NOT_COUNSELOR = (
    "Das dürfen nur eingetragene Beraterinnen und Berater. "
    "Bitte lass dich von der Verwaltung der Gruppe eintragen."
)
TAKEN_BY_YOU = "Du hast das Gespräch übernommen."
ALREADY_TAKEN = "Schon übernommen von {name}."
ALREADY_CLOSED = "Diese Anfrage ist schon beendet."
CLOSED_LINE = "☑️ Beendet."
NO_CONVERSATION = "In diesem Thema gibt es kein offenes Gespräch."
DONE_NOTE = "☑️ Beendet von {name}. Der Assistent antwortet der Person wieder."
NOT_FORWARDED_OPEN = "ℹ️ Nicht an die Person geschickt: Bitte zuerst „Übernehmen“ drücken."
NOT_FORWARDED_CLOSED = (
    "ℹ️ Nicht an die Person geschickt: Das Gespräch ist beendet. "
    "Die Person kann mit /human wieder nach jemandem fragen."
)
UNDELIVERABLE = (
    "⚠️ Nicht zugestellt: Die Person hat den Chat mit dem Assistenten beendet oder blockiert."
)
ERASED_NOTE = (
    "🗑️ Die Person hat alle ihre Daten gelöscht (/delete). "
    "Das Gespräch ist beendet, dieses Thema wird gelöscht."
)


# -- database steps (blocking; run in a thread) ------------------------------------------


@dataclass(frozen=True)
class _Opened:
    requested: Requested
    booking: UpcomingBooking | None
    speakers: list[str]


def _open(key: str, request: Request, language: str) -> _Opened:
    for attempt in range(2):
        try:
            with session_scope() as session:
                booking = upcoming_booking(session, key)
                requested = request_handoff(
                    session, key, urgent=request.urgent, language=language,
                    office_id=booking.office_id if booking else None,
                )
                return _Opened(requested, booking, speakers(session, language))
        except IntegrityError:  # another request for the same person was faster
            if attempt:
                raise
    raise AssertionError("unreachable")


def _status(key: str) -> str | None:
    with session_scope() as session:
        handoff = active_handoff(session, key)
        return str(handoff.status) if handoff else None


def _active(key: str) -> Handoff | None:
    with session_scope() as session:
        return active_handoff(session, key)


def _topic_row(key: str, group: int) -> tuple[int, str] | None:
    with session_scope() as session:
        topic = topic_of(session, key, group)
        return (int(topic.message_thread_id), str(topic.title)) if topic else None


def _any_topic(key: str) -> tuple[int, int] | None:
    """(chat, thread) of the person's topic, in whichever group it is."""
    with session_scope() as session:
        topic = session.get(CounselorTopic, key)
        return (int(topic.chat_id), int(topic.message_thread_id)) if topic else None


def _save_topic(key: str, group: int, thread_id: int, title: str) -> None:
    with session_scope() as session:
        save_topic(session, key, group, thread_id, title)


def _set_card(handoff_id: int, message_id: int) -> None:
    with session_scope() as session:
        set_card(session, handoff_id, message_id)


def _mark_notified(handoff_id: int) -> bool:
    with session_scope() as session:
        return mark_notified(session, handoff_id)


def _contact(key: str, fallback_language: str | None) -> tuple[int | None, str | None]:
    """The person's chat and current language (blocking: DB)."""
    with session_scope() as session:
        person = get_person(session, key)
        if person is None:
            return None, fallback_language
        chat = int(person.chat_id) if person.chat_id is not None else None
        return chat, person.language or fallback_language


@dataclass(frozen=True)
class _Taken:
    taken: bool
    handoff: Handoff | None
    chat_id: int | None
    language: str | None


def _take(handoff_id: int, counselor_id: int, name: str) -> _Taken:
    with session_scope() as session:
        taken = take(session, handoff_id, counselor_id, name)
        handoff = get_handoff(session, handoff_id)
        if handoff is not None:
            session.refresh(handoff)
    if handoff is None:
        return _Taken(False, None, None, None)
    chat, language = _contact(str(handoff.person_key), str(handoff.language))
    return _Taken(taken, handoff, chat, language)


def _counselor(telegram_id: int, allow_list: frozenset[int]) -> tuple[bool, str | None]:
    with session_scope() as session:
        check = counselor_by_telegram_id(session, telegram_id, allow_list)
        return check.allowed, check.name


@dataclass(frozen=True)
class _Thread:
    key: str
    handoff: Handoff | None  # the active one, if any
    chat_id: int | None
    language: str | None


def _thread(group: int, thread_id: int) -> _Thread | None:
    with session_scope() as session:
        key = person_of_thread(session, group, thread_id)
        if key is None:
            return None
        handoff = active_handoff(session, key)
    chat, language = _contact(key, str(handoff.language) if handoff else None)
    return _Thread(key, handoff, chat, language)


def _close(handoff_id: int) -> bool:
    with session_scope() as session:
        return close_handoff(session, handoff_id)


def _claim_timeouts(timeout: timedelta) -> list[tuple[int, int, str]]:
    """Mark due handoffs as notified; (handoff id, chat, language) of those this call won."""
    claimed = []
    with session_scope() as session:
        for handoff in due_timeouts(session, timeout):
            if mark_notified(session, int(handoff.id)):
                claimed.append((int(handoff.id), str(handoff.person_key), str(handoff.language)))
    result = []
    for handoff_id, key, language in claimed:
        chat, current = _contact(key, language)
        if chat is not None:
            result.append((handoff_id, chat, current or language))
    return result


def _old_topics(cutoff: datetime) -> list[tuple[str, int, int]]:
    with session_scope() as session:
        return old_topics(session, cutoff)


def _forget_topic(key: str) -> None:
    with session_scope() as session:
        forget_topic(session, key)


def _purge_closed(cutoff: datetime) -> int:
    with session_scope() as session:
        return purge_closed(session, cutoff)


# -- helpers -----------------------------------------------------------------------------


def _offices(front: Front) -> tuple[Office, ...]:
    try:
        return load_offices(front.settings.offices_file)
    except (OSError, OfficeDataError):
        logger.warning("office data unreadable; handoff without office hours", exc_info=True)
        return ()


def _thread_gone(error: BadRequest) -> bool:
    """Telegram's answer when a message goes to a deleted forum topic."""
    message = error.message.lower()
    return any(part in message for part in ("thread not found", "topic_deleted",
                                            "topic_id_invalid", "topic not found"))


def _take_button(handoff_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(TAKE_BUTTON, callback_data=take_data(handoff_id))]]
    )


async def offer_booking(front: Front, bot: Bot, chat_id: int, key: str, language: str) -> None:
    """The front's text ``key`` with the "📅 book an appointment" button."""
    markup = keyboard((Button(t("book_button", language), BOOKING_PAYLOAD),), front.payloads)
    await say(bot, chat_id, key, language, reply_markup=markup)


async def _note(bot: Bot, group: int, thread: int | None, note: str,
                reply_to: int | None = None) -> None:
    """A note of the assistant in the counselor group (best effort)."""
    try:
        await bot.send_message(
            group, note, message_thread_id=thread,
            reply_parameters=(ReplyParameters(reply_to, allow_sending_without_reply=True)
                              if reply_to else None),
        )
    except TelegramError:
        logger.warning("could not post a note in the counselor group", exc_info=True)


# -- the person's topic ------------------------------------------------------------------


async def _create_topic(bot: Bot, group: int, key: str, title: str) -> int:
    topic = await bot.create_forum_topic(group, title)
    await asyncio.to_thread(_save_topic, key, group, topic.message_thread_id, title)
    logger.info("created the counselor topic of %s", short(key))
    return int(topic.message_thread_id)


async def _ensure_topic(bot: Bot, group: int, key: str, title: str | None) -> int:
    """The person's topic: the stored one (renamed if ``title`` changed), or a new one."""
    row = await asyncio.to_thread(_topic_row, key, group)
    if row is None:
        return await _create_topic(bot, group, key, title or _fallback_title(key))
    thread, stored = row
    if title and title != stored:
        try:
            await bot.edit_forum_topic(group, thread, name=title)
            await asyncio.to_thread(_save_topic, key, group, thread, title)
        except BadRequest as error:
            if _thread_gone(error):
                return await _create_topic(bot, group, key, title)
            logger.warning("could not rename the counselor topic of %s", short(key))
    return thread


def _fallback_title(key: str) -> str:
    return topic_title(key, None)


async def _recreate_topic(front: Front, bot: Bot, group: int, key: str) -> int:
    """A new topic for a deleted one, headed by the card of the active handoff."""
    logger.warning("the counselor topic of %s was deleted; creating a new one", short(key))
    row = await asyncio.to_thread(_topic_row, key, group)
    handoff = await asyncio.to_thread(_active, key)
    title = row[1] if row else topic_title(key, str(handoff.language) if handoff else None)
    thread = await _create_topic(bot, group, key, title)
    if handoff is not None:
        office = office_name(handoff.office_id, _offices(front))
        card = render_card(handoff, office=office, recreated=True)
        markup = _take_button(int(handoff.id)) if handoff.status == OPEN else None
        message = await bot.send_message(group, card, message_thread_id=thread,
                                         reply_markup=markup)
        await asyncio.to_thread(_set_card, int(handoff.id), message.message_id)
    return thread


async def in_topic(
    front: Front, bot: Bot, key: str, send: Callable[[int], Awaitable[T]],
    title: str | None = None,
) -> T:
    """``send(thread)`` into the person's topic; a deleted topic is recreated once."""
    group = front.settings.counselor_chat_id
    assert group is not None
    thread = await _ensure_topic(bot, group, key, title)
    try:
        return await send(thread)
    except BadRequest as error:
        if not _thread_gone(error):
            raise
    thread = await _recreate_topic(front, bot, group, key)
    return await send(thread)


async def _copy_in(front: Front, bot: Bot, person: Person, message_id: int) -> None:
    group = front.settings.counselor_chat_id
    assert group is not None
    await in_topic(front, bot, person.key, lambda thread: bot.copy_message(
        group, person.chat_id, message_id, message_thread_id=thread
    ))


# -- the young person's side -------------------------------------------------------------


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
    opened = await asyncio.to_thread(_open, person.key, request, language)
    requested, handoff = opened.requested, opened.requested.handoff
    if handoff.status == ASSIGNED:  # a counselor writes with the person already
        return
    offices = _offices(front)
    if requested.needs_card:
        office = office_name(handoff.office_id, offices)
        card = render_card(handoff, request.recent, opened.booking, office,
                           speaking=opened.speakers)
        markup = _take_button(int(handoff.id))
        try:
            message = await in_topic(
                front, bot, person.key,
                lambda thread: bot.send_message(group, card, message_thread_id=thread,
                                                reply_markup=markup),
                title=topic_title(person.key, str(handoff.language), office),
            )
        except TelegramError as error:  # e.g. the bot may not manage topics: say so
            logger.error("could not post the handoff card of %s: %s", short(person.key),
                         type(error).__name__)
            if requested.created:
                await asyncio.to_thread(_close, int(handoff.id))
            await offer_booking(front, bot, person.chat_id, "handoff_unavailable", language)
            return
        await asyncio.to_thread(_set_card, int(handoff.id), message.message_id)
        logger.info("handoff %d for %s%s in the counselor group", handoff.id,
                    short(person.key), " (urgent)" if handoff.urgent else "")
    if not (requested.created or requested.escalated):
        await say(bot, person.chat_id, "handoff_still_waiting", language)
        return
    hours = opening_hours(offices)
    waiting = (t("handoff_waiting_hours", language).format(hours=render_hours(hours, language))
               if hours else t("handoff_waiting", language))
    await bot.send_message(person.chat_id, waiting)
    if is_open(hours, now()) is False and await asyncio.to_thread(_mark_notified, int(handoff.id)):
        await offer_booking(front, bot, person.chat_id, "handoff_outside_hours", language)


async def divert(
    front: Front, bot: Bot, person: Person, message_ids: list[int], *, copy_when_open: bool
) -> str | None:
    """Where the person's message goes: ``ASSIGNED`` means to the counselor, not to Rasa.

    Returns the handoff's status (None: no handoff). While assigned, the messages are
    copied into the topic (a tapped button, which has no message, gets a note instead);
    while open and ``copy_when_open``, they are copied for context and Rasa answers too.
    """
    if front.settings.counselor_chat_id is None:
        return None
    try:
        status = await asyncio.to_thread(_status, person.key)
    except Exception:  # the database is down: the conversation goes on with Rasa
        logger.warning("handoff state unknown for %s", short(person.key), exc_info=True)
        return None
    if status == ASSIGNED:
        if not message_ids:
            await say(bot, person.chat_id, "handoff_paused", await person.language_async())
        for message_id in message_ids:
            await _copy_in(front, bot, person, message_id)
        return ASSIGNED
    if status == OPEN and copy_when_open:
        for message_id in message_ids:
            try:
                await _copy_in(front, bot, person, message_id)
            except TelegramError:  # context only: the person still gets Rasa's answer
                logger.warning("could not copy a message of %s into the counselor topic",
                               short(person.key), exc_info=True)
    return status


# -- the counselors' side ----------------------------------------------------------------


async def counselor_name(front: Front, bot: Bot, user: User) -> str | None:
    """The name to show for ``user`` if they may act as a counselor, else None.

    They must be in the counselor group and be listed (``counselors.telegram_user_id``,
    active) or named in ``COUNSELOR_TELEGRAM_IDS``.
    """
    group = front.settings.counselor_chat_id
    if group is None or user.is_bot:
        return None
    try:
        member = await bot.get_chat_member(group, user.id)
    except TelegramError:
        logger.warning("could not check a counselor's group membership", exc_info=True)
        return None
    if member.status not in IN_GROUP:
        return None
    allowed, name = await asyncio.to_thread(
        _counselor, user.id, front.settings.counselor_telegram_ids
    )
    if not allowed:
        return None
    return name or user.first_name


def _in_group(front: Front, update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.id == front.settings.counselor_chat_id


async def on_take(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on "Übernehmen": queued with the group's other work."""
    query, front = update.callback_query, front_of_context(context)
    handoff_id = parse_take(query.data if query else None)
    group = front.settings.counselor_chat_id
    if query is None or handoff_id is None or group is None:
        return
    if not _in_group(front, update):
        await query.answer(NOT_COUNSELOR, show_alert=True)
        return
    front.inbox.submit(group, partial(_take_job, front, context.bot, query, handoff_id), update)


async def _edit_card(message: MaybeInaccessibleMessage | None, status_line: str) -> None:
    """Replace the card's last line (who has it) and remove the button."""
    if not isinstance(message, Message) or not message.text:
        return
    body = message.text.rsplit("\n\n", 1)[0]
    try:
        await message.edit_text(f"{body}\n\n{status_line}", reply_markup=None)
    except TelegramError:
        logger.info("could not update a handoff card", exc_info=True)


async def _take_job(front: Front, bot: Bot, query: CallbackQuery, handoff_id: int) -> None:
    user = query.from_user
    name = await counselor_name(front, bot, user)
    if name is None:
        logger.info("refused to let a non-counselor take handoff %d", handoff_id)
        await query.answer(NOT_COUNSELOR, show_alert=True)
        return
    result = await asyncio.to_thread(_take, handoff_id, user.id, name)
    handoff = result.handoff
    if result.taken and handoff is not None:
        await query.answer(TAKEN_BY_YOU)
        logger.info("handoff %d for %s taken", handoff_id, short(str(handoff.person_key)))
        await _edit_card(query.message, taken_line(name))
        if result.chat_id is not None:
            language = result.language or str(handoff.language)
            await bot.send_message(result.chat_id,
                                   t("handoff_taken", language).format(name=name))
        return
    if handoff is None or handoff.status == CLOSED:
        await query.answer(ALREADY_CLOSED, show_alert=True)
        await _edit_card(query.message, CLOSED_LINE)
        return
    holder = str(handoff.counselor_name or "")
    await query.answer(ALREADY_TAKEN.format(name=holder), show_alert=True)
    await _edit_card(query.message, taken_line(holder))


def _topic_thread(message: Message) -> int | None:
    return message.message_thread_id if message.is_topic_message else None


async def on_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/done`` in a person's topic: hand the person back to the assistant."""
    message, front = update.effective_message, front_of_context(context)
    group = front.settings.counselor_chat_id
    if message is None or group is None or message.from_user is None:
        return
    front.inbox.submit(group, partial(_done_job, front, context.bot, message), update)


async def _done_job(front: Front, bot: Bot, message: Message) -> None:
    group = front.settings.counselor_chat_id
    assert group is not None and message.from_user is not None
    thread = _topic_thread(message)
    name = await counselor_name(front, bot, message.from_user)
    if name is None:
        logger.info("refused /done from someone not a counselor")
        await _note(bot, group, thread, NOT_COUNSELOR, message.message_id)
        return
    target = await asyncio.to_thread(_thread, group, thread) if thread is not None else None
    handoff = target.handoff if target else None
    if target is None or handoff is None or not await asyncio.to_thread(_close, int(handoff.id)):
        await _note(bot, group, thread, NO_CONVERSATION, message.message_id)
        return
    logger.info("handoff %d for %s closed", handoff.id, short(target.key))
    await _note(bot, group, thread, DONE_NOTE.format(name=name))
    if handoff.status == OPEN and handoff.card_message_id:  # the button goes
        try:
            await bot.edit_message_reply_markup(group, int(handoff.card_message_id),
                                                reply_markup=None)
        except TelegramError:
            logger.info("could not remove the button of a closed handoff", exc_info=True)
    if target.chat_id is not None:
        await say(bot, target.chat_id, "handoff_done", target.language or str(handoff.language))


async def on_counselor_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message in a topic of the counselor group: to the person, if it is their counselor."""
    message, front = update.effective_message, front_of_context(context)
    group = front.settings.counselor_chat_id
    if message is None or group is None or message.from_user is None:
        return
    if _topic_thread(message) is None:
        return
    front.inbox.submit(group, partial(_forward_out, front, context.bot, message), update)


async def _forward_out(front: Front, bot: Bot, message: Message) -> None:
    group, thread = front.settings.counselor_chat_id, _topic_thread(message)
    assert group is not None and thread is not None and message.from_user is not None
    target = await asyncio.to_thread(_thread, group, thread)
    if target is None:  # a topic that is not a person's
        return
    handoff = target.handoff
    if handoff is not None and handoff.status == ASSIGNED:
        if message.from_user.id != handoff.counselor_telegram_id:
            return  # a colleague's note: stays in the group
        if target.chat_id is None:
            return
        try:
            await bot.copy_message(target.chat_id, group, message.message_id)
        except Forbidden:
            await _note(bot, group, thread, UNDELIVERABLE, message.message_id)
        return
    note = NOT_FORWARDED_OPEN if handoff is not None else NOT_FORWARDED_CLOSED
    await _note(bot, group, thread, note, message.message_id)


# -- waiting too long ----------------------------------------------------------------------


async def check_timeouts(application: Application) -> int:
    """Tell everyone whose open handoff nobody took within HANDOFF_TIMEOUT_MINUTES."""
    front = front_of(application)
    timeout = timedelta(minutes=front.settings.handoff_timeout_minutes)
    due = await asyncio.to_thread(_claim_timeouts, timeout)
    for handoff_id, chat_id, language in due:
        logger.info("handoff %d not taken in time; the person is offered a booking", handoff_id)
        job = partial(offer_booking, front, application.bot, chat_id, "handoff_timeout", language)
        front.inbox.submit(chat_id, job)
    return len(due)


async def timeouts_forever(application: Application) -> None:
    """The background task started in post_init."""
    interval = front_of(application).settings.handoff_check_seconds
    while True:
        await asyncio.sleep(interval)
        try:
            await check_timeouts(application)
        except Exception as error:  # the database may be down; try again later
            await application.process_error(None, error)


# -- erasure and retention -------------------------------------------------------------------


async def end_for_erasure(front: Front, bot: Bot, key: str) -> None:
    """Before /delete erases the rows: tell an assigned counselor, delete the topic."""
    row = await asyncio.to_thread(_any_topic, key)
    if row is None:
        return
    group, thread = row
    handoff = await asyncio.to_thread(_active, key)
    if handoff is not None and handoff.status == ASSIGNED:
        await _note(bot, group, thread, ERASED_NOTE)
    await _delete_topic(bot, group, thread, key)


async def _delete_topic(bot: Bot, group: int, thread: int, key: str) -> bool:
    """Delete a topic with its messages; True if it is gone (or was already)."""
    try:
        await bot.delete_forum_topic(group, thread)
    except BadRequest as error:
        if _thread_gone(error):
            return True
        logger.warning("could not delete the counselor topic of %s", short(key))
        return False
    except TelegramError:
        logger.warning("could not delete the counselor topic of %s", short(key))
        return False
    logger.info("deleted the counselor topic of %s", short(key))
    return True


async def purge_old_topics(bot: Bot, cutoff: datetime) -> int:
    """For the retention job: delete topics whose last handoff closed before ``cutoff``.

    Their closed handoffs go too. A topic Telegram refuses to delete stays listed and is
    tried again next time. Returns the number of topics deleted.
    """
    deleted = 0
    for key, group, thread in await asyncio.to_thread(_old_topics, cutoff):
        if await _delete_topic(bot, group, thread, key):
            await asyncio.to_thread(_forget_topic, key)
            deleted += 1
    await asyncio.to_thread(_purge_closed, cutoff)
    return deleted


async def retention_hook(cutoff: datetime, bot: Bot | None) -> dict[str, int]:
    """Retention hook (registered by ``bot.app``): old topics through the Bot API.

    ``make purge`` has no front, so no hook: the topics wait for the front's next run;
    closed handoffs go anyway (``jmd.personal_data.ClosedHandoffs``).
    """
    if bot is None:
        return {}
    return {"counselor_topics": await purge_old_topics(bot, cutoff)}

