"""Wiring of the interpreter handlers into the front (called by ``bot.app``).

The handlers of group ``EARLY`` run before the front's own and stop the update when it
was theirs (a volunteer's message with an active chat, the interpreter buttons and
commands); everything else, a stranger's private message included, goes on to the
normal assistant. The counselor group's messages and ``/done`` are seen again in group
``LATE``, after the handoff handlers, to reach the interpreter too.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.front import AnyApplication, Front, front_of, front_of_context
from bot.handoff.common import group_of, note, thread_of
from bot.handoff.counselor import counselor_name
from bot.inbox import Gate
from bot.interpreters import chat, register
from bot.interpreters.common import CONSENT_PATTERN, END_PATTERN, VOLUNTEER_PATTERN, parse
from bot.interpreters.flow import leave_by_command, on_consent, on_volunteer_tap
from jmd.db import db
from jmd.handoff.topics import person_of_thread
from jmd.interpreters.assignments import CHAT, end, get_assignment, relay_for_interpreter
from jmd.texts import staff

logger = logging.getLogger(__name__)

EARLY, LATE = -3, 1

GROUP_COMMANDS = ("dolmetscher", "dolmetscher_neu", "dolmetscher_aus", "dolmetscher_an",
                  "dolmetscher_loeschen", "dolmetscher_ende")


def with_interpreter(gate: Gate | None, front: Front, bot: Any) -> Gate:
    """The chat inbox's gate, and then: what went to the counselor goes to the
    person's interpreter too."""

    async def routed(update: Any, items: list[Any]) -> bool:
        diverted = bool(gate is not None and await gate(update, items))
        if diverted:
            try:
                await chat.person_to_interpreter(front, bot, update, items)
            except Exception:  # the counselor has the message: that must not be undone
                logger.warning("could not pass a message on to an interpreter", exc_info=True)
        return diverted

    return routed


# -- the counselor group ----------------------------------------------------------------------


async def on_group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The register commands and /dolmetscher(_ende) in a topic: queued with the group."""
    message, front = update.effective_message, front_of_context(context)
    if message is None or message.text is None or message.from_user is None:
        raise ApplicationHandlerStop
    words = message.text.split()
    command, args = words[0].lstrip("/").split("@")[0].lower(), words[1:]
    job = partial(_group_job, front, context.bot, message, command, args)
    front.inbox.submit(group_of(front), job, update)
    raise ApplicationHandlerStop


async def _group_job(front: Front, bot: Any, message: Message, command: str,
                     args: list[str]) -> None:
    """Counselors only; then the command."""
    assert message.from_user is not None
    group, thread = group_of(front), thread_of(message)
    name = await counselor_name(front, bot, message.from_user)
    if name is None:
        await note(bot, group, thread, staff("handoff.not_counselor"), message.message_id)
        return
    if command == "dolmetscher":
        key = await db(person_of_thread, group, thread) if thread is not None else None
        if key is not None:
            await chat.request(front, bot, message, name)
        else:
            await register.listing(front, bot, message)
    elif command == "dolmetscher_ende":
        await chat.end_in_topic(front, bot, message)
    elif command == "dolmetscher_neu":
        await register.add(front, bot, message, args)
    elif command in ("dolmetscher_an", "dolmetscher_aus"):
        await register.change(front, bot, message, args, active=command == "dolmetscher_an")
    elif command == "dolmetscher_loeschen":
        await register.change(front, bot, message, args, active=None)


async def on_end_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"Dolmetschen beenden" under the note in a person's topic."""
    query, front = update.callback_query, front_of_context(context)
    parsed = parse(query.data if query else None)
    if query is None or parsed is None or update.effective_chat is None \
            or update.effective_chat.id != front.settings.counselor_chat_id:
        if query is not None:
            await query.answer(staff("handoff.not_counselor"), show_alert=True)
        raise ApplicationHandlerStop

    async def job() -> None:
        """Counselors only; the button goes with the interpreter."""
        if await counselor_name(front, context.bot, query.from_user) is None:
            await query.answer(staff("handoff.not_counselor"), show_alert=True)
            return
        await query.answer()
        current = await db(get_assignment, parsed[1])
        ended = await db(end, parsed[1]) if current and current.kind == CHAT else None
        if isinstance(query.message, Message):
            try:
                await query.message.edit_reply_markup(reply_markup=None)
            except TelegramError:
                logger.info("could not remove the end button", exc_info=True)
        if ended is not None:
            await chat.finished(front, context.bot, ended, chat.COUNSELOR)

    front.inbox.submit(group_of(front), job, update)
    raise ApplicationHandlerStop


async def on_counselor_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After the handoff's own handler: the assigned counselor's message to the interpreter."""
    message, front = update.effective_message, front_of_context(context)
    if message is not None and thread_of(message) is not None:
        job = partial(chat.counselor_to_interpreter, front, context.bot, message)
        front.inbox.submit(group_of(front), job, update)


async def on_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After ``/done`` closed the chat: the interpreter's part ends too."""
    message, front = update.effective_message, front_of_context(context)
    if message is not None:
        job = partial(chat.end_for_closed_chat, front, context.bot, message)
        front.inbox.submit(group_of(front), job, update)


# -- private chats ------------------------------------------------------------------------------


async def on_private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A volunteer's message while they interpret a chat: relayed, not sent to Rasa.

    Anyone else (a stranger, a volunteer without an active chat) goes on to the assistant.
    """
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if await db(relay_for_interpreter, user.id) is None:
        return
    front = front_of_context(context)
    job = partial(chat.interpreter_out, front, context.bot, user.id, message)
    front.inbox.submit(message.chat_id, job, update)
    raise ApplicationHandlerStop


async def on_leave(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/verlassen``: the volunteer leaves the chat they interpret."""
    user = update.effective_user
    if user is not None:
        await leave_by_command(front_of_context(context), context.bot, user.id)
    raise ApplicationHandlerStop


def add_handlers(application: AnyApplication) -> None:
    """The interpreter handlers, and the inbox gate that passes messages on to them."""
    front = front_of(application)
    settings = front.settings
    private = filters.ChatType.PRIVATE
    edited = filters.UpdateType.EDITED
    application.add_handler(CallbackQueryHandler(on_consent, pattern=CONSENT_PATTERN), EARLY)
    application.add_handler(CallbackQueryHandler(on_volunteer_tap, pattern=VOLUNTEER_PATTERN),
                            EARLY)
    application.add_handler(CommandHandler("ehrenamt", register.on_your_id,
                                           filters=private & ~edited), EARLY)
    application.add_handler(CommandHandler("verlassen", on_leave, filters=private & ~edited),
                            EARLY)
    if settings.counselor_chat_id is None:
        return  # no counselor group: no chats to interpret, no register commands
    application.add_handler(MessageHandler(private & ~filters.COMMAND & ~edited,
                                           on_private_message), EARLY)
    counselors = filters.Chat(chat_id=settings.counselor_chat_id)
    application.bot_data.setdefault("counselor_filters", []).append(counselors)
    application.add_handler(CommandHandler(list(GROUP_COMMANDS), on_group_command,
                                           filters=counselors & ~edited), EARLY)
    application.add_handler(CallbackQueryHandler(on_end_tap, pattern=END_PATTERN), EARLY)
    application.add_handler(MessageHandler(
        counselors & ~filters.COMMAND & ~filters.StatusUpdate.ALL & ~edited,
        on_counselor_message), LATE)
    application.add_handler(CommandHandler("done", on_done, filters=counselors & ~edited),
                            LATE)
    front.inbox.gate = with_interpreter(front.inbox.gate, front, application.bot)
