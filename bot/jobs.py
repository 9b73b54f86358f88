"""Periodic work of the front, on python-telegram-bot's JobQueue.

Every periodic task is a one-shot ``async def once(application)``. :func:`schedule_all`
puts them on the JobQueue when the front starts; the JobQueue stops them with the
application. A run that raises goes to the application's error handler (python-telegram-bot
does that for jobs) and the next run tries again: the database or Rasa may be away for a
while, the jobs must outlive that.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram.ext import ContextTypes

from bot.booking import REMINDER_INTERVAL, send_due_reminders
from bot.front import AnyApplication, front_of
from bot.handoff.idle import close_idle_handoffs
from bot.handoff.maintenance import TOMBSTONE_INTERVAL, bury_tombstones, check_timeouts
from bot.interpreters.jobs import check_interpreters
from bot.relay import retry_once
from jmd.retention import PURGE_INTERVAL, run_retention

type OneShot = Callable[[Any], Awaitable[Any]]


def schedule(application: AnyApplication, name: str, every: timedelta, once: OneShot, *,
             at_start: bool = False) -> None:
    """``once(application)`` every ``every``; the first run at start or after one interval."""
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot's job-queue extra is not installed")

    async def run(context: ContextTypes.DEFAULT_TYPE) -> None:
        await once(context.application)

    # Scheduled before the JobQueue starts; a run missed while busy is done once, not twice.
    options = {"misfire_grace_time": None, "coalesce": True}
    if at_start:  # an interval that starts "now" would skip ahead once the queue starts
        application.job_queue.run_once(run, when=0, name=name, job_kwargs=options)
    application.job_queue.run_repeating(run, interval=every, first=every, name=name,
                                        job_kwargs=options)


def schedule_all(application: AnyApplication) -> None:
    """The front's periodic work: waiting messages, reminders, handoff time-outs, topic
    tombstones, retention."""
    settings = front_of(application).settings
    schedule(application, "retry pending", timedelta(seconds=settings.pending_retry_seconds),
             retry_once)
    schedule(application, "reminders", REMINDER_INTERVAL, send_due_reminders, at_start=True)
    if settings.counselor_chat_id is not None:
        schedule(application, "handoff timeouts",
                 timedelta(seconds=settings.handoff_check_seconds), check_timeouts)
        schedule(application, "idle handoffs",
                 timedelta(seconds=settings.handoff_check_seconds), close_idle_handoffs)
        schedule(application, "interpreter requests",
                 timedelta(seconds=settings.handoff_check_seconds), check_interpreters)

    # counselor topics Telegram refused to delete at an erasure or for retention
    schedule(application, "topic tombstones", TOMBSTONE_INTERVAL, bury_tombstones,
             at_start=True)

    async def retention(_source: Any) -> None:
        await run_retention(settings.retention_days)

    # deletes what is older than RETENTION_DAYS, at start and every few hours
    schedule(application, "retention", PURGE_INTERVAL, retention, at_start=True)
