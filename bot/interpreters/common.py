"""What the interpreter modules share: button data, private messages, topic notes."""

from __future__ import annotations

import logging
import re

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import TelegramError

from bot.front import Front
from bot.handoff.common import group_of
from bot.handoff.topics import in_topic
from jmd.db import db
from jmd.handoff.cards import language_name
from jmd.handoff.state import Contact, contact
from jmd.identity import short
from jmd.interpreters.assignments import AssignmentView, Offer, offers
from jmd.texts import staff, t

logger = logging.getLogger(__name__)

# Callback data: "ip:<action>:<assignment id>"; never starting with "/" (Rasa payloads).
YES, NO, ACCEPT, LEAVE, END = "yes", "no", "acc", "out", "end"
CONSENT_PATTERN = r"^ip:(yes|no):\d+$"
VOLUNTEER_PATTERN = r"^ip:(acc|out):\d+$"
END_PATTERN = r"^ip:end:\d+$"
_DATA = re.compile(r"^ip:(yes|no|acc|out|end):(\d+)$")


def data(action: str, assignment_id: int) -> str:
    return f"ip:{action}:{assignment_id}"


def parse(value: str | None) -> tuple[str, int] | None:
    """(action, assignment id) of a button's data; None if it is not one of ours."""
    found = _DATA.match(value or "")
    return (found.group(1), int(found.group(2))) if found else None


def one_button(text: str, action: str, assignment_id: int) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text, callback_data=data(action, assignment_id))
    return InlineKeyboardMarkup([[button]])


def consent_markup(language: str, assignment_id: int) -> InlineKeyboardMarkup:
    """The person's "yes" and "no" under the question whether an interpreter may join."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(t("interpreter_yes", language),
                              callback_data=data(YES, assignment_id))],
        [InlineKeyboardButton(t("interpreter_no", language),
                              callback_data=data(NO, assignment_id))],
    ])


def language_label(code: str) -> str:
    """The language's German name (volunteers and counselors read German)."""
    return language_name(code)


def volunteer_name(assignment: AssignmentView) -> str:
    return assignment.interpreter.name if assignment.interpreter else staff("handoff.unknown")


async def to_volunteer(bot: Bot, telegram_user_id: int, text: str,
                       markup: InlineKeyboardMarkup | None = None) -> Message | None:
    """A private message to a volunteer; None if Telegram refuses (never started the bot,
    blocked it: 403 or "chat not found")."""
    try:
        return await bot.send_message(telegram_user_id, text, reply_markup=markup)
    except TelegramError as error:
        logger.info("could not write to a volunteer interpreter: %s", type(error).__name__)
        return None


async def edit_offers(bot: Bot, assignment_id: int, text: str,
                      keep: int | None = None) -> None:
    """Replace the offers of an assignment (all but volunteer ``keep``) by ``text``."""
    found: list[Offer] = await db(offers, assignment_id)
    for offer in found:
        if offer.interpreter_id == keep:
            continue
        try:
            await bot.edit_message_text(text, offer.telegram_user_id, offer.message_id,
                                        reply_markup=None)
        except TelegramError:
            logger.info("could not update an interpreter offer", exc_info=True)


async def topic_note(front: Front, bot: Bot, key: str, text: str,
                     markup: InlineKeyboardMarkup | None = None) -> None:
    """A note in the person's topic (best effort: the person's side must not fail)."""
    if front.settings.counselor_chat_id is None:
        return
    group = group_of(front)
    try:
        await in_topic(front, bot, key, lambda thread: bot.send_message(
            group, text, message_thread_id=thread, reply_markup=markup))
    except TelegramError:
        logger.warning("could not post an interpreter note for %s", short(key))


async def reach(key: str, fallback: str) -> Contact:
    """Where and in which language the person is reached."""
    return await db(contact, key, fallback)


async def tell_person(bot: Bot, key: str, fallback: str, text_key: str,
                      markup: InlineKeyboardMarkup | None = None, **fields: str) -> None:
    """The person's text ``text_key`` (best effort: they may have blocked the bot)."""
    person = await reach(key, fallback)
    if person.chat_id is None:
        return
    try:
        await bot.send_message(person.chat_id, t(text_key, person.language or fallback,
                                                 **fields), reply_markup=markup)
    except TelegramError:
        logger.info("could not tell %s about the interpreter", short(key))
