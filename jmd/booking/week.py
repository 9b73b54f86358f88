"""A week of an office's bookings, for the counselors' calendar in the web console.

Invariants: read-only; the person appears only as the short pseudonym the counselor group
knows (:func:`jmd.identity.short`), never a name or Telegram data; weeks are ISO weeks in
Europe/Berlin (Monday 00:00 to Monday 00:00 local time); only active bookings are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from jmd.booking.joint import joints_of
from jmd.booking.service import bookings_between
from jmd.clock import BERLIN, local
from jmd.db.models import Booking, Counselor, JointAppointment, Slot
from jmd.handoff.cards import language_name
from jmd.identity import short
from jmd.interpreters.assignments import ACTIVE as INTERPRETER_ACTIVE
from jmd.interpreters.assignments import open_for_booking


@dataclass(frozen=True)
class Week:
    """An ISO week: its Monday and the neighbours' names (``2026-W48``)."""

    monday: date

    @classmethod
    def parse(cls, text: str | None, today: date) -> Week:
        """``YYYY-Www`` (the week of ``today`` if missing or not a week)."""
        try:
            year, week = (text or "").upper().split("-W")
            return cls(date.fromisocalendar(int(year), int(week), 1))
        except ValueError:
            return cls(today - timedelta(days=today.weekday()))

    @property
    def name(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def previous(self) -> str:
        return Week(self.monday - timedelta(weeks=1)).name

    @property
    def next(self) -> str:
        return Week(self.monday + timedelta(weeks=1)).name

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    def bounds(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.monday, datetime.min.time(), tzinfo=BERLIN)
        end = datetime.combine(self.monday + timedelta(weeks=1), datetime.min.time(),
                               tzinfo=BERLIN)
        return start, end


@dataclass(frozen=True)
class Entry:
    """One booking as the calendar shows it."""

    ref: str
    day: date  # local
    start: str  # "09:00", local
    end: str
    mode: str
    language: str  # its German name, e.g. "Dari"
    counselor: str
    office_id: str
    office: str
    person: str  # the short pseudonym, e.g. "7F3A9C"
    partner: str | None  # a joint appointment's other counselor and organisation
    interpreter: str | None  # the volunteer who comes along, or "wird gesucht"
    past: bool  # started already: a no-show can be marked


def _interpreter(session: Session, booking_ref: str) -> str | None:
    assignment = open_for_booking(session, booking_ref)
    if assignment is None:
        return None
    if assignment.status == INTERPRETER_ACTIVE and assignment.interpreter is not None:
        return assignment.interpreter.name
    return "wird gesucht"


def _partner_offices(session: Session, refs: list[str]) -> dict[str, str]:
    """The office of the partner counselor of each joint appointment among ``refs``."""
    partner_slot = aliased(Slot)
    rows = session.execute(
        select(Booking.ref, Counselor.office_id)
        .join(JointAppointment, JointAppointment.booking_id == Booking.id)
        .join(partner_slot, partner_slot.id == JointAppointment.partner_slot_id)
        .join(Counselor, Counselor.id == partner_slot.counselor_id)
        .where(Booking.ref.in_(refs))
    ).all()
    return {str(ref): str(office) for ref, office in rows}


def week_entries(session: Session, week: Week, now: datetime,
                 office_id: str | None = None) -> list[Entry]:
    """The week's active bookings of ``office_id`` (None: every office), earliest first; a
    joint appointment shows in the partner counselor's office too."""
    bookings = bookings_between(session, *week.bounds())
    if office_id is not None:
        partners = _partner_offices(session, [booking.ref for booking in bookings])
        bookings = [booking for booking in bookings if office_id in (
            booking.slot.office_id, partners.get(booking.ref))]
    joints = joints_of(session, [booking.ref for booking in bookings])
    entries = []
    for booking in bookings:
        slot, joint = booking.slot, joints.get(booking.ref)
        entries.append(Entry(
            ref=booking.ref, day=local(slot.starts_at).date(),
            start=f"{local(slot.starts_at):%H:%M}", end=f"{local(slot.ends_at):%H:%M}",
            mode=slot.mode, language=language_name(booking.language),
            counselor=slot.counselor, office_id=slot.office_id, office=slot.office_name,
            person=short(booking.person_key),
            partner=f"{joint.partner.name} ({joint.partner.organisation})" if joint else None,
            interpreter=_interpreter(session, booking.ref),
            past=slot.starts_at <= now,
        ))
    return entries
