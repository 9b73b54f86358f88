"""The partner network in the Telegram front: warm referral (:mod:`.referral`), joint
appointments (:mod:`.joint`) and the partners' figures (:mod:`.figures`); what they share
is :mod:`.common`.

:func:`add_handlers` wires them into the application (``bot.app``), in a handler group
before the front's own, so their buttons never reach Rasa; :func:`hooks` registers the
deletion of referral topics for /delete and retention.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from telegram import Bot, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.ext.filters import BaseFilter

from bot.front import AnyApplication, Front, Person, front_of_context
from bot.handoff.topics import delete_topic
from bot.partners import figures, joint, referral
from bot.partners.common import GROUP_PATTERN, PERSON_PATTERN
from jmd.booking.joint import end_all_of
from jmd.clock import now
from jmd.db import db
from jmd.partners import referrals
from jmd.personal_data import Unregister, register_erasure_hook, register_retention_hook
from jmd.texts import staff

logger = logging.getLogger(__name__)

HANDLER_GROUP = -3  # before the front's handlers (its generic button handler is in 0)
REFER_COMMAND = "verweisen"


async def on_group_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A partner button in the counselor group: queued with the group's other work."""
    query, front = update.callback_query, front_of_context(context)
    group = front.settings.counselor_chat_id
    if query is None or query.data is None:
        return
    chat = update.effective_chat
    if group is None or chat is None or chat.id != group:
        await query.answer(staff("handoff.not_counselor"), show_alert=True)
        raise ApplicationHandlerStop
    kind, _, value = query.data.partition(":")[2].partition(":")
    if query.data.startswith("jt:o:"):
        job = partial(joint.offer_job, front, context.bot, query, int(value))
    elif kind == "t":
        job = partial(referral.take_job, front, context.bot, query, int(value))
    else:
        job = partial(referral.choose_job, front, context.bot, query, kind, value)
    front.inbox.submit(group, job, update)
    raise ApplicationHandlerStop


async def on_person_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The person's answer to a referral, or their pick / cancel of a joint appointment.

    Handled at once, not in the chat's inbox: the inbox would pass it to the counselor
    while one writes with the person (the answer is for the front itself).
    """
    query, person = update.callback_query, Person.of(update)
    front = front_of_context(context)
    if query is None or query.data is None or person is None \
            or front.settings.counselor_chat_id is None:
        raise ApplicationHandlerStop
    parts = query.data.split(":")
    if parts[0] == "rf":
        await referral.answer(front, context.bot, query, person, int(parts[2]), parts[3])
    elif parts[1] == "p":
        await joint.pick(front, context.bot, query, person, int(parts[2]), parts[3], parts[4])
    else:
        await joint.cancel(front, context.bot, query, person, parts[2])
    raise ApplicationHandlerStop


def add_handlers(application: AnyApplication, counselors: BaseFilter) -> None:
    """The partner handlers; ``counselors`` is the counselor group's chat filter."""
    application.add_handlers([
        CommandHandler(REFER_COMMAND, referral.on_refer,
                       filters=counselors & ~filters.UpdateType.EDITED),
        CommandHandler(figures.COMMAND, figures.on_figures,
                       filters=counselors & ~filters.UpdateType.EDITED),
        MessageHandler(counselors & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND,
                       referral.on_note),
        CallbackQueryHandler(on_group_tap, pattern=GROUP_PATTERN),
        CallbackQueryHandler(on_person_tap, pattern=PERSON_PATTERN),
    ], group=HANDLER_GROUP)


# -- /delete and retention: the referral topics go with the person ---------------------------


async def _delete_threads(front: Front, bot: Bot, threads: list[int]) -> int:
    group = front.settings.counselor_chat_id
    deleted = 0
    for thread in threads:
        if group is not None and await delete_topic(bot, group, thread, None):
            await db(referrals.forget_card_thread, thread)
            deleted += 1
        elif group is not None:
            await db(referrals.tombstone_card_thread, group, thread)
    return deleted


async def erase_topics(front: Front, bot: Bot, key: str) -> None:
    """Before /delete erases the rows: both counselors of a joint appointment are told (in
    the general chat: the referral topics go), then the person's referral topics go."""
    group = front.settings.counselor_chat_id
    for view in await db(end_all_of, key, now()):
        if group is not None:
            await joint.tell_both(bot, group, None, "partners.joint_cancelled", view)
    await _delete_threads(front, bot, await db(referrals.card_threads, key))


async def expire_topics(cutoff: datetime, front: Front, bot: Bot) -> dict[str, int]:
    """Retention: delete the topics of referrals made before ``cutoff``."""
    return {"referral_topics": await _delete_threads(
        front, bot, await db(referrals.old_card_threads, cutoff))}


def hooks(front: Front, bot: Bot) -> list[Unregister]:
    """Register the erasure and retention hooks; their unregister functions."""
    return [register_erasure_hook(partial(erase_topics, front, bot)),
            register_retention_hook(partial(expire_topics, front=front, bot=bot))]
