"""Retention: what is older than ``RETENTION_DAYS`` is deleted.

:func:`purge` deletes, in this order:

1. every table in :data:`PURGES` by its time column: Rasa's tracker events (the whole
   conversation; ``events.timestamp`` is a UNIX time), unanswered questions and rated
   answers (``feedback``), messages kept while Rasa was down (``pending_messages``);
2. bookings whose appointment ended before the cutoff, and cancelled bookings cancelled
   before it; handoffs closed before it (counselor forum topics go earlier, through the
   hook of :mod:`bot.handoff.maintenance`, see :data:`HOOK_TABLES`);
3. persons (language, chat id) not seen since the cutoff who have nothing left in any
   table of :data:`jmd.privacy.DELETERS`.

The Telegram front runs :func:`purge_forever` in the background (at start, then every
few hours); ``make purge`` (``python -m jmd.retention``) runs it once.

**Extending it.** A feature that stores something with a time column adds one line to
:data:`PURGES` (``OlderThan("handoff_messages", "created_at")``). Work that is not a
plain ``DELETE`` (e.g. deleting old counselor forum topics through the Bot API) is an
async function named in :data:`HOOK_FUNCTIONS` (``"module:function"``, imported at each
run, so ``make purge`` finds it too) or appended to :data:`RETENTION_HOOKS`; hooks run
*before* the tables are purged, so they can still read what is about to go.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, column, delete, exists, inspect, or_, select, table
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from jmd import clock
from jmd.db.engine import session_scope
from jmd.db.models import Booking, Person, Slot
from jmd.handoff.state import purge_closed
from jmd.privacy import DELETERS

logger = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(hours=6)


@dataclass(frozen=True)
class OlderThan:
    """Deletes the rows of ``table_name`` whose ``time_column`` is before the cutoff."""

    table_name: str
    time_column: str
    # Rasa keeps a float UNIX time, the project's tables a timezone-aware DateTime.
    unix_time: bool = False
    # Tables another program creates on first use (Rasa's tracker store): absent is fine.
    optional: bool = False

    def __call__(self, session: Session, cutoff: datetime) -> int:
        if self.optional and not inspect(session.connection()).has_table(self.table_name):
            return 0
        rows = table(self.table_name, column(self.time_column))
        limit: Any = cutoff.timestamp() if self.unix_time else cutoff
        result = session.execute(delete(rows).where(rows.c[self.time_column] < limit))
        return int(result.rowcount or 0)


@dataclass(frozen=True)
class EndedBookings:
    """Bookings whose slot ended before the cutoff, or cancelled before it."""

    table_name: str = "bookings"

    def __call__(self, session: Session, cutoff: datetime) -> int:
        ended = select(Slot.id).where(Slot.ends_at < cutoff)
        statement = (
            delete(Booking)
            .where(
                or_(
                    Booking.slot_id.in_(ended),
                    and_(Booking.status == "cancelled", Booking.cancelled_at < cutoff),
                )
            )
            .execution_options(synchronize_session=False)
        )
        return int(session.execute(statement).rowcount or 0)


@dataclass(frozen=True)
class ClosedHandoffs:
    """Handoffs closed before the cutoff (open and assigned ones stay, however old)."""

    table_name: str = "handoffs"

    def __call__(self, session: Session, cutoff: datetime) -> int:
        return purge_closed(session, cutoff)


PURGES: list[OlderThan | EndedBookings | ClosedHandoffs] = [
    # Rasa's SQL tracker store (same DATABASE_URL): the conversation, event by event.
    OlderThan("events", "timestamp", unix_time=True, optional=True),
    OlderThan("feedback", "created_at"),
    OlderThan("pending_messages", "created_at"),
    EndedBookings(),
    ClosedHandoffs(),
]

# Tables that only a hook can clean up, because something outside the database goes with
# each row: a counselor forum topic (the transcript) is deleted through the Bot API first.
HOOK_TABLES = {"counselor_topics": "bot.handoff.maintenance:retention_hook"}

# async hook(cutoff, bot) -> {"what": count}; ``bot`` is the telegram.Bot of the front (or
# of `make purge` when TELEGRAM_BOT_TOKEN is set), else None. Runs before PURGES.
RetentionHook = Callable[[datetime, Any], Awaitable[Mapping[str, int]]]
RETENTION_HOOKS: list[RetentionHook] = []
# Hooks in modules the database layer does not import by itself ("module:function").
HOOK_FUNCTIONS: list[str] = ["bot.handoff.maintenance:retention_hook"]


def cutoff_for(days: int) -> datetime:
    """The moment before which data is deleted: ``days`` before now (UTC)."""
    return (clock.now() - timedelta(days=days)).astimezone(timezone.utc)


def _inactive_persons(session: Session, cutoff: datetime) -> int:
    """Persons not seen since ``cutoff`` with no row left in any table that holds a key."""
    persons: Any = Person.__table__  # type: ignore[attr-defined]
    conditions = [persons.c.last_seen_at < cutoff]
    connection = inspect(session.connection())
    for deleter in DELETERS:
        if deleter.table_name == "persons":
            continue
        if not connection.has_table(deleter.table_name):
            continue
        rows = table(deleter.table_name, column(deleter.key_column))
        conditions.append(~exists().where(rows.c[deleter.key_column] == persons.c.key))
    result = session.execute(delete(persons).where(and_(*conditions)))
    return int(result.rowcount or 0)


def purge(session: Session, cutoff: datetime) -> dict[str, int]:
    """Delete everything older than ``cutoff``; rows deleted per table."""
    cutoff = cutoff.astimezone(timezone.utc)
    counts: dict[str, int] = {}
    for step in PURGES:
        counts[step.table_name] = counts.get(step.table_name, 0) + step(session, cutoff)
    counts["persons"] = _inactive_persons(session, cutoff)
    return counts


def _purge_database(cutoff: datetime, engine: Engine | None) -> dict[str, int]:
    with session_scope(engine) as session:
        return purge(session, cutoff)


def hooks() -> list[RetentionHook]:
    """Every hook of a run: :data:`RETENTION_HOOKS`, then those of :data:`HOOK_FUNCTIONS`."""
    found = list(RETENTION_HOOKS)
    for spec in HOOK_FUNCTIONS:
        module, name = spec.split(":")
        hook = getattr(importlib.import_module(module), name)
        if hook not in found:
            found.append(hook)
    return found


def _log_failure(what: str, error: BaseException) -> None:
    # Type and code locations only: an exception's message may quote personal data.
    logger.error(
        "%s failed: %s\n%s", what, type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)),
    )


async def run_retention(
    days: int, bot: Any = None, engine: Engine | None = None
) -> dict[str, int]:
    """Hooks, then the database: one complete retention run."""
    cutoff = cutoff_for(days)
    counts: dict[str, int] = {}
    for hook in hooks():
        name = getattr(hook, "__qualname__", repr(hook))
        try:
            for key, value in (await hook(cutoff, bot)).items():
                counts[key] = counts.get(key, 0) + int(value)
        except Exception as error:  # the database is purged anyway: retention is a duty
            _log_failure(f"retention hook {name}", error)
    counts.update(await asyncio.to_thread(_purge_database, cutoff, engine))
    logger.info(
        "retention: deleted data older than %d days (rows per table: %s)", days, counts
    )
    return counts


async def purge_forever(
    days: int,
    bot: Any = None,
    *,
    interval: timedelta = PURGE_INTERVAL,
    on_error: Callable[[Exception], Awaitable[object]] | None = None,
) -> None:
    """The background task of the Telegram front: a run at start, then every ``interval``."""
    while True:
        try:
            await run_retention(days, bot)
        except Exception as error:  # the database may be down; try again next time
            if on_error is not None:
                await on_error(error)
            else:
                _log_failure("retention run", error)
        await asyncio.sleep(interval.total_seconds())


async def _run_once(days: int) -> dict[str, int]:
    from jmd.shared.settings import get_settings

    settings = get_settings()
    if settings.telegram_bot_token and hooks():
        from telegram import Bot

        async with Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url) as bot:
            return await run_retention(days, bot)
    return await run_retention(days)


def _dry_run(days: int) -> dict[str, int]:
    from jmd.db.engine import get_engine

    engine = get_engine()
    with engine.connect() as connection, connection.begin() as transaction:
        session = Session(bind=connection, future=True)
        counts = purge(session, cutoff_for(days))
        session.close()
        transaction.rollback()
    return counts


def main(argv: list[str] | None = None) -> int:
    from jmd.db.migrate import upgrade
    from jmd.shared.logging_setup import setup_logging
    from jmd.shared.settings import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(description="Delete data older than RETENTION_DAYS.")
    parser.add_argument("--days", type=int, default=settings.retention_days)
    parser.add_argument("--dry-run", action="store_true", help="count only, delete nothing")
    args = parser.parse_args(argv)
    setup_logging(settings)
    upgrade()
    if args.dry_run:
        counts = _dry_run(args.days)
        print(f"would delete (older than {args.days} days): {counts}")
    else:
        counts = asyncio.run(_run_once(args.days))
        print(f"deleted (older than {args.days} days): {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
