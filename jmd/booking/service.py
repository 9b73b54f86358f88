"""Booking, cancelling and rescheduling slots; the views of slots and bookings.

Correctness comes from the database: a partial unique index allows one *active* booking
per slot, so two people pressing the same button at the same moment cannot both get it;
one person's bookings are serialised (:func:`_lock_person`: PostgreSQL's transaction-level
advisory lock on the key; on SQLite every transaction holds the write lock from its start,
see jmd.db.engine), so parallel requests of one person cannot pass the limit together.
A move (``book(..., replacing=...)``) is one transaction: new booked and old cancelled,
or neither.
Every function takes a session and the current time; callers own the transaction
(:func:`jmd.db.engine.in_transaction` retries the transient conflicts SQLite and PostgreSQL report).
Only frozen views (:class:`SlotView`, :class:`BookingView`) leave these functions. Finding
free slots is jmd.booking.free.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jmd.clock import utc
from jmd.db.models import Booking, Counselor, JointAppointment, Office, Slot

logger = logging.getLogger(__name__)

MODES = ("in_person", "phone", "video")
ANY = "any"
MAX_UPCOMING = 2  # upcoming bookings per person
PAGE = 6  # slot buttons per message
MIN_NOTICE = timedelta(hours=1)  # a slot starting sooner is not offered any more
ACTIVE, CANCELLED = "active", "cancelled"
_REF_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud on the phone



class BookingError(Exception):
    """A booking request that cannot be fulfilled; ``reason`` says why (for the reply)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Reasons, each answered with its own message.
TAKEN = "taken"  # someone else was faster
GONE = "gone"  # the slot does not exist (forged), was withdrawn or has passed
LIMIT = "limit"  # the person already has MAX_UPCOMING upcoming bookings
NOT_YOURS = "not_found"  # no such booking of this person (forged or stale button)


def slot_taken() -> ColumnElement[bool]:
    """Whether ``Slot`` is taken: an active booking holds it, or it is the partner's slot
    of a joint appointment whose booking is active (jmd.booking.joint)."""
    booked = exists().where(and_(Booking.slot_id == Slot.id, Booking.status == ACTIVE))
    held = exists().where(and_(JointAppointment.partner_slot_id == Slot.id,
                               JointAppointment.booking_id == Booking.id,
                               Booking.status == ACTIVE))
    return or_(booked, held)


def held_for_joint(session: Session, slot_id: int) -> bool:
    """Whether the slot is the partner's half of an active joint appointment."""
    query = select(JointAppointment.id).join(
        Booking, Booking.id == JointAppointment.booking_id
    ).where(JointAppointment.partner_slot_id == slot_id, Booking.status == ACTIVE)
    return session.execute(query.limit(1)).first() is not None


def new_ref(length: int = 8) -> str:
    """A short opaque id for a button payload (Telegram allows 64 bytes of callback data)."""
    return "".join(secrets.choice(_REF_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class SlotView:
    ref: str
    starts_at: datetime  # aware UTC
    ends_at: datetime
    mode: str
    counselor: str
    counselor_languages: tuple[str, ...]
    office_id: str
    office_name: str
    address: str | None


@dataclass(frozen=True)
class BookingView:
    ref: str
    status: str
    language: str
    slot: SlotView
    person_key: str


@dataclass(frozen=True)
class Preferences:
    """What the person asked for; None or ``any`` means no preference."""

    office_id: str | None = None
    mode: str | None = None
    language: str | None = None
    from_day: date | None = None  # local (Berlin) date
    # the kind of the counselor's organisation (jmd, mbe …), from the person's age band
    # (jmd.content.routing.booking_kind); None: any organisation
    organisation_kind: str | None = None

    def clean(self) -> Preferences:
        def keep(value: str | None) -> str | None:
            return None if value in (None, "", ANY) else value

        return Preferences(keep(self.office_id), keep(self.mode), keep(self.language),
                           self.from_day, keep(self.organisation_kind))


def slot_view(slot: Slot, counselor: Counselor, office: Office) -> SlotView:
    """The frozen view of a slot row, safe after the session closes."""
    return SlotView(
        ref=str(slot.ref),
        starts_at=utc(slot.starts_at),
        ends_at=utc(slot.ends_at),
        mode=str(slot.mode),
        counselor=str(counselor.name),
        counselor_languages=tuple(counselor.language_codes),
        office_id=str(office.id),
        office_name=str(office.name),
        address=office.address,
    )


def _booking_view(
    booking: Booking, slot: Slot, counselor: Counselor, office: Office
) -> BookingView:
    return BookingView(
        ref=str(booking.ref), status=str(booking.status), language=str(booking.language),
        slot=slot_view(slot, counselor, office), person_key=str(booking.person_key),
    )


def _bookings_query() -> Select[tuple[Booking, Slot, Counselor, Office]]:
    return (
        select(Booking, Slot, Counselor, Office)
        .join(Slot, Booking.slot_id == Slot.id)
        .join(Counselor, Slot.counselor_id == Counselor.id)
        .join(Office, Counselor.office_id == Office.id)
    )


def upcoming(session: Session, person_key: str, now: datetime) -> list[BookingView]:
    """The person's active bookings that have not ended yet, earliest first."""
    rows = session.execute(
        _bookings_query()
        .where(Booking.person_key == person_key, Booking.status == ACTIVE,
               Slot.ends_at > utc(now))
        .order_by(Slot.starts_at)
    ).all()
    return [_booking_view(*row) for row in rows]


def booking_by_ref(session: Session, ref: str) -> BookingView | None:
    row = session.execute(_bookings_query().where(Booking.ref == ref)).first()
    return _booking_view(*row) if row else None


def own_upcoming(session: Session, person_key: str, ref: str, now: datetime) -> BookingView:
    """The person's upcoming booking ``ref``, else :data:`NOT_YOURS`."""
    # forged, someone else's, cancelled and past all get the same answer: never say whose
    found = next((b for b in upcoming(session, person_key, now) if b.ref == ref), None)
    if found is None:
        raise BookingError(NOT_YOURS)
    return found


# Namespace of this module's PostgreSQL advisory locks (the other number is the key's hash).
_PERSON_LOCKS = 0x6A6D64  # "jmd"


def _lock_person(session: Session, person_key: str) -> None:
    """Hold the person's booking lock until the transaction ends (PostgreSQL).

    Two transactions of one person read their upcoming bookings one after the other, so
    neither can miss what the other booked. SQLite needs nothing here: its transactions
    take the database's write lock when they begin (jmd.db.engine).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_PERSON_LOCKS,
                                                          func.hashtext(person_key))))


def book(
    session: Session,
    person_key: str,
    slot_ref: str,
    language: str,
    now: datetime,
    *,
    replacing: str | None = None,
) -> BookingView:
    """Book ``slot_ref`` for the person; with ``replacing``, that booking is cancelled in the
    same transaction (a reschedule never leaves the person with none or two).

    Raises :class:`BookingError` before changing anything; the caller's transaction rolls
    back whatever else fails, so a failed move leaves the old booking active.
    """
    _lock_person(session, person_key)
    # the slot row is locked (PostgreSQL): a joint appointment holding it waits, or is seen
    slot = session.execute(
        select(Slot).where(Slot.ref == slot_ref).with_for_update()
    ).scalar_one_or_none()
    if slot is None or slot.withdrawn or utc(slot.starts_at) <= utc(now):
        raise BookingError(GONE)
    if held_for_joint(session, int(slot.id)):
        raise BookingError(TAKEN)
    mine = upcoming(session, person_key, now)
    same = next((b for b in mine if b.slot.ref == slot_ref), None)
    if same is not None:  # a double tap on "yes": the booking exists, say so again
        moving = replacing is not None and replacing != same.ref
        if moving and any(b.ref == replacing for b in mine):
            # asked to move onto a slot that is already theirs: the old one still goes
            _cancel(session, str(replacing), now, by="person")
        return same
    old = own_upcoming(session, person_key, replacing, now) if replacing else None
    if len([b for b in mine if b.ref != replacing]) >= MAX_UPCOMING:
        raise BookingError(LIMIT)
    booking = Booking(
        ref=new_ref(), slot_id=slot.id, person_key=person_key, language=language,
        status=ACTIVE, created_at=utc(now),
    )
    try:
        with session.begin_nested():
            session.add(booking)
    except IntegrityError as error:
        raise BookingError(TAKEN) from error
    if old is not None:
        _cancel(session, old.ref, now, by="person")
    view = booking_by_ref(session, str(booking.ref))
    assert view is not None
    return view


def _cancel(session: Session, ref: str, now: datetime, *, by: str) -> None:
    session.execute(
        update(Booking)
        .where(Booking.ref == ref, Booking.status == ACTIVE)
        .values(status=CANCELLED, cancelled_at=utc(now), cancelled_by=by)
    )


def cancel(session: Session, person_key: str, ref: str, now: datetime) -> BookingView:
    """Cancel the person's upcoming booking ``ref`` (the slot is free again at once)."""
    own_upcoming(session, person_key, ref, now)
    _cancel(session, ref, now, by="person")
    view = booking_by_ref(session, ref)
    assert view is not None
    return view


def cancel_all(session: Session, person_key: str, now: datetime, *, by: str) -> list[BookingView]:
    """Cancel every upcoming booking of a person (erasure); returns what was cancelled."""
    bookings = upcoming(session, person_key, now)
    for booking in bookings:
        _cancel(session, booking.ref, now, by=by)
    return bookings


def bookings_between(session: Session, start: datetime, end: datetime) -> list[BookingView]:
    """Active bookings starting in [start, end), for the counselors' overview."""
    rows = session.execute(
        _bookings_query()
        .where(Booking.status == ACTIVE, Slot.starts_at >= utc(start), Slot.starts_at < utc(end))
        .order_by(Slot.starts_at)
    ).all()
    return [_booking_view(*row) for row in rows]


