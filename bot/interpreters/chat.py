"""An interpreter in a person's chat: asked for in the topic, relayed three ways, ended.

Invariants: the request needs a handoff a counselor has (``assigned``); the person is
asked before any volunteer is; while the interpreter is in, the person's messages go to
the topic (as always) and to the interpreter, the assigned counselor's to the person (as
always) and to the interpreter, the interpreter's to the person and the topic, each
marked with who wrote it. Every relay looks the assignment up again (active, and the
handoff still assigned), so nothing reaches the interpreter after it ended.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import Bot, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.formatting import TELEGRAM_LIMIT
from bot.front import Front, Person
from bot.handoff.common import group_of, note, offer_booking, thread_of
from bot.handoff.mirror import Item
from bot.handoff.person import mirror_of
from bot.handoff.topics import in_topic
from bot.interpreters.common import (
    END,
    LEAVE,
    consent_markup,
    edit_offers,
    language_label,
    one_button,
    reach,
    tell_person,
    to_volunteer,
    topic_note,
    volunteer_name,
)
from jmd.db import db
from jmd.handoff.state import ASSIGNED, active_handoff, touch
from jmd.handoff.topics import person_of_thread
from jmd.identity import display_name, short
from jmd.interpreters.assignments import (
    AssignmentView,
    end,
    open_chat,
    relay_for_interpreter,
    relay_for_person,
    request_chat,
)
from jmd.interpreters.register import volunteers_for
from jmd.shared.languages import registry
from jmd.texts import staff, t

logger = logging.getLogger(__name__)


# -- asking for an interpreter ---------------------------------------------------------------


async def request(front: Front, bot: Bot, message: Message, counselor: str) -> None:
    """``/dolmetscher`` in a person's topic: ask the person whether a volunteer may join."""
    group, thread = group_of(front), thread_of(message)
    assert thread is not None
    key = await db(person_of_thread, group, thread)
    if key is None:
        await note(bot, group, thread, staff("handoff.no_conversation"), message.message_id)
        return
    handoff = await db(active_handoff, key)
    if handoff is None or handoff.status != ASSIGNED:
        await note(bot, group, thread, staff("interpreter.need_assigned"), message.message_id)
        return
    person = await reach(key, handoff.language)
    language = person.language or handoff.language
    label = language_label(language)
    if language == registry().default:
        await note(bot, group, thread, staff("interpreter.german"), message.message_id)
        return
    if not await db(volunteers_for, language, except_key=key):
        await note(bot, group, thread, staff("interpreter.nobody", language=label),
                   message.message_id)
        return
    assignment = await db(request_chat, key, handoff.id, language, counselor)
    if assignment is None:
        await note(bot, group, thread, staff("interpreter.already"), message.message_id)
        return
    try:
        if person.chat_id is None:  # never seen in a private chat: nobody to ask
            raise LookupError("no chat")
        await bot.send_message(person.chat_id, t("interpreter_consent", language),
                               reply_markup=consent_markup(language, assignment.id))
    except (TelegramError, LookupError):
        await db(end, assignment.id)
        await note(bot, group, thread, staff("handoff.undeliverable"), message.message_id)
        return
    logger.info("interpreter asked for in the chat of %s (request %d)", short(key),
                assignment.id)
    await note(bot, group, thread, staff("interpreter.asking_person", language=label))


async def declined(front: Front, bot: Bot, assignment: AssignmentView, language: str) -> None:
    """The person said no: nobody is asked; they and the counselor are told."""
    await tell_person(bot, assignment.person_key, language, "interpreter_declined")
    await topic_note(front, bot, assignment.person_key, staff("interpreter.person_declined"))


def offer_text(assignment: AssignmentView) -> str:
    """What a volunteer reads: the pseudonym and the language, nothing else."""
    return staff("interpreter.offer_chat", person=display_name(assignment.person_key),
                 language=language_label(assignment.language))


async def searching(front: Front, bot: Bot, assignment: AssignmentView, asked: int,
                    language: str) -> None:
    """Volunteers were asked: the person and the topic are told."""
    await tell_person(bot, assignment.person_key, language, "interpreter_searching")
    await topic_note(front, bot, assignment.person_key, staff(
        "interpreter.volunteers_asked", count=asked,
        language=language_label(assignment.language)))


async def joined(front: Front, bot: Bot, assignment: AssignmentView, offer: Message | None
                 ) -> None:
    """A volunteer won the chat: they, the person and the topic are told."""
    name, key = volunteer_name(assignment), assignment.person_key
    text = staff("interpreter.joined_interpreter", person=display_name(key),
                 language=language_label(assignment.language))
    leave = one_button(staff("interpreter.leave_button"), LEAVE, assignment.id)
    if offer is not None:
        try:
            await offer.edit_text(text, reply_markup=leave)
        except TelegramError:
            offer = None
    if offer is None and assignment.interpreter is not None:
        await to_volunteer(bot, assignment.interpreter.telegram_user_id, text, leave)
    await tell_person(bot, key, assignment.language, "interpreter_joined", name=name)
    await topic_note(front, bot, key, staff("interpreter.joined_note", name=name,
                                            language=language_label(assignment.language)),
                     one_button(staff("interpreter.end_button"), END, assignment.id))


async def timed_out(front: Front, bot: Bot, assignment: AssignmentView) -> None:
    """Nobody answered or accepted in time: topic and person told, a booking offered."""
    person = await reach(assignment.person_key, assignment.language)
    await topic_note(front, bot, assignment.person_key, staff(
        "interpreter.timeout_note", language=language_label(assignment.language)))
    if person.chat_id is not None:
        try:
            await offer_booking(front, bot, person.chat_id, "interpreter_timeout",
                                person.language or assignment.language)
        except TelegramError:
            logger.info("could not tell %s that no interpreter came", short(
                assignment.person_key))


# -- ending -----------------------------------------------------------------------------------

COUNSELOR, INTERPRETER, CLOSED = "counselor", "interpreter", "closed"


async def finished(front: Front, bot: Bot, assignment: AssignmentView, by: str) -> None:
    """Tell everyone that the interpreter's part ended (``assignment``: as it ended).

    ``by``: the counselor, the interpreter, or the chat itself (/done, /bot, idle).
    """
    key = assignment.person_key
    volunteer = assignment.interpreter
    logger.info("interpreter request %d in the chat of %s ended (%s)", assignment.id,
                short(key), by)
    if volunteer is None:  # nobody had joined: the offers are void
        await edit_offers(bot, assignment.id, staff("interpreter.expired"))
        if by == COUNSELOR:
            await topic_note(front, bot, key, staff("interpreter.request_ended"))
        return
    await to_volunteer(bot, volunteer.telegram_user_id, staff(
        "interpreter.ended_interpreter", person=display_name(key)))
    if by == CLOSED:
        return  # the person and the topic were told the chat ended
    await tell_person(bot, key, assignment.language, "interpreter_left")
    which = "interpreter.left_note" if by == INTERPRETER else "interpreter.ended_note"
    await topic_note(front, bot, key, staff(which, name=volunteer.name))


async def end_in_topic(front: Front, bot: Bot, message: Message) -> None:
    """``/dolmetscher_ende`` in a person's topic (the caller checked the counselor)."""
    group, thread = group_of(front), thread_of(message)
    key = await db(person_of_thread, group, thread) if thread is not None else None
    current = await db(open_chat, key) if key is not None else None
    ended = await db(end, current.id) if current is not None else None
    if ended is None:
        await note(bot, group, thread, staff("interpreter.none_active"), message.message_id)
        return
    await finished(front, bot, ended, COUNSELOR)


async def end_for_closed_chat(front: Front, bot: Bot, message: Message) -> None:
    """After ``/done`` in a topic: the interpreter's part ends with the chat."""
    thread = thread_of(message)
    key = await db(person_of_thread, group_of(front), thread) if thread is not None else None
    current = await db(open_chat, key) if key is not None else None
    handoff = await db(active_handoff, key) if key is not None else None
    if current is None or (handoff is not None and handoff.status == ASSIGNED):
        return  # refused /done (not a counselor): the chat goes on
    ended = await db(end, current.id)
    if ended is not None:
        await finished(front, bot, ended, CLOSED)


# -- relaying ---------------------------------------------------------------------------------


def _messages(update: Update, items: Sequence[Any]) -> list[Message]:
    burst = [item for item in items if isinstance(item, Message)]
    if burst:
        return burst
    return [update.message] if update.message is not None else []


async def _pass_on(bot: Bot, to: int, marker: str, message: Message) -> None:
    """``message`` to chat ``to``, headed by ``marker``: a text in one message, anything
    else as a copy after the marker."""
    if message.text is not None:
        if len(marker) + 1 + len(message.text) <= TELEGRAM_LIMIT:
            await bot.send_message(to, f"{marker}\n{message.text}")
        else:  # no room for the marker in the same message
            await bot.send_message(to, marker)
            await bot.send_message(to, message.text)
        return
    await bot.send_message(to, marker)
    await bot.copy_message(to, message.chat_id, message.message_id)


async def person_to_interpreter(front: Front, bot: Bot, update: Any,
                                items: Sequence[Any]) -> None:
    """The person's messages that went to their counselor go to the interpreter too."""
    if not isinstance(update, Update) or update.effective_chat is None \
            or update.effective_chat.type != ChatType.PRIVATE:
        return
    person = Person.of(update)
    messages = _messages(update, items)
    if person is None or not messages:
        return
    assignment = await db(relay_for_person, person.key)
    if assignment is None or assignment.interpreter is None:
        return
    marker = staff("interpreter.from_person", person=display_name(person.key))
    try:
        for message in messages:
            await _pass_on(bot, assignment.interpreter.telegram_user_id, marker, message)
    except TelegramError:
        logger.warning("could not pass a message of %s to the interpreter", short(person.key))
        mirror_of(front).put(Item(person, note=staff(
            "interpreter.undelivered", name=assignment.interpreter.name)))


async def counselor_to_interpreter(front: Front, bot: Bot, message: Message) -> None:
    """The assigned counselor's message in the topic goes to the interpreter too."""
    thread = thread_of(message)
    if thread is None or message.from_user is None:
        return
    key = await db(person_of_thread, group_of(front), thread)
    handoff = await db(active_handoff, key) if key is not None else None
    if key is None or handoff is None or handoff.status != ASSIGNED \
            or message.from_user.id != handoff.counselor_telegram_id:
        return  # colleagues' notes stay in the group, as for the person
    assignment = await db(relay_for_person, key)
    if assignment is None or assignment.interpreter is None:
        return
    marker = staff("interpreter.from_counselor",
                   name=handoff.counselor_name or staff("handoff.unknown"))
    try:
        await _pass_on(bot, assignment.interpreter.telegram_user_id, marker, message)
    except TelegramError:
        await note(bot, group_of(front), thread, staff(
            "interpreter.undelivered", name=assignment.interpreter.name), message.message_id)


async def interpreter_out(front: Front, bot: Bot, telegram_user_id: int,
                          message: Message) -> None:
    """What the interpreter writes goes to the person and to the topic, marked as theirs."""
    assignment = await db(relay_for_interpreter, telegram_user_id)
    if assignment is None or assignment.interpreter is None:
        await bot.send_message(message.chat_id, staff("interpreter.not_in_chat"))
        return
    key, name = assignment.person_key, assignment.interpreter.name
    person = await reach(key, assignment.language)
    if person.chat_id is None:
        return
    language = person.language or assignment.language
    await db(touch, key)  # the chat is not idle
    try:
        await _pass_on(bot, person.chat_id, t("interpreter_marker", language, name=name),
                       message)
    except TelegramError:
        await bot.send_message(message.chat_id, staff("handoff.undeliverable"))
    marker = staff("interpreter.from_interpreter", name=name)
    if message.text is not None:  # in turn with the person's messages on the way there
        mirror_of(front).put(Item(Person(key, person.chat_id, None),
                                  note=f"{marker}\n{message.text}"[:TELEGRAM_LIMIT]))
        return
    group = group_of(front)

    async def send(thread: int) -> None:
        await bot.send_message(group, marker, message_thread_id=thread)
        await bot.copy_message(group, message.chat_id, message.message_id,
                               message_thread_id=thread)

    try:
        await in_topic(front, bot, key, send)
    except TelegramError:
        logger.warning("could not copy an interpreter's message into the topic of %s",
                       short(key))
