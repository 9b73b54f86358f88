"""What the Telegram front's handlers share, and how the front speaks to a person."""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.formatting import TELEGRAM_LIMIT, PayloadStore, keyboard, split_message, to_html
from bot.inbox import ChatInbox
from bot.rasa_client import RasaClient, Reply
from jmd.db import db
from jmd.db.persons import get_language
from jmd.identity import pseudonym
from jmd.shared.languages import registry
from jmd.shared.settings import Settings
from jmd.texts import t

if TYPE_CHECKING:  # the mirror's module needs Person from here
    from bot.handoff.mirror import GroupMirror

logger = logging.getLogger(__name__)


@dataclass
class Front:
    """What the handlers share: settings, the Rasa client, button payloads, chat queues."""

    settings: Settings
    rasa: RasaClient
    payloads: PayloadStore
    inbox: ChatInbox
    # The counselor group's paced queue (bot.handoff.mirror); None without handoff.
    mirror: GroupMirror | None = None


# The front builds a default Application; its type parameters say nothing more.
type AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def front_of(application: AnyApplication) -> Front:
    return application.bot_data["front"]  # type: ignore[no-any-return]


def front_of_context(context: ContextTypes.DEFAULT_TYPE) -> Front:
    return front_of(context.application)


@dataclass(frozen=True)
class Person:
    """Whom an update comes from, as far as the front needs to know."""

    key: str  # pseudonym; the Telegram ID itself goes no further than this
    chat_id: int
    telegram_language_code: str | None

    @classmethod
    def of(cls, update: Update) -> Person | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return None
        return cls(pseudonym(user.id), chat.id, user.language_code)

    async def language_async(self) -> str:
        """Stored preference, else Telegram's setting, else the default."""
        langs = registry()
        stored = None
        try:
            stored = await db(get_language, self.key)
        except Exception:  # Rasa down often means the database is too: answer anyway
            logger.warning("language lookup failed", exc_info=True)
        return stored or langs.from_telegram_code(self.telegram_language_code) or langs.default


def blocked_by_person(error: BaseException | None) -> bool:
    """Telegram refused because the person blocked the bot (or deleted their account),
    not because the bot left a group: "Forbidden: bot was blocked by the user"."""
    return isinstance(error, Forbidden) and "user" in error.message.lower()


async def say(bot: Bot, chat_id: int, key: str, language: str, **kwargs: Any) -> Message:
    """Send the front's own text ``key`` in ``language``."""
    return await bot.send_message(chat_id, t(key, language), **kwargs)


# Called with a reply's custom payload (e.g. {"handoff": {...}}), in order with the texts.
OnCustom = Callable[[dict[str, Any]], Awaitable[None]]


async def send_replies(
    bot: Bot,
    chat_id: int,
    replies: list[Reply],
    language: str,
    payloads: PayloadStore,
    on_custom: OnCustom | None = None,
) -> None:
    """Rasa's replies as Telegram messages: escaped, split to fit, buttons on the last part.

    A custom reply (no text) is handed to ``on_custom`` where it stands in the answer: the
    crisis text is sent before the handoff it asks for. If the person has blocked the bot
    (Forbidden), no more texts are tried, but the custom replies still run (a crisis
    handoff reaches the counselors); the Forbidden is raised at the end.
    """
    blocked: Forbidden | None = None
    for reply in replies:
        if reply.custom and on_custom is not None:
            await on_custom(reply.custom)
        if not reply.text or blocked is not None:
            continue
        parts = split_message(to_html(reply.text, language))
        try:
            for index, part in enumerate(parts):
                markup = keyboard(reply.buttons, payloads) if index == len(parts) - 1 else None
                await bot.send_message(
                    chat_id=chat_id, text=part, parse_mode=ParseMode.HTML, reply_markup=markup
                )
        except Forbidden as error:
            blocked = error
    if blocked is not None:
        raise blocked


async def mark_choice(query: CallbackQuery) -> None:
    """Show which button was tapped and remove the keyboard, so it is tapped only once."""
    message = query.message
    if not isinstance(message, Message) or not message.reply_markup:
        return
    title = next(
        (
            button.text
            for row in message.reply_markup.inline_keyboard
            for button in row
            if button.callback_data == query.data
        ),
        "",
    )
    marked = f"\n\n✅ {title}" if title else ""
    try:
        if len(message.text or "") + len(marked) > TELEGRAM_LIMIT:
            # no room for the mark in a message this long: only the keyboard goes
            await message.edit_reply_markup(reply_markup=None)
            return
        await message.edit_text(
            message.text_html + html.escape(marked, quote=False),
            parse_mode=ParseMode.HTML,
            reply_markup=None,
        )
    except TelegramError:
        logger.info("could not mark the tapped button", exc_info=True)
