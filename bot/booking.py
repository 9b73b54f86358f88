"""The Telegram side of appointments: the calendar file, notices and overviews for the
counselor group, and reminders scheduled from the database."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.front import Front, front_of, front_of_context
from bot.handoff.counselor import counselor_name
from jmd.booking import reminders, service
from jmd.booking.ics import booking_ics, filename
from jmd.booking.present import details, place, when
from jmd.booking.service import BookingView
from jmd.booking.vocabulary import mode_label
from jmd.clock import BERLIN, local, now
from jmd.db import session_scope
from jmd.identity import display_name, short
from jmd.shared.languages import registry
from jmd.texts import t

logger = logging.getLogger(__name__)

STAFF_LANGUAGE = "de"  # the counselor group reads German
REMINDER_INTERVAL = 60.0  # seconds between two looks at the bookings table


def _booking(ref: str) -> BookingView | None:
    with session_scope() as session:
        return service.booking_by_ref(session, ref)


async def send_ics(bot: Bot, chat_id: int, custom: dict[str, Any], language: str) -> None:
    """The booked appointment as a calendar file."""
    booking = await asyncio.to_thread(_booking, str(custom.get("booking_ref") or ""))
    if booking is None:
        return
    data = booking_ics(booking, language)
    await bot.send_document(chat_id, InputFile(data, filename=filename(booking)),
                            caption=t("ics_caption", language))


def staff_line(booking: BookingView) -> str:
    """One booking for the counselors: no name, no Telegram data — the pseudonym only."""
    slot = booking.slot
    language = registry().get(booking.language)
    return (f"📅 {when(slot, STAFF_LANGUAGE)}\n{mode_label(slot.mode, STAFF_LANGUAGE)} · "
            f"{slot.counselor} · {slot.office_name}\n"
            f"{display_name(booking.person_key)} · Sprache: {language.name if language else '?'}")


async def post_staff(front: Front, bot: Bot, custom: dict[str, Any]) -> None:
    """A new, moved or cancelled booking, posted to the counselor group."""
    booking = await asyncio.to_thread(_booking, str(custom.get("booking_ref") or ""))
    if booking is None:
        return
    title = {"booked": "🆕 Neuer Termin", "rescheduled": "🔁 Termin verschoben",
             "cancelled": "❌ Termin abgesagt"}.get(str(custom.get("event")), "Termin")
    old = None
    if custom.get("old_ref"):
        old = await asyncio.to_thread(_booking, str(custom["old_ref"]))
    await post_staff_line(front, bot, title, booking,
                          f"Vorher: {when(old.slot, STAFF_LANGUAGE)}" if old else "")


async def post_staff_line(front: Front, bot: Bot, title: str, booking: BookingView,
                          extra: str = "") -> None:
    """Post ``title`` and the booking to the counselor group (if one is configured)."""
    group = front.settings.counselor_chat_id
    if group is None:
        return
    body = f"{title}\n\n{staff_line(booking)}" + (f"\n\n{extra}" if extra else "")
    try:
        await bot.send_message(group, body)
    except TelegramError:
        logger.warning("could not post a booking notice to the counselor group", exc_info=True)


async def handle_custom(
    front: Front, bot: Bot, chat_id: int, custom: dict[str, Any], language: str
) -> None:
    """Rasa's custom messages about appointments (``ics``, ``staff``)."""
    if "ics" in custom:
        await send_ics(bot, chat_id, custom["ics"], language)
    if "staff" in custom:
        await post_staff(front, bot, custom["staff"])


# -- the counselor group --------------------------------------------------------------


def overview(start: datetime, end: datetime, heading: str) -> str:
    """Bookings in [start, end) for the counselor group, by day."""
    with session_scope() as session:
        bookings = service.bookings_between(session, start, end)
    if not bookings:
        return f"{heading}\n\nKeine Termine."
    lines = [heading]
    for booking in bookings:
        lines.append(staff_line(booking))
    return "\n\n".join(lines)


def _day_start(moment: datetime) -> datetime:
    day = local(moment).date()
    return datetime(day.year, day.month, day.day, tzinfo=BERLIN)


async def on_today(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/today in the counselor group: today's bookings."""
    await _overview(update, context, days=1, heading="📋 Termine heute")


async def on_week(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/week in the counselor group: the bookings of the next seven days."""
    await _overview(update, context, days=7, heading="📋 Termine der nächsten 7 Tage")


async def _overview(update: Update, context: ContextTypes.DEFAULT_TYPE, *, days: int,
                    heading: str) -> None:
    front = front_of_context(context)
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    thread = message.message_thread_id if message.is_topic_message else None
    if await counselor_name(front, context.bot, user) is None:
        await message.reply_text("Nur für registrierte Beraterinnen und Berater.")
        return
    start = _day_start(now())
    body = await asyncio.to_thread(overview, start, start + timedelta(days=days), heading)
    await context.bot.send_message(message.chat_id, body, message_thread_id=thread)


# -- reminders ------------------------------------------------------------------------


def _claim_due(hours_before: float) -> list[reminders.Reminder]:
    moment = now()
    with session_scope() as session:
        due = reminders.due(session, moment, hours_before=hours_before)
    claimed = []
    for kind, ref in due:
        with session_scope() as session:
            reminder = reminders.claim(session, kind, ref, moment)
        if reminder is not None:
            claimed.append(reminder)
    return claimed


async def send_due_reminders(application: Application) -> int:
    """Send every reminder that is due; returns how many were sent."""
    front = front_of(application)
    sent = 0
    for reminder in await asyncio.to_thread(_claim_due, front.settings.reminder_hours_before):
        key = "reminder_day" if reminder.kind == reminders.DAY_BEFORE else "reminder_hours"
        slot = reminder.booking.slot
        body = t(key, reminder.language).format(
            when=when(slot, reminder.language), place=place(slot, reminder.language),
            mode=mode_label(slot.mode, reminder.language), counselor=slot.counselor)
        try:
            await application.bot.send_message(reminder.chat_id, body)
            sent += 1
        except TelegramError:
            # claimed already: sending twice would be worse than missing one
            logger.warning("could not send a reminder to %s", short(reminder.booking.person_key),
                           exc_info=True)
    if sent:
        logger.info("sent %d reminder(s)", sent)
    return sent


async def remind_forever(application: Application) -> None:
    """The background task started in post_init."""
    while True:
        try:
            await send_due_reminders(application)
        except Exception as error:  # the database may be away; try again next round
            await application.process_error(None, error)
        await asyncio.sleep(REMINDER_INTERVAL)


__all__ = [
    "details",
    "handle_custom",
    "on_today",
    "on_week",
    "remind_forever",
    "send_due_reminders",
]
