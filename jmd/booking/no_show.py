"""A counselor marks that a person did not come to an appointment (the console's calendar).

Only a counselor of the booking's office (their console account's ``counselor_id`` is a
counselor of that office) or an admin may; only an active booking whose appointment has
begun. The mark is a time (``bookings.no_show_at``), counted on the dashboard; it goes
with the booking (erasure, retention).
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from jmd import clock
from jmd.accounts.repository import Account
from jmd.db.models import Booking, Counselor, Slot, utcnow


class NoShow(Enum):
    """What marking did."""

    MARKED = "marked"
    ALREADY = "already"  # marked before: nothing changed
    NOT_FOUND = "not_found"  # no such active booking
    FORBIDDEN = "forbidden"  # another office's booking
    NOT_YET = "not_yet"  # the appointment has not begun


def mark_no_show(session: Session, ref: str, who: Account) -> NoShow:
    """Mark booking ``ref`` as a no-show for ``who`` (see the module's rules)."""
    found = session.execute(
        select(Booking, Slot, Counselor)
        .join(Slot, Booking.slot_id == Slot.id)
        .join(Counselor, Slot.counselor_id == Counselor.id)
        .where(Booking.ref == ref, Booking.status == "active")
    ).one_or_none()
    if found is None:
        return NoShow.NOT_FOUND
    booking, slot, counselor = found
    if who.role != "admin":
        mine = session.get(Counselor, who.counselor_id) if who.counselor_id else None
        if who.role != "counselor" or mine is None or mine.office_id != counselor.office_id:
            return NoShow.FORBIDDEN
    if booking.no_show_at is not None:
        return NoShow.ALREADY
    if clock.utc(slot.starts_at) > clock.now():
        return NoShow.NOT_YET
    booking.no_show_at = utcnow()
    return NoShow.MARKED
