"""The python-telegram-bot application: private chats are relayed to Rasa."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.formatting import PayloadStore, keyboard, split_message, to_html
from bot.rasa_client import RasaClient, RasaUnavailable, Reply
from bot.texts import command_descriptions, text
from jmd.db import session_scope
from jmd.db.persons import get_language, touch_person
from jmd.identity import pseudonym, short
from jmd.languages import registry
from jmd.settings import Settings, get_settings

logger = logging.getLogger(__name__)

# Longer messages are cut before they reach the classifier; the person is told so.
MAX_TEXT_TO_RASA = 2000

# Telegram commands and the Rasa payloads they stand for.
COMMAND_PAYLOADS = {
    "start": "/start",
    "help": "/help",
    "language": "/change_language",
    "appointments": "/list_appointments",
    "human": "/human_handoff",
}


@dataclass
class Front:
    """What the handlers share: settings, the Rasa client, long button payloads."""

    settings: Settings
    rasa: RasaClient
    payloads: PayloadStore


def _front(context: ContextTypes.DEFAULT_TYPE) -> Front:
    return context.application.bot_data["front"]  # type: ignore[no-any-return]


def _language_of(update: Update) -> str:
    """The person's language: stored preference, else Telegram's setting, else default."""
    user = update.effective_user
    langs = registry()
    if user is None:
        return langs.default
    stored = None
    try:
        with session_scope() as session:
            stored = get_language(session, pseudonym(user.id))
    except Exception:
        logger.warning("language lookup failed", exc_info=True)
    return stored or langs.from_telegram_code(user.language_code) or langs.default


def _remember_chat(key: str, chat_id: int) -> None:
    with session_scope() as session:
        touch_person(session, key, chat_id=chat_id)


async def _send_replies(
    message: Message, replies: list[Reply], language: str, front: Front
) -> None:
    for reply in replies:
        if not reply.text:
            continue
        parts = split_message(to_html(reply.text, language))
        for index, part in enumerate(parts):
            markup = keyboard(reply.buttons, front.payloads) if index == len(parts) - 1 else None
            await message.get_bot().send_message(
                chat_id=message.chat_id, text=part, parse_mode=ParseMode.HTML, reply_markup=markup
            )


async def converse(update: Update, context: ContextTypes.DEFAULT_TYPE, text_: str) -> None:
    """Send ``text_`` to Rasa on behalf of the update's user and deliver the answer."""
    front = _front(context)
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if user is None or chat is None or message is None:
        return
    key = pseudonym(user.id)
    await asyncio.to_thread(_remember_chat, key, chat.id)
    await context.bot.send_chat_action(chat_id=chat.id, action=ChatAction.TYPING)
    metadata = {"telegram_language_code": user.language_code, "chat_type": chat.type}
    try:
        replies = await front.rasa.send(key, text_, metadata)
    except RasaUnavailable:
        logger.error("Rasa unavailable for %s", short(key))
        language = await asyncio.to_thread(_language_of, update)
        await message.reply_text(text("technical_problem", language))
        return
    language = await asyncio.to_thread(_language_of, update)
    await _send_replies(message, replies, language, front)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Relay a private text message to Rasa."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    body = message.text
    if len(body) > MAX_TEXT_TO_RASA:
        await _reply(update, "too_long")
        body = body[:MAX_TEXT_TO_RASA]
    await converse(update, context, body)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Translate a Telegram command into its Rasa payload."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    command = message.text.split()[0].lstrip("/").split("@")[0].lower()
    await converse(update, context, COMMAND_PAYLOADS[command])


async def _reply(update: Update, key: str) -> None:
    """Reply with the front's own text ``key`` in the person's language."""
    message = update.effective_message  # also the edited message of an edit
    if message is None:
        return
    language = await asyncio.to_thread(_language_of, update)
    await message.reply_text(text(key, language))


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer commands the assistant does not know."""
    await _reply(update, "unknown_command")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tapped inline button: mark the choice, then send its payload to Rasa."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    payload = _front(context).payloads.payload(query.data)
    if payload is None:
        language = await asyncio.to_thread(_language_of, update)
        await query.answer(text("button_expired", language), show_alert=False)
        return
    await query.answer()
    message = query.message
    if isinstance(message, Message) and message.reply_markup:
        title = next(
            (
                button.text
                for row in message.reply_markup.inline_keyboard
                for button in row
                if button.callback_data == query.data
            ),
            "",
        )
        try:
            await message.edit_text(
                f"{message.text_html}\n\n✅ {title}" if title else message.text_html,
                parse_mode=ParseMode.HTML,
                reply_markup=None,
            )
        except TelegramError:
            logger.info("could not mark the tapped button", exc_info=True)
    await converse(update, context, payload)


async def on_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, voice, stickers, files, locations …: explain what the assistant can read."""
    await _reply(update, "not_text")


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Edited messages are not re-processed; the person is asked to send anew."""
    await _reply(update, "edited")


async def on_foreign_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The assistant is only for private chats (and the counselor group): leave others."""
    chat = update.effective_chat
    if chat is None or chat.id == _front(context).settings.counselor_chat_id:
        return
    logger.info("leaving a group chat that is not the counselor group")
    try:
        await context.bot.leave_chat(chat.id)
    except TelegramError:
        logger.warning("could not leave a group chat", exc_info=True)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (without message text or IDs) and tell the person."""
    logger.error("error while handling an update", exc_info=context.error)
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(update, Update) and chat is not None and chat.type == ChatType.PRIVATE:
        language = await asyncio.to_thread(_language_of, update)
        try:
            await context.bot.send_message(chat.id, text("technical_problem", language))
        except TelegramError:
            logger.warning("could not tell the person about the error", exc_info=True)


async def _post_init(application: Application) -> None:
    """Register the command menu in each language."""
    langs = registry()
    for lang in langs.languages.values():
        commands = command_descriptions(lang.code)
        codes = list(lang.telegram_codes) + ([None] if lang.code == langs.default else [])
        for code in codes:
            try:
                await application.bot.set_my_commands(commands, language_code=code)
            except TelegramError:
                logger.warning("could not register commands", exc_info=True)


async def _post_shutdown(application: Application) -> None:
    await _front_of_app(application).rasa.close()


def _front_of_app(application: Application) -> Front:
    return application.bot_data["front"]  # type: ignore[no-any-return]


def build_application(
    settings: Settings | None = None, rasa: RasaClient | None = None
) -> Application:
    """The whole Telegram front, wired: handlers, rate limiter, error handler."""
    settings = settings or get_settings()
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    application = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data["front"] = Front(
        settings=settings, rasa=rasa or RasaClient(settings.rasa_url), payloads=PayloadStore()
    )

    private = filters.ChatType.PRIVATE
    application.add_handler(
        ChatMemberHandler(on_foreign_group, ChatMemberHandler.MY_CHAT_MEMBER), group=-1
    )
    application.add_handler(MessageHandler(filters.ChatType.GROUPS, on_foreign_group), group=-1)
    application.add_handler(MessageHandler(filters.UpdateType.EDITED & private, on_edited))
    application.add_handler(CommandHandler(list(COMMAND_PAYLOADS), on_command, filters=private))
    application.add_handler(MessageHandler(filters.COMMAND & private, on_unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & private, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(private & ~filters.TEXT, on_not_text))
    application.add_error_handler(on_error)
    return application
