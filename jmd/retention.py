"""Retention: what is older than ``RETENTION_DAYS`` is deleted.

Invariants:

* :func:`purge` expires every table of :data:`jmd.personal_data.REGISTRY` by its rule, in
  the registry's order, in one transaction: Rasa's tracker events, feedback and pending
  messages by their time; bookings after their appointment (or cancellation); handoffs
  after they closed; persons last, once not seen since the cutoff and with nothing left.
* :func:`run_retention` runs the retention hooks the front registered first (old forum
  topics through the Bot API), so they can still read what is about to go. A failing
  hook is logged and the database is purged anyway: retention is a duty.
* The front runs :func:`run_retention` on its JobQueue (``bot.jobs``) at start, then every
  :data:`PURGE_INTERVAL` (a failed run is reported and tried again). ``make purge``
  (``python -m jmd.retention``) runs the database part once: it has no front, so no hooks
  (topics wait for the front).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import traceback
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from jmd import clock, personal_data
from jmd.db import db

logger = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(hours=6)



def cutoff_for(days: int) -> datetime:
    """The moment before which data is deleted: ``days`` before now (UTC)."""
    return (clock.now() - timedelta(days=days)).astimezone(UTC)


def purge(session: Session, cutoff: datetime) -> dict[str, int]:
    """Delete everything older than ``cutoff``; rows deleted per table (hooked ones aside)."""
    cutoff = cutoff.astimezone(UTC)
    counts: dict[str, int] = {}
    for entry in personal_data.REGISTRY:
        deleted = entry.expire(session, cutoff)
        if deleted is not None:
            counts[entry.table_name] = counts.get(entry.table_name, 0) + deleted
    return counts


def _log_failure(what: str, error: BaseException) -> None:
    # Type and code locations only: an exception's message may quote personal data.
    logger.error(
        "%s failed: %s\n%s", what, type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)),
    )


async def run_retention(days: int) -> dict[str, int]:
    """Hooks, then the database: one complete retention run (raises if the database fails)."""
    cutoff = cutoff_for(days)
    counts: dict[str, int] = {}
    for hook in personal_data.retention_hooks():
        try:
            for key, value in (await hook(cutoff)).items():
                counts[key] = counts.get(key, 0) + int(value)
        except Exception as error:  # the database is purged anyway: retention is a duty
            named = getattr(hook, "func", hook)  # the front registers partials
            _log_failure(f"retention hook {getattr(named, '__qualname__', 'hook')}", error)
    waiting = personal_data.tables_left_to_hooks() - personal_data.hooked_tables()
    if waiting:  # e.g. `make purge`: no front, so no hook for the forum topics
        logger.info("retention: %s wait for the Telegram front's next run", sorted(waiting))
    for key, value in (await db(purge, cutoff)).items():
        counts[key] = counts.get(key, 0) + value
    logger.info(
        "retention: deleted data older than %d days (rows per table: %s)", days, counts
    )
    return counts


def _dry_run(days: int) -> dict[str, int]:
    from jmd.db import get_engine

    with get_engine().connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        try:
            return purge(session, cutoff_for(days))
        finally:  # counted inside a transaction that is never committed
            session.close()
            transaction.rollback()


def main(argv: list[str] | None = None) -> int:
    """``make purge``: the database part of a retention run, or ``--dry-run`` counts."""
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
        print(f"would delete (older than {args.days} days): {_dry_run(args.days)}")
    else:
        counts = asyncio.run(run_retention(args.days))
        print(f"deleted (older than {args.days} days): {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
