"""What the partner modules share: button data, the counselor checks, notes to both sides.

Button data is short and never starts with "/" (Rasa payloads): ``rf:…`` for referrals,
``jt:…`` for joint appointments. Whatever a button names is checked again in the database
when it is pressed: forged or outdated data changes nothing.
"""

from __future__ import annotations

import html
import logging

from telegram import Bot, CallbackQuery, Message
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.front import Front
from bot.handoff.counselor import counselor_name
from jmd.db import db
from jmd.handoff.topics import topic_of
from jmd.partners import referrals
from jmd.partners.cards import target_name
from jmd.partners.referrals import YES, ReferralView
from jmd.texts import staff

logger = logging.getLogger(__name__)

# Buttons pressed in the counselor group, and by the person.
GROUP_PATTERN = r"^(rf:(o:[a-z0-9-]{1,32}|c:\d{1,9}|x|t:\d{1,9})|jt:o:\d{1,9})$"
PERSON_PATTERN = (r"^(rf:a:\d{1,9}:[ycn]|jt:p:\d{1,9}:[a-z0-9]{1,12}:[a-z0-9]{1,12}"
                  r"|jt:c:[a-z0-9]{1,12})$")


def query_message(query: CallbackQuery) -> Message | None:
    """The message under the pressed button, if Telegram still gives it."""
    return query.message if isinstance(query.message, Message) else None


async def person_thread(front: Front, key: str) -> int | None:
    """The person's own topic in the counselor group, if there is one."""
    group = front.settings.counselor_chat_id
    if group is None:
        return None
    topic = await db(topic_of, key, group)
    return topic.thread_id if topic else None


def mention(name: str, telegram_id: int | None) -> str:
    """A counselor named so that Telegram notifies them (HTML text mention)."""
    if telegram_id is None:
        return html.escape(name)
    return f'<a href="tg://user?id={int(telegram_id)}">{html.escape(name)}</a>'


async def post_html(bot: Bot, group: int, thread: int | None, text: str) -> None:
    """An HTML note in the group (``thread``, else the general chat); best effort."""
    for where in ([thread, None] if thread is not None else [None]):
        try:
            await bot.send_message(group, text, message_thread_id=where,
                                   parse_mode=ParseMode.HTML)
            return
        except TelegramError:
            logger.warning("could not post a partner note in the counselor group",
                           exc_info=True)


async def drop_buttons(message: Message | None) -> None:
    """Remove the buttons under ``message`` (best effort)."""
    if message is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramError:
        logger.info("could not remove the buttons of a message", exc_info=True)


async def acting_target(front: Front, bot: Bot, query: CallbackQuery,
                        referral_id: int) -> tuple[str, int, ReferralView, str] | None:
    """The counselor pressing a referral card's button, if they may act on it: their name,
    the group, the referral and the referred person's key. Otherwise they are told why (a
    counselor of the target organisation, or the named colleague, on an agreed referral
    only) and None comes back."""
    group = front.settings.counselor_chat_id
    name = await counselor_name(front, bot, query.from_user)
    referral = await db(referrals.get, referral_id)
    if name is None or group is None:
        await query.answer(staff("handoff.not_counselor"), show_alert=True)
        return None
    if referral is None or referral.consent != YES or referral.person_key is None:
        await query.answer(staff("partners.invalid"), show_alert=True)
        return None
    if not await db(referrals.is_target, referral, query.from_user.id):
        logger.info("refused a counselor of another organisation on referral %d", referral_id)
        await query.answer(staff("partners.not_target", organisation=target_name(referral)),
                           show_alert=True)
        return None
    return name, group, referral, referral.person_key
