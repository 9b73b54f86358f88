"""Interpreter work nobody asked for just now: time-outs, ended chats, erasure.

Each change is claimed in the database before anyone is told (conditional UPDATEs in
:mod:`jmd.interpreters.assignments`), so two passes never tell twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot

from bot.front import AnyApplication, Front, front_of
from bot.interpreters import appointment, chat
from bot.interpreters.common import edit_offers, topic_note
from bot.interpreters.register import remove
from jmd.db import db
from jmd.identity import short
from jmd.interpreters.assignments import (
    ASKED,
    CANCELLED,
    CHAT,
    claim_orphans,
    claim_timeouts,
    end,
    open_of_person,
)
from jmd.interpreters.register import by_person_key
from jmd.texts import staff

logger = logging.getLogger(__name__)


async def check_interpreters(application: AnyApplication) -> int:
    """One pass (a job of :mod:`bot.jobs`): requests the person did not answer within
    INTERPRETER_TIMEOUT_MINUTES end (a chat's counselors told), those no volunteer
    accepted end too (person and counselors told, a booking offered); chat interpreters
    whose chat ended (/bot, idle, …) are told. Returns how many requests ended."""
    front, bot = front_of(application), application.bot
    timeout = timedelta(minutes=front.settings.interpreter_timeout_minutes)
    unanswered = await db(claim_timeouts, timeout, waiting_for=ASKED)
    for assignment in unanswered:  # the person did not answer: nobody was asked
        if assignment.kind == CHAT:
            await topic_note(front, bot, assignment.person_key, staff("interpreter.unanswered"))
    timed_out = await db(claim_timeouts, timeout)
    for assignment in timed_out:
        logger.info("interpreter request %d for %s timed out", assignment.id,
                    short(assignment.person_key))
        await edit_offers(bot, assignment.id, staff("interpreter.expired"))
        if assignment.kind == CHAT:
            await chat.timed_out(front, bot, assignment)
        else:
            await appointment.timed_out(front, bot, assignment)
    orphans = await db(claim_orphans)
    for assignment in orphans:
        await chat.finished(front, bot, assignment, chat.CLOSED)
    return len(unanswered) + len(timed_out) + len(orphans)


async def end_for_erasure(front: Front, bot: Bot, key: str) -> None:
    """Before /delete erases the rows: interpreters of the person's chat or appointments
    are told it is over; a volunteer who erases themselves leaves the register."""
    for current in await db(open_of_person, key):
        ended = await db(end, current.id, CANCELLED)
        if ended is None:
            continue
        if ended.kind == CHAT:
            await chat.finished(front, bot, ended, chat.CLOSED)
        else:
            await appointment.tell_cancelled(bot, ended)
    volunteer = await db(by_person_key, key)
    if volunteer is not None:
        await remove(front, bot, volunteer)
