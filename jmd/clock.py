"""The current time, in one place, so that tests can move it (reminders, timeouts, retention).

Production code calls :func:`now` instead of ``datetime.now``. Tests use :func:`frozen`
or :func:`set_now`; the action server and Rasa run in other processes and read
``JMD_FAKE_NOW`` (ISO 8601 with offset) when a test starts them at a fixed time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")

_override: datetime | None = None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive value is taken as UTC already (the database's rule)."""
    return _aware(moment).astimezone(UTC)


def now() -> datetime:
    """The current time, timezone-aware (UTC unless a test set another)."""
    if _override is not None:
        return _override
    fake = os.environ.get("JMD_FAKE_NOW")
    if fake:
        return _aware(datetime.fromisoformat(fake))
    return datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Fix the clock at ``moment`` (None: real time again)."""
    global _override
    _override = _aware(moment) if moment is not None else None


def advance(delta: timedelta) -> datetime:
    """Move a fixed clock forward (fixes it at the real time first if it was not fixed)."""
    set_now(now() + delta)
    return now()


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """The clock stands at ``moment`` inside the block (moves with :func:`advance`)."""
    saved = _override
    set_now(moment)
    try:
        yield
    finally:
        set_now(saved)


def local(moment: datetime) -> datetime:
    """``moment`` in the offices' time zone (Europe/Berlin)."""
    return _aware(moment).astimezone(BERLIN)
