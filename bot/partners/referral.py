"""Warm referral, Telegram side: /verweisen in a person's topic → organisation or colleague
→ the note → the person's yes or no → the partner's card → the partner takes over.

Invariants: only counselors act in the group (:func:`bot.handoff.counselor.counselor_name`);
only the target (a counselor of the target organisation, or the named colleague) may take
a card; nothing reaches the partner (no topic, no card, no message) unless the person said
yes; the earlier chat is linked only with the separate yes. The note is the referring
counselor's next text message in the person's topic while their draft waits: it stays in
the group and never goes to the person as a message of its own.
"""

from __future__ import annotations

import logging
from functools import partial

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.front import Front, Person, front_of_context, say
from bot.handoff.common import back_markup, note, thread_of
from bot.handoff.counselor import counselor_name
from bot.partners.common import (
    acting_target,
    drop_buttons,
    person_thread,
    query_message,
)
from jmd.db import db
from jmd.handoff.cards import with_status
from jmd.handoff.state import contact
from jmd.handoff.topics import person_of_thread
from jmd.identity import short
from jmd.partners import referrals
from jmd.partners.cards import (
    card_topic_title,
    question,
    render_card,
    status_line,
    target_name,
    topic_link,
)
from jmd.partners.referrals import NO, ORGANISATION, YES, ReferralView
from jmd.shared.languages import registry
from jmd.shared.one_line import one_line
from jmd.texts import staff, t

logger = logging.getLogger(__name__)


def card_markup(referral: ReferralView, *, taken: bool = False) -> InlineKeyboardMarkup:
    """The partner card's buttons: take over (until taken), offer a joint appointment."""
    rows = [] if taken else [[InlineKeyboardButton(staff("partners.take_button"),
                                                   callback_data=f"rf:t:{referral.id}")]]
    rows.append([InlineKeyboardButton(staff("partners.joint_button"),
                                      callback_data=f"jt:o:{referral.id}")])
    return InlineKeyboardMarkup(rows)


# -- /verweisen --------------------------------------------------------------------------------


async def on_refer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/verweisen`` in the counselor group: queued with the group's other work."""
    message, front = update.effective_message, front_of_context(context)
    group = front.settings.counselor_chat_id
    if message is None or group is None or message.from_user is None:
        return
    front.inbox.submit(group, partial(_refer_job, front, context.bot, message), update)
    raise ApplicationHandlerStop


async def _refer_job(front: Front, bot: Bot, message: Message) -> None:
    """Offer the targets (organisations, colleagues of partners) as buttons in the topic."""
    group, thread = message.chat_id, thread_of(message)
    assert message.from_user is not None
    name = await counselor_name(front, bot, message.from_user)
    if name is None:
        await note(bot, group, thread, staff("handoff.not_counselor"), message.message_id)
        return
    key = await db(person_of_thread, group, thread) if thread is not None else None
    if key is None:
        await note(bot, group, thread, staff("partners.only_in_topic"), message.message_id)
        return
    who = await db(referrals.referrer, message.from_user.id, name)
    rows = []
    for found in await db(referrals.targets, who.organisation_id):
        label = (staff("partners.organisation_button", name=found.name)
                 if found.kind == ORGANISATION else
                 staff("partners.colleague_button", name=found.name,
                       organisation=found.organisation_name))
        rows.append([InlineKeyboardButton(label[:60],
                                          callback_data=f"rf:{found.kind}:{found.id}")])
    rows.append([InlineKeyboardButton(staff("partners.cancel_button"), callback_data="rf:x")])
    await bot.send_message(group, staff("partners.choose"), message_thread_id=thread,
                           reply_markup=InlineKeyboardMarkup(rows))


# -- buttons in the group ------------------------------------------------------------------------


async def choose_job(front: Front, bot: Bot, query: CallbackQuery, kind: str,
                     value: str) -> None:
    """A target was chosen (or the choice cancelled): the draft waits for its note."""
    group = front.settings.counselor_chat_id
    name = await counselor_name(front, bot, query.from_user)
    if name is None or group is None:
        await query.answer(staff("handoff.not_counselor"), show_alert=True)
        return
    message = query_message(query)
    thread = thread_of(message)
    key = await db(person_of_thread, group, thread) if thread is not None else None
    if key is None:
        await query.answer(staff("partners.invalid"), show_alert=True)
        return
    if kind == "x":
        await query.answer(staff("partners.cancelled"))
        await drop_buttons(message)
        return
    who = await db(referrals.referrer, query.from_user.id, name)
    to = await db(referrals.target, who.organisation_id, kind, value)
    if to is None:  # forged, or the referrer's own organisation
        logger.info("refused a referral target that is not allowed")
        await query.answer(staff("partners.invalid"), show_alert=True)
        return
    reach = await db(contact, key)
    if reach.chat_id is None:
        await query.answer(staff("partners.unreachable"), show_alert=True)
        return
    language = await db(referrals.person_language, key) or registry().default
    referral = await db(referrals.start, key, query.from_user.id, who, to, language)
    await query.answer()
    await drop_buttons(message)
    logger.info("referral %d for %s drafted", referral.id, short(key))
    await note(bot, group, thread, staff("partners.write_note", target=target_name(referral)))


async def take_job(front: Front, bot: Bot, query: CallbackQuery, referral_id: int) -> None:
    """The partner's counselor takes the referred person's chat over (first press wins)."""
    acting = await acting_target(front, bot, query, referral_id)
    if acting is None:
        return
    name, group, referral, key = acting
    if not await db(referrals.take, referral_id, query.from_user.id, name):
        current = await db(referrals.get, referral_id)
        holder = current.taken_by_name if current else ""
        await query.answer(staff("partners.already_taken", name=holder or ""), show_alert=True)
        return
    reach = await db(contact, key, referral.language)
    language = reach.language or referral.language or registry().default
    await db(referrals.hand_over, key, language, query.from_user.id, name)
    logger.info("referral %d for %s taken over", referral_id, short(key))
    await query.answer(staff("partners.taken_by_you"), show_alert=True)
    taken = await db(referrals.get, referral_id)
    message = query_message(query)
    if taken is not None and message is not None and message.text:
        try:
            await message.edit_text(with_status(message.text, status_line(taken)),
                                    reply_markup=card_markup(taken, taken=True))
        except TelegramError:
            logger.info("could not update a referral card", exc_info=True)
    organisation = referrals.organisation_name(referral.to_organisation_id)
    await note(bot, group, await person_thread(front, key),
               staff("partners.handed_over", name=name, organisation=organisation))
    if reach.chat_id is not None:
        await bot.send_message(reach.chat_id, t("referral_taken", language, name=name,
                                                organisation=organisation),
                               reply_markup=back_markup(language))


# -- the note ----------------------------------------------------------------------------------


async def on_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A counselor's text in a person's topic: their referral note, if a draft waits for it.

    Otherwise nothing happens here and the message goes its usual way (handoff).
    """
    message, front = update.message, front_of_context(context)
    group = front.settings.counselor_chat_id
    thread = thread_of(message)
    if message is None or group is None or thread is None or message.from_user is None \
            or not message.text:
        return
    key = await db(person_of_thread, group, thread)
    draft = await db(referrals.draft_of, key, message.from_user.id) if key else None
    if draft is None:
        return
    front.inbox.submit(group, partial(_note_job, front, context.bot, message, draft.id),
                       update)
    raise ApplicationHandlerStop  # the note never goes to the person as a message



async def _note_job(front: Front, bot: Bot, message: Message, referral_id: int) -> None:
    """Keep the note, ask the person (in their language) whether it may be passed on."""
    group, thread = message.chat_id, thread_of(message)
    referral = await db(referrals.set_note, referral_id, one_line(message.text or ""))
    if referral is None or referral.person_key is None:
        return
    reach = await db(contact, referral.person_key, referral.language)
    language = referral.language or reach.language or registry().default
    if reach.chat_id is None:
        await note(bot, group, thread, staff("partners.unreachable"), message.message_id)
        return
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton(t("referral_yes_button", language),
                              callback_data=f"rf:a:{referral.id}:y")],
        [InlineKeyboardButton(t("referral_yes_chat_button", language),
                              callback_data=f"rf:a:{referral.id}:c")],
        [InlineKeyboardButton(t("referral_no_button", language),
                              callback_data=f"rf:a:{referral.id}:n")],
    ])
    try:
        await bot.send_message(reach.chat_id, question(referral, language), reply_markup=markup)
    except TelegramError:
        await note(bot, group, thread, staff("partners.unreachable"), message.message_id)
        return
    age = staff("partners.age_shown") if referral.age_band else ""
    await note(bot, group, thread, staff("partners.asked", target=target_name(referral),
                                         age=age), message.message_id)


# -- the person's answer -----------------------------------------------------------------------


async def answer(front: Front, bot: Bot, query: CallbackQuery, person: Person,
                 referral_id: int, choice: str) -> None:
    """Yes (with or without the chat) or no; only the person asked, only once."""
    language = await person.language_async()
    consent = NO if choice == "n" else YES
    referral = await db(referrals.answer, referral_id, person.key, consent, choice == "c")
    if referral is None:
        await query.answer(t("referral_expired", language), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query_message(query))
    group = front.settings.counselor_chat_id
    assert group is not None
    own = await person_thread(front, person.key)
    target = target_name(referral)
    if consent == NO:
        logger.info("referral %d: %s said no; nothing passed on", referral.id, short(person.key))
        await say(bot, person.chat_id, "referral_not_passed", language)
        await note(bot, group, own, staff("partners.declined", target=target))
        return
    title = card_topic_title(referral)
    link = topic_link(group, own) if referral.share_chat and own is not None else None
    try:
        topic = await bot.create_forum_topic(group, title)
        card = await bot.send_message(group, render_card(referral, link),
                                      message_thread_id=topic.message_thread_id,
                                      reply_markup=card_markup(referral))
        await db(referrals.set_card, referral.id, topic.message_thread_id, card.message_id)
    except TelegramError:  # the yes is kept; the referring counselor must pass it on by hand
        logger.error("could not post the card of referral %d", referral.id, exc_info=True)
        await note(bot, group, own, staff("partners.card_failed", target=target))
    logger.info("referral %d: %s said yes", referral.id, short(person.key))
    await bot.send_message(person.chat_id, t("referral_passed", language,
                                             organisation=target))
    text = staff("partners.accepted", target=target, title=title)
    if referral.share_chat:
        text += " " + staff("partners.accepted_chat")
    await note(bot, group, own, text)
