"""Reminders before appointments, scheduled from the database.

Nothing is kept in memory: whichever process checks finds what is due in the bookings
table. A reminder is *claimed* (its sent-time written, only if still empty) before it is
sent, so a restart or a second checker never sends it twice; a restart loses none either,
because due reminders stay due until claimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jmd.booking.service import ACTIVE, BookingView, booking_by_ref
from jmd.clock import utc
from jmd.db.engine import affected
from jmd.db.models import Booking, Person, Slot

DAY_BEFORE = "day"
HOURS_BEFORE = "hours"
_COLUMNS = {DAY_BEFORE: Booking.reminder_day_sent_at, HOURS_BEFORE: Booking.reminder_hours_sent_at}


@dataclass(frozen=True)
class Reminder:
    kind: str
    booking: BookingView
    chat_id: int
    language: str


def _lead(kind: str, hours_before: float) -> timedelta:
    return timedelta(hours=24) if kind == DAY_BEFORE else timedelta(hours=hours_before)


def due(session: Session, now: datetime, *, hours_before: float = 2) -> list[tuple[str, str]]:
    """(kind, booking ref) of the reminders due now: within their lead time before the start."""
    # only for bookings made before the lead time: nobody needs "tomorrow is your
    # appointment" an hour after booking it
    now = utc(now)
    kinds = [DAY_BEFORE] + ([HOURS_BEFORE] if hours_before > 0 else [])
    found: list[tuple[str, str]] = []
    for kind in kinds:
        lead = _lead(kind, hours_before)
        column = _COLUMNS[kind]
        rows = session.execute(
            select(Booking.ref, Booking.created_at, Slot.starts_at)
            .join(Slot, Booking.slot_id == Slot.id)
            .where(Booking.status == ACTIVE, column.is_(None), Slot.starts_at > now,
                   Slot.starts_at <= now + lead)
            .order_by(Slot.starts_at)
        ).all()
        found += [(kind, str(ref)) for ref, created, starts in rows
                  if utc(created) <= utc(starts) - lead]
    return found


def claim(session: Session, kind: str, ref: str, now: datetime) -> Reminder | None:
    """Mark the reminder as sent; None if another run already did (or nobody to send to)."""
    column = _COLUMNS[kind]
    result = session.execute(
        update(Booking)
        .where(Booking.ref == ref, Booking.status == ACTIVE, column.is_(None))
        .values({column.key: utc(now)})
    )
    if affected(result) != 1:
        return None
    booking = booking_by_ref(session, ref)
    person = session.execute(
        select(Person).where(Person.key == booking.person_key)
    ).scalar_one_or_none() if booking else None
    if booking is None or person is None or person.chat_id is None:
        return None
    return Reminder(kind, booking, int(person.chat_id), str(person.language or booking.language))
