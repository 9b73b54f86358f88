"""/privacy and /delete: the front answers these itself, even when Rasa is down."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.booking import post_staff_line
from bot.front import Front, Person, front_of_context, mark_choice, say
from bot.handoff.maintenance import end_for_erasure
from jmd.booking.service import BookingView, cancel_all
from jmd.clock import now
from jmd.db import session_scope
from jmd.privacy import erase_person
from jmd.texts import t

logger = logging.getLogger(__name__)

# Callback data of the confirmation buttons; Rasa's payloads start with "/", so these
# never collide with a button of the assistant.
DELETE_YES = "del:yes"
DELETE_NO = "del:no"
DELETE_PATTERN = r"^del:(yes|no)$"


async def on_privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/privacy: what is stored, why, for how long, who sees it, how to erase it."""
    front, person = front_of_context(context), Person.of(update)
    if person is not None:
        front.inbox.submit(person.chat_id, partial(_notice, front, context.bot, person), update)


async def _notice(front: Front, bot: Bot, person: Person) -> None:
    language = await person.language_async()
    notice = t("privacy", language).format(days=front.settings.retention_days)
    await bot.send_message(person.chat_id, notice)


async def on_delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delete: ask before erasing everything stored about the person."""
    front, person = front_of_context(context), Person.of(update)
    if person is not None:
        front.inbox.submit(person.chat_id, partial(_ask, context.bot, person), update)


async def _ask(bot: Bot, person: Person) -> None:
    language = await person.language_async()
    buttons = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("delete_yes", language), callback_data=DELETE_YES)],
            [InlineKeyboardButton(t("delete_no", language), callback_data=DELETE_NO)],
        ]
    )
    await say(bot, person.chat_id, "delete_confirm", language, reply_markup=buttons)


async def on_delete_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The answer to /delete's question: erase everything, or keep it."""
    query, person = update.callback_query, Person.of(update)
    if query is None or person is None:
        return
    await query.answer()
    job = partial(_decide, front_of_context(context), context.bot, person, query)
    # In the chat's queue: the erasure never races a message on its way to Rasa.
    front_of_context(context).inbox.submit(person.chat_id, job, update)


def _cancel_bookings(key: str) -> list[BookingView]:
    with session_scope() as session:
        return cancel_all(session, key, now(), by="erasure")


def _erase(key: str) -> dict[str, int]:
    with session_scope() as session:
        return erase_person(session, key)


async def _decide(front: Front, bot: Bot, person: Person, query: CallbackQuery) -> None:
    language = await person.language_async()  # before the erasure forgets it
    await mark_choice(query)
    if query.data != DELETE_YES:
        await say(bot, person.chat_id, "delete_cancelled", language)
        return
    # Upcoming appointments are cancelled first and the counselors told, so nobody waits
    # for a person who is gone; the counselor topic holds the handoff transcript: it goes
    # next (an assigned counselor is told); then every row with the key is deleted.
    for booking in await asyncio.to_thread(_cancel_bookings, person.key):
        await post_staff_line(front, bot, "❌ Termin abgesagt (die Person hat ihre Daten "
                              "gelöscht)", booking)
    await end_for_erasure(front, bot, person.key)
    counts = await asyncio.to_thread(_erase, person.key)
    logger.info("erased a person's data (rows per table: %s)", counts)
    await say(bot, person.chat_id, "deleted", language)
