"""What the handoff modules share: notes in the counselor group, the booking offer, offices.

Notes in the group are best effort: a note that cannot be posted is logged, never raised,
because the person's side must not fail over a counselor-side remark.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest, TelegramError

from bot.formatting import keyboard
from bot.front import Front, say
from bot.rasa_client import Button
from jmd.content.offices import Office, OfficeDataError, load_offices
from jmd.handoff.cards import take_data
from jmd.shared.payloads import payload
from jmd.texts import staff, t

logger = logging.getLogger(__name__)

BOOKING_PAYLOAD = payload("book_appointment")

# The person's button "back to the assistant" (and /bot): ends the handoff for them.
BACK_DATA = "ho:back"
BACK_PATTERN = r"^ho:back$"
BACK_COMMAND = "bot"


def group_of(front: Front) -> int:
    """The counselor group; only called where handoff is configured."""
    group = front.settings.counselor_chat_id
    assert group is not None, "COUNSELOR_CHAT_ID is not set"
    return group


def offices_of(front: Front) -> tuple[Office, ...]:
    """The office data; none when unreadable (the handoff goes on without hours)."""
    try:
        return load_offices(front.settings.offices_file)
    except (OSError, OfficeDataError):
        logger.warning("office data unreadable; handoff without office hours", exc_info=True)
        return ()


def thread_gone(error: BadRequest) -> bool:
    """Telegram's answer when a message goes to a deleted forum topic."""
    message = error.message.lower()
    return any(part in message for part in ("thread not found", "topic_deleted",
                                            "topic_id_invalid", "topic not found"))


def take_markup(handoff_id: int) -> InlineKeyboardMarkup:
    """The card's "Übernehmen" button."""
    button = InlineKeyboardButton(staff("handoff.take_button"), callback_data=take_data(handoff_id))
    return InlineKeyboardMarkup([[button]])


def back_markup(language: str) -> InlineKeyboardMarkup:
    """The button under "a counselor has your chat": back to the assistant."""
    button = InlineKeyboardButton(t("handoff_back_button", language), callback_data=BACK_DATA)
    return InlineKeyboardMarkup([[button]])


async def offer_booking(front: Front, bot: Bot, chat_id: int, key: str, language: str) -> None:
    """The front's text ``key`` with the "📅 book an appointment" button."""
    markup = keyboard((Button(t("book_appointment", language), BOOKING_PAYLOAD),), front.payloads)
    await say(bot, chat_id, key, language, reply_markup=markup)


async def note(bot: Bot, group: int, thread: int | None, text: str,
               reply_to: int | None = None) -> None:
    """A note of the assistant in the counselor group (best effort)."""
    try:
        await bot.send_message(
            group, text, message_thread_id=thread,
            reply_parameters=(ReplyParameters(reply_to, allow_sending_without_reply=True)
                              if reply_to else None),
        )
    except TelegramError:
        logger.warning("could not post a note in the counselor group", exc_info=True)


def thread_of(message: Message | None) -> int | None:
    """The forum topic of a group message (None: the group's general chat, or no message)."""
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id
