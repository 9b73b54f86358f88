"""The counselors' side: "Übernehmen", /done, and their messages out to the person.

Invariants: only counselors act (in the group, and listed in ``counselors`` or named in
COUNSELOR_TELEGRAM_IDS); only the assigned counselor's messages leave the group, every
other message in a person's topic stays internal (a note says why when it matters).
All work of the group runs in the group's inbox queue, in arrival order.

An edited counselor message reaches the person once: as an edit of the copy they got
(the copies of this process are remembered, :class:`Copies`), else (after a restart, or
when Telegram refuses the edit) as a new message marked "corrected" in their language.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.orm import Session
from telegram import Bot, CallbackQuery, MaybeInaccessibleMessage, Message, Update, User
from telegram.constants import ChatMemberStatus
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.front import Front, front_of_context, say
from bot.handoff.common import back_markup, group_of, note, thread_of
from jmd.db import db
from jmd.handoff.cards import closed_line, parse_take, taken_line, with_status
from jmd.handoff.counselors import counselor_by_telegram_id
from jmd.handoff.state import (
    ASSIGNED,
    CLOSED,
    OPEN,
    Contact,
    HandoffView,
    active_handoff,
    close,
    contact,
    get_handoff,
    take,
    touch,
)
from jmd.handoff.topics import person_of_thread
from jmd.identity import short
from jmd.shared.one_line import one_line
from jmd.texts import staff, t

logger = logging.getLogger(__name__)

# Who counts as being in the counselor group.
IN_GROUP = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}


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
    check = await db(counselor_by_telegram_id, user.id, front.settings.counselor_telegram_ids)
    if not check.allowed:
        return None
    # shown on cards, in notes and to the person: one line, whatever the account says
    return one_line(check.name or user.first_name) or staff("handoff.unknown")


# -- "Übernehmen" ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Taken:
    """The outcome of a press on "Übernehmen"."""

    taken: bool  # this counselor won
    handoff: HandoffView | None  # as it is after the attempt (None: gone)
    person: Contact


def _take(session: Session, handoff_id: int, counselor_id: int, name: str) -> _Taken:
    """Try to take the handoff; what it is now, and where its person is reached."""
    taken = take(session, handoff_id, counselor_id, name)
    handoff = get_handoff(session, handoff_id)
    if handoff is None:
        return _Taken(False, None, Contact(None, None))
    return _Taken(taken, handoff, contact(session, handoff.person_key, handoff.language))


async def on_take(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on "Übernehmen": queued with the group's other work."""
    query, front = update.callback_query, front_of_context(context)
    handoff_id = parse_take(query.data if query else None)
    group = front.settings.counselor_chat_id
    if query is None or handoff_id is None or group is None:
        return
    chat = update.effective_chat
    if chat is None or chat.id != group:
        await query.answer(staff("handoff.not_counselor"), show_alert=True)
        return
    front.inbox.submit(group, partial(_take_job, front, context.bot, query, handoff_id), update)


async def _edit_card(message: MaybeInaccessibleMessage | None, status_line: str) -> None:
    """Replace the card's last line (who has it) and remove the button."""
    if not isinstance(message, Message) or not message.text:
        return
    try:
        await message.edit_text(with_status(message.text, status_line), reply_markup=None)
    except TelegramError:
        logger.info("could not update a handoff card", exc_info=True)


async def _take_job(front: Front, bot: Bot, query: CallbackQuery, handoff_id: int) -> None:
    """Assign the handoff to the first counselor; tell everyone else who has it."""
    user = query.from_user
    name = await counselor_name(front, bot, user)
    if name is None:
        logger.info("refused to let a non-counselor take handoff %d", handoff_id)
        await query.answer(staff("handoff.not_counselor"), show_alert=True)
        return
    result = await db(_take, handoff_id, user.id, name)
    handoff = result.handoff
    if result.taken and handoff is not None:
        await query.answer(staff("handoff.taken_by_you"))
        logger.info("handoff %d for %s taken", handoff_id, short(handoff.person_key))
        await _edit_card(query.message, taken_line(name))
        if result.person.chat_id is not None:
            language = result.person.language or handoff.language
            await bot.send_message(result.person.chat_id,
                                   t("handoff_taken", language, name=name),
                                   reply_markup=back_markup(language))
        return
    if handoff is None or handoff.status == CLOSED:
        await query.answer(staff("handoff.already_closed"), show_alert=True)
        await _edit_card(query.message, closed_line())
        return
    holder = handoff.counselor_name or ""
    await query.answer(staff("handoff.already_taken", name=holder), show_alert=True)
    await _edit_card(query.message, taken_line(holder))


# -- messages in a person's topic --------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """The person whose topic a message was written in."""

    key: str
    handoff: HandoffView | None  # the active one, if any
    person: Contact


def _target(session: Session, group: int, thread: int) -> _Target | None:
    """The person of topic ``thread`` (None: not a person's topic)."""
    key = person_of_thread(session, group, thread)
    if key is None:
        return None
    handoff = active_handoff(session, key)
    return _Target(key, handoff, contact(session, key, handoff.language if handoff else None))


async def on_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/done`` in a person's topic: hand the person back to the assistant."""
    message, front = update.effective_message, front_of_context(context)
    group = front.settings.counselor_chat_id
    if message is None or group is None or message.from_user is None:
        return
    front.inbox.submit(group, partial(_done_job, front, context.bot, message), update)


async def _done_job(front: Front, bot: Bot, message: Message) -> None:
    """Close the topic's handoff (any counselor may), tell the person."""
    group, thread = group_of(front), thread_of(message)
    assert message.from_user is not None
    name = await counselor_name(front, bot, message.from_user)
    if name is None:
        logger.info("refused /done from someone not a counselor")
        await note(bot, group, thread, staff("handoff.not_counselor"), message.message_id)
        return
    target = await db(_target, group, thread) if thread is not None else None
    handoff = target.handoff if target else None
    if target is None or handoff is None or not await db(close, handoff.id):
        await note(bot, group, thread, staff("handoff.no_conversation"), message.message_id)
        return
    logger.info("handoff %d for %s closed", handoff.id, short(target.key))
    await note(bot, group, thread, staff("handoff.done_note", name=name))
    if handoff.status == OPEN and handoff.card_message_id:  # the button goes
        try:
            await bot.edit_message_reply_markup(group, handoff.card_message_id,
                                                reply_markup=None)
        except TelegramError:
            logger.info("could not remove the button of a closed handoff", exc_info=True)
    if target.person.chat_id is not None:
        await say(bot, target.person.chat_id, "handoff_done",
                  target.person.language or handoff.language)


class Copies:
    """Which message in the person's chat is the copy of a counselor's message.

    In memory, bounded (the newest ``capacity``): an edit after a restart is sent marked.
    """

    def __init__(self, capacity: int = 2000) -> None:
        self._capacity = capacity
        self._copies: OrderedDict[tuple[int, int], tuple[int, int]] = OrderedDict()

    def remember(self, group_message: tuple[int, int], copy: tuple[int, int]) -> None:
        self._copies[group_message] = copy
        if len(self._copies) > self._capacity:
            self._copies.popitem(last=False)

    def of(self, group_message: tuple[int, int]) -> tuple[int, int] | None:
        return self._copies.get(group_message)


def copies_of(bot_data: dict[str, Any]) -> Copies:
    """The front's :class:`Copies` (one per application)."""
    copies = bot_data.setdefault("counselor_copies", Copies())
    assert isinstance(copies, Copies)
    return copies


async def on_counselor_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message in a topic of the counselor group: to the person, if it is their counselor."""
    message, front = update.effective_message, front_of_context(context)
    group = front.settings.counselor_chat_id
    if message is None or group is None or message.from_user is None:
        return
    if thread_of(message) is None:
        return
    copies = copies_of(context.bot_data)
    job = (partial(_edit_out, front, context.bot, message, copies) if update.edited_message
           else partial(_forward_out, front, context.bot, message, copies))
    front.inbox.submit(group, job, update)


async def _edit_out(front: Front, bot: Bot, message: Message, copies: Copies) -> None:
    """An edited message of the assigned counselor: the person's copy is edited, once."""
    group, thread = group_of(front), thread_of(message)
    assert thread is not None and message.from_user is not None
    target = await db(_target, group, thread)
    handoff = target.handoff if target else None
    if target is None or handoff is None or handoff.status != ASSIGNED \
            or message.from_user.id != handoff.counselor_telegram_id \
            or target.person.chat_id is None:
        return  # edits of internal notes stay internal, silently
    language = target.person.language or handoff.language
    copy = copies.of((group, message.message_id))
    try:
        if copy is not None and copy[0] == target.person.chat_id:
            if message.text is not None:
                await bot.edit_message_text(message.text, copy[0], copy[1],
                                            entities=message.entities)
            else:
                await bot.edit_message_caption(copy[0], copy[1], caption=message.caption,
                                               caption_entities=message.caption_entities)
            return
    except TelegramError:  # too old to edit, or deleted by the person: sent marked instead
        logger.info("could not edit the copy of a counselor message", exc_info=True)
    marker = t("handoff_corrected", language)
    try:
        if message.text is not None:
            await bot.send_message(target.person.chat_id, f"{marker}\n{message.text}")
        else:
            await bot.copy_message(target.person.chat_id, group, message.message_id,
                                   caption=f"{marker}\n{message.caption or ''}")
    except Forbidden:
        await note(bot, group, thread, staff("handoff.undeliverable"), message.message_id)


async def _forward_out(front: Front, bot: Bot, message: Message, copies: Copies) -> None:
    """Copy the assigned counselor's message to the person; note why anything else stays."""
    group, thread = group_of(front), thread_of(message)
    assert thread is not None and message.from_user is not None
    target = await db(_target, group, thread)
    if target is None:  # a topic that is not a person's
        return
    handoff = target.handoff
    if handoff is not None and handoff.status == ASSIGNED:
        if message.from_user.id != handoff.counselor_telegram_id:
            return  # a colleague's note: stays in the group
        if target.person.chat_id is None:
            return
        try:
            copy = await bot.copy_message(target.person.chat_id, group, message.message_id)
            copies.remember((group, message.message_id),
                            (target.person.chat_id, copy.message_id))
            await db(touch, target.key)  # not idle
        except Forbidden:
            await note(bot, group, thread, staff("handoff.undeliverable"), message.message_id)
        return
    key = "handoff.not_forwarded_open" if handoff is not None else "handoff.not_forwarded_closed"
    await note(bot, group, thread, staff(key), message.message_id)
