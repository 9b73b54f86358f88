"""/zahlen in the counselor group: the partner figures of a year, as text and CSV."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import ContextTypes

from bot.front import front_of_context
from bot.handoff.common import thread_of
from bot.handoff.counselor import counselor_name
from jmd.clock import local, now
from jmd.db import db
from jmd.partners.figures import figures, summary, to_csv, year_bounds
from jmd.texts import staff

COMMAND = "zahlen"
FIRST_YEAR = 2020


async def on_figures(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/zahlen [JAHR]: referrals and joint appointments per organisation (counts only)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    front = front_of_context(context)
    thread = thread_of(message)
    if await counselor_name(front, context.bot, user) is None:
        await message.reply_text(staff("booking.counselors_only"))
        return
    this_year = local(now()).year
    args = context.args or []
    year = int(args[0]) if len(args) == 1 and args[0].isdigit() else None
    if args and (year is None or not FIRST_YEAR <= year <= this_year):
        await message.reply_text(staff("partners.figures_usage"))
        return
    year = year or this_year
    rows = await db(figures, *year_bounds(year))
    await context.bot.send_message(message.chat_id, summary(rows, year),
                                   message_thread_id=thread)
    document = InputFile(to_csv(rows).encode("utf-8"), filename=f"partnerzahlen-{year}.csv")
    await context.bot.send_document(message.chat_id, document, message_thread_id=thread)
