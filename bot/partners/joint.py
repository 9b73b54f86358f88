"""Joint appointments, Telegram side: offered from the referral card, chosen by the person
with buttons in their language, cancelled by the person (or through /appointments).

Invariants: only the referral's target may offer (the host is the one who presses; the
partner is the referring counselor); the person may pick only times offered for their own
agreed referral — every pick is checked again in the database (jmd.booking.joint); both
counselors are told (a Telegram mention) when it is booked and when it is cancelled.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import TelegramError

from bot.front import Front, Person
from bot.handoff.common import note
from bot.partners.common import acting_target, drop_buttons, mention, post_html, query_message
from jmd.booking.joint import (
    JointView,
    book_joint,
    cancel_joint,
    filename,
    joint_ics,
    joint_times,
    mark_cancelled,
)
from jmd.booking.present import STAFF_LANGUAGE, mode_label, place, slot_button, when
from jmd.booking.service import LIMIT, BookingError
from jmd.clock import now
from jmd.db import db
from jmd.db.models import Counselor, Slot
from jmd.handoff.state import contact
from jmd.identity import display_name, short
from jmd.partners import referrals
from jmd.partners.referrals import YES
from jmd.shared.languages import registry
from jmd.texts import staff, t

logger = logging.getLogger(__name__)


def _host_id(session: Session, telegram_id: int, name: str) -> int | None:
    return referrals.referrer(session, telegram_id, name).counselor_id


async def offer_job(front: Front, bot: Bot, query: CallbackQuery, referral_id: int) -> None:
    """The partner's counselor offers the person the times both they and the referrer are free."""
    acting = await acting_target(front, bot, query, referral_id)
    if acting is None:
        return
    name, group, referral, key = acting
    await query.answer()
    thread = referral.card_thread_id
    host = await db(_host_id, query.from_user.id, name)
    partner = referral.from_counselor_id
    if host is None or partner is None:
        await note(bot, group, thread, staff("partners.joint_no_partner"))
        return
    times = await db(joint_times, host, partner, now())
    host_org = referrals.organisation_name(referral.to_organisation_id)
    partner_org = referrals.organisation_name(referral.from_organisation_id)
    partner_name = referral.from_name or "?"
    if not times:
        await note(bot, group, thread, staff("partners.joint_none", host=name,
                                             partner=partner_name))
        return
    reach = await db(contact, key, referral.language)
    if reach.chat_id is None:
        await note(bot, group, thread, staff("partners.unreachable"))
        return
    language = reach.language or referral.language or registry().default
    rows = [[InlineKeyboardButton(
        slot_button(time.host, language),
        callback_data=f"jt:p:{referral.id}:{time.host.ref}:{time.partner.ref}")]
        for time in times]
    await bot.send_message(
        reach.chat_id,
        t("joint_offer", language, organisations=f"{host_org} + {partner_org}",
          counselors=f"{times[0].host.counselor}, {times[0].partner.counselor}"),
        reply_markup=InlineKeyboardMarkup(rows))
    await note(bot, group, thread, staff("partners.joint_offered", count=len(times), host=name,
                                         host_org=host_org, partner=partner_name,
                                         partner_org=partner_org))


@dataclass(frozen=True)
class _Picked:
    """A pick's outcome: the booked appointment, or why not."""

    view: JointView | None
    reason: str | None = None
    card_thread: int | None = None


def _pick(session: Session, key: str, referral_id: int, host_ref: str, partner_ref: str,
          language: str) -> _Picked:
    """Book what the person picked, if it was offered for their own agreed referral."""
    referral = referrals.get(session, referral_id)
    if referral is None or referral.person_key != key or referral.consent != YES \
            or referral.from_counselor_id is None:
        return _Picked(None, "not_found")
    host = session.scalars(select(Counselor).join(Slot, Slot.counselor_id == Counselor.id)
                           .where(Slot.ref == host_ref)).one_or_none()
    partner = session.scalars(select(Slot).where(Slot.ref == partner_ref)).one_or_none()
    if host is None or partner is None or partner.counselor_id != referral.from_counselor_id \
            or host.telegram_user_id is None \
            or not referrals.is_target(session, referral, int(host.telegram_user_id)):
        return _Picked(None, "not_found")
    try:
        view = book_joint(session, key, host_ref, partner_ref, language, now(),
                          referral_id=referral_id)
    except BookingError as error:
        return _Picked(None, error.reason, referral.card_thread_id)
    return _Picked(view, None, referral.card_thread_id)


async def pick(front: Front, bot: Bot, query: CallbackQuery, person: Person, referral_id: int,
               host_ref: str, partner_ref: str) -> None:
    """The person picked a time: book it, confirm with a calendar file, tell both."""
    language = await person.language_async()
    group = front.settings.counselor_chat_id
    assert group is not None
    picked = await db(_pick, person.key, referral_id, host_ref, partner_ref, language)
    if picked.view is None:
        key = {"not_found": "joint_not_found", LIMIT: "joint_limit"}.get(
            str(picked.reason), "joint_taken")
        await query.answer(t(key, language), show_alert=True)
        if key == "joint_taken":
            await drop_buttons(query_message(query))
            await note(bot, group, picked.card_thread, staff("partners.joint_taken"))
        return
    await query.answer()
    await drop_buttons(query_message(query))
    view = picked.view
    slot = view.booking.slot
    logger.info("joint appointment booked for %s", short(person.key))
    cancel = InlineKeyboardMarkup([[InlineKeyboardButton(
        t("joint_cancel_button", language), callback_data=f"jt:c:{view.ref}")]])
    await bot.send_message(person.chat_id, t(
        "joint_booked", language, when=when(slot, language), mode=mode_label(slot.mode, language),
        place=place(slot, language), counselors=f"{view.host.name}, {view.partner.name}",
        organisations=view.organisations), reply_markup=cancel)
    try:
        await bot.send_document(person.chat_id, InputFile(joint_ics(view, language),
                                                          filename=filename(view)),
                                caption=t("ics_caption", language))
    except TelegramError:
        logger.warning("could not send the calendar file of a joint appointment", exc_info=True)
    await tell_both(bot, group, picked.card_thread, "partners.joint_booked", view)


async def cancel(front: Front, bot: Bot, query: CallbackQuery, person: Person, ref: str) -> None:
    """The person cancels a joint appointment: both slots free, both counselors told."""
    language = await person.language_async()
    try:
        view = await db(cancel_joint, person.key, ref, now())
    except BookingError:
        await query.answer(t("joint_not_found", language), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query_message(query))
    logger.info("joint appointment cancelled by %s", short(person.key))
    await bot.send_message(person.chat_id, t("joint_cancelled", language,
                                             when=when(view.booking.slot, language)))
    await told_cancelled(front, bot, view)


async def ended(front: Front, bot: Bot, booking_ref: str) -> None:
    """A booking was cancelled or moved elsewhere (/appointments): if it was a joint
    appointment, it ends and both counselors are told (once)."""
    view = await db(mark_cancelled, booking_ref, now())
    if view is not None:
        await told_cancelled(front, bot, view)


async def told_cancelled(front: Front, bot: Bot, view: JointView) -> None:
    group = front.settings.counselor_chat_id
    if group is None:
        return
    referral = await db(referrals.get, view.referral_id) if view.referral_id else None
    await tell_both(bot, group, referral.card_thread_id if referral else None,
                    "partners.joint_cancelled", view)


async def tell_both(bot: Bot, group: int, thread: int | None, key: str,
                    view: JointView) -> None:
    """A staff note about ``view`` that mentions (notifies) both counselors."""
    slot = view.booking.slot
    text = staff(key, when=when(slot, STAFF_LANGUAGE), mode=mode_label(slot.mode, STAFF_LANGUAGE),
                 host=view.host.name, host_org=view.host.organisation,
                 partner=view.partner.name, partner_org=view.partner.organisation,
                 person=display_name(view.booking.person_key))
    mentions = ", ".join(mention(side.name, side.telegram_id) for side in (view.host, view.partner))
    await post_html(bot, group, thread, f"{html.escape(text)}\n🔔 {mentions}")


def overview_line(view: JointView) -> str:
    """The line under a joint appointment in /today and /week."""
    return staff("partners.joint_line", partner=view.partner.name,
                 partner_org=view.partner.organisation, organisations=view.organisations)
