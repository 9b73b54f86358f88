"""Handoffs in the database: open → assigned → closed, one active per person.

Every function takes the session first (run it with :func:`jmd.db.db`) and returns plain
values or frozen views, never ORM rows: a row read after its session closed is stale.
Changes of status are single conditional UPDATEs, so two counselors pressing "Übernehmen"
at once, or a /done racing a timeout, cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from jmd.clock import utc
from jmd.db.engine import affected
from jmd.db.models import Handoff, utcnow
from jmd.db.persons import get_person

OPEN, ASSIGNED, CLOSED = "open", "assigned", "closed"
ACTIVE = (OPEN, ASSIGNED)


# the controllable clock in UTC: the one the models' defaults use
now = utcnow


@dataclass(frozen=True)
class HandoffView:
    """A handoff as read in one transaction."""

    id: int
    person_key: str
    status: str
    urgent: bool
    language: str
    office_id: str | None = None
    counselor_telegram_id: int | None = None
    counselor_name: str | None = None
    card_message_id: int | None = None

    @classmethod
    def of(cls, row: Handoff) -> HandoffView:
        """The view of an ORM row (inside its session)."""
        return cls(
            id=int(row.id), person_key=str(row.person_key), status=str(row.status),
            urgent=bool(row.urgent), language=str(row.language),
            office_id=str(row.office_id) if row.office_id else None,
            counselor_telegram_id=(int(row.counselor_telegram_id)
                                   if row.counselor_telegram_id is not None else None),
            counselor_name=str(row.counselor_name) if row.counselor_name else None,
            card_message_id=(int(row.card_message_id)
                             if row.card_message_id is not None else None),
        )


@dataclass(frozen=True)
class Requested:
    """The outcome of a request: the person's active handoff and what changed."""

    handoff: HandoffView
    created: bool
    escalated: bool = False  # an open handoff became urgent (crisis)

    @property
    def needs_card(self) -> bool:
        """A card must be posted: new, louder, or never posted (the last try failed)."""
        return self.created or self.escalated or self.handoff.card_message_id is None


@dataclass(frozen=True)
class Contact:
    """Where and in which language the person is reached (chat None: never seen)."""

    chat_id: int | None
    language: str | None


def _active_row(session: Session, key: str) -> Handoff | None:
    """The ORM row of the person's active handoff (stays inside this module)."""
    query = select(Handoff).where(Handoff.person_key == key, Handoff.status.in_(ACTIVE))
    row: Handoff | None = session.scalars(query).one_or_none()
    return row


def active_handoff(session: Session, key: str) -> HandoffView | None:
    """The person's handoff that is open or assigned, if any."""
    row = _active_row(session, key)
    return HandoffView.of(row) if row is not None else None


def status_of(session: Session, key: str) -> str | None:
    """The status of the person's active handoff (None: none is active)."""
    query = select(Handoff.status).where(Handoff.person_key == key,
                                         Handoff.status.in_(ACTIVE))
    status = session.execute(query).scalar_one_or_none()
    return str(status) if status is not None else None


def get_handoff(session: Session, handoff_id: int) -> HandoffView | None:
    """The handoff ``handoff_id`` as it is now (None: deleted)."""
    row = session.get(Handoff, handoff_id, populate_existing=True)
    return HandoffView.of(row) if row is not None else None


def request_handoff(
    session: Session,
    key: str,
    *,
    urgent: bool,
    language: str,
    office_id: str | None = None,
    at: datetime | None = None,
) -> Requested:
    """Open a handoff for ``key``, or return the one already open or assigned."""
    existing = _active_row(session, key)
    if existing is None:
        row = Handoff()
        row.person_key = key
        row.status = OPEN
        row.urgent = urgent
        row.language = language
        row.office_id = office_id
        row.created_at = utc(at or now())
        session.add(row)
        # Two requests at once: the unique index refuses the second (IntegrityError);
        # the caller retries in a new transaction and gets the first one's handoff.
        session.flush()
        return Requested(HandoffView.of(row), created=True)
    escalated = urgent and not existing.urgent and existing.status == OPEN
    if escalated:
        existing.urgent = True
    if office_id and not existing.office_id:
        existing.office_id = office_id
    session.flush()
    return Requested(HandoffView.of(existing), created=False, escalated=escalated)


def set_card(session: Session, handoff_id: int, message_id: int) -> None:
    """Remember the card's message, to edit it later."""
    session.execute(
        update(Handoff).where(Handoff.id == handoff_id).values(card_message_id=message_id)
    )


def take(
    session: Session, handoff_id: int, counselor_id: int, counselor_name: str,
    at: datetime | None = None,
) -> bool:
    """Assign an open handoff; True only for the first counselor (one atomic UPDATE)."""
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == OPEN)
        .values(status=ASSIGNED, counselor_telegram_id=counselor_id,
                counselor_name=counselor_name, assigned_at=utc(at or now()))
        .execution_options(synchronize_session=False)
    )
    return bool(affected(result))


def close(session: Session, handoff_id: int, at: datetime | None = None) -> bool:
    """Close an open or assigned handoff; False if it was closed already."""
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status.in_(ACTIVE))
        .values(status=CLOSED, closed_at=utc(at or now()))
        .execution_options(synchronize_session=False)
    )
    return bool(affected(result))


def mark_notified(session: Session, handoff_id: int, at: datetime | None = None) -> bool:
    """Remember that the person was told nobody is free; True the first time only."""
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.timeout_notified_at.is_(None))
        .values(timeout_notified_at=utc(at or now()))
        .execution_options(synchronize_session=False)
    )
    return bool(affected(result))


def due_timeouts(
    session: Session, timeout: timedelta, at: datetime | None = None
) -> list[HandoffView]:
    """Open handoffs nobody took within ``timeout`` whose person was not told yet."""
    cutoff = utc(at or now()) - timeout
    query = select(Handoff).where(
        Handoff.status == OPEN,
        Handoff.timeout_notified_at.is_(None),
        Handoff.created_at <= cutoff,
    )
    return [HandoffView.of(row) for row in session.scalars(query.order_by(Handoff.id))]


def purge_closed(session: Session, cutoff: datetime) -> int:
    """Delete handoffs closed before ``cutoff`` (their topic is gone too)."""
    result = session.execute(
        delete(Handoff).where(Handoff.status == CLOSED, Handoff.closed_at < utc(cutoff))
    )
    return affected(result)


def contact(session: Session, key: str, fallback_language: str | None = None) -> Contact:
    """The person's chat and current language (their stored choice, else the fallback)."""
    person = get_person(session, key)
    if person is None:
        return Contact(None, fallback_language)
    chat = int(person.chat_id) if person.chat_id is not None else None
    return Contact(chat, person.language or fallback_language)


@dataclass(frozen=True)
class Claimed:
    """A timeout this process won: tell the person in ``chat_id`` (in ``language``)."""

    handoff_id: int
    chat_id: int
    language: str


def claim_timeouts(session: Session, timeout: timedelta) -> list[Claimed]:
    """Mark due handoffs as notified; those this call won (and whose chat is known)."""
    claimed = []
    for handoff in due_timeouts(session, timeout):
        if mark_notified(session, handoff.id):
            reach = contact(session, handoff.person_key, handoff.language)
            if reach.chat_id is not None:
                claimed.append(Claimed(handoff.id, reach.chat_id,
                                       reach.language or handoff.language))
    return claimed


def touch(session: Session, key: str, at: datetime | None = None) -> None:
    """A message of either side in the person's assigned handoff: it is not idle."""
    session.execute(
        update(Handoff)
        .where(Handoff.person_key == key, Handoff.status == ASSIGNED)
        .values(last_activity_at=utc(at or now()))
        .execution_options(synchronize_session=False)
    )


def close_assigned(session: Session, key: str, at: datetime | None = None) -> HandoffView | None:
    """Close the person's handoff if a counselor has it; the handoff this call closed."""
    row = _active_row(session, key)
    if row is None or row.status != ASSIGNED:
        return None
    view = HandoffView.of(row)
    return view if close(session, view.id, at) else None


@dataclass(frozen=True)
class Idle:
    """An assigned handoff this call closed for being idle, and where its person is."""

    handoff: HandoffView
    person: Contact


def close_idle(session: Session, idle: timedelta, at: datetime | None = None) -> list[Idle]:
    """Close assigned handoffs without a message of either side for ``idle``.

    Each close is one conditional UPDATE (still assigned, still idle), so a message that
    arrives meanwhile, a /done or a second process keeps it from being closed twice.
    """
    cutoff = utc(at or now()) - idle
    last = func.coalesce(Handoff.last_activity_at, Handoff.assigned_at, Handoff.created_at)
    query = select(Handoff).where(Handoff.status == ASSIGNED, last <= cutoff)
    closed = []
    for view in [HandoffView.of(row) for row in session.scalars(query.order_by(Handoff.id))]:
        result = session.execute(
            update(Handoff)
            .where(Handoff.id == view.id, Handoff.status == ASSIGNED, last <= cutoff)
            .values(status=CLOSED, closed_at=utc(at or now()))
            .execution_options(synchronize_session=False)
        )
        if affected(result):
            closed.append(Idle(view, contact(session, view.person_key, view.language)))
    return closed
