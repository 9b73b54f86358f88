"""The steps a chat and an appointment share: the person's answer, the offers to the
volunteers, a volunteer's accept or leave.

Invariants: a person's answer counts only for their own open question (the key is part
of the conditional UPDATE); an accept counts only for an active registered volunteer of
the request's language, the first one winning in the database; everyone who tapped
gets an answer, the others' offers are edited ("taken").
"""

from __future__ import annotations

import logging

from telegram import Bot, CallbackQuery, Message, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.front import Front, Person, front_of_context, mark_choice, say
from bot.interpreters import appointment, chat
from bot.interpreters.common import (
    ACCEPT,
    YES,
    edit_offers,
    language_label,
    one_button,
    parse,
    to_volunteer,
    topic_note,
)
from jmd.db import db
from jmd.interpreters.assignments import (
    ACTIVE,
    CHAT,
    TIMED_OUT,
    AssignmentView,
    accept,
    consent,
    end,
    get_assignment,
    record_offer,
    relay_for_interpreter,
)
from jmd.interpreters.register import by_telegram_id, volunteers_for
from jmd.texts import staff

logger = logging.getLogger(__name__)


# -- the person's answer -----------------------------------------------------------------------


async def on_consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The person's "yes" or "no" to an interpreter (never passed to Rasa or a counselor)."""
    query, person = update.callback_query, Person.of(update)
    parsed = parse(query.data if query else None)
    if query is None or person is None or parsed is None:
        raise ApplicationHandlerStop
    await query.answer()
    action, assignment_id = parsed
    language = await person.language_async()
    assignment = await db(consent, assignment_id, person.key, action == YES)
    await mark_choice(query)
    if assignment is None:  # not theirs, or answered, timed out, ended already
        await say(context.bot, person.chat_id, "interpreter_expired", language)
        raise ApplicationHandlerStop
    front = front_of_context(context)
    if action != YES:
        logger.info("request %d: the person declined an interpreter", assignment.id)
        if assignment.kind == CHAT:
            await chat.declined(front, context.bot, assignment, language)
        else:
            await appointment.declined(assignment, context.bot, language)
        raise ApplicationHandlerStop
    await broadcast(front, context.bot, assignment, language)
    raise ApplicationHandlerStop


async def broadcast(front: Front, bot: Bot, assignment: AssignmentView, language: str) -> None:
    """Offer the request to every active volunteer for the language, privately."""
    volunteers = await db(volunteers_for, assignment.language,
                          except_key=assignment.person_key)
    text = chat.offer_text(assignment) if assignment.kind == CHAT \
        else await appointment.offer_text(assignment)
    asked = 0
    for volunteer in volunteers if text else []:
        assert text is not None
        sent = await to_volunteer(bot, volunteer.telegram_user_id, text, one_button(
            staff("interpreter.accept_button"), ACCEPT, assignment.id))
        if sent is None:
            logger.info("volunteer #%d cannot be reached by the bot", volunteer.id)
            continue
        await db(record_offer, assignment.id, volunteer.id, sent.message_id)
        asked += 1
    logger.info("request %d offered to %d volunteer(s)", assignment.id, asked)
    if asked:
        if assignment.kind == CHAT:
            await chat.searching(front, bot, assignment, asked, language)
        else:
            await appointment.searching(assignment, bot, language)
        return
    ended = await db(end, assignment.id, TIMED_OUT)
    if ended is None:
        return
    if ended.kind == CHAT:
        await topic_note(front, bot, ended.person_key, staff(
            "interpreter.nobody_reachable", language=language_label(ended.language)))
        await chat.timed_out(front, bot, ended)
    else:
        await appointment.timed_out(front, bot, ended)


# -- a volunteer's taps -------------------------------------------------------------------------


async def on_volunteer_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"Ich übernehme" or "Verlassen" under a volunteer's private message."""
    query = update.callback_query
    parsed = parse(query.data if query else None)
    if query is None or parsed is None:
        raise ApplicationHandlerStop
    action, assignment_id = parsed
    front = front_of_context(context)
    if action == ACCEPT:
        await _accept(front, context.bot, query, assignment_id)
    else:
        await _leave(front, context.bot, query, assignment_id)
    raise ApplicationHandlerStop


async def _edit(query: CallbackQuery, text: str) -> None:
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(text, reply_markup=None)
        except TelegramError:
            logger.info("could not update an offer", exc_info=True)


async def _accept(front: Front, bot: Bot, query: CallbackQuery, assignment_id: int) -> None:
    result = await db(accept, assignment_id, query.from_user.id)
    if not result.allowed:
        logger.info("refused an accept of request %d: not an active volunteer for it",
                    assignment_id)
        await query.answer(staff("interpreter.not_interpreter"), show_alert=True)
        return
    if result.busy:
        await query.answer(staff("interpreter.busy"), show_alert=True)
        return
    assignment = result.assignment
    if not result.won or assignment is None or assignment.interpreter is None:
        taken = assignment is not None and assignment.status == ACTIVE
        text = staff("interpreter.taken" if taken else "interpreter.expired")
        await query.answer(text)
        await _edit(query, text)
        return
    await query.answer()
    logger.info("request %d accepted by volunteer #%d", assignment.id,
                assignment.interpreter.id)
    await edit_offers(bot, assignment.id, staff("interpreter.taken"),
                      keep=assignment.interpreter.id)
    offer = query.message if isinstance(query.message, Message) else None
    if assignment.kind == CHAT:
        await chat.joined(front, bot, assignment, offer)
    else:
        await appointment.joined(front, bot, assignment, offer)


async def _leave(front: Front, bot: Bot, query: CallbackQuery, assignment_id: int) -> None:
    volunteer = await db(by_telegram_id, query.from_user.id)
    current = await db(get_assignment, assignment_id)
    if volunteer is None or current is None or current.interpreter is None \
            or current.interpreter.id != volunteer.id:
        await query.answer(staff("interpreter.not_interpreter"), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(reply_markup=None)
        except TelegramError:
            logger.info("could not remove the leave button", exc_info=True)
    ended = await db(end, assignment_id)
    if ended is None:
        await to_volunteer(bot, volunteer.telegram_user_id, staff("interpreter.not_in_chat"))
        return
    await chat.finished(front, bot, ended, chat.INTERPRETER)


async def leave_by_command(front: Front, bot: Bot, telegram_user_id: int) -> None:
    """``/verlassen`` in the volunteer's private chat."""
    current = await db(relay_for_interpreter, telegram_user_id)
    ended = await db(end, current.id) if current is not None else None
    if ended is None:
        await to_volunteer(bot, telegram_user_id, staff("interpreter.not_in_chat"))
        return
    await chat.finished(front, bot, ended, chat.INTERPRETER)


async def withdraw_volunteer(front: Front, bot: Bot, assignments: list[AssignmentView],
                             *, appointments: bool) -> None:
    """End what a deactivated (chats) or removed (``appointments`` too) volunteer had."""
    for current in assignments:
        if current.kind == CHAT:
            ended = await db(end, current.id)
            if ended is not None:
                await chat.finished(front, bot, ended, chat.COUNSELOR)
        elif appointments and current.status == ACTIVE:
            ended = await db(end, current.id)
            if ended is not None:
                await appointment.withdrawn(front, bot, ended)

