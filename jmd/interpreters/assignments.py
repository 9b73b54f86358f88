"""Interpreter assignments: for a person's chat or appointment, asked → … → ended.

States: ``asked`` (the person is asked whether a volunteer may join) → ``declined`` or
``searching`` (volunteers got an offer) → ``active`` (one accepted) → ``ended``;
``asked``/``searching`` → ``timed_out``; an appointment's → ``cancelled``.

Invariants, held by the database (functions take the session first, return views):

* One open request per person's chat and per appointment (partial unique indexes), and
  one active chat per interpreter, so their messages have one destination.
* The first accept wins: one conditional UPDATE ``searching → active``, only for a
  volunteer who got an offer and is active in the register.
* A chat interpreter relays only while the chat's handoff is ``assigned``: every lookup
  for relaying joins the handoff, so nothing reaches them after it closed, however it
  closed; :func:`claim_orphans` then ends the assignment so they are told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Exists, and_, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jmd.booking.service import BookingView
from jmd.clock import utc
from jmd.db.engine import affected
from jmd.db.models import (
    Counselor,
    Handoff,
    Interpreter,
    InterpreterAssignment,
    InterpreterOffer,
    utcnow,
)
from jmd.handoff.state import ASSIGNED
from jmd.interpreters.register import InterpreterView, by_telegram_id
from jmd.shared.languages import registry

CHAT, APPOINTMENT = "chat", "appointment"
ASKED, DECLINED, SEARCHING, ACTIVE = "asked", "declined", "searching", "active"
ENDED, TIMED_OUT, CANCELLED = "ended", "timed_out", "cancelled"
OPEN = (ASKED, SEARCHING, ACTIVE)

A = InterpreterAssignment


@dataclass(frozen=True)
class AssignmentView:
    """An assignment as read in one transaction, with its interpreter (once accepted)."""

    id: int
    person_key: str
    kind: str
    status: str
    language: str
    handoff_id: int | None
    booking_ref: str | None
    requested_by: str | None
    interpreter: InterpreterView | None


def _view(session: Session, row: InterpreterAssignment) -> AssignmentView:
    person = session.get(Interpreter, row.interpreter_id) if row.interpreter_id else None
    return AssignmentView(
        int(row.id), str(row.person_key), str(row.kind), str(row.status), str(row.language),
        int(row.handoff_id) if row.handoff_id is not None else None,
        str(row.booking_ref) if row.booking_ref else None,
        str(row.requested_by) if row.requested_by else None,
        InterpreterView.of(person) if person is not None else None)


def get_assignment(session: Session, assignment_id: int) -> AssignmentView | None:
    row = session.get(A, assignment_id, populate_existing=True)
    return _view(session, row) if row is not None else None


def _add(session: Session, row: InterpreterAssignment) -> AssignmentView | None:
    """Insert; None when an open request for the same chat or appointment exists."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return _view(session, row)


def request_chat(session: Session, key: str, handoff_id: int, language: str,
                 requested_by: str, at: datetime | None = None) -> AssignmentView | None:
    """Ask for an interpreter in the person's chat (None: one is asked for already)."""
    return _add(session, A(person_key=key, kind=CHAT, status=ASKED, language=language,
                           handoff_id=handoff_id, requested_by=requested_by,
                           created_at=utc(at or utcnow())))


def request_appointment(session: Session, booking: BookingView,
                        at: datetime | None = None) -> AssignmentView | None:
    """Offer an interpreter for an appointment (None: one is offered already)."""
    return _add(session, A(person_key=booking.person_key, kind=APPOINTMENT, status=ASKED,
                           language=booking.language, booking_ref=booking.ref,
                           appointment_at=booking.slot.starts_at,
                           requested_by=booking.slot.counselor,
                           created_at=utc(at or utcnow())))


def _move(session: Session, assignment_id: int, before: tuple[str, ...], after: str,
          at: datetime | None = None, **where: object) -> bool:
    """One conditional UPDATE of the status; True if this call made the change."""
    values: dict[str, object] = {"status": after}
    if after in (DECLINED, ENDED, TIMED_OUT, CANCELLED):
        values["ended_at"] = utc(at or utcnow())
    conditions = [A.id == assignment_id, A.status.in_(before)]
    conditions += [getattr(A, name) == value for name, value in where.items()]
    result = session.execute(update(A).where(*conditions).values(values)
                             .execution_options(synchronize_session=False))
    return bool(affected(result))


def consent(session: Session, assignment_id: int, key: str, yes: bool,
            at: datetime | None = None) -> AssignmentView | None:
    """The person's answer: searching or declined; None unless it was theirs and asked."""
    if not _move(session, assignment_id, (ASKED,), SEARCHING if yes else DECLINED, at,
                 person_key=key):
        return None
    return get_assignment(session, assignment_id)


def record_offer(session: Session, assignment_id: int, interpreter_id: int,
                 message_id: int, at: datetime | None = None) -> None:
    """Remember the offer a volunteer got (to check their accept, to edit it later)."""
    session.add(InterpreterOffer(assignment_id=assignment_id, interpreter_id=interpreter_id,
                                 message_id=message_id, created_at=utc(at or utcnow())))
    session.flush()


@dataclass(frozen=True)
class Offer:
    """An offer message in a volunteer's private chat."""

    telegram_user_id: int
    message_id: int
    interpreter_id: int


def offers(session: Session, assignment_id: int) -> list[Offer]:
    query = (select(Interpreter.telegram_user_id, InterpreterOffer.message_id,
                    Interpreter.id)
             .join(Interpreter, Interpreter.id == InterpreterOffer.interpreter_id)
             .where(InterpreterOffer.assignment_id == assignment_id)
             .order_by(InterpreterOffer.id))
    return [Offer(int(u), int(m), int(i)) for u, m, i in session.execute(query)]


@dataclass(frozen=True)
class Accepted:
    """The outcome of a volunteer's accept."""

    allowed: bool  # an active registered volunteer for the request's language
    won: bool
    assignment: AssignmentView | None
    busy: bool = False  # they interpret another chat right now


def accept(session: Session, assignment_id: int, telegram_user_id: int,
           at: datetime | None = None) -> Accepted:
    """The first active volunteer for the language to accept gets it (one conditional
    UPDATE); anyone else (not registered, inactive, another language) changes nothing."""
    volunteer = by_telegram_id(session, telegram_user_id)
    current = get_assignment(session, assignment_id)
    if volunteer is None or current is None or current.language not in volunteer.languages \
            or current.person_key == _key_of(session, volunteer.id):
        return Accepted(False, False, None)
    still_active = exists().where(Interpreter.id == volunteer.id,
                                  Interpreter.active.is_(True))
    try:
        with session.begin_nested():
            result = session.execute(
                update(A).where(A.id == assignment_id, A.status == SEARCHING, still_active)
                .values(status=ACTIVE, interpreter_id=volunteer.id,
                        accepted_at=utc(at or utcnow()))
                .execution_options(synchronize_session=False))
    except IntegrityError:  # uq_interpreter_one_chat: they are in another chat
        return Accepted(True, False, get_assignment(session, assignment_id), busy=True)
    return Accepted(True, bool(affected(result)), get_assignment(session, assignment_id))


def _key_of(session: Session, interpreter_id: int) -> str | None:
    return session.scalars(select(Interpreter.person_key)
                           .where(Interpreter.id == interpreter_id)).first()


def end(session: Session, assignment_id: int, status: str = ENDED,
        at: datetime | None = None) -> AssignmentView | None:
    """End an open assignment; the view if this call ended it (None: over already)."""
    if not _move(session, assignment_id, OPEN, status, at):
        return None
    return get_assignment(session, assignment_id)


def _assigned_handoff() -> Exists:
    return exists().where(Handoff.id == A.handoff_id, Handoff.status == ASSIGNED)


def relay_for_person(session: Session, key: str) -> AssignmentView | None:
    """The person's active chat interpreter, while a counselor has the chat."""
    row = session.scalars(select(A).where(A.person_key == key, A.kind == CHAT,
                                          A.status == ACTIVE, _assigned_handoff())).first()
    return _view(session, row) if row is not None else None


def relay_for_interpreter(session: Session, telegram_user_id: int) -> AssignmentView | None:
    """The chat the *registered, active* volunteer interprets now (None: nothing to relay)."""
    row = session.scalars(
        select(A).join(Interpreter, Interpreter.id == A.interpreter_id)
        .where(Interpreter.telegram_user_id == telegram_user_id,
               Interpreter.active.is_(True), A.kind == CHAT, A.status == ACTIVE,
               _assigned_handoff())).first()
    return _view(session, row) if row is not None else None


def open_chat(session: Session, key: str) -> AssignmentView | None:
    """The person's chat request that is not over (asked, searching or active)."""
    row = session.scalars(select(A).where(A.person_key == key, A.kind == CHAT,
                                          A.status.in_(OPEN))).first()
    return _view(session, row) if row is not None else None


def open_for_booking(session: Session, booking_ref: str) -> AssignmentView | None:
    row = session.scalars(select(A).where(A.booking_ref == booking_ref,
                                          A.status.in_(OPEN))).first()
    return _view(session, row) if row is not None else None


def open_of_person(session: Session, key: str) -> list[AssignmentView]:
    rows = session.scalars(select(A).where(A.person_key == key, A.status.in_(OPEN))
                           .order_by(A.id))
    return [_view(session, row) for row in rows]


def open_of_interpreter(session: Session, interpreter_id: int) -> list[AssignmentView]:
    rows = session.scalars(select(A).where(A.interpreter_id == interpreter_id,
                                           A.status.in_(OPEN)).order_by(A.id))
    return [_view(session, row) for row in rows]


def claim_timeouts(session: Session, timeout: timedelta, at: datetime | None = None, *,
                   waiting_for: str = SEARCHING) -> list[AssignmentView]:
    """Requests still ``waiting_for`` (the person's answer: ``asked``; a volunteer:
    ``searching``) ``timeout`` after they were made: timed out by this call."""
    cutoff = utc(at or utcnow()) - timeout
    ids = list(session.scalars(select(A.id).where(A.status == waiting_for,
                                                  A.created_at <= cutoff).order_by(A.id)))
    claimed = [_move(session, int(i), (waiting_for,), TIMED_OUT, at) for i in ids]
    views = [get_assignment(session, int(i)) for i, won in zip(ids, claimed, strict=True)
             if won]
    return [view for view in views if view is not None]


def claim_orphans(session: Session, at: datetime | None = None) -> list[AssignmentView]:
    """Chat assignments whose handoff is no longer assigned (/done, /bot, idle …): ended."""
    not_assigned = ~exists().where(Handoff.id == A.handoff_id, Handoff.status == ASSIGNED)
    ids = list(session.scalars(select(A.id).where(A.kind == CHAT, A.status.in_(OPEN),
                                                  not_assigned).order_by(A.id)))
    ended = [end(session, int(i), ENDED, at) for i in ids]
    return [view for view in ended if view is not None]


def needs_interpreter(session: Session, booking: BookingView) -> bool:
    """A booking in a language no active counselor of its office speaks (German never)."""
    if booking.language == registry().default:
        return False
    rows = session.scalars(select(Counselor).where(
        and_(Counselor.office_id == booking.slot.office_id, Counselor.active.is_(True))))
    return not any(booking.language in row.language_codes for row in rows)


def purge_over(session: Session, cutoff: datetime) -> int:
    """Retention: assignments over before ``cutoff``, and appointments' that took place."""
    cutoff = utc(cutoff)
    over = and_(A.status.not_in(OPEN), A.ended_at < cutoff)
    past = and_(A.kind == APPOINTMENT, A.appointment_at < cutoff)
    ids = list(session.scalars(select(A.id).where(over | past)))
    if not ids:
        return 0
    session.execute(delete(InterpreterOffer).where(InterpreterOffer.assignment_id.in_(ids))
                    .execution_options(synchronize_session=False))
    return affected(session.execute(delete(A).where(A.id.in_(ids))
                                    .execution_options(synchronize_session=False)))
