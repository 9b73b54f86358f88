"""The register in the counselor group: list, add, (de)activate, remove volunteers.

Invariants: only counselors act (the caller checks, as for "Übernehmen"); a new
volunteer is greeted privately, and the group is told when the bot cannot write to them
(they must open the bot and press /start first); deactivating ends the chats they
interpret, removing ends everything they had and deletes their row and offers.
"""

from __future__ import annotations

import logging

from telegram import Bot, Message, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.front import Front
from bot.handoff.common import group_of, note, thread_of
from bot.interpreters.common import language_label, to_volunteer
from bot.interpreters.flow import withdraw_volunteer
from jmd.db import db
from jmd.identity import pseudonym
from jmd.interpreters import register as book
from jmd.interpreters.assignments import open_of_interpreter
from jmd.interpreters.register import InterpreterView, Registration, parse_registration
from jmd.shared.languages import registry
from jmd.texts import staff

logger = logging.getLogger(__name__)


def _languages(view: InterpreterView) -> str:
    return ", ".join(language_label(code) for code in view.languages)


def _pledge(view: InterpreterView) -> str:
    return f"{view.pledge_signed_on:%d.%m.%Y}"


async def _reply(front: Front, bot: Bot, message: Message, text: str) -> None:
    await note(bot, group_of(front), thread_of(message), text, message.message_id)


async def listing(front: Front, bot: Bot, message: Message) -> None:
    """``/dolmetscher`` outside a person's topic: the register and the commands."""
    everyone = await db(book.everyone)
    lines = [staff("interpreter.list_title")]
    lines += [staff("interpreter.list_line", number=v.id, name=v.name, languages=_languages(v),
                    pledge=_pledge(v), status=staff("interpreter.status_active" if v.active
                                                    else "interpreter.status_inactive"))
              for v in everyone] or [staff("interpreter.list_empty")]
    lines.append(staff("interpreter.list_help"))
    await _reply(front, bot, message, "\n".join(lines))


async def add(front: Front, bot: Bot, message: Message, args: list[str]) -> None:
    """``/dolmetscher_neu <Telegram-ID> <Sprachen> <Verpflichtung> <Name>``."""
    parsed = parse_registration(args)
    if not isinstance(parsed, Registration):
        await _reply(front, bot, message, staff(parsed, codes=",".join(registry().codes)))
        return
    view, created = await db(book.register, parsed, pseudonym(parsed.telegram_user_id))
    logger.info("volunteer interpreter #%d %s", view.id, "registered" if created else "updated")
    fields = {"name": view.name, "number": view.id, "languages": _languages(view),
              "pledge": _pledge(view)}
    await _reply(front, bot, message,
                 staff("interpreter.added" if created else "interpreter.updated", **fields))
    if await to_volunteer(bot, view.telegram_user_id,
                          staff("interpreter.welcome", **fields)) is None:
        await _reply(front, bot, message, staff("interpreter.unreachable", name=view.name))


def _number(args: list[str]) -> int | None:
    return int(args[0].lstrip("#")) if args and args[0].lstrip("#").isdigit() else None


async def change(front: Front, bot: Bot, message: Message, args: list[str], *,
                 active: bool | None) -> None:
    """``/dolmetscher_an|aus <Nr>`` (``active``), ``/dolmetscher_loeschen <Nr>`` (None)."""
    number = _number(args)
    if number is None:
        await _reply(front, bot, message, staff("interpreter.number_usage"))
        return
    view = await db(book.get_interpreter, number)
    if view is None:
        await _reply(front, bot, message, staff("interpreter.not_found", number=number))
        return
    if active is None:
        await remove(front, bot, view)
        await _reply(front, bot, message, staff("interpreter.removed", name=view.name,
                                                number=view.id))
        return
    await db(book.set_active, number, active)
    if not active:
        await withdraw_volunteer(front, bot, await db(open_of_interpreter, number),
                                 appointments=False)
    logger.info("volunteer interpreter #%d %s", number, "activated" if active else "deactivated")
    await _reply(front, bot, message, staff(
        "interpreter.activated" if active else "interpreter.deactivated",
        name=view.name, number=view.id))


async def remove(front: Front, bot: Bot, view: InterpreterView) -> None:
    """Remove a volunteer with their data; whoever relied on them is told first."""
    await withdraw_volunteer(front, bot, await db(open_of_interpreter, view.id),
                             appointments=True)
    await db(book.remove, view.id)
    logger.info("volunteer interpreter #%d removed from the register", view.id)


async def on_your_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/ehrenamt`` in a private chat: the sender's own Telegram ID, to give a counselor."""
    message, user = update.effective_message, update.effective_user
    if message is not None and user is not None:
        await message.reply_text(staff("interpreter.your_id", telegram_id=user.id))
    raise ApplicationHandlerStop
