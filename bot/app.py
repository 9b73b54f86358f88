"""The python-telegram-bot application: private chats are relayed to Rasa.

Handlers only look at the update and queue a job in the chat's inbox (bot/inbox.py):
jobs of one chat run in order, chats run independently, bursts are read together. Before
each job, the inbox's gate decides whether a counselor has the chat (handoff): then the
message goes to them and the job does not run (:func:`bot.handoff.person.route`).
Every update is stored before Telegram counts it as received and deleted once its handler
and inbox job are done; a crash's leftovers are replayed at start (:mod:`bot.inbound`).
"""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import replace
from functools import partial

from telegram import Bot, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.booking import on_today, on_week
from bot.crisis import send_crisis_reply_if_needed
from bot.formatting import PayloadStore
from bot.front import (
    AnyApplication,
    Front,
    Person,
    blocked_by_person,
    front_of,
    front_of_context,
    mark_choice,
    say,
)
from bot.handoff.common import BACK_PATTERN
from bot.handoff.counselor import on_counselor_message, on_done, on_take
from bot.handoff.delivery import group_mirror
from bot.handoff.maintenance import end_for_erasure, retention_hook
from bot.handoff.person import on_back, on_back_tap, route
from bot.inbound import FinishingProcessor, InboundLedger, PersistingQueue, replay_unfinished
from bot.inbox import ChatInbox
from bot.interpreters.handlers import add_handlers as add_interpreter_handlers
from bot.interpreters.jobs import end_for_erasure as end_interpreters_for_erasure
from bot.jobs import schedule_all
from bot.partners import add_handlers as add_partner_handlers
from bot.partners import hooks as partner_hooks
from bot.privacy import DELETE_PATTERN, on_delete, on_delete_choice, on_privacy
from bot.rasa_client import RasaClient
from bot.relay import relay
from bot.throttle import FrontRateLimiter
from jmd.handoff.cards import TAKE_PATTERN
from jmd.identity import short
from jmd.personal_data import register_erasure_hook, register_retention_hook
from jmd.shared.languages import registry
from jmd.shared.safety import is_crisis
from jmd.shared.settings import Settings, get_settings
from jmd.texts import keys, t

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


# Commands the front answers itself even while a counselor writes with the person.
FRONT_ONLY_COMMANDS = {"privacy", "delete"}


def _answered_by_front(update: Update) -> bool:
    """/privacy, /delete and its confirmation: never passed to a counselor."""
    query, message = update.callback_query, update.message
    if query is not None:
        return bool(query.data and re.match(DELETE_PATTERN, query.data))
    if message is None or not message.text or not message.text.startswith("/"):
        return False
    return message.text.split()[0].lstrip("/").split("@")[0].lower() in FRONT_ONLY_COMMANDS


async def _say_to(bot: Bot, person: Person, key: str) -> None:
    await say(bot, person.chat_id, key, await person.language_async())


def _queue_reply(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str) -> None:
    """Answer with the front's own text ``key``, in turn with the chat's other answers."""
    person = Person.of(update)
    if person is not None:
        job = partial(_say_to, context.bot, person, key)
        front_of_context(context).inbox.submit(person.chat_id, job, update, once=key)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Relay a private text message to Rasa; texts sent in a burst are read together."""
    message, person = update.effective_message, Person.of(update)
    if message is None or message.text is None or person is None:
        return
    front = front_of_context(context)
    answer = partial(_answer_texts, front, context.bot, person)
    front.inbox.submit_text(person.chat_id, message, answer, update)


async def _answer_texts(
    front: Front, bot: Bot, person: Person, messages: list[Message]
) -> None:
    texts = [m.text or "" for m in messages]
    if len(texts) >= front.settings.burst_notice:
        await _say_to(bot, person, "burst")
    body = "\n".join(texts)
    if len(body) > MAX_TEXT_TO_RASA:
        # Rasa reads only the beginning: a crisis further on is answered here.
        if not is_crisis(body[:MAX_TEXT_TO_RASA]):
            await send_crisis_reply_if_needed(bot, person, body)
        await _say_to(bot, person, "too_long")
        body = body[:MAX_TEXT_TO_RASA]
    await relay(front, bot, person, body, messages[0].message_id)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Translate a Telegram command into its Rasa payload."""
    message, person = update.effective_message, Person.of(update)
    if message is None or message.text is None or person is None:
        return
    command = message.text.split()[0].lstrip("/").split("@")[0].lower()
    front = front_of_context(context)
    job = partial(
        relay, front, context.bot, person, COMMAND_PAYLOADS[command], message.message_id
    )
    front.inbox.submit(person.chat_id, job, update)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer commands the assistant does not know (a counselor gets them as they are)."""
    _queue_reply(update, context, "unknown_command")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tapped inline button: mark the choice, then send its payload to Rasa."""
    query, person = update.callback_query, Person.of(update)
    if query is None or query.data is None or person is None:
        return
    front = front_of_context(context)
    payload = front.payloads.payload(query.data)
    if payload is None:
        await query.answer(t("button_expired", await person.language_async()))
        return
    try:
        await query.answer()  # at once: Telegram shows a spinner until then
    except TelegramError:  # e.g. too old when replayed after a restart: the tap still counts
        logger.info("could not answer a button tap")

    async def job() -> None:
        await mark_choice(query)
        await relay(front, context.bot, person, payload, key=f"tg-cb-{query.id}")

    front.inbox.submit(person.chat_id, job, update)


async def on_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, voice, stickers, files, locations …: explain what the assistant can read.

    During a handoff the inbox passes them on to the counselor (a burst: all, one note).
    """
    message, person = update.effective_message, Person.of(update)
    if message is None or person is None:
        return
    answer = partial(_answer_media, context.bot, person)
    front_of_context(context).inbox.submit_batch(
        person.chat_id, message, answer, update, kind="media"
    )


async def _answer_media(bot: Bot, person: Person, messages: list[Message]) -> None:
    # A burst gets one note; the gate has seen every message of it (handoff).
    await _say_to(bot, person, "not_text")


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Edited messages are not re-processed; the person is asked to send anew."""
    _queue_reply(update, context, "edited")


async def on_foreign_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The assistant is only for private chats (and the counselor group): leave others."""
    chat, message = update.effective_chat, update.message
    group = front_of_context(context).settings.counselor_chat_id
    if chat is None or chat.id == group:
        if message is not None and message.migrate_to_chat_id:  # the group's last word
            follow_migration(context.application, message.migrate_to_chat_id)
        return
    if group is not None and message is not None and message.migrate_from_chat_id == group:
        follow_migration(context.application, chat.id)  # the counselor group, under a new id
        return
    if chat.type == ChatType.PRIVATE:  # a person blocked or unblocked the bot: no group
        return
    logger.info("leaving a group chat that is not the counselor group")
    try:
        await context.bot.leave_chat(chat.id)
    except TelegramError:
        logger.warning("could not leave a group chat", exc_info=True)


def follow_migration(application: AnyApplication, new_id: int) -> None:
    """The counselor group became a supergroup (new id): keep working with it; say so.

    Safe for this process: handoff state refers to topics by group, and a group that was
    migrated had no forum topics (only supergroups have them). The operator must still set
    the new COUNSELOR_CHAT_ID, or the next start would leave the group.
    """
    front = front_of(application)
    old = front.settings.counselor_chat_id
    if old is None or old == new_id:
        return
    logger.error("the counselor group %d was migrated to the supergroup %d: set "
                 "COUNSELOR_CHAT_ID=%d (this process uses the new id until it stops)",
                 old, new_id, new_id)
    front.settings = replace(front.settings, counselor_chat_id=new_id)
    for chats in application.bot_data.get("counselor_filters", []):
        chats.add_chat_ids(new_id)


def _kind(update: object) -> str:
    """What was being handled, for the log: the update's kind, never its content."""
    if not isinstance(update, Update):
        return "background work"
    for kind in ("message", "edited_message", "callback_query", "my_chat_member"):
        if getattr(update, kind, None) is not None:
            return kind
    return "update"


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its context (no message text, no IDs) and tell the person."""
    error = context.error
    person = Person.of(update) if isinstance(update, Update) else None
    if blocked_by_person(error) and person is not None:
        # the person has blocked the bot: nothing can reach them, nothing else is wrong
        logger.warning("%s has blocked the bot: %s not answered", short(person.key),
                       _kind(update))
        return
    # The traceback names code locations only; the exception's message is left out
    # because it may quote what the person wrote.
    logger.error(
        "%s while handling %s%s\n%s",
        type(error).__name__,
        _kind(update),
        f" for {short(person.key)}" if person else "",
        "".join(traceback.format_tb(error.__traceback__)) if error else "",
    )
    chat = update.effective_chat if isinstance(update, Update) else None
    message = update.effective_message if isinstance(update, Update) else None
    if person is not None and chat is not None and chat.type == ChatType.PRIVATE:
        try:
            if message is not None and message.text:  # a crisis never gets only "error"
                await send_crisis_reply_if_needed(context.bot, person, message.text)
            await _say_to(context.bot, person, "error")
        except TelegramError:
            logger.warning("could not tell the person about the error")


async def _post_init(application: AnyApplication) -> None:
    """Register the command menu in each language; start retrying waiting messages."""
    langs = registry()
    for lang in langs.languages.values():
        commands = [(key.removeprefix("commands."), t(key, lang.code)) for key in keys("commands.")]
        codes = list(lang.telegram_codes) + ([None] if lang.code == langs.default else [])
        for code in codes:
            try:
                await application.bot.set_my_commands(commands, language_code=code)
            except TelegramError:
                logger.warning("could not register commands", exc_info=True)
    front = front_of(application)
    # /delete and retention reach the counselor group's topics through the front's hooks
    # (the jmd core never imports bot); unregistered at shutdown (_post_shutdown).
    application.bot_data["unregister_hooks"] = [
        register_erasure_hook(partial(end_for_erasure, front, application.bot)),
        register_erasure_hook(partial(end_interpreters_for_erasure, front, application.bot)),
        register_retention_hook(partial(retention_hook, bot=application.bot),
                                tables=["counselor_topics"]),
        *partner_hooks(front, application.bot),  # referral topics (bot/partners)
    ]
    schedule_all(application)
    # Updates a crash interrupted, handled before any new one (bot/inbound.py).
    await replay_unfinished(application, front.settings.inbound_max_attempts)


async def _post_shutdown(application: AnyApplication) -> None:
    for unregister in application.bot_data.pop("unregister_hooks", []):
        unregister()
    front = front_of(application)
    await front.rasa.close()


def build_application(
    settings: Settings | None = None, rasa: RasaClient | None = None
) -> AnyApplication:
    """The whole Telegram front, wired: handlers, rate limiter, error handler."""
    settings = settings or get_settings()
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    limiter = FrontRateLimiter(
        chat_interval=settings.telegram_chat_interval,
        max_retries=settings.telegram_send_retries,
    )
    ledger = InboundLedger()  # crash-safe inbound (bot/inbound.py)
    application = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .rate_limiter(limiter)
        .update_queue(PersistingQueue())
        .concurrent_updates(FinishingProcessor(ledger))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    front = application.bot_data["front"] = Front(
        settings=settings,
        rasa=rasa or RasaClient(settings.rasa_url, token=settings.rasa_channel_token),
        payloads=PayloadStore(),
        inbox=ChatInbox(spawn=application.create_task, on_error=application.process_error,
                        tracker=ledger),
    )
    # The one place that decides whether a person's message goes to Rasa or a counselor.
    front.inbox.gate = partial(route, front, application.bot, exempt=_answered_by_front)
    if settings.counselor_chat_id is not None:  # copies into the group wait there, paced
        front.mirror = group_mirror(front, application.bot, application.create_task)

    private = filters.ChatType.PRIVATE
    if settings.counselor_chat_id is not None:
        staff = filters.Chat(settings.counselor_chat_id)
        application.bot_data["counselor_filters"] = [staff]  # a group migration adds its id
        application.add_handler(CommandHandler("today", on_today, filters=staff), group=-2)
        application.add_handler(CommandHandler("week", on_week, filters=staff), group=-2)
    application.add_handler(
        ChatMemberHandler(on_foreign_group, ChatMemberHandler.MY_CHAT_MEMBER), group=-1
    )
    application.add_handler(MessageHandler(filters.ChatType.GROUPS, on_foreign_group), group=-1)
    if settings.counselor_chat_id is not None:  # handoff: the counselors' forum topics
        counselors = filters.Chat(chat_id=settings.counselor_chat_id)
        application.bot_data["counselor_filters"].append(counselors)
        application.add_handler(CommandHandler("done", on_done,
                                               filters=counselors & ~filters.UpdateType.EDITED))
        application.add_handler(MessageHandler(
            counselors & ~filters.COMMAND & ~filters.StatusUpdate.ALL, on_counselor_message
        ))
        add_partner_handlers(application, counselors)  # referrals, joint appointments
    application.add_handler(CallbackQueryHandler(on_take, pattern=TAKE_PATTERN))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED & private, on_edited))
    application.add_handler(CommandHandler(list(COMMAND_PAYLOADS), on_command, filters=private))
    application.add_handler(CommandHandler("privacy", on_privacy, filters=private))
    application.add_handler(CommandHandler("delete", on_delete, filters=private))
    application.add_handler(CommandHandler("bot", on_back, filters=private))
    application.add_handler(MessageHandler(filters.COMMAND & private, on_unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & private, on_text))
    application.add_handler(CallbackQueryHandler(on_delete_choice, pattern=DELETE_PATTERN))
    application.add_handler(CallbackQueryHandler(on_back_tap, pattern=BACK_PATTERN))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(private & ~filters.TEXT, on_not_text))
    application.add_error_handler(on_error)
    add_interpreter_handlers(application)  # volunteer interpreters (bot/interpreters/)
    return application
