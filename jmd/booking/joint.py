"""Joint appointments: two counselors of two organisations (e.g. JMD + Jobcenter) together.

The rule for "both are free": both counselors have a free slot that starts at the same
minute in the same mode (in person, phone, video). The appointment is the *host's* slot
(the counselor who offers it; its place, its end, its reminders) booked as an ordinary
booking; the *partner's* slot at that minute is held for as long as that booking is
active (:func:`jmd.booking.service.slot_taken`), so nobody else can book it. Cancelling the
booking (by the person, /appointments, /delete) frees both at once.

Invariants: the two counselors belong to different organisations; booking is one
transaction (the partner's slot row is locked, then the host's by
:func:`jmd.booking.service.book`, which refuses a slot held for a joint appointment);
functions take the session first and return frozen views.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jmd import clock
from jmd.booking.ics import Wording, appointment_ics
from jmd.booking.present import mode_label
from jmd.booking.service import (
    ACTIVE,
    GONE,
    MIN_NOTICE,
    NOT_YOURS,
    PAGE,
    TAKEN,
    BookingError,
    BookingView,
    SlotView,
    book,
    booking_by_ref,
    cancel,
    new_ref,
    slot_taken,
    slot_view,
)
from jmd.clock import utc
from jmd.db.engine import affected
from jmd.db.models import Booking, Counselor, JointAppointment, Office, Slot
from jmd.handoff.counselors import organisation_of
from jmd.partners.referrals import organisation_name

SAME_ORGANISATION = "same_organisation"  # a BookingError reason: not a joint appointment


@dataclass(frozen=True)
class JointTime:
    """A time both counselors are free: the host's slot and the partner's."""

    host: SlotView
    partner: SlotView


@dataclass(frozen=True)
class Side:
    """One of the two counselors: name, organisation and Telegram account (for a mention)."""

    name: str
    organisation_id: str | None
    organisation: str
    telegram_id: int | None


@dataclass(frozen=True)
class JointView:
    """A joint appointment as read in one transaction."""

    ref: str
    booking: BookingView
    host: Side
    partner: Side
    referral_id: int | None
    cancelled: bool

    @property
    def organisations(self) -> str:
        """ "JMD und Jobcenter": both organisations' names."""
        return f"{self.host.organisation} + {self.partner.organisation}"


def _side(session: Session, counselor: Counselor) -> Side:
    organisation = organisation_of(session, counselor)
    return Side(str(counselor.name), organisation, organisation_name(organisation),
                int(counselor.telegram_user_id) if counselor.telegram_user_id else None)


def _free_of(session: Session, counselor_id: int, now: datetime,
             starts_at: datetime | None = None) -> list[SlotView]:
    """The counselor's free slots from ``MIN_NOTICE`` on (at ``starts_at`` only, if given)."""
    query = (
        select(Slot, Counselor, Office)
        .join(Counselor, Slot.counselor_id == Counselor.id)
        .join(Office, Counselor.office_id == Office.id)
        .where(Slot.counselor_id == counselor_id, Counselor.active.is_(True),
               Slot.withdrawn.is_(False), Slot.starts_at >= utc(now) + MIN_NOTICE,
               ~slot_taken())
        .order_by(Slot.starts_at, Slot.id)
    )
    if starts_at is not None:
        query = query.where(Slot.starts_at == utc(starts_at))
    return [slot_view(*row) for row in session.execute(query).all()]


def different_organisations(session: Session, host_id: int, partner_id: int) -> bool:
    """Whether the two counselors exist and belong to two different organisations."""
    host, partner = session.get(Counselor, host_id), session.get(Counselor, partner_id)
    if host is None or partner is None:
        return False
    ours, theirs = organisation_of(session, host), organisation_of(session, partner)
    return ours is not None and theirs is not None and ours != theirs


def joint_times(session: Session, host_id: int, partner_id: int, now: datetime,
                limit: int = PAGE) -> list[JointTime]:
    """The next times both are free (same start, same mode), earliest first."""
    if not different_organisations(session, host_id, partner_id):
        return []
    theirs = {(slot.starts_at, slot.mode): slot for slot in _free_of(session, partner_id, now)}
    found = [JointTime(slot, theirs[(slot.starts_at, slot.mode)])
             for slot in _free_of(session, host_id, now) if (slot.starts_at, slot.mode) in theirs]
    return found[:limit]


def _counselor_of(session: Session, ref: str) -> tuple[Slot, Counselor] | None:
    row = session.execute(
        select(Slot, Counselor).join(Counselor, Slot.counselor_id == Counselor.id)
        .where(Slot.ref == ref).with_for_update(of=Slot)
    ).first()
    return (row[0], row[1]) if row else None


def book_joint(session: Session, key: str, host_ref: str, partner_ref: str, language: str,
               now: datetime, *, referral_id: int | None = None) -> JointView:
    """Book the host's slot for the person and hold the partner's; all or nothing.

    Raises :class:`BookingError` (GONE, TAKEN, LIMIT, SAME_ORGANISATION) before changing
    anything; the caller's transaction rolls back what else fails.
    """
    partner_row = _counselor_of(session, partner_ref)  # locked first (PostgreSQL)
    host_row = _counselor_of(session, host_ref)
    if partner_row is None or host_row is None:
        raise BookingError(GONE)
    (partner_slot, partner), (host_slot, host) = partner_row, host_row
    if not different_organisations(session, int(host.id), int(partner.id)):
        raise BookingError(SAME_ORGANISATION)
    if utc(partner_slot.starts_at) != utc(host_slot.starts_at) \
            or partner_slot.mode != host_slot.mode:
        raise BookingError(GONE)
    existing = session.execute(select(JointAppointment.ref).join(
        Booking, Booking.id == JointAppointment.booking_id).where(
        JointAppointment.partner_slot_id == partner_slot.id, JointAppointment.person_key == key,
        Booking.slot_id == host_slot.id, Booking.status == ACTIVE)).scalar_one_or_none()
    if existing is not None:  # a double tap: the joint appointment exists, say so again
        view = joint_by_ref(session, str(existing))
        assert view is not None
        return view
    free = _free_of(session, int(partner.id), now, utc(partner_slot.starts_at))
    if not any(slot.ref == partner_ref for slot in free):
        raise BookingError(TAKEN)
    booking = book(session, key, host_ref, language, now)
    booking_id = session.execute(select(Booking.id).where(Booking.ref == booking.ref)).scalar_one()
    ref = new_ref()
    session.add(JointAppointment(
        ref=ref, person_key=key, booking_id=booking_id, partner_slot_id=partner_slot.id,
        organisation_id=organisation_of(session, host),
        partner_organisation_id=organisation_of(session, partner), referral_id=referral_id,
        starts_at=utc(host_slot.starts_at), created_at=utc(now),
    ))
    session.flush()
    view = joint_by_ref(session, ref)
    assert view is not None
    return view


def _view(session: Session, row: JointAppointment) -> JointView | None:
    booking_ref = session.execute(select(Booking.ref).where(Booking.id == row.booking_id)
                                  ).scalar_one_or_none()
    booking = booking_by_ref(session, str(booking_ref)) if booking_ref else None
    partner_slot = session.get(Slot, row.partner_slot_id)
    if booking is None or partner_slot is None:
        return None
    host = session.execute(select(Counselor).join(Slot, Slot.counselor_id == Counselor.id)
                           .join(Booking, Booking.slot_id == Slot.id)
                           .where(Booking.id == row.booking_id)).scalar_one()
    partner = session.get(Counselor, partner_slot.counselor_id)
    assert partner is not None
    return JointView(str(row.ref), booking, _side(session, host), _side(session, partner),
                     row.referral_id, row.cancelled_at is not None or booking.status != ACTIVE)


def joint_by_ref(session: Session, ref: str) -> JointView | None:
    """The joint appointment ``ref`` (None: unknown, or its booking is gone)."""
    row = session.execute(select(JointAppointment).where(JointAppointment.ref == ref)
                          ).scalar_one_or_none()
    return _view(session, row) if row is not None else None


def joint_of_booking(session: Session, booking_ref: str) -> JointView | None:
    """The joint appointment whose host booking is ``booking_ref``, if it is one."""
    row = session.execute(
        select(JointAppointment).join(Booking, Booking.id == JointAppointment.booking_id)
        .where(Booking.ref == booking_ref)
    ).scalar_one_or_none()
    return _view(session, row) if row is not None else None


def joints_of(session: Session, booking_refs: list[str]) -> dict[str, JointView]:
    """The joint appointments among ``booking_refs`` (for the counselors' overview)."""
    found = {}
    for ref in booking_refs:
        view = joint_of_booking(session, ref)
        if view is not None:
            found[ref] = view
    return found


def cancel_joint(session: Session, key: str, ref: str, now: datetime) -> JointView:
    """The person cancels their joint appointment; both slots are free again at once."""
    row = session.execute(select(JointAppointment).where(
        JointAppointment.ref == ref, JointAppointment.person_key == key)).scalar_one_or_none()
    view = _view(session, row) if row is not None else None
    if view is None or view.cancelled:
        raise BookingError(NOT_YOURS)
    cancel(session, key, view.booking.ref, now)
    return mark_cancelled(session, view.booking.ref, now) or view


def mark_cancelled(session: Session, booking_ref: str, now: datetime) -> JointView | None:
    """The host booking was cancelled or moved: the joint appointment ends; its view the
    first time only (None: not a joint appointment, or already marked)."""
    booking_id = select(Booking.id).where(Booking.ref == booking_ref).scalar_subquery()
    result = session.execute(
        update(JointAppointment)
        .where(JointAppointment.booking_id == booking_id,
               JointAppointment.cancelled_at.is_(None))
        .values(cancelled_at=utc(now))
        .execution_options(synchronize_session=False)
    )
    if not affected(result):
        return None
    return joint_of_booking(session, booking_ref)


def end_all_of(session: Session, key: str, now: datetime) -> list[JointView]:
    """The person's joint appointments not ended yet, now ended (erasure: their bookings
    were cancelled just before); the views, to tell both counselors."""
    refs = session.scalars(select(Booking.ref).join(
        JointAppointment, JointAppointment.booking_id == Booking.id).where(
        JointAppointment.person_key == key, JointAppointment.cancelled_at.is_(None))).all()
    ended = [mark_cancelled(session, str(ref), now) for ref in refs]
    return [view for view in ended if view is not None]


# -- what the person's calendar gets -----------------------------------------------------------


def joint_ics(view: JointView, language: str, stamp: datetime | None = None) -> bytes:
    """The joint appointment as one VEVENT naming both organisations and both counselors."""
    slot = view.booking.slot
    mode = mode_label(slot.mode, language)
    return appointment_ics(slot, language, Wording(
        uid=f"{view.ref}@jmd-assistent", product="Gemeinsamer Beratungstermin",
        summary=f"{view.organisations} – {mode} ({view.host.name}, {view.partner.name})",
        description=(f"{view.host.organisation}: {view.host.name}\n"
                     f"{view.partner.organisation}: {view.partner.name}\n{mode}"),
        alarm=view.organisations,
    ), stamp)


def filename(view: JointView) -> str:
    return f"gemeinsamer-termin-{view.booking.slot.starts_at:%Y%m%d-%H%M}.ics"


# -- the partner figures -------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class JointCount:
    """Joint appointments of one month (Europe/Berlin, by their date) of one organisation."""

    month: str
    organisation: str
    count: int


def counts(session: Session, start: datetime | None = None,
           end: datetime | None = None) -> list[JointCount]:
    """Joint appointments per (month, organisation), each counted for both organisations;
    cancelled ones are left out. Counts only."""
    query = select(JointAppointment.starts_at, JointAppointment.organisation_id,
                   JointAppointment.partner_organisation_id).where(
        JointAppointment.cancelled_at.is_(None))
    if start is not None:
        query = query.where(JointAppointment.starts_at >= utc(start))
    if end is not None:
        query = query.where(JointAppointment.starts_at < utc(end))
    tally: Counter[tuple[str, str]] = Counter()
    for starts, host, partner in session.execute(query):
        month = clock.local(utc(starts)).strftime("%Y-%m")
        for organisation in (host, partner):
            tally[(month, str(organisation or ""))] += 1
    return sorted(JointCount(month, organisation, count)
                  for (month, organisation), count in tally.items())

