"""Who may act as a counselor, who speaks a language, and the person's next appointment.

Read for the card and for the "Übernehmen" button; functions take the session first and
return plain values or frozen views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jmd.clock import utc
from jmd.db.models import Booking, Counselor, Office, Slot
from jmd.handoff.state import now


@dataclass(frozen=True)
class CounselorCheck:
    """Whether a Telegram account may act as a counselor, and the name shown for it."""

    allowed: bool
    name: str | None = None  # None: not in the table (allow-list), use the Telegram name


def counselor_by_telegram_id(
    session: Session, telegram_id: int, allow_list: frozenset[int] = frozenset()
) -> CounselorCheck:
    """Listed and active in ``counselors``, or in the allow-list (COUNSELOR_TELEGRAM_IDS)."""
    query = select(Counselor.name).where(
        Counselor.telegram_user_id == telegram_id, Counselor.active.is_(True)
    )
    name = session.scalars(query).first()
    if name is not None:
        return CounselorCheck(True, str(name))
    return CounselorCheck(telegram_id in allow_list)


def organisation_of(session: Session, counselor: Counselor) -> str | None:
    """The counselor's organisation id: their own, else their office's."""
    if counselor.organisation_id:
        return counselor.organisation_id
    office = session.get(Office, counselor.office_id)
    return office.organisation_id if office else None


def speakers(session: Session, language: str) -> list[str]:
    """Names of active counselors with a Telegram account who speak ``language``."""
    query = select(Counselor).where(
        Counselor.active.is_(True), Counselor.telegram_user_id.is_not(None)
    )
    return sorted(str(c.name) for c in session.scalars(query) if language in c.language_codes)


@dataclass(frozen=True)
class UpcomingBooking:
    """The person's next appointment: when, and at which office."""

    starts_at: datetime
    office_id: str | None


def upcoming_booking(
    session: Session, key: str, at: datetime | None = None
) -> UpcomingBooking | None:
    """The person's next active booking (start and office), if any."""
    query = (
        select(Slot.starts_at, Counselor.office_id)
        .join(Booking, Booking.slot_id == Slot.id)
        .join(Counselor, Counselor.id == Slot.counselor_id)
        .where(Booking.person_key == key, Booking.status == "active",
               Slot.starts_at >= utc(at or now()))
        .order_by(Slot.starts_at)
        .limit(1)
    )
    row = session.execute(query).first()
    if row is None:
        return None
    return UpcomingBooking(utc(row[0]), str(row[1]) if row[1] else None)
