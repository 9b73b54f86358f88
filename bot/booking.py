"""The Telegram side of appointments: the calendar file, notices and overviews for the
counselor group, and reminders scheduled from the database.

Invariants: the database is reached only through ``jmd.db.db`` (a worker thread, one
transaction each) and only frozen views come back; the counselor group sees the pseudonym,
never a name or Telegram ID, in German (``staff.booking.*`` texts); a reminder is claimed
before it is sent, so it is sent at most once (jmd.booking.reminders).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.formatting import split_message
from bot.front import AnyApplication, Front, front_of, front_of_context
from bot.handoff.common import thread_of
from bot.handoff.counselor import counselor_name
from bot.interpreters.appointment import remind as remind_interpreter
from bot.partners.joint import ended as joint_ended
from bot.partners.joint import overview_line
from jmd.booking import reminders, service
from jmd.booking.ics import booking_ics, filename
from jmd.booking.joint import joints_of
from jmd.booking.present import STAFF_LANGUAGE, details, staff_line, when
from jmd.booking.service import BookingView
from jmd.clock import BERLIN, local, now
from jmd.db import db
from jmd.identity import short
from jmd.texts import staff, t

logger = logging.getLogger(__name__)

REMINDER_INTERVAL = timedelta(minutes=1)  # between two looks at the bookings table
_TITLES = {"booked": "booking.booked", "rescheduled": "booking.rescheduled",
           "cancelled": "booking.cancelled"}


async def _booking(ref: object) -> BookingView | None:
    return await db(service.booking_by_ref, str(ref or ""))


async def send_ics(bot: Bot, chat_id: int, custom: dict[str, Any], language: str) -> None:
    """The booked appointment as a calendar file."""
    booking = await _booking(custom.get("booking_ref"))
    if booking is None:
        return
    data = booking_ics(booking, language)
    await bot.send_document(chat_id, InputFile(data, filename=filename(booking)),
                            caption=t("ics_caption", language))


async def post_staff(front: Front, bot: Bot, custom: dict[str, Any]) -> None:
    """A new, moved or cancelled booking, posted to the counselor group."""
    booking = await _booking(custom.get("booking_ref"))
    if booking is None:
        return
    title = staff(_TITLES.get(str(custom.get("event")), "booking.changed"))
    old = await _booking(custom["old_ref"]) if custom.get("old_ref") else None
    extra = staff("booking.before", when=when(old.slot, STAFF_LANGUAGE)) if old else ""
    await post_staff_line(front, bot, title, booking, extra)
    ended = custom.get("old_ref") if custom.get("event") == "rescheduled" else (
        custom.get("booking_ref") if custom.get("event") == "cancelled" else None)
    if ended:  # a joint appointment ends with its booking: both counselors are told
        await joint_ended(front, bot, str(ended))


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


def overview(bookings: list[BookingView], heading: str,
             extra: Mapping[str, str] | None = None) -> list[str]:
    """Bookings for the counselor group, in order, under ``heading``: as many messages as
    Telegram's length limit needs, each booking whole in one of them. ``extra``: a line
    under a booking (by ref), e.g. the partner of a joint appointment."""
    if not bookings:
        return [f"{heading}\n\n{staff('booking.none')}"]
    extra = extra or {}
    lines = [staff_line(b) + (f"\n{extra[b.ref]}" if b.ref in extra else "") for b in bookings]
    return split_message("\n\n".join([heading, *lines]))


def _day_start(moment: datetime) -> datetime:
    day = local(moment).date()
    return datetime(day.year, day.month, day.day, tzinfo=BERLIN)


async def on_today(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/today in the counselor group: today's bookings."""
    await _overview(update, context, days=1, heading=staff("booking.today"))


async def on_week(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/week in the counselor group: the bookings of the next seven days."""
    await _overview(update, context, days=7, heading=staff("booking.week"))


async def _overview(update: Update, context: ContextTypes.DEFAULT_TYPE, *, days: int,
                    heading: str) -> None:
    front = front_of_context(context)
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    thread = thread_of(message)
    if await counselor_name(front, context.bot, user) is None:
        await message.reply_text(staff("booking.counselors_only"))
        return
    start = _day_start(now())
    bookings = await db(service.bookings_between, start, start + timedelta(days=days))
    joints = await db(joints_of, [b.ref for b in bookings])  # both counselors named
    extra = {ref: overview_line(view) for ref, view in joints.items()}
    for part in overview(bookings, heading, extra):
        await context.bot.send_message(message.chat_id, part, message_thread_id=thread)


# -- reminders ------------------------------------------------------------------------


async def _claim_due(hours_before: float) -> list[reminders.Reminder]:
    """Due reminders, each claimed in its own transaction (a lost claim is another's)."""
    moment = now()
    due = await db(reminders.due, moment, hours_before=hours_before)
    claimed = [await db(reminders.claim, kind, ref, moment) for kind, ref in due]
    return [reminder for reminder in claimed if reminder is not None]


async def send_due_reminders(application: AnyApplication) -> int:
    """Send every reminder that is due, once; returns how many were sent."""
    front = front_of(application)
    sent = 0
    for reminder in await _claim_due(front.settings.reminder_hours_before):
        key = "reminder_day" if reminder.kind == reminders.DAY_BEFORE else "reminder_hours"
        body = t(key, reminder.language, **details(reminder.booking.slot, reminder.language))
        try:
            await application.bot.send_message(reminder.chat_id, body)
            sent += 1
        except TelegramError:
            # claimed already: sending twice would be worse than missing one
            logger.warning("could not send a reminder to %s", short(reminder.booking.person_key),
                           exc_info=True)
        await remind_interpreter(application.bot, reminder)  # a volunteer who comes along
    if sent:
        logger.info("sent %d reminder(s)", sent)
    return sent


__all__ = [
    "handle_custom",
    "on_today",
    "on_week",
    "post_staff_line",
    "send_due_reminders",
]
